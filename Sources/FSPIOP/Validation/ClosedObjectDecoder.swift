/// A `Decoder` over another one that rejects, in every object it opens, a property the model's
/// `CodingKeys` do not name.
///
/// FSPIOP 2.0 sets `additionalProperties: false` on every object schema of its OpenAPI, so an unknown
/// property is a validation error (3100 naming the property). FSPIOP 1.1 is silent, so in 1.x bodies an
/// unknown property is accepted and ignored and this wrapper is not used. Being about three times
/// slower than the plain `JSONDecoder`, it only runs when ``MemberCounter`` says a 2.0 body has more
/// members than its model, to find the property to name.
///
/// A property is unknown when `Key(stringValue:)` fails for it, which is exactly the set of names the
/// synthesized (or hand-written) `CodingKeys` of the model lack; keys of a `Dictionary` are never unknown.
/// Nested values are decoded through `superDecoder(forKey:)` so the check reaches every level; the models
/// of this module contain no `Date`, `Data` or `URL`, for which that would bypass the `JSONDecoder`
/// strategies.
struct ClosedObjectDecoder: Decoder {
    let base: any Decoder

    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let container = try base.container(keyedBy: Key.self)
        var unknown: String?
        for key in try base.container(keyedBy: AnyCodingKey.self).allKeys where Key(stringValue: key.stringValue) == nil {
            // The smallest name, so that the error does not depend on the order of a hash table.
            if let current = unknown, current <= key.stringValue { continue }
            unknown = key.stringValue
        }
        if let unknown {
            throw UnknownPropertyError(path: FSPIOPBodyDecoder.render(codingPath + [AnyCodingKey(unknown)]))
        }
        return KeyedDecodingContainer(ClosedKeyedContainer(base: container))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        ClosedUnkeyedContainer(base: try base.unkeyedContainer())
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        try base.singleValueContainer()
    }
}

/// Decodes the root of a 2.0 body through ``ClosedObjectDecoder``.
struct ClosedObjectRoot<Value: Decodable>: Decodable {
    let value: Value

    init(from decoder: any Decoder) throws {
        value = try Value(from: ClosedObjectDecoder(base: decoder))
    }
}

/// A property that the schema of its object does not allow (`additionalProperties: false`).
struct UnknownPropertyError: Error, Sendable {
    /// The path of the property, e.g. `payee.partyIdInfo.nickname`.
    let path: String
}

/// A coding key for any property name or array index.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(_ name: String) {
        stringValue = name
        intValue = nil
    }

    init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init?(stringValue: String) { self.init(stringValue) }

    init?(intValue: Int) { self.init(index: intValue) }
}

private struct ClosedKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<Key>

    var codingPath: [any CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys }

    func contains(_ key: Key) -> Bool { base.contains(key) }
    func decodeNil(forKey key: Key) throws -> Bool { try base.decodeNil(forKey: key) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try base.decode(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try base.decode(type, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try base.decode(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try base.decode(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try base.decode(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try base.decode(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try base.decode(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try base.decode(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try base.decode(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try base.decode(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try base.decode(type, forKey: key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard base.contains(key) else {
            throw DecodingError.keyNotFound(key, .init(
                codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return try T(from: ClosedObjectDecoder(base: base.superDecoder(forKey: key)))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ClosedObjectDecoder(base: base.superDecoder(forKey: key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ClosedObjectDecoder(base: base.superDecoder(forKey: key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ClosedObjectDecoder(base: try base.superDecoder())
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ClosedObjectDecoder(base: try base.superDecoder(forKey: key))
    }
}

private struct ClosedUnkeyedContainer: UnkeyedDecodingContainer {
    var base: any UnkeyedDecodingContainer

    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int? { base.count }
    var isAtEnd: Bool { base.isAtEnd }
    var currentIndex: Int { base.currentIndex }

    mutating func decodeNil() throws -> Bool { try base.decodeNil() }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try base.decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !base.isAtEnd else {
            throw DecodingError.valueNotFound(T.self, .init(
                codingPath: codingPath + [AnyCodingKey(index: currentIndex)], debugDescription: "Unkeyed container is at end."))
        }
        return try T(from: ClosedObjectDecoder(base: base.superDecoder()))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try ClosedObjectDecoder(base: base.superDecoder()).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try ClosedObjectDecoder(base: base.superDecoder()).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        ClosedObjectDecoder(base: try base.superDecoder())
    }
}

extension Decoder {
    /// The API version of the body being decoded, when ``FSPIOPBodyDecoder`` decodes it.
    var fspiopVersion: APIVersion? {
        guard let key = FSPIOPBodyDecoder.apiVersionKey else { return nil }
        return userInfo[key] as? APIVersion
    }

    /// Whether to decode the properties FSPIOP 2.0 added to 1.1 schemas (`Party.supportedCurrencies`,
    /// `QuotesPostRequest.converter`, ...). Not for a 1.x body: those names are unknown properties there,
    /// accepted and ignored. Yes when the version is unknown (a plain `JSONDecoder`).
    var decodesV2Properties: Bool { (fspiopVersion?.major ?? 2) >= 2 }
}
