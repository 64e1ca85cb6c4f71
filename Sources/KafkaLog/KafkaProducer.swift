import CRdKafka
import Dispatch
import EventLog
import Foundation
import Synchronization

/// The log's one idempotent producer (`acks=all`, `partitioner=murmur2_random`), and the thread that
/// serves its delivery reports.
///
/// Appends hand their records to librdkafka on the caller's thread (a non-blocking call) and suspend;
/// the producer's own thread polls librdkafka, whose delivery reports resume them. Many concurrent
/// appends therefore share librdkafka's batches (`linger.ms`) instead of flushing one by one.
final class ProducerCore: Sendable {
    typealias Waiter = CheckedContinuation<Void, Never>

    let client: KafkaClient
    private let state = Mutex(ProducerStateMachine<ProduceItem, Waiter>())
    private let shutdownTimeoutMilliseconds: UInt64

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
            let pending = PendingAppend(topics: records.map(\.topic), continuation: continuation)
            var items: [ProduceItem] = []
            items.reserveCapacity(records.count)
            for (index, record) in records.enumerated() {
                items.append(ProduceItem(record: record, ticket: DeliveryTicket(append: pending, index: index)))
            }
            let entry = state.withLock { state -> ProducerStateMachine<ProduceItem, Waiter>.Entry in
                let entry = state.enter(producing: items)
                if entry == .queued { client.wake() }
                return entry
            }
            switch entry {
            case .refused:
                pending.failAll(LogError(.closed, "the Kafka log is shut down"))
            case .queued:
                break
            case .proceed:
                let leftovers = produce(items[...])
                state.withLock { state in
                    // Waking under the lock: the thread destroys the handle only after a wake-free stop.
                    if state.leave(leftovers: leftovers) { client.wake() }
                }
            }
        }
    }

    /// Runs a blocking request on the producer's handle, which stays alive until `body` returns.
    func withHandle<T>(_ body: (KafkaClient) throws(LogError) -> T) throws(LogError) -> T {
        let entry = state.withLock { $0.enter(producing: []) }
        guard entry == .proceed else { throw LogError(.closed, "the Kafka log is shut down") }
        defer {
            state.withLock { state in
                if state.leave(leftovers: []) { client.wake() }
            }
        }
        return try body(client)
    }

    /// Hands records to librdkafka in order; returns those it could not take because its queue is full.
    private func produce(_ items: ArraySlice<ProduceItem>) -> [ProduceItem] {
        var scratch = ProduceScratch()
        for index in items.indices {
            let item = items[index]
            let code = scratch.produce(item, on: client.handle)
            if code == RD_KAFKA_RESP_ERR__QUEUE_FULL { return Array(items[index...]) }
            if code != RD_KAFKA_RESP_ERR_NO_ERROR {
                item.ticket.settle(.failure(LogError.kafka(code, "appending to topic '\(item.record.topic)'")))
            }
        }
        return []
    }

    // MARK: Shutdown

    /// Flushes pending records (bounded by the shutdown timeout), fails what is left, destroys the handle.
    func shutdown() async {
        await withCheckedContinuation { (continuation: Waiter) in
            let action = state.withLock { state -> ProducerStateMachine<ProduceItem, Waiter>.StopAction in
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
            case .produce(let items):
                let leftovers = produce(items[...])
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
            backlog = produce(backlog[...])
            rd_kafka_poll(client.handle, backlog.isEmpty ? 0 : 10)
        }
        for item in backlog {
            item.ticket.settle(.failure(LogError(.closed, "the Kafka log shut down before the record reached librdkafka")))
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
        client.destroy()
        let waiters = state.withLock { $0.finished() }
        for waiter in waiters { waiter.resume() }
    }
}

/// Buffers reused while handing a run of records to `rd_kafka_produceva`.
struct ProduceScratch {
    private var arguments: [rd_kafka_vu_t] = []
    private var headerBytes: [UInt8] = []
    private var headerSpans: [(name: Int, value: Int, count: Int)] = []
    private static let empty: [UInt8] = [0]

    /// Hands one record to librdkafka (copying it), with its ticket as the opaque of its delivery report.
    mutating func produce(_ item: ProduceItem, on handle: OpaquePointer) -> rd_kafka_resp_err_t {
        let record = item.record
        headerBytes.removeAll(keepingCapacity: true)
        headerSpans.removeAll(keepingCapacity: true)
        headerBytes.append(0)
        for header in record.headers {
            let name = headerBytes.count
            headerBytes += header.name.utf8
            headerBytes.append(0)
            headerSpans.append((name, headerBytes.count, header.value.count))
            headerBytes += header.value
        }
        let count = 5 + headerSpans.count
        if arguments.count < count { arguments = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: count) }
        let opaque = Unmanaged.passRetained(item.ticket).toOpaque()
        // An empty key must still be a key (not NULL) so that murmur2 hashes it like `Partitioner` does.
        let key = record.key.isEmpty ? Self.empty : record.key
        let value = record.value.isEmpty ? Self.empty : record.value
        let spans = headerSpans
        let error: OpaquePointer? = record.topic.withCString { topic in
            key.withUnsafeBytes { keyBytes in
                value.withUnsafeBytes { valueBytes in
                    headerBytes.withUnsafeBytes { headerBase in
                        arguments.withUnsafeMutableBufferPointer { arguments in
                            arguments[0].vtype = RD_KAFKA_VTYPE_TOPIC
                            arguments[0].u.cstr = topic
                            arguments[1].vtype = RD_KAFKA_VTYPE_KEY
                            arguments[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress)
                            arguments[1].u.mem.size = record.key.count
                            arguments[2].vtype = RD_KAFKA_VTYPE_VALUE
                            arguments[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: valueBytes.baseAddress)
                            arguments[2].u.mem.size = record.value.count
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
        // librdkafka did not take the record, so no delivery report will release the ticket.
        Unmanaged<DeliveryTicket>.fromOpaque(opaque).release()
        return code == RD_KAFKA_RESP_ERR_NO_ERROR ? RD_KAFKA_RESP_ERR__FAIL : code
    }
}

/// A record on its way to librdkafka, with the ticket its delivery report answers.
struct ProduceItem: Sendable {
    let record: ProducerRecord
    let ticket: DeliveryTicket
}

/// One record of an append; passed to librdkafka as the record's opaque (retained until its report).
final class DeliveryTicket: Sendable {
    let append: PendingAppend
    let index: Int

    init(append: PendingAppend, index: Int) {
        self.append = append
        self.index = index
    }

    func settle(_ outcome: Result<RecordPosition, LogError>) { append.settle(index, outcome) }
}

/// An append waiting for its records' delivery reports. It answers once all are in: with the positions
/// in input order, or with the first failure (later records may still have been stored).
final class PendingAppend: Sendable {
    typealias Continuation = CheckedContinuation<Result<[RecordPosition], LogError>, Never>

    private struct State {
        var positions: [RecordPosition?]
        var settled: [Bool]
        var remaining: Int
        var failure: LogError?
        var continuation: Continuation?
    }

    let topics: [String]
    private let state: Mutex<State>

    init(topics: [String], continuation: Continuation) {
        self.topics = topics
        state = Mutex(State(positions: Array(repeating: nil, count: topics.count), settled: Array(repeating: false, count: topics.count),
                            remaining: topics.count, failure: nil, continuation: continuation))
    }

    func settle(_ index: Int, _ outcome: Result<RecordPosition, LogError>) {
        let finished = state.withLock { state -> (Continuation, Result<[RecordPosition], LogError>)? in
            guard state.settled.indices.contains(index), !state.settled[index] else { return nil }
            state.settled[index] = true
            state.remaining -= 1
            switch outcome {
            case .success(let position): state.positions[index] = position
            case .failure(let error): if state.failure == nil { state.failure = error }
            }
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            if let failure = state.failure { return (continuation, .failure(failure)) }
            return (continuation, .success(state.positions.compactMap { $0 }))
        }
        if let (continuation, result) = finished { continuation.resume(returning: result) }
    }

    func failAll(_ error: LogError) {
        for index in topics.indices { settle(index, .failure(error)) }
    }
}

/// librdkafka's delivery report callback, called on the producer's thread from `rd_kafka_poll`.
private let deliveryReportCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = { _, message, _ in
    guard let message, let opaque = message.pointee._private else { return }
    let ticket = Unmanaged<DeliveryTicket>.fromOpaque(opaque).takeRetainedValue()
    let report = message.pointee
    let topic = ticket.append.topics.indices.contains(ticket.index) ? ticket.append.topics[ticket.index] : ""
    if report.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        ticket.settle(.success(RecordPosition(topic: topic, partition: report.partition, offset: report.offset)))
    } else {
        ticket.settle(.failure(LogError.kafka(report.err, "appending to topic '\(topic)'")))
    }
}

/// Milliseconds on a clock that only moves forward.
enum Monotonic {
    static var milliseconds: UInt64 { DispatchTime.now().uptimeNanoseconds / 1_000_000 }
}
