/// An FSPIOP API version `major.minor` (API Definition v1.1 §3.3.4).
public struct APIVersion: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let major: Int
    public let minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `1.1` (and `1`, meaning minor 0 when `allowMajorOnly`); nil for anything else.
    public init?(_ text: some StringProtocol, allowMajorOnly: Bool = false) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 || (allowMajorOnly && parts.count == 1),
              let major = Int(parts[0]), parts[0].allSatisfy(\.isASCII), major >= 0 else { return nil }
        var minor = 0
        if parts.count == 2 {
            guard let value = Int(parts[1]), parts[1].allSatisfy(\.isASCII), value >= 0 else { return nil }
            minor = value
        }
        self.init(major: major, minor: minor)
    }

    public static let v1_0 = APIVersion(major: 1, minor: 0)
    public static let v1_1 = APIVersion(major: 1, minor: 1)
    public static let v2_0 = APIVersion(major: 2, minor: 0)

    /// The versions Payment Manager speaks, as the hub does: 1.0, 1.1 and 2.0.
    public static let supported: [APIVersion] = [.v1_0, .v1_1, .v2_0]

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let version = APIVersion(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a major.minor version: \(text)"))
        }
        self = version
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
