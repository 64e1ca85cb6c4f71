import CRdKafka
import EventLog
import Foundation
import Synchronization

/// One consumer group member: a librdkafka consumer and the thread that polls it.
///
/// The thread is the only one that polls the handle, answers rebalances and sends commits; the
/// application's calls (``nextBatch()``, ``commit(_:)``, ``close()``) go through the state machine and
/// wake the thread (`rd_kafka_queue_yield`). Nothing here blocks Swift's cooperative pool.
final class ConsumerCore: Sendable {
    typealias BatchWaiter = CheckedContinuation<Result<[ConsumerRecord]?, LogError>, Never>
    typealias CommitWaiter = CheckedContinuation<Result<Void, LogError>, Never>
    typealias CloseWaiter = CheckedContinuation<Void, Never>
    typealias Machine = ConsumerStateMachine<BatchWaiter, CommitWaiter, CloseWaiter>

    let subscription: Subscription
    private let client: KafkaClient
    private let state: Mutex<Machine>
    private let waiterIds = Atomic<UInt64>(0)
    private let takeoverGraceMilliseconds: UInt64
    private let requestTimeoutMilliseconds: Int32
    /// For `startAt: .latest`: each partition's end offset when the member was made, where it starts on a
    /// partition the group never committed on.
    private let initialEnds: [TopicPartition: Int64]
    private let logHandler: (@Sendable (KafkaLogMessage) -> Void)?

