import EventLog

/// One group member's state, held behind the consumer's lock. Its mutating methods only decide; the
/// consumer performs what they return (librdkafka calls, resuming waiters) outside the lock.
///
/// Generic over the waiters so that plain synchronous tests can drive it with values.
///
/// Rebalance safety: when partitions are taken away the member stops handing out their records, drops
/// the buffered ones, and gives the partitions up only once every record it handed out of them is
/// covered by a commit that has completed (bounded by the session timeout; immediately when the
/// assignment was lost). A commit the broker refuses only because a rebalance is under way (or the
/// member's generation ended) is *deferred*: its caller keeps waiting, and it is committed again as the
/// first thing when the member is next assigned partitions, before it resumes reading, for partitions
/// whose committed offset is still below it (so a retry never moves a new owner's commit back). A member
/// taking over partitions someone else may have read waits out the takeover grace first (unless the
/// group committed everything in them), so such a retried commit lands before it reads its start.
struct ConsumerStateMachine<BatchWaiter, CommitWaiter, CloseWaiter> {
    struct Settings: Sendable {
        var maximumBatch: Int
        /// Pause fetching when this many records or bytes (keys and values) are buffered; resume once
        /// both are down to the `resumeAt` values.
        var pauseAtRecords: Int
        var resumeAtRecords: Int
        var pauseAtBytes: Int = 64 << 20
        var resumeAtBytes: Int = 16 << 20
        var sessionTimeoutMilliseconds: UInt64
    }

    enum Phase: Equatable {
        /// No partitions: joining, or between giving partitions up and the next assignment.
        case idle
        /// An assignment waits out the takeover grace.
        case assigning
        case running
        /// Partitions are being given up (``revoking``).
        case revoking
        /// `rd_kafka_consumer_close_queue` was called: the member is leaving its group.
        case leaving
        case closed
    }

    /// How a commit of one partition ended.
    enum CommitOutcome {
        case committed
        /// The broker refused it because of a rebalance (or an ended generation): worth one retry once
        /// the member has rejoined.
        case refusedDuringRebalance(LogError)
        case failed(LogError)
    }

    struct CommitRequest {
        var offsets: [TopicPartition: Int64]
        var waiter: CommitWaiter
        /// How many times it was refused during a rebalance.
        var refusals = 0
    }

    /// A commit refused this many times during rebalances fails.
    static var maximumRefusals: Int { 3 }

    /// What the consumer's thread does now, in this order.
    struct ThreadWork {
        var resumeCommits: [(CommitWaiter, Result<Void, LogError>)] = []
        /// Send these offsets as one commit (`rd_kafka_commit_queue`), then report ``commitCompleted(_:outcomes:overall:)``.
        var commit: (id: UInt64, offsets: [TopicPartition: Int64])?
        var resume: [TopicPartition] = []
        /// Give these partitions up (`rd_kafka_assign(NULL)`, or an incremental unassign).
        var unassign: [TopicPartition]?
        /// Answer librdkafka's assignment of these partitions: take them (`rd_kafka_assign`, or an
        /// incremental assign), or, when `take` is false because the member is closing, take nothing.
        var assign: (partitions: [TopicPartition], take: Bool)?
        var pause: [TopicPartition] = []
        /// Call `rd_kafka_consumer_close_queue`.
        var leave = false
        var pollMilliseconds: Int32 = 100
    }

    enum NextBatchAction {
        case deliver([ConsumerRecord], wake: Bool)
        case wait
        case finished
        case fail(LogError)
    }

    enum CommitAction {
        case queued
        case fail(LogError)
    }

    enum RevokeAction {
        /// Give the partitions up when ``takeThreadWork(now:)`` says so.
        case wait
        /// None of them was taken by this member: answer librdkafka at once.
        case unassignNow
    }

    enum CloseAction {
        /// Wake the thread; resume these batch waiters with nil.
        case wake([BatchWaiter])
        /// Already closing: the waiter is resumed when closed.
        case wait
        case alreadyClosed(CloseWaiter?)
    }

