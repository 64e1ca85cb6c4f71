import CRdKafka
import Dispatch
import EventLog
import Foundation
import Synchronization

/// The log's one idempotent producer (`acks=all`, `partitioner=murmur2_random`), and the thread that
/// serves its delivery reports.
///
/// Appends queue their records for the producer's own thread and suspend; that thread hands them to
/// librdkafka (a non-blocking call) and polls it, and the delivery reports resume the appends. Many
/// concurrent appends therefore share librdkafka's batches (`linger.ms`) instead of flushing one by one.
final class ProducerCore: Sendable {
    typealias Waiter = CheckedContinuation<Void, Never>

    let client: KafkaClient
    private let state = Mutex(ProducerStateMachine<ProduceRun, Waiter>())
    private let shutdownTimeoutMilliseconds: UInt64
    /// librdkafka's handle of each topic appended to, kept until shutdown: a record names its topic by
    /// handle (no lookup by name per record), and a topic's metadata is fetched when it becomes known,
    /// before its first append.
    private let topics = Mutex<[String: TopicHandle]>([:])
    /// Every append not answered yet.
    private let live = AppendRegistry()

    init(configuration: KafkaConfiguration) throws(LogError) {
        client = try KafkaClient(
            kind: .producer,
            properties: configuration.clientProperties([
                ("enable.idempotence", "true"),
                ("acks", "all"),
                ("partitioner", "murmur2_random"),
                // Consumers default to false; the log never names a topic it has not seen exist, but
                // librdkafka's own metadata requests must not create one either.
                ("allow.auto.create.topics", "false"),
            ]),
            logHandler: configuration.logHandler
        ) { conf in rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback) }
        shutdownTimeoutMilliseconds = UInt64(configuration.shutdownTimeoutMilliseconds)
        let thread = Thread { [self] in run() }
        thread.name = "pm.kafka.producer"
        thread.start()
    }

    // MARK: Appending

    /// Appends records; the result comes once every record's delivery report is in.
    func append(_ records: [ProducerRecord]) async -> Result<[RecordPosition], LogError> {
        await withCheckedContinuation { continuation in
            let pending = PendingAppend(records: records, continuation: continuation, registry: live)
            let entry = state.withLock { state in
                let entry = state.enqueue([ProduceRun(append: pending, range: records.indices)])
                // Waking under the lock: the thread destroys the handle only after a wake-free stop.
                if entry == .wake { client.wake() }
                return entry
            }
            if entry == .refused { pending.failAll(LogError(.closed, "the Kafka log is shut down")) }
        }
    }

    /// Makes librdkafka's handle of `topic` (which starts fetching its metadata) unless it exists.
    func prepare(_ topic: String) {
        _ = try? withHandle { client in topicHandle(topic, client: client) }
    }

    /// librdkafka's handle of `topic`, made on first use; nil if librdkafka refuses the name.
    private func topicHandle(_ topic: String, client: KafkaClient) -> OpaquePointer? {
        topics.withLock { topics in
            if let known = topics[topic] { return known.pointer }
            guard let pointer = rd_kafka_topic_new(client.handle, topic, nil) else { return nil }
            topics[topic] = TopicHandle(pointer: pointer)
            return pointer
        }
    }

    /// Runs a blocking request on the producer's handle, which stays alive until `body` returns.
    func withHandle<T>(_ body: (KafkaClient) throws(LogError) -> T) throws(LogError) -> T {
        guard state.withLock({ $0.enter() }) else { throw LogError(.closed, "the Kafka log is shut down") }
        defer {
            state.withLock { state in
                if state.leave() { client.wake() }
            }
        }
        return try body(client)
    }

    /// On the producer's thread: hands runs of records to librdkafka in order; returns what it could not take because its queue is
    /// full (the rest of the run it stopped in, and every later run).
    private func produce(_ runs: [ProduceRun]) -> [ProduceRun] {
        var scratch = ProduceScratch()
        var topic: (name: String, handle: OpaquePointer?)?
        for (position, run) in runs.enumerated() {
            let append = run.append
            let stopped: Int? = append.records.withUnsafeBufferPointer { records in
                for index in run.range {
                    if records[index].topic != topic?.name {
                        topic = (records[index].topic, topicHandle(records[index].topic, client: client))
                    }
                    guard let handle = topic?.handle else {
                        append.fail(index, LogError(.invalidArgument, "librdkafka refused the topic name '\(records[index].topic)'"))
                        continue
                    }
                    let code = scratch.produce(records, index, topic: handle, opaque: append.opaque(index), on: client.handle)
                    if code == RD_KAFKA_RESP_ERR__QUEUE_FULL { return index }
                    if code != RD_KAFKA_RESP_ERR_NO_ERROR {
                        append.fail(index, LogError.kafka(code, "appending to topic '\(records[index].topic)'"))
                    }
                }
                return nil
            }
            if let stopped { return [ProduceRun(append: append, range: stopped..<run.range.upperBound)] + runs[(position + 1)...] }
            // Serve the delivery reports that came in meanwhile, so that appends waiting on them go on
            // while this thread is still producing (as librdkafka's own loop polls after each record).
            rd_kafka_poll(client.handle, 0)
        }
        return []
    }

    // MARK: Shutdown

    /// Flushes pending records (bounded by the shutdown timeout), fails what is left, destroys the handle.
    func shutdown() async {
        await withCheckedContinuation { (continuation: Waiter) in
            let action = state.withLock { state -> ProducerStateMachine<ProduceRun, Waiter>.StopAction in
                let action = state.stop(now: Monotonic.milliseconds, timeoutMilliseconds: shutdownTimeoutMilliseconds, waiter: continuation)
                if case .wake = action { client.wake() }
                return action
            }
            if case .resume(let waiter) = action { waiter?.resume() }
        }
    }

    /// Starts the shutdown without waiting for it (the owner went away).
    func requestStop() {
        state.withLock { state in
            if case .wake = state.stop(now: Monotonic.milliseconds, timeoutMilliseconds: shutdownTimeoutMilliseconds, waiter: nil) {
                client.wake()
            }
        }
    }

    // MARK: The thread

    private func run() {
        while true {
            let action = state.withLock { $0.nextThreadAction(now: Monotonic.milliseconds) }
            switch action {
            case .poll(let milliseconds):
                rd_kafka_poll(client.handle, milliseconds)
            case .produce(let runs):
                let leftovers = produce(runs)
                if !leftovers.isEmpty { state.withLock { $0.requeue(leftovers) } }
                // With leftovers, wait for delivery reports to free room in librdkafka's queue.
                rd_kafka_poll(client.handle, leftovers.isEmpty ? 0 : 10)
            case .finish(let deadline):
                finish(deadline: deadline)
                return
            }
        }
    }

    private func finish(deadline: UInt64) {
        var backlog = state.withLock { $0.takeBacklog() }
        while !backlog.isEmpty && Monotonic.milliseconds < deadline {
            backlog = produce(backlog)
            rd_kafka_poll(client.handle, backlog.isEmpty ? 0 : 10)
        }
        for run in backlog {
            for index in run.range {
                run.append.fail(index, LogError(.closed, "the Kafka log shut down before the record reached librdkafka"))
            }
        }
        let now = Monotonic.milliseconds
        rd_kafka_flush(client.handle, Int32(clamping: deadline > now ? deadline - now : 0))
        if rd_kafka_outq_len(client.handle) > 0 {
            // Queued records fail as `.closed`, in-flight ones as `.timedOut` (they may have been stored).
            rd_kafka_purge(client.handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        }
        // Serve the purged records' delivery reports so that every waiting append is answered.
        var rounds = 0
        while rd_kafka_outq_len(client.handle) > 0 && rounds < 400 {
            rd_kafka_poll(client.handle, 25)
            rounds += 1
        }
        topics.withLock { topics in
            for handle in topics.values { rd_kafka_topic_destroy(handle.pointer) }
            topics = [:]
        }
        client.destroy()
        // Reports that never came (the drain ended with records still out) will not come now.
        for append in live.takeAll() {
            append.abandon(LogError(.timedOut, "the Kafka log shut down before librdkafka reported on the record (it may have been stored)",
                                    retryable: true))
        }
        let waiters = state.withLock { $0.finished() }
        for waiter in waiters { waiter.resume() }
    }
}

