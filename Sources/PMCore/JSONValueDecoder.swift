import Foundation

/// Decodes a `Decodable` value straight from a ``JSONValue`` tree, with the rules of Foundation's
/// `JSONDecoder` and its default strategies (strings only from strings, numbers from their literal
/// text, the same `DecodingError`s with the same coding paths), without writing the tree back to bytes
/// and parsing them again. `Data`, `Date`, `URL` and `Decimal`, which `JSONDecoder` treats specially,
/// are handed to it for their subtree.
public enum JSONValueDecoder {
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try TreeDecoder(value: value, codingPath: []).unbox(type)
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) { stringValue = "Index \(index)"; intValue = index }
    init?(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct TreeDecoder: Decoder {
    let value: JSONValue
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        // As JSONDecoder: a null where an object or array is expected is a missing value, not a wrong type.
        if case .null = value {
            throw DecodingError.valueNotFound(KeyedDecodingContainer<Key>.self, DecodingError.Context(
                codingPath: codingPath, debugDescription: "Cannot get keyed decoding container -- found null value instead"))
        }
        guard case let .object(members) = value else {
            throw mismatch([String: JSONValue].self, "Expected to decode Dictionary<String, Any> but found \(value.kindDescription) instead.")
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        if case .null = value {
            throw DecodingError.valueNotFound(UnkeyedDecodingContainer.self, DecodingError.Context(
                codingPath: codingPath, debugDescription: "Cannot get unkeyed decoding container -- found null value instead"))
        }
        guard case let .array(elements) = value else {
            throw mismatch([JSONValue].self, "Expected to decode Array<Any> but found \(value.kindDescription) instead.")
        }
        return UnkeyedContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { SingleContainer(decoder: self) }

    func mismatch(_ type: Any.Type, _ description: String) -> DecodingError {
        .typeMismatch(type, DecodingError.Context(codingPath: codingPath, debugDescription: description))
    }

    // MARK: Leaves

    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type: return try string() as! T
        case is Bool.Type: return try bool() as! T
        case is Int.Type: return try integer(Int.self) as! T
        case is Int64.Type: return try integer(Int64.self) as! T
        case is Int32.Type: return try integer(Int32.self) as! T
        case is Int16.Type: return try integer(Int16.self) as! T
        case is Int8.Type: return try integer(Int8.self) as! T
        case is UInt.Type: return try integer(UInt.self) as! T
        case is UInt64.Type: return try integer(UInt64.self) as! T
        case is UInt32.Type: return try integer(UInt32.self) as! T
        case is UInt16.Type: return try integer(UInt16.self) as! T
        case is UInt8.Type: return try integer(UInt8.self) as! T
        case is Double.Type: return try floating() as! T
        case is Float.Type: return Float(try floating()) as! T
        case is JSONValue.Type: return value as! T
        case is Data.Type, is Date.Type, is URL.Type, is Decimal.Type:
            // JSONDecoder's own rules for these (base64, seconds, URL strings, decimal literals).
            let wrapped = JSONValue.array([value])
            do {
                return try JSONDecoder().decode([T].self, from: Data(CanonicalJSON.insertionOrderBytes(wrapped)))[0]
            } catch let DecodingError.typeMismatch(type, context) {
                throw DecodingError.typeMismatch(type, DecodingError.Context(codingPath: codingPath, debugDescription: context.debugDescription))
            } catch let DecodingError.dataCorrupted(context) {
                throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: context.debugDescription))
            }
        default:
            return try T(from: self)
        }
    }

    var isNull: Bool { if case .null = value { return true } else { return false } }

    func nullCheck(_ type: Any.Type) throws {
        if isNull {
            throw DecodingError.valueNotFound(type, DecodingError.Context(codingPath: codingPath,
                                                                          debugDescription: "Expected \(type) value but found null instead."))
        }
    }

    func string() throws -> String {
        try nullCheck(String.self)
        guard case let .string(text) = value else {
            throw mismatch(String.self, "Expected to decode String but found \(value.kindDescription) instead.")
        }
        return text
    }

    func bool() throws -> Bool {
        try nullCheck(Bool.self)
        guard case let .bool(flag) = value else { throw mismatch(Bool.self, "Expected to decode Bool but found \(value.kindDescription) instead.") }
        return flag
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        try nullCheck(type)
        guard case let .number(text) = value else { throw mismatch(type, "Expected to decode \(type) but found \(value.kindDescription) instead.") }
        if let exact = I(text) { return exact }
        // `1.0` or `1e3` is an integer for JSONDecoder when its value is whole and fits.
        if let number = Double(text), number.rounded() == number, let exact = I(exactly: number) { return exact }
        throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath,
                                                                debugDescription: "Parsed JSON number <\(text)> does not fit in \(type)."))
    }

    func floating() throws -> Double {
        try nullCheck(Double.self)
        guard case let .number(text) = value, let number = Double(text) else {
            throw mismatch(Double.self, "Expected to decode Double but found \(value.kindDescription) instead.")
        }
        return number
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(String, JSONValue)]
    let codingPath: [CodingKey]

    var allKeys: [Key] {
        var seen = Set<String>()
        return members.compactMap { seen.insert($0.0).inserted ? Key(stringValue: $0.0) : nil }
    }

    func contains(_ key: Key) -> Bool { members.contains { $0.0 == key.stringValue } }

    func member(_ key: Key) throws -> JSONValue {
        guard let found = members.first(where: { $0.0 == key.stringValue }) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath,
                                                                      debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
        }
        return found.1
    }

    func decoder(for key: Key) throws -> TreeDecoder { TreeDecoder(value: try member(key), codingPath: codingPath + [key]) }

    func decodeNil(forKey key: Key) throws -> Bool { try decoder(for: key).isNull }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(for: key).unbox(type) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let found = members.first(where: { $0.0 == key.stringValue }) else { return nil }
        if case .null = found.1 { return nil }
        return try TreeDecoder(value: found.1, codingPath: codingPath + [key]).unbox(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { try decoder(for: key).unkeyedContainer() }

    func superDecoder() throws -> Decoder {
        TreeDecoder(value: members.first { $0.0 == "super" }?.1 ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> Decoder {
        TreeDecoder(value: members.first { $0.0 == key.stringValue }?.1 ?? .null, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [CodingKey]
    var currentIndex = 0

    init(elements: [JSONValue], codingPath: [CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func next(_ type: Any.Type) throws -> TreeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(codingPath: codingPath + [IndexKey(currentIndex)],
                                                                          debugDescription: "Unkeyed container is at end."))
        }
        defer { currentIndex += 1 }
        return TreeDecoder(value: elements[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if case .null = elements[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type).unbox(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next([String: JSONValue].self).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next([JSONValue].self).unkeyedContainer() }

    mutating func superDecoder() throws -> Decoder { try next(JSONValue.self) }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let decoder: TreeDecoder
    var codingPath: [CodingKey] { decoder.codingPath }
    func decodeNil() -> Bool { decoder.isNull }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.unbox(type) }
}

extension JSONValue {
    /// How `JSONDecoder` names a value's kind in its type-mismatch messages.
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "a dictionary"
        }
    }
}
