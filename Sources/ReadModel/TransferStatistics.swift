import Foundation

/// What a transfer's end adds to the statistics read models: one completion in its minute, and, when it
/// succeeded, its amount to its hour's flow. Derived from a row before and after an event, so that each
/// transfer is counted once, when it first becomes final.
public struct TransferCompletion: Sendable, Hashable {
    /// The minute it completed in (milliseconds since the Unix epoch, a multiple of 60,000).
    public var minute: Int64
    public var hour: Int64
    public var direction: TransferDirection
    public var succeeded: Bool
    public var durationMilliseconds: Int64
    public var currency: String?
    public var amount: String?

    /// The completion `after` records, or nil when the event did not end the transfer.
    public init?(before: TransferRow?, after: TransferRow) {
        guard after.status.isFinal, before?.status.isFinal != true, let completedAt = after.completedAt else { return nil }
        minute = completedAt - completedAt.modulo(60_000)
        hour = completedAt - completedAt.modulo(3_600_000)
        direction = after.direction
        succeeded = after.status == .success
        durationMilliseconds = max(0, completedAt - after.initiatedAt)
        currency = after.currency
        amount = after.amount
    }
}

extension Int64 {
    /// The non-negative remainder, so that instants before 1970 fall in the bucket that starts before them.
    func modulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}

/// Fixed buckets of transfer durations, so that a percentile of any minute (or of any set of minutes) is
/// computed from counts without keeping every duration: bucket `i` holds durations up to
/// ``upperBound(_:)`` of `i`, bounds growing by 10 % from 1 ms to about 48 hours, the last bucket unbounded. A percentile is
/// reported as its bucket's upper bound, so it is at most 10 % above the true value.
public enum DurationBuckets {
    public static let count = 200
    static let growth = 1.1

    /// The bucket of a duration in milliseconds.
    public static func index(milliseconds: Int64) -> Int {
        guard milliseconds > 1 else { return 0 }
        let index = Int((log(Double(milliseconds)) / log(growth)).rounded(.up))
        return Swift.min(index, count - 1)
    }

    /// The largest duration in bucket `index` (milliseconds), or nil for the last, unbounded bucket.
    public static func upperBound(_ index: Int) -> Int64? {
        guard index < count - 1 else { return nil }
        return Int64(pow(growth, Double(index)).rounded(.down))
    }

    /// The `fraction` percentile (0.95 for p95) of durations given as counts per bucket: the upper bound of
    /// the bucket that holds it (for the last bucket, `largest`). Nil when there are no durations.
    public static func percentile(_ fraction: Double, of counts: [Int: Int64], largest: Int64) -> Int64? {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = Int64((Double(total) * fraction).rounded(.up))
        var seen: Int64 = 0
        for index in counts.keys.sorted() {
            seen += counts[index] ?? 0
            if seen >= rank { return upperBound(index).map { Swift.min($0, largest) } ?? largest }
        }
        return largest
    }
}

/// Exact sums of FSPIOP amounts (decimal text, up to 18 digits before the point and 4 after), which
/// binary floating point would round.
public enum AmountSum {
    /// `total + amount` as decimal text; an amount that is not a number leaves the total as it was.
    public static func add(_ amount: String, to total: String) -> String {
        guard let added = Decimal(string: amount, locale: Locale(identifier: "en_US_POSIX")) else { return total }
        let current = Decimal(string: total, locale: Locale(identifier: "en_US_POSIX")) ?? 0
        var sum = current + added
        var rounded = Decimal()
        NSDecimalRound(&rounded, &sum, 4, .plain)
        return NSDecimalNumber(decimal: rounded).description(withLocale: Locale(identifier: "en_US_POSIX"))
    }
}
