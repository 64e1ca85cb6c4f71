/// Counts the object members a value encodes to, without producing any output.
///
/// ``FSPIOPBodyDecoder`` uses it for the `additionalProperties: false` rule of FSPIOP 2.0: a body decoded
/// with the plain `JSONDecoder` ignores unknown properties, so when the body has exactly as many object
/// members as its model encodes back, none was unknown. (A model never encodes a property that was not
/// in the body; the body can have more members only through an unknown property, an explicit `null` on
/// an optional property, or a duplicated name, and then ``ClosedObjectDecoder`` decides.) Counting is
/// several times cheaper than decoding through ``ClosedObjectDecoder``.
enum MemberCounter {
    /// The number of keyed values `value` encodes, at any depth; nil if its encoding throws.
    static func count(_ value: any Encodable) -> Int? {
        let tally = Tally()
        do {
            try value.encode(to: CountingEncoder(tally: tally))
        } catch {
            return nil
        }
        return tally.members
    }

    /// The running count, shared by the encoder and its containers during one synchronous encoding.
    private final class Tally {
        var members = 0
    }

    private struct CountingEncoder: Encoder {
        let tally: Tally
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(KeyedCounter<Key>(tally: tally))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer { UnkeyedCounter(tally: tally) }

        func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueCounter(tally: tally) }
    }

    private struct KeyedCounter<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let tally: Tally
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: Bool, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: String, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: Double, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: Float, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: Int, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: Int8, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: Int16, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: Int32, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: Int64, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: UInt, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: UInt8, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: UInt16, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: UInt32, forKey key: Key) { tally.members += 1 }
        mutating func encode(_ value: UInt64, forKey key: Key) { tally.members += 1 }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            tally.members += 1
            try value.encode(to: CountingEncoder(tally: tally))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            tally.members += 1
            return KeyedEncodingContainer(KeyedCounter<NestedKey>(tally: tally))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            tally.members += 1
            return UnkeyedCounter(tally: tally)
        }

        mutating func superEncoder() -> any Encoder {
            tally.members += 1
            return CountingEncoder(tally: tally)
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            tally.members += 1
            return CountingEncoder(tally: tally)
        }
    }

    private struct UnkeyedCounter: UnkeyedEncodingContainer {
        let tally: Tally
        var codingPath: [any CodingKey] { [] }
        var count = 0

        mutating func encodeNil() { count += 1 }
        mutating func encode(_ value: Bool) { count += 1 }
        mutating func encode(_ value: String) { count += 1 }
        mutating func encode(_ value: Double) { count += 1 }
        mutating func encode(_ value: Float) { count += 1 }
        mutating func encode(_ value: Int) { count += 1 }
        mutating func encode(_ value: Int8) { count += 1 }
        mutating func encode(_ value: Int16) { count += 1 }
        mutating func encode(_ value: Int32) { count += 1 }
        mutating func encode(_ value: Int64) { count += 1 }
        mutating func encode(_ value: UInt) { count += 1 }
        mutating func encode(_ value: UInt8) { count += 1 }
        mutating func encode(_ value: UInt16) { count += 1 }
        mutating func encode(_ value: UInt32) { count += 1 }
        mutating func encode(_ value: UInt64) { count += 1 }

        mutating func encode<T: Encodable>(_ value: T) throws {
            count += 1
            try value.encode(to: CountingEncoder(tally: tally))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            count += 1
            return KeyedEncodingContainer(KeyedCounter<NestedKey>(tally: tally))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            count += 1
            return UnkeyedCounter(tally: tally)
        }

        mutating func superEncoder() -> any Encoder {
            count += 1
            return CountingEncoder(tally: tally)
        }
    }

    private struct SingleValueCounter: SingleValueEncodingContainer {
        let tally: Tally
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() {}
        mutating func encode(_ value: Bool) {}
        mutating func encode(_ value: String) {}
        mutating func encode(_ value: Double) {}
        mutating func encode(_ value: Float) {}
        mutating func encode(_ value: Int) {}
        mutating func encode(_ value: Int8) {}
        mutating func encode(_ value: Int16) {}
        mutating func encode(_ value: Int32) {}
        mutating func encode(_ value: Int64) {}
        mutating func encode(_ value: UInt) {}
        mutating func encode(_ value: UInt8) {}
        mutating func encode(_ value: UInt16) {}
        mutating func encode(_ value: UInt32) {}
        mutating func encode(_ value: UInt64) {}

        mutating func encode<T: Encodable>(_ value: T) throws {
            try value.encode(to: CountingEncoder(tally: tally))
        }
    }
}
