/// An instant as milliseconds since 1970-01-01T00:00:00Z, with the text forms FSPIOP uses: the
/// `DateTime` type (API Definition v1.1 §7.2.14, `yyyy-MM-ddTHH:mm:ss.SSS[Z|±HH:MM]`), the HTTP `Date`
/// header (IMF-fixdate, RFC 9110 §5.6.7, as JavaScript's `toUTCString()` writes it) and the ILP v4
/// `expiresAt` (`YYYYMMDDHHmmssSSS`, UTC).
///
/// Pure arithmetic on the proleptic Gregorian calendar: no Foundation formatters, no locale, no clock.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }

    /// The earliest and latest instants with a four-digit year, the range every text form here can write and
    /// read back: 1000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
    public static let earliest = Timestamp(millisecondsSinceEpoch: -30_610_224_000_000)
    public static let latest = Timestamp(millisecondsSinceEpoch: 253_402_300_799_999)

    /// This instant moved by a number of milliseconds, saturating at ``earliest`` and ``latest`` instead of
    /// trapping or leaving the four-digit years (callers range-check what comes from outside; this keeps a
    /// replayed old record from stopping a process or writing a date that cannot be read back).
    public func adding(milliseconds: Int64) -> Timestamp {
        let (sum, overflow) = millisecondsSinceEpoch.addingReportingOverflow(milliseconds)
        if overflow { return milliseconds > 0 ? Self.latest : Self.earliest }
        return Timestamp(millisecondsSinceEpoch: min(max(sum, Self.earliest.millisecondsSinceEpoch), Self.latest.millisecondsSinceEpoch))
    }

    /// This instant moved by a number of seconds, saturating as ``adding(milliseconds:)`` does.
    public func adding(seconds: Int64) -> Timestamp {
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return adding(milliseconds: overflow ? (seconds > 0 ? .max : .min) : milliseconds)
    }

    public var description: String { dateTime }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Timestamp(dateTime: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an FSPIOP DateTime: \(text)"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(dateTime)
    }

    // MARK: Calendar arithmetic (days from civil, H. Hinnant's algorithm)

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * m + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The instant of a UTC date and time on the proleptic Gregorian calendar (as RFC 3339 and ISO 8601 count, also
    /// before 1582); nil when a field is out of range, such as a day its month does not have.
    public init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        guard (0...9999).contains(year), (1...12).contains(month), day >= 1, Int64(day) <= Self.daysIn(month: Int64(month), year: Int64(year)),
              (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second), (0..<1000).contains(millisecond) else { return nil }
        let days = Self.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
        millisecondsSinceEpoch = ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000 + Int64(millisecond)
    }

    static func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// UTC calendar fields of this instant.
    var utcFields: (year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64, millisecond: Int64, weekday: Int64) {
        let ms = millisecondsSinceEpoch
        var days = ms / 86_400_000
        var rest = ms % 86_400_000
        if rest < 0 { rest += 86_400_000; days -= 1 }
        let (y, m, d) = Self.civilFromDays(days)
        let weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4); 0 = Sunday
        return (y, m, d, rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000, weekday)
    }

    // MARK: FSPIOP DateTime

    /// Parses an FSPIOP `DateTime`: `yyyy-MM-ddTHH:mm:ss.SSS` then `Z` or `±HH:MM`, with the calendar
    /// checks of the specification's pattern (year 1000 and later, real days of the month, hours to 23).
    public init?(dateTime text: String) {
        let b = Array(text.utf8)
        guard b.count == 24 || b.count == 29 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for i in range {
                let c = b[i]
                guard c >= 0x30, c <= 0x39 else { return nil }
                value = value * 10 + Int64(c - 0x30)
            }
            return value
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "."),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              let millisecond = number(20..<23),
              year >= 1000, (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 59 else { return nil }
        var offsetMinutes: Int64 = 0
        if b.count == 24 {
            guard b[23] == UInt8(ascii: "Z") else { return nil }
        } else {
            guard b[23] == UInt8(ascii: "+") || b[23] == UInt8(ascii: "-"), b[26] == UInt8(ascii: ":"),
                  let offsetHours = number(24..<26), let offsetMinute = number(27..<29),
                  offsetHours <= 19, offsetMinute <= 59 else { return nil }
            offsetMinutes = (offsetHours * 60 + offsetMinute) * (b[23] == UInt8(ascii: "-") ? -1 : 1)
        }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let local = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millisecond
        let utc = local - offsetMinutes * 60_000
        // An offset may move a date at the edge of the four-digit years out of them (9999-12-31T23:00-05:00).
        guard (Self.earliest.millisecondsSinceEpoch...Self.latest.millisecondsSinceEpoch).contains(utc) else { return nil }
        self.init(millisecondsSinceEpoch: utc)
    }

    /// The FSPIOP `DateTime` of this instant in UTC, e.g. `2026-11-28T23:32:08.123Z`.
    public var dateTime: String {
        let f = utcFields
        return "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2)).\(pad(f.millisecond, 3))Z"
    }

    /// The ILP v4 `expiresAt` form, `YYYYMMDDHHmmssSSS` in UTC.
    public var interledgerTimestamp: String {
        let f = utcFields
        return "\(pad(f.year, 4))\(pad(f.month, 2))\(pad(f.day, 2))\(pad(f.hour, 2))\(pad(f.minute, 2))\(pad(f.second, 2))\(pad(f.millisecond, 3))"
    }

    /// Parses the ILP v4 `expiresAt` form.
    public init?(interledgerTimestamp text: String) {
        let b = Array(text.utf8)
        guard b.count == 17, b.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let s = String(decoding: b, as: UTF8.self)
        let iso = "\(s.prefix(4))-\(s.dropFirst(4).prefix(2))-\(s.dropFirst(6).prefix(2))T\(s.dropFirst(8).prefix(2)):\(s.dropFirst(10).prefix(2)):\(s.dropFirst(12).prefix(2)).\(s.dropFirst(14))Z"
        self.init(dateTime: iso)
    }

    // MARK: HTTP Date

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The HTTP `Date` header form, as the hub and JavaScript's `toUTCString()` write it:
    /// `Sat, 28 Nov 2026 23:32:08 GMT` (seconds precision).
    public var httpDate: String {
        let f = utcFields
        return "\(Self.weekdays[Int(f.weekday)]), \(pad(f.day, 2)) \(Self.months[Int(f.month - 1)]) \(pad(f.year, 4)) \(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2)) GMT"
    }

    /// Parses an IMF-fixdate (`Sat, 28 Nov 2026 23:32:08 GMT`), the form the hub validates
    /// (`ddd, DD MMM YYYY HH:mm:ss [GMT]`). The weekday must be the right one for the date.
    public init?(httpDate text: String) {
        let b = Array(text.utf8)
        guard b.count == 29 else { return nil }
        let s = String(decoding: b, as: UTF8.self)
        let parts = s.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","), parts[5] == "GMT",
              let weekday = Self.weekdays.firstIndex(of: String(parts[0].dropLast())),
              parts[1].count == 2, let day = Int64(parts[1]),
              let monthIndex = Self.months.firstIndex(of: String(parts[2])),
              parts[3].count == 4, let year = Int64(parts[3]) else { return nil }
        let time = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 3, time.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let hour = Int64(time[0]), let minute = Int64(time[1]), let second = Int64(time[2]),
              hour <= 23, minute <= 59, second <= 60, day >= 1,
              day <= Self.daysIn(month: Int64(monthIndex + 1), year: year) else { return nil }
        let days = Self.daysFromCivil(year: year, month: Int64(monthIndex + 1), day: day)
        let value = Timestamp(millisecondsSinceEpoch: ((days * 24 + hour) * 60 + minute) * 60_000 + min(second, 59) * 1000)
        guard value.utcFields.weekday == Int64(weekday) else { return nil }
        self = value
    }
}

private func pad(_ value: Int64, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