/// Buffers reused while handing a run of records to `rd_kafka_produceva`.
struct ProduceScratch {
    private var arguments: [rd_kafka_vu_t] = []
    private var headerBytes: [UInt8] = []
    private var headerSpans: [(name: Int, value: Int, count: Int)] = []
    /// Where an empty key or value points: an empty key must still be a key (not NULL) so that murmur2
    /// hashes it like `Partitioner` does.
    /// Never written, so shared safely.
    nonisolated(unsafe) private static let emptyBytes: UnsafeMutableRawPointer = .allocate(byteCount: 1, alignment: 1)

    /// Hands record `index` to librdkafka (which copies it), with `opaque` as its delivery report's opaque.
    /// The record is read in place (no copies of its fields, no reference counting per record).
    mutating func produce(_ records: UnsafeBufferPointer<ProducerRecord>, _ index: Int, topic: OpaquePointer,
                          opaque: UnsafeMutableRawPointer, on handle: OpaquePointer) -> rd_kafka_resp_err_t {
        headerBytes.removeAll(keepingCapacity: true)
        headerSpans.removeAll(keepingCapacity: true)
        headerBytes.append(0)
        records[index].headers.withUnsafeBufferPointer { headers in
            for header in headers.indices {
                let name = headerBytes.count
                headerBytes += headers[header].name.utf8
                headerBytes.append(0)
                headerSpans.append((name, headerBytes.count, headers[header].value.count))
                headerBytes += headers[header].value
            }
        }
        let count = 5 + headerSpans.count
        if arguments.count < count { arguments = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: count) }
        let error: OpaquePointer? = records[index].key.withUnsafeBytes { key in
            records[index].value.withUnsafeBytes { value in
                headerBytes.withUnsafeBytes { headerBase in
                    headerSpans.withUnsafeBufferPointer { spans in
                        arguments.withUnsafeMutableBufferPointer { arguments in
                            arguments[0].vtype = RD_KAFKA_VTYPE_RKT
                            arguments[0].u.rkt = topic
                            arguments[1].vtype = RD_KAFKA_VTYPE_KEY
                            arguments[1].u.mem.ptr = key.isEmpty ? Self.emptyBytes : UnsafeMutableRawPointer(mutating: key.baseAddress)
                            arguments[1].u.mem.size = key.count
                            arguments[2].vtype = RD_KAFKA_VTYPE_VALUE
                            arguments[2].u.mem.ptr = value.isEmpty ? Self.emptyBytes : UnsafeMutableRawPointer(mutating: value.baseAddress)
                            arguments[2].u.mem.size = value.count
                            arguments[3].vtype = RD_KAFKA_VTYPE_OPAQUE
                            arguments[3].u.ptr = opaque
                            arguments[4].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                            arguments[4].u.i = RD_KAFKA_MSG_F_COPY
                            if let base = headerBase.baseAddress {
                                for (offset, span) in spans.enumerated() {
                                    let argument = 5 + offset
                                    arguments[argument].vtype = RD_KAFKA_VTYPE_HEADER
                                    arguments[argument].u.header.name = base.advanced(by: span.name).assumingMemoryBound(to: CChar.self)
                                    arguments[argument].u.header.val = base.advanced(by: span.value)
                                    arguments[argument].u.header.size = span.count
                                }
                            }
                            return rd_kafka_produceva(handle, arguments.baseAddress, count)
                        }
                    }
                }
            }
        }
        guard let error else { return RD_KAFKA_RESP_ERR_NO_ERROR }
        let code = rd_kafka_error_code(error)
        rd_kafka_error_destroy(error)
        return code == RD_KAFKA_RESP_ERR_NO_ERROR ? RD_KAFKA_RESP_ERR__FAIL : code
    }
}

