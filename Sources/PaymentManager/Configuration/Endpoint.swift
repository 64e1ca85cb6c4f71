/// Where a peer listens: the hub's per-resource endpoints, or the core's backend API. Accepted as the
/// SDK writes them (`host:port`, the scheme following the mTLS setting) and as full URLs
/// (`https://hub.example:443/prefix`).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int
    /// A path prefix without a trailing `/`, or empty.
    public var path: String

    public init(scheme: String, host: String, port: Int, path: String = "") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `host:port[/path]` (using `defaultScheme`) or `http(s)://host[:port][/path]`; nil with the reason otherwise.
    public static func parse(_ text: String, defaultScheme: String) -> Result<Endpoint, EndpointError> {
        var rest = Substring(text.trimmingCharacters(in: " "))
        var scheme = defaultScheme
        if let range = rest.range(of: "://") {
            scheme = rest[..<range.lowerBound].lowercased()
            guard scheme == "http" || scheme == "https" else { return .failure(EndpointError("scheme must be http or https")) }
            rest = rest[range.upperBound...]
        }
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            while path.hasSuffix("/") { path.removeLast() }
            rest = rest[..<slash]
        }
        var host = String(rest)
        var port = scheme == "https" ? 443 : 80
        if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else {
                return .failure(EndpointError("port must be 1 to 65535"))
            }
            port = value
        } else if !text.contains("://") {
            return .failure(EndpointError("expected host:port or a URL"))
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }) else {
            return .failure(EndpointError("'\(host)' is not a host name"))
        }
        return .success(Endpoint(scheme: scheme, host: host, port: port, path: path))
    }

    /// The base URL, e.g. `https://hub.example:9443/prefix`.
    public var description: String { "\(scheme)://\(host):\(port)\(path)" }
}

/// Why an endpoint is not valid.
public struct EndpointError: Error, Sendable, Hashable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text.removeFirst() }
        while text.last == character { text.removeLast() }
        return String(text)
    }
}
