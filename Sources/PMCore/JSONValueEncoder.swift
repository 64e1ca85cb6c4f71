/// Encodes an `Encodable` value into a ``JSONValue`` tree, keeping member order as the type encodes it.
///
/// `nil` optionals are omitted (synthesised `encodeIfPresent`); explicit `encodeNil` writes `null`.
/// Floating-point numbers are written as JavaScript writes them.
public enum JSONValueEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let json = value as? JSONValue { return json }
        let root = Slot()
        try value.encode(to: TreeEncoder(slot: root, codingPath: []))
        return root.value
    }
}

/// Where an encoder writes: a leaf value, or an object / array being filled.
private final class Slot {
    enum Content {
        case empty
        case leaf(JSONValue)
        case object([(String, Slot)])
        case array([Slot])
    }
    var content: Content = .empty

    var value: JSONValue {
        switch content {
        case .empty: return .object([])
        case let .leaf(value): return value
        case let .object(members): return .object(members.map { ($0.0, $0.1.value) })
        case let .array(elements): return .array(elements.map(\.value))
        }
    }

    func objectMember(_ key: String) -> Slot {
        if case .object(let members) = content, let existing = members.first(where: { $0.0 == key }) {
            return existing.1
        }
        let child = Slot()
        if case .object(var members) = content {
            members.append((key, child))
            content = .object(members)
        } else {
            content = .object([(key, child)])
        }
        return child
    }

    func appendElement() -> Slot {
        let child = Slot()
        if case .array(var elements) = content {
            elements.append(child)
            content = .array(elements)
        } else {
            content = .array([child])
        }
        return child
    }

    func becomeObject() { if case .object = content { return }; content = .object([]) }
    func becomeArray() { if case .array = content { return }; content = .array([]) }
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) { stringValue = "\(index)"; intValue = index }
    init?(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct TreeEncoder: Encoder {
    let slot: Slot
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        slot.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        slot.becomeArray()
        return UnkeyedContainer(slot: slot, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        SingleContainer(slot: slot, codingPath: codingPath)
    }
}

/// Converts a leaf value to JSON, or encodes a nested `Encodable` into `slot`.
private func store<T: Encodable>(_ value: T, in slot: Slot, codingPath: [CodingKey]) throws {
    switch value {
    case let v as String: slot.content = .leaf(.string(v))
    case let v as Bool: slot.content = .leaf(.bool(v))
    case let v as Int: slot.content = .leaf(.number(String(v)))
    case let v as Int64: slot.content = .leaf(.number(String(v)))
    case let v as Int32: slot.content = .leaf(.number(String(v)))
    case let v as UInt: slot.content = .leaf(.number(String(v)))
    case let v as UInt64: slot.content = .leaf(.number(String(v)))
    case let v as UInt32: slot.content = .leaf(.number(String(v)))
    case let v as Double: slot.content = .leaf(.number(JavaScriptNumber.text(v)))
    case let v as Float: slot.content = .leaf(.number(JavaScriptNumber.text(Double(v))))
    case let v as JSONValue: slot.content = .leaf(v)
    default: try value.encode(to: TreeEncoder(slot: slot, codingPath: codingPath))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    let codingPath: [CodingKey]

    mutating func encodeNil(forKey key: Key) throws { slot.objectMember(key.stringValue).content = .leaf(.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try store(value, in: slot.objectMember(key.stringValue), codingPath: codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = slot.objectMember(key.stringValue)
        child.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(slot: child, codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let child = slot.objectMember(key.stringValue)
        child.becomeArray()
        return UnkeyedContainer(slot: child, codingPath: codingPath + [key])
    }
    mutating func superEncoder() -> Encoder { TreeEncoder(slot: slot.objectMember("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> Encoder {
        TreeEncoder(slot: slot.objectMember(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let slot: Slot
    let codingPath: [CodingKey]
    var count: Int {
        if case let .array(elements) = slot.content { return elements.count }
        return 0
    }

    mutating func encodeNil() throws { slot.appendElement().content = .leaf(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = count
        try store(value, in: slot.appendElement(), codingPath: codingPath + [IndexKey(index)])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let index = count
        let child = slot.appendElement()
        child.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(slot: child, codingPath: codingPath + [IndexKey(index)]))
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let index = count
        let child = slot.appendElement()
        child.becomeArray()
        return UnkeyedContainer(slot: child, codingPath: codingPath + [IndexKey(index)])
    }
    mutating func superEncoder() -> Encoder {
        let index = count
        return TreeEncoder(slot: slot.appendElement(), codingPath: codingPath + [IndexKey(index)])
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let slot: Slot
    let codingPath: [CodingKey]
    mutating func encodeNil() throws { slot.content = .leaf(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try store(value, in: slot, codingPath: codingPath) }
}
