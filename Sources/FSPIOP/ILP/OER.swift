/// The Octet Encoding Rules pieces ILP packets use: length determinants, variable-length octet strings
/// and big-endian unsigned integers (ITU-T X.696; Interledger RFC 0030).
enum OER {
    /// Appends a length determinant: one byte below 128, otherwise `0x80 | k` and k big-endian bytes, minimal.
    static func appendLength(_ length: Int, to out: inout [UInt8]) {
        if length < 128 {
            out.append(UInt8(length))
            return
        }
        var bytes: [UInt8] = []
        var rest = length
        while rest > 0 {
            bytes.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        }
        out.append(0x80 | UInt8(bytes.count))
        out.append(contentsOf: bytes)
    }

    static func appendVarOctetString(_ bytes: [UInt8], to out: inout [UInt8]) {
        appendLength(bytes.count, to: &out)
        out.append(contentsOf: bytes)
    }

    static func appendUInt64(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A reader over a packet's bytes; every read checks bounds and throws on truncation.
    struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var remaining: Int { bytes.count - index }

        mutating func byte() throws(ILPError) -> UInt8 {
            guard index < bytes.count else { throw .malformedPacket("truncated") }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func take(_ count: Int) throws(ILPError) -> [UInt8] {
            guard count >= 0, count <= remaining else { throw .malformedPacket("truncated: needs \(count) bytes, has \(remaining)") }
            defer { index += count }
            return Array(bytes[index..<index + count])
        }

        /// A length determinant; rejects non-minimal and oversized long forms.
        mutating func length() throws(ILPError) -> Int {
            let first = try byte()
            if first < 0x80 { return Int(first) }
            let count = Int(first & 0x7F)
            guard count >= 1, count <= 4 else { throw .malformedPacket("length of length \(count) not supported") }
            var value = 0
            for _ in 0..<count { value = value << 8 | Int(try byte()) }
            guard value >= 128, value >> (8 * (count - 1)) > 0 else { throw .malformedPacket("non-minimal length encoding") }
            return value
        }

        mutating func varOctetString() throws(ILPError) -> [UInt8] {
            try take(try length())
        }

        mutating func uint64() throws(ILPError) -> UInt64 {
            var value: UInt64 = 0
            for byte in try take(8) { value = value << 8 | UInt64(byte) }
            return value
        }
    }
}
