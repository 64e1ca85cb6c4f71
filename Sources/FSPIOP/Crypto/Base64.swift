/// Base64 in the two alphabets FSPIOP uses: base64url without padding (JWS, ILP packets, conditions,
/// fulfilments; RFC 4648 §5) and standard base64 with padding (the ILP HMAC inputs; RFC 4648 §4).
public enum Base64 {
    private static let standardAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// base64url without padding.
    public static func urlEncoded<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        String(decoding: encode(bytes, alphabet: urlAlphabet, pad: false), as: UTF8.self)
    }

    /// base64url without padding, as bytes.
    public static func urlEncodedBytes<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        encode(bytes, alphabet: urlAlphabet, pad: false)
    }

    /// Standard base64 with `=` padding.
    public static func standardEncoded<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        String(decoding: encode(bytes, alphabet: standardAlphabet, pad: true), as: UTF8.self)
    }

    /// Standard base64 with `=` padding, as bytes.
    public static func standardEncodedBytes<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        encode(bytes, alphabet: standardAlphabet, pad: true)
    }

    private static func encode<Bytes: Collection>(_ input: Bytes, alphabet: [UInt8], pad: Bool) -> [UInt8] where Bytes.Element == UInt8 {
        if let encoded = input.withContiguousStorageIfAvailable({ encode($0, alphabet: alphabet, pad: pad) }) {
            return encoded
        }
        return Array(input).withUnsafeBufferPointer { encode($0, alphabet: alphabet, pad: pad) }
    }

    private static func encode(_ bytes: UnsafeBufferPointer<UInt8>, alphabet: [UInt8], pad: Bool) -> [UInt8] {
        let full = bytes.count / 3
        let rest = bytes.count - full * 3
        let outputCount = full * 4 + (rest == 0 ? 0 : (pad ? 4 : rest + 1))
        return alphabet.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
                var o = 0
                var i = 0
                for _ in 0..<full {
                    let chunk = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    out[o] = table[Int(chunk >> 18 & 63)]
                    out[o + 1] = table[Int(chunk >> 12 & 63)]
                    out[o + 2] = table[Int(chunk >> 6 & 63)]
                    out[o + 3] = table[Int(chunk & 63)]
                    i += 3
                    o += 4
                }
                if rest > 0 {
                    let chunk = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                    out[o] = table[Int(chunk >> 18 & 63)]
                    out[o + 1] = table[Int(chunk >> 12 & 63)]
                    o += 2
                    if rest == 2 { out[o] = table[Int(chunk >> 6 & 63)]; o += 1 }
                    if pad {
                        while o < outputCount { out[o] = UInt8(ascii: "="); o += 1 }
                    }
                }
                initialized = o
            }
        }
    }

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, symbol) in standardAlphabet.enumerated() { table[Int(symbol)] = UInt8(value) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Decodes base64url (the FSPIOP form). Padding is accepted only at the end and only as much as
    /// the length needs; any other character, or impossible trailing bits, gives nil.
    public static func urlDecoded(_ text: some StringProtocol) -> [UInt8]? {
        decode(Array(text.utf8), urlSafe: true)
    }

    /// Decodes standard base64 (padding optional).
    public static func standardDecoded(_ text: some StringProtocol) -> [UInt8]? {
        decode(Array(text.utf8), urlSafe: false)
    }

    private static func decode(_ input: [UInt8], urlSafe: Bool) -> [UInt8]? {
        var symbols = input[...]
        var padding = 0
        while symbols.last == UInt8(ascii: "=") { symbols.removeLast(); padding += 1 }
        guard padding <= 2 else { return nil }
        if padding > 0, (symbols.count + padding) % 4 != 0 { return nil }
        guard symbols.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(symbols.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            if urlSafe, symbol == UInt8(ascii: "+") || symbol == UInt8(ascii: "/") { return nil }
            if !urlSafe, symbol == UInt8(ascii: "-") || symbol == UInt8(ascii: "_") { return nil }
            let value = decodeTable[Int(symbol)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // Leftover bits must be zero (canonical encoding).
        guard accumulator == 0 else { return nil }
        return out
    }
}
