#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Random (version 4) UUIDs as lower-case strings, from the kernel's CSPRNG read in blocks.
///
/// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` for every id, three system calls
/// each; a transfer makes about ten ids (envelopes, quotes, transfers), so a block of random bytes serves 256
/// ids per `getrandom` call (through `arc4random_buf`) instead. Ids are unique, not secret; the process never forks without `exec`.
public enum RandomUUID {
    private static let pool = Mutex(Pool())

    private struct Pool: ~Copyable {
        static let size = 4096
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        var used = size

        /// The next 16 random bytes.
        mutating func next() -> (UInt64, UInt64) {
            if used + 16 > Self.size {
                // glibc's arc4random_buf reads the kernel's CSPRNG (getrandom) and never fails.
                arc4random_buf(bytes.baseAddress!, Self.size)
                used = 0
            }
            defer { used += 16 }
            return (bytes.loadUnaligned(fromByteOffset: used, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: used + 8, as: UInt64.self))
        }

        deinit { bytes.deallocate() }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A new id such as `3f0e2b8c-5d1a-4c6e-9b7f-0a1b2c3d4e5f`.
    public static func make() -> String {
        let (high, low) = pool.withLock { $0.next() }
        return format(high, low)
    }

    /// 16 bytes (two little-endian words) as a version 4 UUID: the version and variant bits are set, the rest kept.
    public static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { text in
            var index = 0
            for byte in 0..<16 {
                var value = UInt8(truncatingIfNeeded: (byte < 8 ? high : low) >> (UInt64(byte % 8) * 8))
                if byte == 6 { value = (value & 0x0F) | 0x40 }  // version 4
                if byte == 8 { value = (value & 0x3F) | 0x80 }  // RFC 4122 variant
                if byte == 4 || byte == 6 || byte == 8 || byte == 10 {
                    text[index] = UInt8(ascii: "-")
                    index += 1
                }
                text[index] = hex[Int(value >> 4)]
                text[index + 1] = hex[Int(value & 0x0F)]
                index += 2
            }
            return index
        }
    }
}
