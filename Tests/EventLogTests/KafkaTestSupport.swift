import EventLog
import Foundation
import KafkaLog
import Synchronization
import Testing

/// The Kafka tests: one suite, serialized, because each starts a mock cluster whose group joins and
/// rebalances are timed (a 2-core machine running several at once makes them slow, not wrong).
@Suite("Kafka log on librdkafka's mock cluster", .serialized)
struct KafkaTests {}

/// A mock cluster and a log on it that creates topics through the mock's API.
struct KafkaTestBed {
    let cluster: MockKafkaCluster
    let log: KafkaEventLog
    let logs: KafkaLogRecorder

    /// - Parameter sessionTimeoutMilliseconds: above 3000 (the mock's minimum); 4000 makes rebalances
    ///   take about 3 s instead of 5.
    init(brokers: Int = 3, sessionTimeoutMilliseconds: Int = 4000, configure: (inout KafkaConfiguration) -> Void = { _ in }) throws {
        let recorder = KafkaLogRecorder()
        cluster = try MockKafkaCluster(brokers: brokers)
        logs = recorder
        log = try cluster.makeEventLog { configuration in
            configuration.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
            configuration.logLevel = .warning
            configuration.logHandler = { recorder.record($0) }
            configure(&configuration)
        }
    }

    /// A second log on the same cluster (another `pm` process).
    func anotherLog(configure: (inout KafkaConfiguration) -> Void = { _ in }) throws -> KafkaEventLog {
        try cluster.makeEventLog { configuration in
            configuration.sessionTimeoutMilliseconds = log.configuration.sessionTimeoutMilliseconds
            configuration.logHandler = { [logs] in logs.record($0) }
            configure(&configuration)
        }
    }
}

/// librdkafka's log messages seen during a test, so a test can wait for a client to notice a fault.
final class KafkaLogRecorder: Sendable {
    private let messages = Mutex<[KafkaLogMessage]>([])

    func record(_ message: KafkaLogMessage) { messages.withLock { $0.append(message) } }

    func contains(_ predicate: (KafkaLogMessage) -> Bool) -> Bool { messages.withLock { $0.contains(where: predicate) } }

    var count: Int { messages.withLock { $0.count } }
}

