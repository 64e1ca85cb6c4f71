/// Path segments of FSPIOP URLs (API Definition v1.1 §3.3: `/parties/{Type}/{ID}[/{SubId}]`, `/transfers/{ID}`, ...).
///
/// An identifier such as a `PartyIdentifier` may hold any character, but a URL path may not: segments are
/// percent-encoded when a path is made (RFC 3986 §3.3: everything but unreserved characters, sub-delims, `:`
/// and `@`) and decoded when a received path is read, so that an id read from a callback's path equals the
/// one in the body that asked. An id of plain letters and digits is the same in both forms.
public enum FSPIOPPath {
    /// One segment, percent-encoded for a path.
    public static func segment(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            if isPathCharacter(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return out
    }

    /// The path made of these segments, each encoded: `path("parties", "MSISDN", "+1 555")` is
    /// `/parties/MSISDN/+1%20555`.
    public static func path(_ segments: String...) -> String { path(segments) }

    /// The path made of these segments, each encoded.
    public static func path(_ segments: [String]) -> String {
        var out = ""
        for segment in segments { out += "/" + self.segment(segment) }
        return out
    }

    /// The segments of a received path (without its query), each decoded; empty segments are skipped. Nil
    /// when a segment's percent-encoding is invalid or does not decode to UTF-8.
    public static func segments(of path: Substring) -> [String]? {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = decode(raw) else { return nil }
            segments.append(decoded)
        }
        return segments
    }

    /// One segment decoded, or nil when its percent-encoding is invalid or not UTF-8.
    public static func decode(_ raw: Substring) -> String? {
        guard raw.utf8.contains(UInt8(ascii: "%")) else { return String(raw) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.utf8.count)
        var iterator = raw.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    /// RFC 3986 `pchar` without `%`: unreserved, sub-delims, `:` and `@`.
    private static func isPathCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): return true
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"):
            return true
        default: return false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