/// librdkafka's handle of a topic (`rd_kafka_topic_t`), which it documents as usable from any thread.
struct TopicHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Records of one append on their way to librdkafka (those it could not take yet wait in the backlog).
struct ProduceRun: Sendable {
    let append: PendingAppend
    var range: Range<Int>
}

/// An append waiting for its records' delivery reports. It answers once all are in: with the positions
/// in input order, or with the first failure (later records may still have been stored).
///
/// Record `i`'s delivery report finds the append through ``opaque(_:)``, a slot naming the append and `i`.
/// The append keeps itself alive (one retain) until its last record is settled, whoever holds it then.
/// Each record is settled exactly once (a delivery report, or a failure for a record librdkafka did
/// not take), so each position is written by one settle and read only after the count of unsettled
/// records reaches zero, an atomic decrement that orders those writes before the read. At shutdown an
/// append whose reports will never come is abandoned: its count drops to zero at once and it answers
/// with a failure (no positions are read); whichever of that and its last settle comes first answers.
final class PendingAppend: @unchecked Sendable {
    typealias Continuation = CheckedContinuation<Result<[RecordPosition], LogError>, Never>

    struct Slot {
        let append: Unmanaged<PendingAppend>
        let index: Int
    }

    let records: [ProducerRecord]
    private let continuation: Continuation
    private let slots: UnsafeMutablePointer<Slot>
    private let partitions: UnsafeMutablePointer<Int32>
    private let offsets: UnsafeMutablePointer<Int64>
    private let unsettled: Atomic<Int>
    private let failure = Mutex<LogError?>(nil)

