import Foundation
import PMCore
import ReadModel

/// HTML made in Swift: every value from the read models goes through ``h(_:)`` before it reaches a page.
enum HTML {
    /// Text escaped for an element's content or a quoted attribute.
    static func h(_ text: String?) -> String {
        guard let text else { return "" }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A query string of these parameters (those with a value), percent-encoded.
    static func query(_ parameters: [(String, String?)]) -> String {
        let pairs = parameters.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return "\(encode(name))=\(encode(value))"
        }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A time as the portal shows it: UTC, to the second.
    static func time(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "—" }
        let text = Timestamp(millisecondsSinceEpoch: milliseconds).dateTime
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// A `<time>` element, machine-readable and shown in UTC.
    static func timeElement(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "—" }
        return "<time datetime=\"\(Timestamp(millisecondsSinceEpoch: milliseconds).dateTime)\">\(time(milliseconds))</time>"
    }

    /// A status as a badge whose colour is not the only sign of it (the word is there too).
    static func status(_ status: TransferStatus) -> String {
        "<span class=\"badge \(status.rawValue.lowercased())\">\(status.rawValue.capitalized)</span>"
    }

    /// JSON, indented, for the timeline's bodies and headers.
    static func json(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        var out = ""
        pretty(value, indent: "", into: &out)
        return h(out)
    }

    static func pretty(_ value: JSONValue, indent: String, into out: inout String) {
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += indent + "  "
                pretty(item, indent: indent + "  ", into: &out)
                out += index + 1 < items.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object(let members) where !members.isEmpty:
            out += "{\n"
            for (index, (name, member)) in members.enumerated() {
                out += indent + "  " + CanonicalJSON.string(.string(name)) + ": "
                pretty(member, indent: indent + "  ", into: &out)
                out += index + 1 < members.count ? ",\n" : "\n"
            }
            out += indent + "}"
        default:
            out += CanonicalJSON.string(value)
        }
    }
}

/// Amounts shown with their currency's number of decimals (ISO 4217 minor units).
enum CurrencyScale {
    static let zero: Set<String> = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"]
    static let three: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
    static let four: Set<String> = ["CLF", "UYW"]

    /// Decimals of the currency's minor unit; nil for codes without one (XXX, XAU, ...), shown as they are.
    static func digits(_ currency: String?) -> Int? {
        guard let currency else { return nil }
        if zero.contains(currency) { return 0 }
        if three.contains(currency) { return 3 }
        if four.contains(currency) { return 4 }
        if currency.hasPrefix("X") { return nil }
        return 2
    }

    /// `amount` (a decimal string) with the currency's decimals, padded and never rounded away: an amount with more
    /// decimals than the currency has is shown as it is.
    static func format(_ amount: String?, _ currency: String?) -> String {
        guard let amount, !amount.isEmpty else { return "—" }
        guard let digits = digits(currency) else { return amount }
        let parts = amount.split(separator: ".", maxSplits: 1)
        let whole = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        guard fraction.count <= digits else { return amount }
        let grouped = group(whole)
        return digits == 0 ? grouped : grouped + "." + fraction + String(repeating: "0", count: digits - fraction.count)
    }

    /// Thousands separated by a thin space, which no locale reads as a decimal point.
    static func group(_ whole: String) -> String {
        let negative = whole.hasPrefix("-")
        let digits = Array(negative ? whole.dropFirst() : Substring(whole))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "\u{2009}" }
            out.append(digit)
        }
        return (negative ? "-" : "") + out
    }

    /// An amount and its currency, as one cell.
    static func money(_ amount: String?, _ currency: String?) -> String {
        guard amount != nil else { return "—" }
        return "\(HTML.h(format(amount, currency))) \(HTML.h(currency))"
    }
}
