/// An FSPIOP error code: four digits, the first the high-level category, the second the low-level
/// category, the last two the specific error (API Definition v1.1 §7.6).
///
/// Codes from `xx40` upwards are scheme-specific; an unknown code is understood as the generic `xx00`
/// of its category, which is what ``catalogueEntry`` returns for it.
public struct FSPIOPErrorCode: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts exactly four ASCII digits, the first 1 to 9; returns nil otherwise.
    public init?(_ rawValue: String) {
        let utf8 = rawValue.utf8
        guard utf8.count == 4, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), utf8.first != 0x30 else { return nil }
        self.rawValue = rawValue
    }

    init(uncheckedRawValue: String) { self.rawValue = uncheckedRawValue }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let code = FSPIOPErrorCode(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a four-digit FSPIOP error code: \(text)"))
        }
        self = code
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// The catalogue entry of this code, or of the generic `xx00` code of its category when the code is
    /// scheme-specific or unknown (§7.6: "treated as the generic error of the same category").
    public var catalogueEntry: ErrorCatalogue.Entry? {
        if let entry = ErrorCatalogue.entry(for: rawValue) { return entry }
        return ErrorCatalogue.entry(for: String(rawValue.prefix(2)) + "00")
    }

    /// The HTTP status to use when this error is answered synchronously.
    public var httpStatus: Int {
        guard let entry = catalogueEntry else { return 400 }
        return entry.synchronousHTTPStatus ?? entry.categoryHTTPStatus ?? 400
    }

    /// The catalogue name, for example "Malformed syntax".
    public var name: String { catalogueEntry?.name ?? "Unknown error" }
}

/// The FSPIOP error catalogue: every code of API Definition v1.1 §7.6 plus the ones the reference
/// implementation adds, generated from `shared/fspiop/errorcodes.json` by `ops/scripts/gen-error-codes.py`.
public enum ErrorCatalogue {
    /// One code of the catalogue.
    public struct Entry: Sendable, Hashable {
        public let code: String
        public let name: String
        public let description: String
        public let category: String
        /// The status the reference implementation answers with when the error is synchronous, if it names one.
        public let synchronousHTTPStatus: Int?
        /// The default status of the code's category.
        public let categoryHTTPStatus: Int?
        /// Whether the specification defines the code (otherwise only the reference implementation does).
        public let specDefined: Bool
    }

    private static let byCode: [String: Entry] = Dictionary(uniqueKeysWithValues: entries.map { ($0.code, $0) })

    /// The entry with exactly this code, if the catalogue has one.
    public static func entry(for code: String) -> Entry? { byCode[code] }
}
