import FSPIOP
import PMCore
import Synchronization

/// The new ids one fact's decisions make (a quote id, ...), derived from the fact's id: the n-th id is the
/// SHA-256 of the fact id and n, as a version 4 UUID. Fact ids are random, so these ids are as unique and as
/// unpredictable as random ones; and the same fact gives the same ids, so that deciding a fact again (a record
/// delivered twice, or `pm replay verify` running every recorded decision again) makes exactly the recorded events.
package final class DerivedIDs: Sendable {
    private let seed: String
    private let count = Mutex(0)

    package init(seed: String) { self.seed = seed }

    package func next() -> String {
        let index = count.withLock { count in
            count += 1
            return count
        }
        return Self.id(seed: seed, index: index)
    }

    package static func id(seed: String, index: Int) -> String {
        let digest = Digest.sha256(Array("\(seed)/\(index)".utf8))
        var high: UInt64 = 0
        var low: UInt64 = 0
        for byte in 0..<8 {
            high |= UInt64(digest[byte]) << (UInt64(byte) * 8)
            low |= UInt64(digest[byte + 8]) << (UInt64(byte) * 8)
        }
        return RandomUUID.format(high, low)
    }
}
