/// The one JSON form Payment Manager signs and sends: compact, object keys sorted at every level by
/// UTF-16 code units (as JavaScript's default sort, which `safe-stable-stringify` uses), strings escaped
/// exactly as JavaScript's `JSON.stringify` escapes them, numbers written as JavaScript writes them.
///
/// Why: a body in this form verifies under every FSPIOP validator in use: raw-byte validators (the
/// specification), insertion-order re-serialisers (sdk-standard-components ≤ 19.18.8, vNext) and sorted
/// re-serialisers (≥ 19.18.9). See `shared/vectors/README.md`, "Interop rule for a new signer".
public enum CanonicalJSON {
    /// The canonical bytes of a value. Duplicate member names keep the last value, as `JSON.parse` does.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, sorted: true, into: &out)
        return out
    }

    /// The canonical bytes of an `Encodable` value (nil optionals omitted, as synthesised Codable does).
    public static func bytes<T: Encodable>(of value: T) throws -> [UInt8] {
        bytes(try JSONValueEncoder.encode(value))
    }

    /// Compact JSON with members in their stored order, as JavaScript's `JSON.stringify(JSON.parse(text))`
    /// would write it (the re-serialisation of sdk-standard-components ≤ 19.18.8 and vNext validators).
    public static func insertionOrderBytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, sorted: false, into: &out)
        return out
    }

    /// The text of ``bytes(_:)``.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    static func write(_ value: JSONValue, sorted: Bool, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case let .bool(flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case let .number(literal): out.append(contentsOf: JavaScriptNumber.text(literal).utf8)
        case let .string(text): writeString(text, into: &out)
        case let .array(elements):
            out.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                write(element, sorted: sorted, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            let unique = lastOccurrences(members)
            let ordered = sorted ? unique.sorted { javaScriptOrder($0.0, $1.0) } : unique
            for (offset, member) in ordered.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.0, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.1, sorted: sorted, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Members with duplicates removed: the last value wins, at the position of the first occurrence
    /// (JavaScript objects keep the first insertion position when a property is reassigned).
    private static func lastOccurrences(_ members: [(String, JSONValue)]) -> [(String, JSONValue)] {
        if members.count < 2 { return members }
        var hasDuplicates = false
        if members.count <= 16 {
            // Small objects (every FSPIOP body's): comparing names pairwise is cheaper than hashing them.
            outer: for i in 1..<members.count {
                for j in 0..<i where members[i].0 == members[j].0 { hasDuplicates = true; break outer }
            }
        } else {
            var seen = Set<String>()
            for (key, _) in members where !seen.insert(key).inserted { hasDuplicates = true; break }
        }
        guard hasDuplicates else { return members }
        var position: [String: Int] = [:]
        var result: [(String, JSONValue)] = []
        for (key, value) in members {
            if let existing = position[key] {
                result[existing].1 = value
            } else {
                position[key] = result.count
                result.append((key, value))
            }
        }
        return result
    }

    /// JavaScript's default string order: by UTF-16 code units. For text without code points at or
    /// above U+E000 that is the UTF-8 byte order, which is much cheaper to compare.
    static func javaScriptOrder(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        let simple = a.withUTF8 { x in b.withUTF8 { y in !x.contains { $0 >= 0xEE } && !y.contains { $0 >= 0xEE } } }
        if simple {
            return a.withUTF8 { x in b.withUTF8 { y in x.lexicographicallyPrecedes(y) } }
        }
        return a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes a JSON string literal escaped as `JSON.stringify` does: `"`, `\` and control characters
    /// only (`\b \f \n \r \t`, others as lower-case `\u00xx`); `/` and non-ASCII text are written as is.
    /// Appends `text` as a JSON string literal, escaped as `JSON.stringify` escapes it.
    public static func writeString(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { writeString(utf8: $0, into: &out) }
    }

    static func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
            case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            default:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        out.append(UInt8(ascii: "\""))
    }
}

/// Number text as JavaScript's `Number.prototype.toString` writes it (ECMA-262 §6.1.6.1.20), so that a
/// re-serialised number matches what a Node peer would produce.
enum JavaScriptNumber {
    /// Normalises a JSON number literal: plain integers of up to 15 characters (always below 2^53) pass through (minus a negative zero);
    /// anything else is read as a Double and written in JavaScript's shortest round-trip form.
    static func text(_ literal: String) -> String {
        let utf8 = literal.utf8
        let isPlainInteger = utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
        if isPlainInteger, utf8.count <= 15 {
            return literal == "-0" ? "0" : literal
        }
        guard let number = Double(literal) else { return literal }
        return text(number)
    }

    /// JavaScript's `String(number)` for a finite Double (`null` for NaN and infinities, as JSON does).
    static func text(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == 0 { return "0" }
        let negative = number < 0
        // Swift's description is the shortest round-trip form; take its digits and exponent.
        let (digits, exponent) = decompose(abs(number).description)
        let k = digits.count
        let n = exponent  // value = 0.digits × 10^n
        var result = negative ? "-" : ""
        if k <= n && n <= 21 {
            result += digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            result += String(digits.prefix(n)) + "." + String(digits.dropFirst(n))
        } else if -6 < n && n <= 0 {
            result += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            let sign = e < 0 ? "-" : "+"
            result += String(digits.prefix(1))
            if k > 1 { result += "." + String(digits.dropFirst()) }
            result += "e" + sign + String(abs(e))
        }
        return result
    }

    /// Splits Swift's description (`123.45`, `1e-07`, `1.5e+22`) into significant digits and the
    /// exponent n such that value = 0.d1d2… × 10^n.
    private static func decompose(_ description: String) -> (String, Int) {
        var mantissa = Substring(description)
        var exponent = 0
        if let e = description.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = description[..<e]
            exponent = Int(description[description.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fraction: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(integerPart) + String(fraction)
        var n = integerPart.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); n -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (digits, n)
    }
}
