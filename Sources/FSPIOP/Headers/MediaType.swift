/// The FSPIOP resources, the first path segment of every FSPIOP URL (API Definition v1.1 §3.3; v2.0
/// adds fxQuotes, fxTransfers and services).
public enum FSPIOPResource: String, Sendable, Hashable, CaseIterable, Codable {
    case participants, parties, quotes, transactionRequests, authorizations, transfers, transactions
    case bulkQuotes, bulkTransfers, fxQuotes, fxTransfers, services
    /// The hub's connectivity check (`POST /ping`, `PUT /ping/{requestId}`), outside the API Definition; version 2.0.
    case ping
}

/// `application/vnd.interoperability[.iso20022].{resource}+json[;version=…]` (API Definition v1.1
/// §3.2.1.1 and §3.3.4; the hub's exact checks are in central-services-shared `headerValidation`).
public struct MediaType: Sendable, Hashable, CustomStringConvertible {
    public var resource: String
    public var iso20022: Bool
    /// The version; for an Accept entry a missing minor means "any minor" and a missing version "any".
    public var major: Int?
    public var minor: Int?

    public init(resource: String, iso20022: Bool = false, major: Int?, minor: Int?) {
        self.resource = resource
        self.iso20022 = iso20022
        self.major = major
        self.minor = minor
    }

    /// The Content-Type for a resource at a version, e.g.
    /// `application/vnd.interoperability.parties+json;version=1.1`.
    public static func contentType(_ resource: String, _ version: APIVersion, iso20022: Bool = false) -> String {
        "application/vnd.interoperability.\(iso20022 ? "iso20022." : "")\(resource)+json;version=\(version.major).\(version.minor)"
    }

    /// The Accept header the SDK sends: the major version only, e.g. `...parties+json;version=1`.
    public static func accept(_ resource: String, major: Int, iso20022: Bool = false) -> String {
        "application/vnd.interoperability.\(iso20022 ? "iso20022." : "")\(resource)+json;version=\(major)"
    }

    public var description: String {
        var text = "application/vnd.interoperability.\(iso20022 ? "iso20022." : "")\(resource)+json"
        if let major { text += ";version=\(major)" + (minor.map { ".\($0)" } ?? "") }
        return text
    }

    /// Parses one media type against the hub's pattern for `resource`:
    /// `^application/vnd\.interoperability(\.iso20022)?\.{resource}\+json(\s?;\s?version=\d+(\.\d+)?)?$`.
    /// `requireMinor` makes the version and its minor mandatory, as for Content-Type.
    public static func parse(_ text: Substring, resource: String, requireMinor: Bool) -> MediaType? {
        var rest = text
        let prefix = "application/vnd.interoperability."
        guard rest.hasPrefix(prefix) else { return nil }
        rest = rest.dropFirst(prefix.count)
        var iso = false
        if rest.hasPrefix("iso20022.") { iso = true; rest = rest.dropFirst("iso20022.".count) }
        guard rest.hasPrefix(resource) else { return nil }
        rest = rest.dropFirst(resource.count)
        guard rest.hasPrefix("+json") else { return nil }
        rest = rest.dropFirst("+json".count)
        if rest.isEmpty { return requireMinor ? nil : MediaType(resource: resource, iso20022: iso, major: nil, minor: nil) }
        if rest.first == " " { rest = rest.dropFirst() }
        guard rest.first == ";" else { return nil }
        rest = rest.dropFirst()
        if rest.first == " " { rest = rest.dropFirst() }
        guard rest.hasPrefix("version=") else { return nil }
        rest = rest.dropFirst("version=".count)
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 || (parts.count == 1 && !requireMinor),
              parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && $0.count <= 9 }),
              let major = Int(parts[0]) else { return nil }
        let minor = parts.count == 2 ? Int(parts[1]) : nil
        return MediaType(resource: resource, iso20022: iso, major: major, minor: minor)
    }
}
