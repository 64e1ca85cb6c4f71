/// The records most recently committed to each partition, kept in memory so that a consumer that keeps up
/// (the processor is normally a few milliseconds behind the edges) is handed them without a query and without
/// a hop to its connection's queue. A consumer further behind, or one starting, reads the table.
///
/// Each partition keeps one run of consecutive offsets, `first ..< first + count`, filled by the writer right
/// after each commit and before consumers are woken; the oldest records go once the run holds more than
/// `maximumBytes`. Only committed records enter it, so a consumer never sees a record a rollback took back.
struct RecentRecords: Sendable {
    struct Run: Sendable {
        var first: Int64
        var records: [ConsumerRecord] = []
        /// Index in `records` of the record at `first` (removed records are dropped in bulk).
        var head = 0
        var bytes = 0

        var end: Int64 { first + Int64(records.count - head) }
    }

    let maximumBytes: Int
    private(set) var runs: [PartitionKey: Run] = [:]

    init(maximumBytes: Int) {
        self.maximumBytes = maximumBytes
    }

    /// Starts an empty run at the partition's end offset, unless it has one: a consumer there is told
    /// from memory that nothing is new.
    mutating func start(_ key: PartitionKey, at offset: Int64) {
        guard maximumBytes > 0, runs[key] == nil else { return }
        runs[key] = Run(first: offset)
    }

    /// Records a committed record. One that does not follow the partition's run starts a new run.
    mutating func committed(_ record: ConsumerRecord, key: PartitionKey) {
        guard maximumBytes > 0 else { return }
        var run = runs.removeValue(forKey: key) ?? Run(first: record.offset)
        if run.end != record.offset { run = Run(first: record.offset) }
        run.records.append(record)
        run.bytes += Self.size(record)
        while run.bytes > maximumBytes, run.records.count - run.head > 1 {
            run.bytes -= Self.size(run.records[run.head])
            run.head += 1
            run.first += 1
        }
        if run.head > 64, run.head * 2 > run.records.count {
            run.records.removeFirst(run.head)
            run.head = 0
        }
        runs[key] = run
    }

    /// Up to `limit` records of the partition from `offset` on; nil when they are not all in memory from
    /// there (the consumer reads the table). An empty answer means nothing was committed after `offset`
    /// by this process's writer up to the last commit it recorded.
    func records(_ key: PartitionKey, from offset: Int64, limit: Int) -> [ConsumerRecord]? {
        guard let run = runs[key], offset >= run.first, offset <= run.end else { return nil }
        let start = run.head + Int(offset - run.first)
        let stop = min(run.records.count, start + max(0, limit))
        return Array(run.records[start..<stop])
    }

    /// Forgets records below `offset` (retention deleted them from the table).
    mutating func removeBefore(_ offset: Int64, key: PartitionKey) {
        guard var run = runs[key], offset > run.first else { return }
        guard offset < run.end else {
            runs[key] = nil
            return
        }
        while run.first < offset {
            run.bytes -= Self.size(run.records[run.head])
            run.head += 1
            run.first += 1
        }
        runs[key] = run
    }

    static func size(_ record: ConsumerRecord) -> Int {
        record.value.count + record.key.count + 64
    }
}