    let settings: Settings
    private(set) var phase: Phase = .idle
    /// Partitions assigned in librdkafka (including those being revoked).
    private(set) var owned: Set<TopicPartition> = []
    private(set) var revoking: Set<TopicPartition> = []
    /// The partitions librdkafka asked back, to answer it with.
    private var revokedByLibrary: Set<TopicPartition> = []
    private var revokeDeadline: UInt64 = 0
    private var revokeLost = false
    private(set) var pendingAssignment: [TopicPartition] = []
    private var assignNotBefore: UInt64 = 0
    /// What this member gave up last, unless its assignment was lost: taking these back needs no grace.
    private(set) var previous: Set<TopicPartition> = []

    private var buffer: [ConsumerRecord] = []
    private var bufferHead = 0
    private(set) var bufferedBytes = 0
    private var waiters: [(id: UInt64, waiter: BatchWaiter)] = []
    private var cancelled: Set<UInt64> = []

    /// Per partition, the offset after the last record handed out.
    private(set) var handedOut: [TopicPartition: Int64] = [:]
    /// Per partition, the highest next offset the application asked to commit.
    private(set) var requested: [TopicPartition: Int64] = [:]
    /// Per partition, the highest next offset known committed.
    private(set) var committed: [TopicPartition: Int64] = [:]
    private var queued: [CommitRequest] = []
    private var inFlight: [UInt64: [CommitRequest]] = [:]
    private var inFlightCount: [TopicPartition: Int] = [:]
    private(set) var deferred: [CommitRequest] = []
    private var nextCommitId: UInt64 = 1

    private(set) var closeRequested = false
    private var closeDeadline: UInt64 = 0
    private var closeWaiters: [CloseWaiter] = []
    private(set) var failure: LogError?
    private(set) var paused: Set<TopicPartition> = []

    init(settings: Settings) {
        self.settings = settings
    }

    // MARK: The application's side

    /// The partitions whose records this member hands out now.
    var assignment: Set<TopicPartition> {
        // A member that failed holds nothing it can use (the group gives its partitions to others).
        guard failure == nil, !closeRequested, phase != .leaving, phase != .closed else { return [] }
        return owned.subtracting(revoking)
    }

    var bufferedCount: Int { buffer.count - bufferHead }

    mutating func nextBatch(id: UInt64, waiter: BatchWaiter) -> NextBatchAction {
        if let failure { return .fail(failure) }
        if closeRequested || phase == .leaving || phase == .closed { return .finished }
        if cancelled.remove(id) != nil { return .deliver([], wake: false) }
        if bufferedCount > 0 {
            let records = takeBatch()
            return .deliver(records, wake: !paused.isEmpty && bufferDrained)
        }
        waiters.append((id, waiter))
        return .wait
    }

    /// A waiting `nextBatch` was cancelled: its waiter, to resume with an empty batch.
    mutating func cancelWaiter(id: UInt64) -> BatchWaiter? {
        if let index = waiters.firstIndex(where: { $0.id == id }) { return waiters.remove(at: index).waiter }
        cancelled.insert(id)
        return nil
    }

    mutating func commit(_ offsets: [TopicPartition: Int64], waiter: CommitWaiter) -> CommitAction {
        if phase == .leaving || phase == .closed { return .fail(LogError(.closed, "the consumer is closed")) }
        if let failure { return .fail(failure) }
        for partition in offsets.keys where !owned.contains(partition) {
            return .fail(LogError(.rebalanced, "\(partition) is no longer assigned to this member; its next owner reads it from the group's last commit",
                                  retryable: false))
        }
        for (partition, offset) in offsets { requested[partition] = max(requested[partition] ?? Int64.min, offset) }
        queued.append(CommitRequest(offsets: offsets, waiter: waiter))
        return .queued
    }