    /// Makes the member and subscribes it (blocking: call it off the cooperative pool).
    init(subscription: Subscription, configuration: KafkaConfiguration) throws(LogError) {
        guard !subscription.group.isEmpty else { throw LogError(.invalidArgument, "a consumer group needs a name") }
        guard !subscription.topics.isEmpty, subscription.topics.allSatisfy({ !$0.isEmpty }) else {
            throw LogError(.invalidArgument, "a subscription needs at least one topic, each with a name")
        }
        let client = try KafkaClient(
            kind: .groupMember,
            properties: configuration.clientProperties([
                ("group.id", subscription.group),
                ("partition.assignment.strategy", subscription.keepsAssignments ? "cooperative-sticky" : "range,roundrobin"),
                ("enable.auto.commit", "false"),
                ("enable.auto.offset.store", "false"),
                ("auto.offset.reset", subscription.startAt == .earliest ? "earliest" : "latest"),
                ("session.timeout.ms", String(configuration.sessionTimeoutMilliseconds)),
                ("heartbeat.interval.ms", String(configuration.heartbeatIntervalMilliseconds)),
                // A processor waits on each step of a payment: fetch again soon rather than after librdkafka's
                // default 500 ms when a fetch found nothing (overridable through the raw properties).
                ("fetch.wait.max.ms", "10"),
                // librdkafka stops prefetching at `queued.min.messages` (100,000) and resumes only after a pause
                // (about half a second measured here), which halved the consuming rate of a long backlog. The
                // byte limit bounds the prefetch instead (`queued.max.messages.kbytes`, librdkafka's 64 MiB).
                ("queued.min.messages", "10000000"),
                ("queued.max.messages.kbytes", "65536"),
            ]),
            logHandler: configuration.logHandler
        ) { conf in
            rd_kafka_conf_set_events(conf, RD_KAFKA_EVENT_REBALANCE | RD_KAFKA_EVENT_OFFSET_COMMIT | RD_KAFKA_EVENT_ERROR)
        }
        let timeout = Int32(clamping: max(5000, configuration.sessionTimeoutMilliseconds))
        var ends: [TopicPartition: Int64] = [:]
        do throws(LogError) {
            for topic in Set(subscription.topics) {
                guard let partitions = try client.partitions(of: topic, timeoutMilliseconds: timeout) else {
                    throw LogError(.unknownTopic, "no topic '\(topic)' in the Kafka cluster (create it with ensureTopic)")
                }
                if subscription.startAt == .latest {
                    for partition in partitions {
                        let topicPartition = TopicPartition(topic: topic, partition: partition)
                        ends[topicPartition] = try client.watermarks(topicPartition, timeoutMilliseconds: timeout).high
                    }
                }
            }
            let topics = Array(Set(subscription.topics)).sorted()
            try withPartitionList(topics.map { (TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA), Int64(RD_KAFKA_OFFSET_INVALID)) }) { list throws(LogError) in
                let code = rd_kafka_subscribe(client.handle, list)
                guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw LogError.kafka(code, "subscribing group '\(subscription.group)'") }
            }
        } catch {
            client.destroy(flags: Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE))
            throw error
        }
        self.subscription = subscription
        self.client = client
        self.initialEnds = ends
        self.logHandler = configuration.logHandler
        self.takeoverGraceMilliseconds = UInt64(configuration.takeoverGraceMilliseconds)
        self.requestTimeoutMilliseconds = timeout
        let batch = configuration.maximumBatch
        state = Mutex(Machine(settings: Machine.Settings(
            // Pausing makes librdkafka stop and later restart fetching: only when the application is well behind.
            maximumBatch: batch, pauseAtRecords: max(50 * batch, 50_000), resumeAtRecords: max(10 * batch, 10_000),
            sessionTimeoutMilliseconds: UInt64(configuration.sessionTimeoutMilliseconds))))
        let thread = Thread { [self] in run() }
        thread.name = "pm.kafka.consumer.\(subscription.group)"
        thread.start()
    }

    // MARK: The application's side

    func nextBatch() async throws(LogError) -> [ConsumerRecord]? {
        let id = waiterIds.add(1, ordering: .relaxed).newValue
        let result: Result<[ConsumerRecord]?, LogError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: BatchWaiter) in
                let action = state.withLock { state -> Machine.NextBatchAction in
                    let action = state.nextBatch(id: id, waiter: continuation)
                    if case .deliver(_, wake: true) = action { client.wake() }
                    return action
                }
                switch action {
                case .deliver(let records, _): continuation.resume(returning: .success(records))
                case .finished: continuation.resume(returning: .success(nil))
                case .fail(let error): continuation.resume(returning: .failure(error))
                case .wait:
                    // Cancelled before the waiter was registered: `onCancel` already ran and found nothing.
                    if Task.isCancelled, let waiter = state.withLock({ $0.cancelWaiter(id: id) }) {
                        waiter.resume(returning: .success([]))
                    }
                }
            }
        } onCancel: {
            state.withLock { $0.cancelWaiter(id: id) }?.resume(returning: .success([]))
        }
        return try result.get()
    }

    func commit(_ nextOffsets: [TopicPartition: Int64]) async throws(LogError) {
        guard !nextOffsets.isEmpty else { return }
        for (partition, offset) in nextOffsets where offset < 0 {
            throw LogError(.invalidArgument, "cannot commit offset \(offset) on \(partition)")
        }
        let result: Result<Void, LogError> = await withCheckedContinuation { (continuation: CommitWaiter) in
            let action = state.withLock { state -> Machine.CommitAction in
                let action = state.commit(nextOffsets, waiter: continuation)
                if case .queued = action { client.wake() }
                return action
            }
            if case .fail(let error) = action { continuation.resume(returning: .failure(error)) }
        }
        try result.get()
    }

    func assignment() -> Set<TopicPartition> { state.withLock { $0.assignment } }

    func close() async {
        await withCheckedContinuation { (continuation: CloseWaiter) in
            requestClose(waiter: continuation)
        }
    }

    /// Starts leaving the group without waiting (the owner went away).
    func requestClose() { requestClose(waiter: nil) }

    private func requestClose(waiter: CloseWaiter?) {
        let action = state.withLock { state -> Machine.CloseAction in
            let action = state.requestClose(now: Monotonic.milliseconds, waiter: waiter)
            if case .wake = action { client.wake() }
            return action
        }
        switch action {
        case .wake(let batchWaiters): for batchWaiter in batchWaiters { batchWaiter.resume(returning: .success(nil)) }
        case .wait: break
        case .alreadyClosed(let waiter): waiter?.resume()
        }
    }

    // MARK: The thread

    private func run() {
        var topicNames: [OpaquePointer: String] = [:]
        var incremental = false
        var leavingDeadline: UInt64?
        while true {
            let now = Monotonic.milliseconds
            let work = state.withLock { $0.takeThreadWork(now: now) }
            perform(work, incremental: incremental)
            if work.leave {
                leavingDeadline = now + UInt64(requestTimeoutMilliseconds) + 5000
                if let error = client.closeQueue.flatMap({ rd_kafka_consumer_close_queue(client.handle, $0) }) {
                    log(.warning, "CLOSE", "leaving group '\(subscription.group)': \(String(cString: rd_kafka_error_string(error)))")
                    rd_kafka_error_destroy(error)
                    break
                }
            }
            if let deadline = leavingDeadline {
                if rd_kafka_consumer_closed(client.handle) != 0 { break }
                if Monotonic.milliseconds >= deadline {
                    log(.warning, "CLOSE", "group '\(subscription.group)': leaving took too long, destroying the consumer")
                    break
                }
            }
            let queue = leavingDeadline == nil ? client.queue : (client.closeQueue ?? client.queue)
            guard let event = rd_kafka_queue_poll(queue, work.pollMilliseconds) else { continue }
            handle(event, queue: queue, leaving: leavingDeadline != nil, topicNames: &topicNames, incremental: &incremental)
        }
        // Closed first: from then on no caller wakes the handle's queue, so destroying it is safe.
        let (commits, batches, closes) = state.withLock { $0.closed() }
        client.destroy(flags: rd_kafka_consumer_closed(client.handle) != 0 ? 0 : Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE))
        for (waiter, result) in commits { waiter.resume(returning: result) }
        for waiter in batches { waiter.resume(returning: .success(nil)) }
        for waiter in closes { waiter.resume() }
    }

    private func perform(_ work: Machine.ThreadWork, incremental: Bool) {
        for (waiter, result) in work.resumeCommits { waiter.resume(returning: result) }
        if let (id, offsets) = work.commit { sendCommit(id: id, offsets: offsets) }
        if !work.resume.isEmpty { pauseOrResume(work.resume, pause: false) }
        if let partitions = work.unassign { unassign(partitions, incremental: incremental) }
        if let (partitions, take) = work.assign { assign(partitions, take: take, incremental: incremental) }
        if !work.pause.isEmpty { pauseOrResume(work.pause, pause: true) }
    }

    /// Handles one event and, while they are fetched records, the events already waiting behind it.
    private func handle(_ first: OpaquePointer, queue: OpaquePointer, leaving: Bool, topicNames: inout [OpaquePointer: String], incremental: inout Bool) {
        var records: [ConsumerRecord] = []
        var next: OpaquePointer? = first
        while let event = next {
            next = nil
            let type = rd_kafka_event_type(event)
            if type == RD_KAFKA_EVENT_FETCH {
                if let message = rd_kafka_event_message_next(event) {
                    if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                        records.append(ConsumerRecord(message: message, topic: topicName(message.pointee.rkt, cache: &topicNames)))
                    } else {
                        consumerError(message)
                    }
                }
                rd_kafka_event_destroy(event)
                if records.count < 2000 { next = rd_kafka_queue_poll(queue, 0) }
                continue
            }
            deliver(&records)
            switch type {
            case RD_KAFKA_EVENT_REBALANCE: rebalance(event, leaving: leaving, incremental: &incremental)
            case RD_KAFKA_EVENT_OFFSET_COMMIT: commitCompleted(event)
            case RD_KAFKA_EVENT_ERROR: errorEvent(event)
            default: break
            }
            rd_kafka_event_destroy(event)
        }
        deliver(&records)
    }

    private func deliver(_ records: inout [ConsumerRecord]) {
        guard !records.isEmpty else { return }
        let deliveries = state.withLock { $0.received(records) }
        records = []
        for (waiter, batch) in deliveries { waiter.resume(returning: .success(batch)) }
    }

    private func rebalance(_ event: OpaquePointer, leaving: Bool, incremental: inout Bool) {
        let code = rd_kafka_event_error(event)
        let partitions = partitionEntries(rd_kafka_event_topic_partition_list(event)).map(\.partition)
        incremental = rd_kafka_rebalance_protocol(client.handle).map { String(cString: $0) } == "COOPERATIVE"
        if leaving {
            if code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
                assign(partitions, take: false, incremental: incremental)
            } else {
                unassign(partitions, incremental: incremental)
                state.withLock { $0.releasedWhileLeaving(Set(partitions)) }
            }
            return
        }
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            assigned(partitions)
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(client.handle) != 0
            let action = state.withLock { $0.revoke(Set(partitions), lost: lost, now: Monotonic.milliseconds) }
            if case .unassignNow = action { unassign(partitions, incremental: incremental) }
        default:
            // A rebalance error: librdkafka asks the member to drop its assignment.
            log(.warning, "REBALANCE", "group '\(subscription.group)': \(LogError.text(of: code))")
            state.withLock { state in
                let owned = state.owned
                _ = state.revoke(owned, lost: true, now: Monotonic.milliseconds)
            }
            unassign(partitions, incremental: false)
        }
    }

    /// An assignment: first retry the commits refused during the rebalance, then (for partitions another
    /// member may have read) wait out the takeover grace, then take the partitions.
    private func assigned(_ partitions: [TopicPartition]) {
        let retry = state.withLock { $0.takeDeferred() }
        if !retry.isEmpty {
            let outcome = retryCommits(retry)
            let resumes = state.withLock { $0.retried(retry, outcome: outcome) }
            for (waiter, result) in resumes { waiter.resume(returning: result) }
        }
        let takenOver = state.withLock { $0.takenOver(partitions) }
        let grace = takeoverGraceMilliseconds > 0 && !takenOver.isEmpty && !everythingCommitted(takenOver)
        if grace { log(.debug, "ASSIGN", "group '\(subscription.group)': waiting \(takeoverGraceMilliseconds) ms before reading \(takenOver.count) partition(s) taken over") }
        state.withLock { $0.beginAssign(partitions, notBefore: Monotonic.milliseconds + (grace ? takeoverGraceMilliseconds : 0)) }
    }

    /// Commits deferred requests again, for the partitions where the group's committed offset is still
    /// below them: a partition another member took over and committed beyond is left as it is (its
    /// records below that offset were all processed), so a late retry never moves a commit back.
    private func retryCommits(_ requests: [Machine.CommitRequest]) -> [TopicPartition: Machine.CommitOutcome] {
        var wanted: [TopicPartition: Int64] = [:]
        for request in requests {
            for (partition, offset) in request.offsets { wanted[partition] = max(wanted[partition] ?? Int64.min, offset) }
        }
        let stored: [TopicPartition: Int64]
        do throws(LogError) {
            stored = try client.committed(Array(wanted.keys), timeoutMilliseconds: requestTimeoutMilliseconds)
        } catch {
            // Unknown: try again at the next assignment rather than risk moving a commit back.
            log(.warning, "COMMIT", "group '\(subscription.group)': cannot read the committed offsets to retry refused commits: \(error.message)")
            return wanted.mapValues { _ in .refusedDuringRebalance(error) }
        }
        let behind = wanted.filter { partition, offset in (stored[partition] ?? Int64.min) < offset }
        guard !behind.isEmpty else { return [:] }
        let outcome = commitNow(behind)
        let refused = outcome.values.filter { if case .committed = $0 { return false } else { return true } }.count
        log(refused == 0 ? .info : .warning, "COMMIT", "group '\(subscription.group)': \(behind.count) partition(s) committed again after a rebalance refused them\(refused == 0 ? "" : ", \(refused) refused again")")
        return outcome
    }

    /// Whether the group's commits (or, for a new group, where this member would start) already reach the
    /// end of each partition, so that nobody can have read a record of them that is not committed.
    private func everythingCommitted(_ partitions: [TopicPartition]) -> Bool {
        // Short timeouts: when in doubt (a broker slow or down), wait out the grace instead.
        let timeout = Int32(clamping: max(1000, takeoverGraceMilliseconds))
        do throws(LogError) {
            let committed = try client.committed(partitions, timeoutMilliseconds: timeout)
            for partition in partitions {
                let (low, high) = try client.watermarks(partition, timeoutMilliseconds: timeout)
                let start = committed[partition] ?? (subscription.startAt == .latest ? (initialEnds[partition] ?? high) : low)
                if start < high { return false }
            }
            return true
        } catch {
            return false
        }
    }

    private func assign(_ partitions: [TopicPartition], take: Bool, incremental: Bool) {
        var entries = partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }
        if take && subscription.startAt == .latest && !initialEnds.isEmpty {
            // Where the group never committed, start from the end seen when this member was made (not
            // the end when the assignment arrives): records appended since then are this member's.
            if let committed = try? client.committed(partitions, timeoutMilliseconds: requestTimeoutMilliseconds) {
                entries = partitions.map { partition in
                    (partition, committed[partition] == nil ? (initialEnds[partition] ?? Int64(RD_KAFKA_OFFSET_INVALID)) : Int64(RD_KAFKA_OFFSET_INVALID))
                }
            }
        }
        let failure: String? = try? withPartitionList(entries) { list throws(LogError) -> String? in
            if incremental {
                guard let error = rd_kafka_incremental_assign(client.handle, list) else { return nil }
                defer { rd_kafka_error_destroy(error) }
                return String(cString: rd_kafka_error_string(error))
            }
            let code = rd_kafka_assign(client.handle, take ? list : nil)
            return code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : LogError.text(of: code)
        }
        if let failure { log(.error, "ASSIGN", "group '\(subscription.group)': assigning \(partitions): \(failure)") }
    }

    private func unassign(_ partitions: [TopicPartition], incremental: Bool) {
        if incremental {
            let failure: String? = try? withPartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }) { list throws(LogError) -> String? in
                guard let error = rd_kafka_incremental_unassign(client.handle, list) else { return nil }
                defer { rd_kafka_error_destroy(error) }
                return String(cString: rd_kafka_error_string(error))
            }
            if let failure { log(.error, "ASSIGN", "group '\(subscription.group)': unassigning \(partitions): \(failure)") }
        } else {
            let code = rd_kafka_assign(client.handle, nil)
            if code != RD_KAFKA_RESP_ERR_NO_ERROR { log(.error, "ASSIGN", "group '\(subscription.group)': unassigning: \(LogError.text(of: code))") }
        }
    }

    private func pauseOrResume(_ partitions: [TopicPartition], pause: Bool) {
        _ = try? withPartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }) { list throws(LogError) in
            _ = pause ? rd_kafka_pause_partitions(client.handle, list) : rd_kafka_resume_partitions(client.handle, list)
        }
    }

    // MARK: Commits

    private func sendCommit(id: UInt64, offsets: [TopicPartition: Int64]) {
        let code: rd_kafka_resp_err_t
        do throws(LogError) {
            code = try withPartitionList(offsets.map { ($0.key, $0.value) }) { list throws(LogError) in
                rd_kafka_commit_queue(client.handle, list, client.queue, nil, UnsafeMutableRawPointer(bitPattern: UInt(id)))
            }
        } catch {
            finishCommit(id, outcomes: [:], overall: .failed(error))
            return
        }
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            finishCommit(id, outcomes: [:], overall: Self.outcome(code, group: subscription.group))
        }
    }

    private func commitCompleted(_ event: OpaquePointer) {
        guard let opaque = rd_kafka_event_opaque(event) else { return }
        let id = UInt64(UInt(bitPattern: opaque))
        let overall = Self.outcome(rd_kafka_event_error(event), group: subscription.group)
        var outcomes: [TopicPartition: Machine.CommitOutcome] = [:]
        for entry in partitionEntries(rd_kafka_event_topic_partition_list(event)) {
            outcomes[entry.partition] = Self.outcome(entry.error, group: subscription.group)
        }
        finishCommit(id, outcomes: outcomes, overall: overall)
    }

    private func finishCommit(_ id: UInt64, outcomes: [TopicPartition: Machine.CommitOutcome], overall: Machine.CommitOutcome) {
        let resumes = state.withLock { $0.commitCompleted(id, outcomes: outcomes, overall: overall) }
        for (waiter, result) in resumes { waiter.resume(returning: result) }
    }

    /// Commits now and waits for the answer on a queue of its own (bounded by the request timeout).
    private func commitNow(_ offsets: [TopicPartition: Int64]) -> [TopicPartition: Machine.CommitOutcome] {
        let failed = { (outcome: Machine.CommitOutcome) in Dictionary(uniqueKeysWithValues: offsets.keys.map { ($0, outcome) }) }
        guard let reply = rd_kafka_queue_new(client.handle) else { return failed(.failed(LogError(.backend, "librdkafka could not make a queue"))) }
        defer { rd_kafka_queue_destroy(reply) }
        let code: rd_kafka_resp_err_t
        do throws(LogError) {
            code = try withPartitionList(offsets.map { ($0.key, $0.value) }) { list throws(LogError) in
                rd_kafka_commit_queue(client.handle, list, reply, nil, nil)
            }
        } catch {
            return failed(.failed(error))
        }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { return failed(Self.outcome(code, group: subscription.group)) }
        guard let event = rd_kafka_queue_poll(reply, requestTimeoutMilliseconds) else {
            return failed(.failed(LogError(.timedOut, "committing offsets of group '\(subscription.group)' again after a rebalance", retryable: true)))
        }
        defer { rd_kafka_event_destroy(event) }
        let overall = Self.outcome(rd_kafka_event_error(event), group: subscription.group)
        var outcomes = failed(overall)
        for entry in partitionEntries(rd_kafka_event_topic_partition_list(event)) where outcomes[entry.partition] != nil {
            outcomes[entry.partition] = Self.outcome(entry.error, group: subscription.group)
        }
        return outcomes
    }

    private static func outcome(_ code: rd_kafka_resp_err_t, group: String) -> Machine.CommitOutcome {
        if code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR__NO_OFFSET { return .committed }
        let error = LogError.kafka(code, "committing offsets of group '\(group)'")
        return LogError.isRebalanceCommitFailure(code) ? .refusedDuringRebalance(error) : .failed(error)
    }

    // MARK: Errors and logs

    private func consumerError(_ message: UnsafePointer<rd_kafka_message_t>) {
        let code = message.pointee.err
        guard code != RD_KAFKA_RESP_ERR__PARTITION_EOF else { return }
        let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? LogError.text(of: code)
        log(.warning, "CONSUMER", "group '\(subscription.group)': \(text) (\(LogError.name(of: code)))")
    }

    private func errorEvent(_ event: OpaquePointer) {
        let code = rd_kafka_event_error(event)
        let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? LogError.text(of: code)
        if rd_kafka_event_error_is_fatal(event) != 0 {
            let error = LogError(.backend, "group '\(subscription.group)': fatal consumer error: \(text) (\(LogError.name(of: code)))")
            let waiters = state.withLock { $0.fail(error) }
            for waiter in waiters { waiter.resume(returning: .failure(error)) }
            log(.error, "ERROR", error.message)
        } else {
            log(.warning, "ERROR", "group '\(subscription.group)': \(text) (\(LogError.name(of: code)))")
        }
    }

    private func log(_ level: KafkaLogLevel, _ facility: String, _ message: String) {
        logHandler?(KafkaLogMessage(level: level, facility: facility, message: message, client: client.name))
    }

    private func topicName(_ topic: OpaquePointer?, cache: inout [OpaquePointer: String]) -> String {
        guard let topic else { return "" }
        if let name = cache[topic] { return name }
        let name = rd_kafka_topic_name(topic).map { String(cString: $0) } ?? ""
        cache[topic] = name
        return name
    }
}

/// The ``ConsumerBackend`` of a ``LogConsumer`` on Kafka. Dropping it without closing leaves the group
/// in the background.
final class KafkaConsumerBackend: ConsumerBackend {
    let core: ConsumerCore

    init(core: ConsumerCore) { self.core = core }

    deinit { core.requestClose() }

    func nextBatch() async throws(LogError) -> [ConsumerRecord]? { try await core.nextBatch() }
    func commit(_ nextOffsets: [TopicPartition: Int64]) async throws(LogError) { try await core.commit(nextOffsets) }
    func assignment() async -> Set<TopicPartition> { core.assignment() }
    func close() async { await core.close() }
}
