/// A JSON document as a tree that keeps what the wire had: object members in their received order and
/// numbers as their literal text (so amounts and large integers never pass through a `Double`).
///
/// Used where bytes matter: canonical serialisation for JWS signing (``CanonicalJSON``), the ILP
/// transaction object, and the lenient re-serialisations a JWS validator may compare against.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// The number's literal text as JSON writes it (e.g. `12`, `-0.5`, `1e21`).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in order; duplicate names are kept as they arrived.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case let .bool(b): hasher.combine(1); hasher.combine(b)
        case let .number(n): hasher.combine(2); hasher.combine(n)
        case let .string(s): hasher.combine(3); hasher.combine(s)
        case let .array(a): hasher.combine(4); hasher.combine(a)
        case let .object(members):
            hasher.combine(5)
            for (key, value) in members { hasher.combine(key); hasher.combine(value) }
        }
    }

    /// The value of the first member with this name, when this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The string, when this is a string.
    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }
}

extension JSONValue {
    /// Whether any object in the tree names a member twice.
    public var hasDuplicateMemberNames: Bool {
        switch self {
        case let .array(elements): return elements.contains { $0.hasDuplicateMemberNames }
        case let .object(members):
            var names = Set<String>()
            for (name, value) in members {
                if !names.insert(name).inserted || value.hasDuplicateMemberNames { return true }
            }
            return false
        default: return false
        }
    }
}