    mutating func requestClose(now: UInt64, waiter: CloseWaiter?) -> CloseAction {
        if phase == .closed { return .alreadyClosed(waiter) }
        if let waiter { closeWaiters.append(waiter) }
        if closeRequested { return .wait }
        closeRequested = true
        closeDeadline = now + settings.sessionTimeoutMilliseconds
        buffer = []
        bufferHead = 0
        bufferedBytes = 0
        defer { waiters = [] }
        return .wake(waiters.map(\.waiter))
    }

    // MARK: The thread's side

    mutating func takeThreadWork(now: UInt64) -> ThreadWork {
        var work = ThreadWork()
        if phase == .leaving || phase == .closed {
            work.pollMilliseconds = 50
            return work
        }
        if phase == .revoking {
            if revokeLost || closeRequested || now >= revokeDeadline || settled(revoking) {
                work.unassign = revokedByLibrary.union(revoking).sorted()
                revokedByLibrary = []
                work.resume += paused.intersection(revoking).sorted()
                paused.subtract(revoking)
                owned.subtract(revoking)
                if !revokeLost { previous.formUnion(revoking) }
                for partition in revoking {
                    handedOut[partition] = nil
                    requested[partition] = nil
                    committed[partition] = nil
                }
                revoking = []
                revokeLost = false
                phase = !pendingAssignment.isEmpty ? .assigning : owned.isEmpty ? .idle : .running
            } else {
                work.pollMilliseconds = Self.milliseconds(until: revokeDeadline, now: now, atMost: work.pollMilliseconds)
            }
        }
        if phase == .assigning {
            if closeRequested {
                work.assign = (pendingAssignment, false)
                pendingAssignment = []
                phase = owned.isEmpty ? .idle : .running
            } else if now >= assignNotBefore {
                work.assign = (pendingAssignment, true)
                owned.formUnion(pendingAssignment)
                pendingAssignment = []
                previous = []
                phase = .running
            } else {
                work.pollMilliseconds = Self.milliseconds(until: assignNotBefore, now: now, atMost: work.pollMilliseconds)
            }
        }
        if !queued.isEmpty {
            let id = nextCommitId
            nextCommitId += 1
            var merged: [TopicPartition: Int64] = [:]
            for request in queued {
                for (partition, offset) in request.offsets {
                    merged[partition] = max(merged[partition] ?? Int64.min, offset)
                }
            }
            for partition in merged.keys { inFlightCount[partition, default: 0] += 1 }
            inFlight[id] = queued
            queued = []
            work.commit = (id, merged)
        }
        if phase == .running && !closeRequested {
            if bufferedCount >= settings.pauseAtRecords || bufferedBytes >= settings.pauseAtBytes {
                let more = owned.subtracting(paused).subtracting(revoking)
                if !more.isEmpty {
                    paused.formUnion(more)
                    work.pause = more.sorted()
                }
            } else if bufferDrained && !paused.isEmpty {
                work.resume += paused.sorted()
                paused = []
            }
        }
        if closeRequested && (phase == .idle || phase == .running) {
            if inFlight.isEmpty || now >= closeDeadline {
                for request in deferred {
                    work.resumeCommits.append((request.waiter, .failure(LogError(.closed, "the consumer closed before its commit could be retried"))))
                }
                deferred = []
                phase = .leaving
                work.leave = true
            } else {
                work.pollMilliseconds = min(work.pollMilliseconds, 10)
            }
        }
        return work
    }

    /// Records fetched by librdkafka: buffers those of partitions this member hands out and returns the
    /// waiters to resume with a batch each.
    mutating func received(_ records: [ConsumerRecord]) -> [(BatchWaiter, [ConsumerRecord])] {
        let deliverable = assignment
        guard !deliverable.isEmpty else { return [] }
        for record in records where deliverable.contains(record.topicPartition) {
            buffer.append(record)
            bufferedBytes += Self.size(of: record)
        }
        var deliveries: [(BatchWaiter, [ConsumerRecord])] = []
        while bufferedCount > 0 && !waiters.isEmpty {
            let waiter = waiters.removeFirst().waiter
            deliveries.append((waiter, takeBatch()))
        }
        return deliveries
    }

