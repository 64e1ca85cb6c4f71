/// An exact amount of money as the core simulator keeps it: a signed count of ten-thousandths of the
/// currency unit (FSPIOP amounts have at most four decimals, API Definition v1.1 §7.2.13, so every valid
/// wire amount is exact here). Never a floating-point value.
///
/// Balances may go below zero only when a credit that was already spent is reversed (an `ABORTED`
/// notification after the payee spent the money); amounts on the wire are never negative.
public struct CoreAmount: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Decimal places kept.
    public static let scale = 4
    static let unitsPerWhole: Int64 = 10_000

    /// The amount in ten-thousandths of the currency unit.
    public let units: Int64

    public static let zero = CoreAmount(units: 0)

    public init(units: Int64) { self.units = units }

    /// Parses a non-negative decimal string: digits, then optionally `.` and one to four digits
    /// (`"100"`, `"100.5"`, `"100.50"`, `"0.0001"`). No sign, exponent, spaces or grouping. Returns nil
    /// for anything else, or for an amount too large to hold (above 922,337,203,685,477.5807).
    public init?(_ text: String) {
        var integerPart: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var sawDigit = false
        var inFraction = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard !inFraction, sawDigit else { return nil }
                inFraction = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte - UInt8(ascii: "0"))
            if inFraction {
                fractionDigits += 1
                guard fractionDigits <= Self.scale else { return nil }
                fraction = fraction * 10 + digit
            } else {
                sawDigit = true
                let (times10, o1) = integerPart.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(digit)
                guard !o1, !o2 else { return nil }
                integerPart = sum
            }
        }
        guard sawDigit, !inFraction || fractionDigits > 0 else { return nil }
        for _ in fractionDigits..<Self.scale { fraction *= 10 }
        let (whole, o1) = integerPart.multipliedReportingOverflow(by: Self.unitsPerWhole)
        let (total, o2) = whole.addingReportingOverflow(fraction)
        guard !o1, !o2 else { return nil }
        self.units = total
    }

    /// The shortest decimal form, as FSPIOP's `Amount` pattern wants it: no trailing fractional zeros,
    /// no trailing point (`"100"`, `"100.5"`, `"-3.25"`).
    public var description: String {
        let negative = units < 0
        // Int64.min has no positive counterpart; work in UInt64 magnitude.
        let magnitude = units.magnitude
        let whole = magnitude / UInt64(Self.unitsPerWhole)
        var fraction = magnitude % UInt64(Self.unitsPerWhole)
        var text = (negative ? "-" : "") + String(whole)
        if fraction != 0 {
            var digits = Self.scale
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            let raw = String(fraction)
            text += "." + String(repeating: "0", count: digits - raw.count) + raw
        }
        return text
    }

    public static func < (lhs: CoreAmount, rhs: CoreAmount) -> Bool { lhs.units < rhs.units }

    /// The sum, or nil if it does not fit.
    public func adding(_ other: CoreAmount) -> CoreAmount? {
        let (sum, overflow) = units.addingReportingOverflow(other.units)
        return overflow ? nil : CoreAmount(units: sum)
    }

    /// The difference, or nil if it does not fit.
    public func subtracting(_ other: CoreAmount) -> CoreAmount? {
        let (difference, overflow) = units.subtractingReportingOverflow(other.units)
        return overflow ? nil : CoreAmount(units: difference)
    }

    /// Decodes from a JSON string (never a JSON number: a number would pass through a `Double`).
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let amount = CoreAmount(text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "not a decimal amount with at most \(Self.scale) decimals: \(text)"))
        }
        self = amount
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
