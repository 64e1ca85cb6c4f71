// Hand-written scanners for the FSPIOP string data types (API Definition v1.1 §7.2). They run on every
// request, so they read the UTF-8 bytes once, allocate nothing, and never trap on any input. Each one
// quotes the regular expression of the specification it implements; `\d` is ASCII 0-9 as in the hub's
// JavaScript validator.

extension FSPIOPFormat {
    // MARK: - Amount, Integer and other digit strings

    /// `Amount` (§7.2.13, Listing 23): `^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$`.
    ///
    /// No sign, no leading zero, at most 18 integer digits, and an optional fraction of 1 to 4 digits
    /// whose last digit is not zero ("5.50" and "5." are rejected, "5.5" and "0" accepted; Table 44).
    public static func isAmount(_ value: String) -> Bool {
        withBytes(value) { p in
            let n = p.count
            guard n > 0 else { return false }
            var i = 1
            if p[0] != 0x30 {
                guard p[0] >= 0x31 && p[0] <= 0x39 else { return false }
                while i < n, isDigit(p[i]) { i += 1 }
                guard i <= 18 else { return false }
            }
            if i == n { return true }
            guard p[i] == 0x2E else { return false }
            let fraction = n - (i + 1)
            guard fraction >= 1 && fraction <= 4 else { return false }
            for j in (i + 1)..<n where !isDigit(p[j]) { return false }
            return p[n - 1] != 0x30
        }
    }

    /// `Integer` (§7.2.5, Listing 15): `^[1-9]\d*$`.
    public static func isInteger(_ value: String) -> Bool {
        withBytes(value) { p in
            guard p.count >= 1, p[0] >= 0x31 && p[0] <= 0x39 else { return false }
            return allDigits(p, from: 1)
        }
    }

    /// `OtpValue` (§7.2.6, Listing 16): `^\d{3,10}$`.
    public static func isOtpValue(_ value: String) -> Bool {
        withBytes(value) { p in p.count >= 3 && p.count <= 10 && allDigits(p, from: 0) }
    }

    /// `BopCode` (§7.2.7, Listing 17): `^[1-9]\d{2}$`.
    public static func isBopCode(_ value: String) -> Bool {
        withBytes(value) { p in p.count == 3 && p[0] >= 0x31 && p[0] <= 0x39 && allDigits(p, from: 1) }
    }

    /// `MerchantClassificationCode` (§7.2.10, Listing 20): `^[\d]{1,4}$`.
    public static func isMerchantClassificationCode(_ value: String) -> Bool {
        withBytes(value) { p in p.count >= 1 && p.count <= 4 && allDigits(p, from: 0) }
    }

    /// `TokenCode` (§7.2.9, Listing 19): `^[0-9a-zA-Z]{4,32}$`.
    public static func isTokenCode(_ value: String) -> Bool {
        withBytes(value) { p in
            guard p.count >= 4 && p.count <= 32 else { return false }
            for b in p where !(isDigit(b) || isUpper(b) || isLower(b)) { return false }
            return true
        }
    }

    /// `UndefinedEnum` (§7.2.3, Listing 13): `^[A-Z_]{1,32}$`.
    public static func isUndefinedEnum(_ value: String) -> Bool {
        withBytes(value) { p in
            guard p.count >= 1 && p.count <= 32 else { return false }
            for b in p where !(isUpper(b) || b == 0x5F) { return false }
            return true
        }
    }

    // MARK: - Currency

    /// `Currency` (§7.3.9): `Enum of String(3)`, one of the ISO 4217 codes of §7.5.5 (the `Currency` enum
    /// of the OpenAPI, identical in 1.1 and 2.0). A bitmap over the 26³ three-letter codes makes the
    /// check a shift and a mask.
    public static func isCurrency(_ value: String) -> Bool {
        withBytes(value) { p in
            guard p.count == 3, isUpper(p[0]), isUpper(p[1]), isUpper(p[2]) else { return false }
            let index = currencyIndex(p[0], p[1], p[2])
            return currencyBitmap[index >> 6] & (1 << UInt64(index & 63)) != 0
        }
    }