    /// librdkafka takes partitions away: stop handing them out and drop what is buffered of them. When the
    /// assignment was lost (another member may own the partitions already) they are given up at once.
    mutating func revoke(_ partitions: Set<TopicPartition>, lost wasLost: Bool, now: UInt64) -> RevokeAction {
        if phase == .assigning {
            // Not expected (librdkafka waits for the assignment first); the assignment never took effect.
            pendingAssignment = []
            phase = owned.isEmpty ? .idle : .running
        }
        let taken = partitions.intersection(owned)
        guard !taken.isEmpty else { return .unassignNow }
        revokedByLibrary.formUnion(partitions)
        revoking.formUnion(taken)
        revokeLost = revokeLost || wasLost
        if phase != .revoking { revokeDeadline = now + settings.sessionTimeoutMilliseconds }
        phase = .revoking
        dropBuffered(taken)
        return .wait
    }

    /// The deferred commits to retry before taking a new assignment, and their offsets merged; the
    /// caller commits those not already reached by the group's commits, then reports ``retried(_:outcome:)``.
    mutating func takeDeferred() -> [CommitRequest] {
        defer { deferred = [] }
        return deferred
    }

    /// How the retry of deferred commits ended (partitions missing from `outcome` count as committed):
    /// the waiters to resume. A request refused again stays deferred, up to ``maximumRefusals``.
    mutating func retried(_ requests: [CommitRequest], outcome: [TopicPartition: CommitOutcome]) -> [(CommitWaiter, Result<Void, LogError>)] {
        var resumes: [(CommitWaiter, Result<Void, LogError>)] = []
        for request in requests {
            if let resume = settle(request, Self.worst(request.offsets.keys.map { outcome[$0] ?? .committed })) { resumes.append(resume) }
        }
        return resumes
    }

    /// Ends a commit request with an outcome, or defers it again; returns its waiter to resume, if any.
    private mutating func settle(_ request: CommitRequest, _ outcome: CommitOutcome) -> (CommitWaiter, Result<Void, LogError>)? {
        switch outcome {
        case .committed:
            for (partition, offset) in request.offsets where owned.contains(partition) {
                committed[partition] = max(committed[partition] ?? Int64.min, offset)
            }
            return (request.waiter, .success(()))
        case .refusedDuringRebalance(let error):
            guard request.refusals + 1 < Self.maximumRefusals, !closeRequested, phase != .leaving, phase != .closed else {
                return (request.waiter, .failure(error))
            }
            var again = request
            again.refusals += 1
            deferred.append(again)
            return nil
        case .failed(let error):
            return (request.waiter, .failure(error))
        }
    }

    /// Of these partitions, those this member did not give up last: another member may have read them.
    func takenOver(_ partitions: [TopicPartition]) -> [TopicPartition] {
        partitions.filter { !previous.contains($0) && !owned.contains($0) }
    }

    /// librdkafka assigns partitions; they are taken once `notBefore` has passed (the takeover grace).
    mutating func beginAssign(_ partitions: [TopicPartition], notBefore: UInt64) {
        guard phase != .leaving && phase != .closed else { return }
        pendingAssignment = partitions.filter { !owned.contains($0) || revoking.contains($0) }
        assignNotBefore = notBefore
        // Not expected while partitions are being given up; if it happens, the revoke finishes first.
        if phase != .revoking { phase = .assigning }
    }

    /// A commit sent by the thread completed, with per-partition outcomes (`overall` for those missing).
    mutating func commitCompleted(_ id: UInt64, outcomes: [TopicPartition: CommitOutcome], overall: CommitOutcome) -> [(CommitWaiter, Result<Void, LogError>)] {
        guard let requests = inFlight.removeValue(forKey: id) else { return [] }
        var merged: Set<TopicPartition> = []
        for request in requests { merged.formUnion(request.offsets.keys) }
        for partition in merged {
            let count = (inFlightCount[partition] ?? 1) - 1
            inFlightCount[partition] = count > 0 ? count : nil
        }
        var resumes: [(CommitWaiter, Result<Void, LogError>)] = []
        for request in requests {
            if let resume = settle(request, Self.worst(request.offsets.keys.map { outcomes[$0] ?? overall })) { resumes.append(resume) }
        }
        return resumes
    }

