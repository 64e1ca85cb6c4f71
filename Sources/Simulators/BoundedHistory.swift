/// The keys of a simulator's records in the order they were made, to forget the oldest finished ones
/// when a cap on how many are kept is set (long benchmark runs: memory follows the cap, not the run).
struct BoundedHistory: Sendable {
    private var order: [String] = []
    private var start = 0

    mutating func inserted(_ key: String) { order.append(key) }

    /// The oldest keys to forget so that about `limit` records stay: taken from the front while more
    /// than `limit` of the `count` records remain and the oldest is finished (or already gone). A record
    /// still in progress stops the sweep until it finishes.
    mutating func forgettable(limit: Int, count: Int, isFinished: (String) -> Bool?) -> [String] {
        var forget: [String] = []
        var remaining = count
        while remaining > limit, start < order.count {
            let key = order[start]
            guard let finished = isFinished(key) else {
                start += 1
                continue
            }
            guard finished else { break }
            forget.append(key)
            remaining -= 1
            start += 1
        }
        if start > 4096, start * 2 > order.count {
            order.removeFirst(start)
            start = 0
        }
        return forget
    }
}
