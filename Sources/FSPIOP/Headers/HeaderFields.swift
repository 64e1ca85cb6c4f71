/// HTTP header fields as received or to be sent: names compared case-insensitively (RFC 9110 §5.1),
/// order kept. The protocol layer's view of headers, independent of any HTTP library.
public struct HeaderFields: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)]

    public init() { fields = [] }

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The first value of the header with this name (any case), or nil.
    public subscript(name: String) -> String? {
        get {
            fields.first { Self.equalNames($0.name, name) }?.value
        }
        set {
            fields.removeAll { Self.equalNames($0.name, name) }
            if let newValue { fields.append((name: name, value: newValue)) }
        }
    }

    /// Whether a header with this name (any case) is present.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    static func equalNames(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        return zip(x, y).allSatisfy { lowerASCII($0) == lowerASCII($1) }
    }

    private static func lowerASCII(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
    }

    public static func == (lhs: HeaderFields, rhs: HeaderFields) -> Bool {
        lhs.fields.count == rhs.fields.count && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for field in fields { hasher.combine(field.name); hasher.combine(field.value) }
    }
}

/// The names of the FSPIOP headers (API Definition v1.1 §3.2.1, Table 1 and 2), as the reference
/// implementation writes them.
public enum FSPIOPHeader {
    public static let accept = "Accept"
    public static let contentType = "Content-Type"
    public static let contentLength = "Content-Length"
    public static let date = "Date"
    public static let xForwardedFor = "X-Forwarded-For"
    public static let source = "FSPIOP-Source"
    public static let destination = "FSPIOP-Destination"
    public static let encryption = "FSPIOP-Encryption"
    public static let signature = "FSPIOP-Signature"
    public static let uri = "FSPIOP-URI"
    public static let httpMethod = "FSPIOP-HTTP-Method"
    /// v2.0: the proxy participant for inter-scheme routing.
    public static let proxy = "FSPIOP-Proxy"
}