    /// While leaving, librdkafka took partitions away (they were given up at once).
    mutating func releasedWhileLeaving(_ partitions: Set<TopicPartition>) {
        owned.subtract(partitions)
        revoking.subtract(partitions)
        paused.subtract(partitions)
    }

    /// A fatal error: the consumer can no longer be used. Returns the batch waiters to fail.
    mutating func fail(_ error: LogError) -> [BatchWaiter] {
        if failure == nil { failure = error }
        defer { waiters = [] }
        return waiters.map(\.waiter)
    }

    /// The handle is destroyed: everything still waiting is answered.
    mutating func closed() -> (commits: [(CommitWaiter, Result<Void, LogError>)], batches: [BatchWaiter], closes: [CloseWaiter]) {
        phase = .closed
        let error = LogError(.closed, "the consumer closed before the commit completed")
        var commits = queued.map { ($0.waiter, Result<Void, LogError>.failure(error)) }
        commits += deferred.map { ($0.waiter, Result<Void, LogError>.failure(error)) }
        for requests in inFlight.values { commits += requests.map { ($0.waiter, Result<Void, LogError>.failure(error)) } }
        queued = []
        deferred = []
        inFlight = [:]
        inFlightCount = [:]
        buffer = []
        bufferHead = 0
        bufferedBytes = 0
        defer {
            waiters = []
            closeWaiters = []
        }
        return (commits, waiters.map(\.waiter), closeWaiters)
    }

    // MARK: Helpers

    /// Whether every record handed out of these partitions is covered by a completed (or deferred) commit.
    func settled(_ partitions: Set<TopicPartition>) -> Bool {
        partitions.allSatisfy { partition in
            guard let handed = handedOut[partition] else { return true }
            return (requested[partition] ?? Int64.min) >= handed && inFlightCount[partition] == nil
                && !queued.contains { $0.offsets[partition] != nil }
        }
    }

    private mutating func takeBatch() -> [ConsumerRecord] {
        let end = min(buffer.count, bufferHead + settings.maximumBatch)
        let batch = Array(buffer[bufferHead..<end])
        bufferHead = end
        if bufferHead == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            bufferHead = 0
        } else if bufferHead > 4096 && bufferHead * 2 > buffer.count {
            buffer.removeFirst(bufferHead)
            bufferHead = 0
        }
        for record in batch {
            let partition = record.topicPartition
            handedOut[partition] = max(handedOut[partition] ?? Int64.min, record.offset + 1)
            bufferedBytes -= Self.size(of: record)
        }
        return batch
    }

    private mutating func dropBuffered(_ partitions: Set<TopicPartition>) {
        let kept = buffer[bufferHead...].filter { !partitions.contains($0.topicPartition) }
        buffer = Array(kept)
        bufferHead = 0
        bufferedBytes = buffer.reduce(0) { $0 + Self.size(of: $1) }
    }

    private var bufferDrained: Bool { bufferedCount <= settings.resumeAtRecords && bufferedBytes <= settings.resumeAtBytes }

    private static func size(of record: ConsumerRecord) -> Int { record.key.count + record.value.count }

    private static func worst(_ outcomes: [CommitOutcome]) -> CommitOutcome {
        var result = CommitOutcome.committed
        for outcome in outcomes {
            switch (result, outcome) {
            case (_, .failed): return outcome
            case (.committed, .refusedDuringRebalance): result = outcome
            default: break
            }
        }
        return result
    }

    private static func milliseconds(until deadline: UInt64, now: UInt64, atMost limit: Int32) -> Int32 {
        guard deadline > now else { return 0 }
        return min(limit, Int32(clamping: deadline - now))
    }
}

extension ConsumerStateMachine.CommitOutcome: Sendable {}
extension ConsumerStateMachine.CommitRequest: Sendable where CommitWaiter: Sendable {}