struct KafkaTestTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Waits until `condition` holds, checking every 20 ms, and fails after `seconds`.
func kafkaEventually(_ what: String, within seconds: Double = 30, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw KafkaTestTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Runs `work`, failing if it takes longer than `seconds` (abandoning it then, see ``withDeadline(_:_:_:)``).
@discardableResult
func kafkaWithin<T: Sendable>(_ seconds: Double, _ what: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    do {
        return try await withDeadline(seconds, what, work)
    } catch let timeout as TimedOut {
        throw KafkaTestTimeout(what: timeout.what)
    }
}

/// A record value for the Kafka tests: its key, its sequence number on that key, and a unique id.
struct KafkaTestEvent: Codable, Hashable, Sendable {
    var id: String
    var key: String
    var sequence: Int

    func record(_ topic: String, padding: Int = 0) -> ProducerRecord {
        var value = (try? JSONEncoder().encode(self)).map { Array($0) } ?? []
        if padding > 0 { value += [UInt8](repeating: 0x20, count: padding) }
        return ProducerRecord(topic: topic, key: key, headers: [LogHeader(name: "pm.id", text: id)], value: value)
    }

    init(id: String, key: String, sequence: Int) {
        self.id = id
        self.key = key
        self.sequence = sequence
    }

    init?(_ record: ConsumerRecord) {
        let trimmed = record.value.prefix { $0 != 0x20 }
        guard let event = try? JSONDecoder().decode(KafkaTestEvent.self, from: Data(trimmed)) else { return nil }
        self = event
    }

    /// `keys` keys with `perKey` events each, interleaved: every key's sequence 0, then every key's 1, ...
    static func stream(keys: Int, perKey: Int, prefix: String) -> [KafkaTestEvent] {
        var events: [KafkaTestEvent] = []
        for sequence in 0..<perKey {
            for key in 0..<keys { events.append(KafkaTestEvent(id: "\(prefix)-\(key)-\(sequence)", key: "key-\(key)", sequence: sequence)) }
        }
        return events
    }
}

/// A projection that processes each event once, the way a real read model does: it skips an event it
/// has already applied (a redelivery), and records what a test checks: who processed what, redeliveries,
/// and whether each key's events arrived in order.
final class KafkaTestProjection: Sendable {
    private struct State {
        var applied: [String: Int] = [:]
        var lastSequence: [String: Int] = [:]
        var deliveries = 0
        var redeliveries: [(id: String, first: Int, again: Int)] = []
        var outOfOrder: [String] = []
        var perMember: [Int: Int] = [:]
        var changed = ContinuousClock.now
    }

    private let state = Mutex(State())

    /// Applies one delivered event by `member`; returns false for a redelivery (skipped).
    @discardableResult
    func apply(_ event: KafkaTestEvent, member: Int) -> Bool {
        state.withLock { state in
            state.deliveries += 1
            if let first = state.applied[event.id] {
                state.redeliveries.append((event.id, first, member))
                return false
            }
            let expected = (state.lastSequence[event.key] ?? -1) + 1
            if event.sequence != expected { state.outOfOrder.append("\(event.id) after sequence \(expected - 1) of \(event.key)") }
            state.lastSequence[event.key] = max(state.lastSequence[event.key] ?? -1, event.sequence)
            state.applied[event.id] = member
            state.perMember[member, default: 0] += 1
            state.changed = .now
            return true
        }
    }

    var appliedCount: Int { state.withLock { $0.applied.count } }
    var appliedIds: Set<String> { state.withLock { Set($0.applied.keys) } }
    var deliveries: Int { state.withLock { $0.deliveries } }
    /// Events delivered again after being applied: (id, first member, member that got it again).
    var redeliveries: [(id: String, first: Int, again: Int)] { state.withLock { $0.redeliveries } }
    var outOfOrder: [String] { state.withLock { $0.outOfOrder } }
    func applied(by member: Int) -> Int { state.withLock { $0.perMember[member] ?? 0 } }
    /// Whether nothing new was applied for `seconds`.
    func stalled(for seconds: Double) -> Bool {
        state.withLock { $0.changed.duration(to: .now) >= .milliseconds(Int(seconds * 1000)) }
    }
}

/// Consumes with `consumer` into `projection` as `member`, committing after each batch, until `stop`
/// says so (checked between batches) or the consumer closes. Commit failures are returned, not thrown.
@discardableResult
func kafkaProcess(_ consumer: LogConsumer, into projection: KafkaTestProjection, member: Int,
                  until stop: @escaping @Sendable () -> Bool) async throws -> [LogError] {
    var commitFailures: [LogError] = []
    while !stop(), let batch = try await consumer.nextBatch() {
        for record in batch {
            if let event = KafkaTestEvent(record) { projection.apply(event, member: member) }
        }
        do {
            try await consumer.commit(batch.map(\.position))
        } catch {
            commitFailures.append(error)
        }
    }
    return commitFailures
}

/// A flag tasks can set and read.
final class KafkaFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// A counter tasks can bump and read, which knows when it last moved.
final class KafkaCounter: Sendable {
    private let state = Mutex<(count: Int, changed: ContinuousClock.Instant)>((0, .now))

    func add(_ amount: Int) { state.withLock { $0 = ($0.count + amount, .now) } }
    var count: Int { state.withLock { $0.count } }

    /// Whether it has not moved for `seconds`: what a stall looks like from outside.
    func stalled(for seconds: Double) -> Bool {
        state.withLock { $0.changed.duration(to: .now) >= .milliseconds(Int(seconds * 1000)) }
    }
}