    private let registry: AppendRegistry?

    init(records: [ProducerRecord], continuation: Continuation, registry: AppendRegistry? = nil) {
        self.records = records
        self.continuation = continuation
        self.registry = registry
        let count = records.count
        slots = .allocate(capacity: count)
        partitions = .allocate(capacity: count)
        offsets = .allocate(capacity: count)
        unsettled = Atomic(count)
        let owner = Unmanaged.passRetained(self)
        for index in 0..<count { (slots + index).initialize(to: Slot(append: owner, index: index)) }
        if count == 0 {
            owner.release()
            continuation.resume(returning: .success([]))
        } else {
            registry?.add(self)
        }
    }

    deinit {
        slots.deinitialize(count: records.count)
        slots.deallocate()
        partitions.deallocate()
        offsets.deallocate()
    }

    /// The opaque pointer that record `index`'s delivery report carries.
    func opaque(_ index: Int) -> UnsafeMutableRawPointer { UnsafeMutableRawPointer(slots + index) }

    /// Record `index` was stored at `partition` / `offset`.
    func settle(_ index: Int, partition: Int32, offset: Int64) {
        partitions[index] = partition
        offsets[index] = offset
        settledOne()
    }

    /// Record `index` was not stored (or may not have been).
    func fail(_ index: Int, _ error: LogError) {
        failure.withLock { if $0 == nil { $0 = error } }
        settledOne()
    }

    func failAll(_ error: LogError) {
        for index in records.indices { fail(index, error) }
    }

    /// Answers with `error` now, however many reports are missing: for records whose reports will never come.
    func abandon(_ error: LogError) {
        failure.withLock { if $0 == nil { $0 = error } }
        guard unsettled.exchange(0, ordering: .acquiringAndReleasing) > 0 else { return }
        complete()
    }

    private func settledOne() {
        guard unsettled.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        complete()
    }

    /// Resumes the caller, exactly once: after the count of unsettled records reached zero.
    private func complete() {
        registry?.remove(self)
        let result: Result<[RecordPosition], LogError>
        if let failure = failure.withLock({ $0 }) {
            result = .failure(failure)
        } else {
            result = .success(records.indices.map { RecordPosition(topic: records[$0].topic, partition: partitions[$0], offset: offsets[$0]) })
        }
        continuation.resume(returning: result)
        // The retain taken in `init`; every caller holds its own reference for the call.
        Unmanaged.passUnretained(self).release()
    }
}

/// The appends not answered yet, so that shutdown can answer those whose reports will never come.
final class AppendRegistry: Sendable {
    private let appends = Mutex<[ObjectIdentifier: PendingAppend]>([:])

    func add(_ append: PendingAppend) { appends.withLock { $0[ObjectIdentifier(append)] = append } }
    func remove(_ append: PendingAppend) { _ = appends.withLock { $0.removeValue(forKey: ObjectIdentifier(append)) } }
    func takeAll() -> [PendingAppend] {
        appends.withLock { appends in
            defer { appends = [:] }
            return Array(appends.values)
        }
    }
}

/// librdkafka's delivery report callback, called on the producer's thread from `rd_kafka_poll`.
private let deliveryReportCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = { _, message, _ in
    guard let message, let opaque = message.pointee._private else { return }
    let slot = opaque.assumingMemoryBound(to: PendingAppend.Slot.self).pointee
    let report = message.pointee
    // A strong reference for the call: the last settle gives up the append's own retain.
    let append = slot.append.takeUnretainedValue()
    withExtendedLifetime(append) {
        if report.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            append.settle(slot.index, partition: report.partition, offset: report.offset)
        } else {
            append.fail(slot.index, LogError.kafka(report.err, "appending to topic '\(append.records[slot.index].topic)'"))
        }
    }
}

/// Milliseconds on a clock that only moves forward.
enum Monotonic {
    static var milliseconds: UInt64 { DispatchTime.now().uptimeNanoseconds / 1_000_000 }
}
