/// Chooses a record's partition from its key exactly as Kafka's Java client does by default (and
/// librdkafka with `partitioner=murmur2_random`): `toPositive(murmur2(key)) % partitions`. Both backends
/// use it, so a key lands in the same partition whichever log holds it.
public enum Partitioner {
    public static func partition(for key: [UInt8], partitions: Int32) -> Int32 {
        guard partitions > 1 else { return 0 }
        return Int32(Int64(murmur2(key) & 0x7FFF_FFFF) % Int64(partitions))
    }

    /// MurmurHash2, 32-bit, seed 0x9747b28c, as in `org.apache.kafka.common.utils.Utils.murmur2`.
    public static func murmur2(_ data: [UInt8]) -> UInt32 {
        let length = data.count
        let seed: UInt32 = 0x9747_B28C
        let m: UInt32 = 0x5BD1_E995
        let r: UInt32 = 24
        var h: UInt32 = seed ^ UInt32(truncatingIfNeeded: length)
        let blocks = length / 4
        for i in 0..<blocks {
            let base = i * 4
            var k = UInt32(data[base]) | UInt32(data[base + 1]) << 8 | UInt32(data[base + 2]) << 16 | UInt32(data[base + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = blocks * 4
        switch length % 4 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h = h &* m
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h = h &* m
        case 1:
            h ^= UInt32(data[tail])
            h = h &* m
        default: break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }
}
