import Testing
@testable import EventLog

struct PartitionerTests {
    /// Values from Kafka's own `UtilsTest.testMurmur2`.
    @Test("murmur2 matches Kafka's Java client", arguments: [
        ("21", Int32(-973932308)),
        ("foobar", -790332482),
        ("a-little-bit-long-string", -985981536),
        ("a-little-bit-longer-string", -1486304829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        ("abc", 479470107),
    ])
    func murmur2(key: String, expected: Int32) {
        #expect(Int32(bitPattern: Partitioner.murmur2(Array(key.utf8))) == expected)
    }

    @Test("a key always lands in the same partition, within range")
    func stable() {
        for partitions in [1, 2, 3, 8, 31] as [Int32] {
            for key in ["a", "transfer-1", "", "Zoë"] {
                let partition = Partitioner.partition(for: Array(key.utf8), partitions: partitions)
                #expect((0..<partitions).contains(partition))
                #expect(partition == Partitioner.partition(for: Array(key.utf8), partitions: partitions))
            }
        }
    }
}
