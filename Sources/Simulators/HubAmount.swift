import Foundation

/// Decimal amounts of the hub's positions: parsed from the FSPIOP `Amount` text and the configured net
/// debit caps, added exactly (never through a `Double`), and written back as plain decimal text.
enum HubAmount {
    /// Parses a non-negative decimal such as `100`, `0.5` or `1000000.1234`: digits, then optionally
    /// `.` and digits. Nil for anything else (signs, exponents, spaces).
    static func parse(_ text: String) -> Decimal? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              parts.allSatisfy({ !$0.isEmpty && $0.count <= 30 && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }) else {
            return nil
        }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// The plain decimal text of a value, e.g. `-100.5`.
    static func text(_ value: Decimal) -> String {
        var value = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 8, .plain)
        return NSDecimalNumber(decimal: rounded).stringValue
    }
}
