import EventLog
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Keeps the projection store up to date with the log: joins the store's own consumer group on every
/// topic the projections read, applies each batch (rows and positions in one transaction), then commits
/// the group's offsets. Measures each projection's lag and the rows of its tables, and deletes what is
/// older than the retention.
public final class ProjectionService: Service, Sendable {
    public struct Settings: Sendable {
        /// Topics to create when missing (the connector's), so that the projections may start first.
        public var topicSpecs: [TopicSpec]
        /// What is older than this is deleted from the read models (nil: kept).
        public var retentionMilliseconds: Int64?
        /// How often lag is measured (rows and the retention: every 30 times this).
        public var measureIntervalMilliseconds: Int64

        public init(topicSpecs: [TopicSpec], retentionMilliseconds: Int64?, measureIntervalMilliseconds: Int64 = 1000) {
            self.topicSpecs = topicSpecs
            self.retentionMilliseconds = retentionMilliseconds
            self.measureIntervalMilliseconds = measureIntervalMilliseconds
        }
    }

    public let store: ProjectionStore
    let log: any EventLog
    let settings: Settings
    let factory: any MetricsFactory
    let logger: Logger

    public init(log: any EventLog, store: ProjectionStore, settings: Settings, metricsFactory: any MetricsFactory, logger: Logger) {
        self.log = log
        self.store = store
        self.settings = settings
        factory = metricsFactory
        self.logger = logger
    }

    public func run() async throws {
        for spec in settings.topicSpecs { try await log.ensureTopic(spec) }
        let consumer = try await log.consumer(Subscription(group: store.group, topics: store.topics.all, startAt: .earliest))
        logger.info("projections follow the log", metadata: ["store": "\(store.path)", "group": "\(store.group)"])
        let applied = Counter(label: "pm_projection_records_total", dimensions: [("outcome", "applied")], factory: factory)
        let skipped = Counter(label: "pm_projection_records_total", dimensions: [("outcome", "skipped")], factory: factory)
        let undecodable = Counter(label: "pm_projection_records_total", dimensions: [("outcome", "undecodable")], factory: factory)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask {
                try? await gracefulShutdown()
                await consumer.close()
            }
            tasks.addTask { await self.measure() }
            while let delivered = try await consumer.nextBatch() {
                guard !delivered.isEmpty else { continue }
                let batch = try await withGaps(delivered)
                let result = try await applyRetrying(batch)
                applied.increment(by: result.applied)
                skipped.increment(by: result.skipped)
                if result.undecodable > 0 {
                    undecodable.increment(by: result.undecodable)
                    logger.error("records the projections cannot read were passed over", metadata: [
                        "count": "\(result.undecodable)", "first": "\(result.firstFailure ?? "")"])
                }
                try await consumer.commit(delivered.map(\.position))
            }
            tasks.cancelAll()
        }
    }

    /// The batch with the records before it that the store has not applied: the store's positions, not the
    /// group's offsets, say where each projection is (after a rebuild was swapped in, they may be behind them).
    func withGaps(_ batch: [ConsumerRecord]) async throws(LogError) -> [ConsumerRecord] {
        var first: [TopicPartition: Int64] = [:]
        for record in batch where first[record.topicPartition] == nil { first[record.topicPartition] = record.offset }
        var gaps: [ConsumerRecord] = []
        for (partition, offset) in first.sorted(by: { $0.key < $1.key }) {
            var next = try await store.nextOffset(for: partition, start: 0)
            while next < offset {
                let records = try await log.read(ReadRequest(topic: partition.topic, partition: partition.partition, start: .offset(next),
                                                             limit: Int(min(offset - next, 2000))))
                guard let last = records.last else { break }
                gaps += records.filter { $0.offset < offset }
                next = last.offset + 1
            }
        }
        return gaps.isEmpty ? batch : gaps + batch
    }

    /// Applies a batch, retrying while the store is busy (a rebuild being swapped in holds its lock for a while).
    func applyRetrying(_ batch: [ConsumerRecord]) async throws(LogError) -> ProjectionStore.Applied {
        var delay = 50
        while true {
            do { return try await store.apply(batch) } catch where error.retryable && !Task.isCancelled {
                logger.warning("the projection store is busy; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(delay))
                delay = min(delay * 2, 2000)
            }
        }
    }

    /// How many records of the topics each projection reads it has not applied yet.
    public func lag() async throws(LogError) -> [ProjectionName: Int64] { try await store.lag(on: log) }

    /// Measures lag every interval, and rows and the retention every 30 intervals (counting rows reads whole tables),
    /// until shutdown.
    func measure() async {
        await cancelWhenGracefulShutdown {
            var round = 0
            while !Task.isCancelled {
                do {
                    for (name, behind) in try await self.lag() {
                        Gauge(label: "pm_projection_lag", dimensions: [("projection", name.rawValue)], factory: self.factory).record(behind)
                    }
                    if round % 30 == 0 {
                        for (table, rows) in try await self.store.rowCounts() {
                            Gauge(label: "pm_projection_rows", dimensions: [("table", table)], factory: self.factory).record(rows)
                        }
                        if let retention = self.settings.retentionMilliseconds {
                            let deleted = try await self.store.prune(before: WallTime.nowMilliseconds() - retention)
                            if deleted > 0 { self.logger.info("read models pruned", metadata: ["rows": "\(deleted)"]) }
                        }
                    }
                } catch {
                    self.logger.warning("cannot measure the projections", metadata: ["error": "\(error)"])
                }
                round += 1
                try? await Task.sleep(for: .milliseconds(self.settings.measureIntervalMilliseconds))
            }
        }
    }
}

/// The wall clock, read only by this adapter (the folds take time from the events).
enum WallTime {
    static func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