    private static let currencyBitmap: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: (26 * 26 * 26 + 63) / 64)
        for currency in Currency.allCases {
            let code = Array(currency.rawValue.utf8)
            guard code.count == 3, isUpper(code[0]), isUpper(code[1]), isUpper(code[2]) else { continue }
            let index = currencyIndex(code[0], code[1], code[2])
            bits[index >> 6] |= 1 << UInt64(index & 63)
        }
        return bits
    }()

    /// Index of an upper-case three-letter code in 0..<26³; the caller has checked the letters.
    @inline(__always)
    private static func currencyIndex(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int {
        Int(a &- 0x41) * 676 + Int(b &- 0x41) * 26 + Int(c &- 0x41)
    }

    // MARK: - Identifiers

    /// `CorrelationId` of FSPIOP 1.x (§7.3.8, UUID §7.2.16, Listing 26):
    /// `^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`.
    public static func isCorrelationIdV1(_ value: String) -> Bool {
        withBytes(value) { p in isUUID(p, highestVersion: 0x35) }
    }

    /// `CorrelationId` of FSPIOP 2.0 (OpenAPI 2.0 `CorrelationId`):
    /// `^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$`,
    /// a lowercase UUID of version 1 to 7 or an uppercase ULID.
    public static func isCorrelationIdV2(_ value: String) -> Bool {
        withBytes(value) { p in isUUID(p, highestVersion: 0x37) || isULID(p) }
    }

    /// The UUID part: 36 characters, lowercase hex, dashes at 8, 13, 18 and 23, version digit
    /// `[1-highestVersion]` at 14 and variant `[89ab]` at 19.
    private static func isUUID(_ p: UnsafeBufferPointer<UInt8>, highestVersion: UInt8) -> Bool {
        guard p.count == 36 else { return false }
        for i in 0..<36 {
            let b = p[i]
            switch i {
            case 8, 13, 18, 23:
                guard b == 0x2D else { return false }
            case 14:
                guard b >= 0x31 && b <= highestVersion else { return false }
            case 19:
                guard b == 0x38 || b == 0x39 || b == 0x61 || b == 0x62 else { return false }
            default:
                guard isDigit(b) || (b &- 0x61) < 6 else { return false }
            }
        }
        return true
    }

    /// ULID: `^[0-9A-HJKMNP-TV-Z]{26}$`, 26 characters of Crockford's base 32 (no I, L, O, U).
    private static func isULID(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard p.count == 26 else { return false }
        for b in p {
            if isDigit(b) { continue }
            guard isUpper(b), b != 0x49, b != 0x4C, b != 0x4F, b != 0x55 else { return false }
        }
        return true
    }

    // MARK: - Dates

    /// `Date` (§7.2.15, Listing 25):
    /// `^(?:[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)$`.
    ///
    /// That is `yyyy-MM-dd` with a year from 1000, and a day that exists in the month; 29 February only in
    /// the Gregorian leap years (divisible by 4 and not by 100, or by 400), which is what the two
    /// alternatives of the expression enumerate.
    public static func isDate(_ value: String) -> Bool {
        withBytes(value) { p in p.count == 10 && scanDate(p) }
    }

    /// `DateTime` (§7.2.14, OpenAPI `DateTime`): the `Date` expression, then
    /// `T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:(\.\d{3}))(?:Z|[+-][01]\d:[0-5]\d)$`.
    ///
    /// Milliseconds are mandatory; the zone is `Z` or an offset whose hour is 00 to 19.
    public static func isDateTime(_ value: String) -> Bool {
        withBytes(value) { p in
            let n = p.count
            guard n == 24 || n == 29, scanDate(p), p[10] == 0x54 else { return false }
            guard isDigit(p[11]), isDigit(p[12]), Int(p[11] &- 0x30) * 10 + Int(p[12] &- 0x30) <= 23,
                  p[13] == 0x3A, p[14] >= 0x30 && p[14] <= 0x35, isDigit(p[15]),
                  p[16] == 0x3A, p[17] >= 0x30 && p[17] <= 0x35, isDigit(p[18]),
                  p[19] == 0x2E, isDigit(p[20]), isDigit(p[21]), isDigit(p[22]) else { return false }
            if n == 24 { return p[23] == 0x5A }
            return (p[23] == 0x2B || p[23] == 0x2D) && (p[24] == 0x30 || p[24] == 0x31) && isDigit(p[25])
                && p[26] == 0x3A && p[27] >= 0x30 && p[27] <= 0x35 && isDigit(p[28])
        }
    }

    /// Checks `yyyy-MM-dd` in the first ten bytes of `p`, which has at least ten.
    private static func scanDate(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard p[0] >= 0x31 && p[0] <= 0x39, isDigit(p[1]), isDigit(p[2]), isDigit(p[3]), p[4] == 0x2D,
              isDigit(p[5]), isDigit(p[6]), p[7] == 0x2D, isDigit(p[8]), isDigit(p[9]) else { return false }
        let year = Int(p[0] &- 0x30) * 1000 + Int(p[1] &- 0x30) * 100 + Int(p[2] &- 0x30) * 10 + Int(p[3] &- 0x30)
        let month = Int(p[5] &- 0x30) * 10 + Int(p[6] &- 0x30)
        let day = Int(p[8] &- 0x30) * 10 + Int(p[9] &- 0x30)
        guard month >= 1 && month <= 12 && day >= 1 else { return false }
        let lastDay: Int
        switch month {
        case 2: lastDay = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: lastDay = 30
        default: lastDay = 31
        }
        return day <= lastDay
    }

    // MARK: - Binary strings

    /// `BinaryString` (§7.2.17, Listing 27): `^[A-Za-z0-9-_]+[=]{0,2}$`, base64url with optional padding.
    public static func isBinaryString(_ value: String) -> Bool {
        withBytes(value) { p in scanBinaryString(p) }
    }

    /// `BinaryString32` (§7.2.18, Listing 28), `IlpCondition` and `IlpFulfilment`: `^[A-Za-z0-9-_]{43}$`.
    public static func isBinaryString32(_ value: String) -> Bool {
        withBytes(value) { p in
            guard p.count == 43 else { return false }
            for b in p where !isBase64URL(b) { return false }
            return true
        }
    }

    /// `IlpPacket` (§7.3.19): BinaryString(1..32768), `^[A-Za-z0-9-_]+[=]{0,2}$` with at most 32768
    /// characters.
    public static func isIlpPacket(_ value: String) -> Bool {
        withBytes(value) { p in p.count <= 32768 && scanBinaryString(p) }
    }

    private static func scanBinaryString(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var end = p.count
        if end > 0, p[end - 1] == 0x3D { end -= 1 }
        if end > 0, p[end - 1] == 0x3D { end -= 1 }
        guard end >= 1 else { return false }
        for i in 0..<end where !isBase64URL(p[i]) { return false }
        return true
    }

    // MARK: - Geographic coordinates

    /// `Latitude` (§7.2.11, Listing 21):
    /// `^(\+|-)?(?:90(?:(?:\.0{1,6})?)|(?:[0-9]|[1-8][0-9])(?:(?:\.[0-9]{1,6})?))$`.
    public static func isLatitude(_ value: String) -> Bool {
        isCoordinate(value, limit: 90)
    }

    /// `Longitude` (§7.2.12, Listing 22):
    /// `^(\+|-)?(?:180(?:(?:\.0{1,6})?)|(?:[0-9]|[1-9][0-9]|1[0-7][0-9])(?:(?:\.[0-9]{1,6})?))$`.
    public static func isLongitude(_ value: String) -> Bool {
        isCoordinate(value, limit: 180)
    }

    /// An optional sign, an integer part without leading zero below `limit` (or equal to it when the
    /// fraction is all zeros), and an optional fraction of 1 to 6 digits: both listings above.
    private static func isCoordinate(_ value: String, limit: Int) -> Bool {
        withBytes(value) { p in
            let n = p.count
            var i = 0
            if i < n, p[i] == 0x2B || p[i] == 0x2D { i += 1 }
            let start = i
            var integer = 0
            while i < n, isDigit(p[i]) {
                guard i - start < 3 else { return false }
                integer = integer * 10 + Int(p[i] &- 0x30)
                i += 1
            }
            let digits = i - start
            guard digits >= 1, digits == 1 || p[start] != 0x30 else { return false }
            var fractionIsZero = true
            if i < n {
                guard p[i] == 0x2E else { return false }
                i += 1
                let fractionStart = i
                while i < n, isDigit(p[i]) {
                    if p[i] != 0x30 { fractionIsZero = false }
                    i += 1
                }
                let fraction = i - fractionStart
                guard fraction >= 1 && fraction <= 6 && i == n else { return false }
            }
            return integer < limit || (integer == limit && fractionIsZero)
        }
    }

    // MARK: - Unicode strings

    /// `Name` (§7.2.4, Listing 14: `^(?!\s*$)[\w .,'-]{1,128}$` with Unicode `\w`) in the form the OpenAPI
    /// gives `FirstName`, `MiddleName` and `LastName`:
    /// `^(?!\s*$)[\p{L}\p{gc=Mark}\p{digit}\p{gc=Connector_Punctuation}\p{Join_Control} .,''-]{1,128}$`.
    ///
    /// 1 to 128 code points, each a letter, a mark, a decimal digit, a connector punctuation (such as
    /// `_`), a join control (ZWJ, ZWNJ), a space, `.`, `,`, `'` or `-`; not only spaces. "Zoë",
    /// "محمد" and "王小明" are names; "Bob!" and "   " are not.
    public static func isName(_ value: String) -> Bool {
        var count = 0
        var onlySpaces = true
        for scalar in value.unicodeScalars {
            count += 1
            guard count <= 128 else { return false }
            let v = scalar.value
            if v < 0x80 {
                let b = UInt8(truncatingIfNeeded: v)
                if b == 0x20 { continue }
                guard isUpper(b) || isLower(b) || isDigit(b) || b == 0x5F || b == 0x2E || b == 0x2C || b == 0x27 || b == 0x2D
                else { return false }
            } else {
                guard isNameScalar(scalar) else { return false }
            }
            onlySpaces = false
        }
        return count >= 1 && !onlySpaces
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            return true
        default:
            return properties.isJoinControl
        }
    }

    /// `^\S{min,max}$` (`U2FPIN`, and the QR code branch of `AuthenticationValue`): `min` to `max` code
    /// points, none of them JavaScript whitespace.
    public static func isNonWhitespace(_ value: String, min: Int, max: Int) -> Bool {
        var count = 0
        for scalar in value.unicodeScalars {
            count += 1
            guard count <= max, !isJavaScriptWhitespace(scalar.value) else { return false }
        }
        return count >= min
    }

    /// `\s` of JavaScript regular expressions: ASCII tab to carriage return, space, and the Unicode
    /// space separators, line and paragraph separators and the byte order mark.
    private static func isJavaScriptWhitespace(_ v: UInt32) -> Bool {
        switch v {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }

    /// `FspId` (§7.3.16, `String(1..32)`) as Payment Manager accepts it: 1 to 32 visible ASCII characters
    /// (0x21-0x7E). The specification allows any characters, but an FSP id travels in the `FSPIOP-Source` and
    /// `FSPIOP-Destination` headers, where a control character, a space or a non-ASCII one cannot go; the hub's
    /// participant names are letters and digits.
    public static func isHeaderSafeFspId(_ value: String) -> Bool {
        let bytes = value.utf8
        return (1...32).contains(bytes.count) && bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }

    /// `String(min..max)` (§7.1.1, §7.2.1): the length in Unicode code points, as JSON Schema's
    /// `minLength`/`maxLength` count it. The UTF-8 length bounds the count from above and (divided by 4)
    /// from below, which settles most strings without counting.
    public static func hasLength(_ value: String, min: Int, max: Int) -> Bool {
        let bytes = value.utf8.count
        if bytes < min { return false }
        if bytes <= max && min <= 1 { return true }
        if bytes > max * 4 { return false }
        var count = 0
        for _ in value.unicodeScalars {
            count += 1
            if count > max { return false }
        }
        return count >= min
    }

    // MARK: - Bytes

    /// Runs `body` over the UTF-8 bytes of `value`, in place when the string is native UTF-8.
    @inline(__always)
    private static func withBytes(_ value: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var value = value
        return value.withUTF8(body)
    }

    @inline(__always)
    private static func allDigits(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        var i = start
        while i < p.count {
            guard isDigit(p[i]) else { return false }
            i += 1
        }
        return true
    }

    @inline(__always) private static func isDigit(_ b: UInt8) -> Bool { (b &- 0x30) < 10 }
    @inline(__always) private static func isUpper(_ b: UInt8) -> Bool { (b &- 0x41) < 26 }
    @inline(__always) private static func isLower(_ b: UInt8) -> Bool { (b &- 0x61) < 26 }
    @inline(__always) private static func isBase64URL(_ b: UInt8) -> Bool {
        isUpper(b) || isLower(b) || isDigit(b) || b == 0x2D || b == 0x5F
    }
}
