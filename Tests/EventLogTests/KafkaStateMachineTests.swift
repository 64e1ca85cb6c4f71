import EventLog
@testable import KafkaLog
import Testing

/// The Kafka backend's state machines, driven synchronously with plain values as waiters.
@Suite("Kafka state machines")
struct KafkaStateMachineTests {
    typealias Consumer = ConsumerStateMachine<Int, Int, Int>

    static let p0 = TopicPartition(topic: "t", partition: 0)
    static let p1 = TopicPartition(topic: "t", partition: 1)
    static let p2 = TopicPartition(topic: "t", partition: 2)

    static func record(_ partition: TopicPartition, _ offset: Int64) -> ConsumerRecord {
        ConsumerRecord(topic: partition.topic, partition: partition.partition, offset: offset, key: [], headers: [], value: [], timestamp: 0)
    }

    static func consumer(pauseAt: Int = 100, resumeAt: Int = 10) -> Consumer {
        Consumer(settings: .init(maximumBatch: 100, pauseAtRecords: pauseAt, resumeAtRecords: resumeAt, sessionTimeoutMilliseconds: 4000))
    }

    /// A member that owns `partitions` and has handed out offsets 0..<count of each.
    static func running(_ partitions: [TopicPartition], handedOut count: Int64 = 0) -> Consumer {
        var machine = consumer()
        machine.beginAssign(partitions, notBefore: 0)
        _ = machine.takeThreadWork(now: 0)
        if count > 0 {
            _ = machine.received(partitions.flatMap { partition in (0..<count).map { record(partition, $0) } })
            if case .deliver = machine.nextBatch(id: 999, waiter: 999) {} else { Issue.record("no batch handed out") }
        }
        return machine
    }

    @Test("records are handed out only for assigned partitions, and a waiting batch gets them")
    func handsOutAssigned() {
        var machine = Self.running([Self.p0, Self.p1])
        #expect(machine.assignment == [Self.p0, Self.p1])
        guard case .wait = machine.nextBatch(id: 1, waiter: 10) else { Issue.record("expected to wait"); return }
        let deliveries = machine.received([Self.record(Self.p0, 0), Self.record(Self.p2, 0), Self.record(Self.p1, 5)])
        #expect(deliveries.count == 1)
        #expect(deliveries.first?.0 == 10)
        #expect(deliveries.first?.1.map(\.position) == [Self.record(Self.p0, 0).position, Self.record(Self.p1, 5).position])
        #expect(machine.handedOut == [Self.p0: 1, Self.p1: 6])
    }

    @Test("a revoke stops handing out, drops what is buffered, and waits until what was handed out is committed")
    func revokeWaitsForCommits() {
        var machine = Self.running([Self.p0, Self.p1], handedOut: 3)
        _ = machine.received([Self.record(Self.p0, 3), Self.record(Self.p1, 3)])
        #expect(machine.bufferedCount == 2)
        guard case .wait = machine.revoke([Self.p0], lost: false, now: 0) else { Issue.record("expected to wait"); return }
        #expect(machine.bufferedCount == 1, "buffered records of the revoked partition are dropped")
        #expect(machine.assignment == [Self.p1])
        let waiting = machine.takeThreadWork(now: 10)
        #expect(waiting.unassign == nil, "gave up before the handed-out records were committed")

        guard case .queued = machine.commit([Self.p0: 3], waiter: 20) else { Issue.record("commit refused"); return }
        let work = machine.takeThreadWork(now: 20)
        let commit = work.commit
        #expect(commit?.offsets == [Self.p0: 3])
        #expect(work.unassign == nil, "gave up with a commit in flight")
        let resumes = machine.commitCompleted(commit?.id ?? 0, outcomes: [Self.p0: .committed], overall: .committed)
        #expect(resumes.map(\.0) == [20])
        let done = machine.takeThreadWork(now: 30)
        #expect(done.unassign == [Self.p0])
        #expect(machine.phase == .running)
        #expect(machine.owned == [Self.p1])
        #expect(machine.previous == [Self.p0])
    }

    @Test("a revoke gives the partitions up after the session timeout even if records stay uncommitted")
    func revokeTimesOut() {
        var machine = Self.running([Self.p0], handedOut: 2)
        _ = machine.revoke([Self.p0], lost: false, now: 100)
        let before = machine.takeThreadWork(now: 4099)
        #expect(before.unassign == nil)
        let after = machine.takeThreadWork(now: 4100)
        #expect(after.unassign == [Self.p0])
        #expect(machine.phase == .idle)
    }

    @Test("a commit refused during a rebalance is deferred, lets the revoke finish, and is retried before the next assignment")
    func refusedCommitIsRetried() {
        var machine = Self.running([Self.p0], handedOut: 5)
        _ = machine.commit([Self.p0: 5], waiter: 7)
        let commit = machine.takeThreadWork(now: 0).commit
        let refused = LogError(.rebalanced, "rebalance in progress", retryable: true)
        let resumes = machine.commitCompleted(commit?.id ?? 0, outcomes: [Self.p0: .refusedDuringRebalance(refused)], overall: .committed)
        #expect(resumes.isEmpty, "the caller of a deferred commit keeps waiting")
        #expect(machine.deferred.count == 1)

        _ = machine.revoke([Self.p0], lost: false, now: 0)
        let revoked = machine.takeThreadWork(now: 1)
        #expect(revoked.unassign == [Self.p0], "a deferred commit counts as done for the revoke")

        let retry = machine.takeDeferred()
        #expect(retry.map(\.offsets) == [[Self.p0: 5]])
        let answered = machine.retried(retry, outcome: [Self.p0: .committed])
        #expect(answered.count == 1)
        #expect(answered.first?.0 == 7)
        if case .failure = answered.first?.1 { Issue.record("the retried commit failed") }
        #expect(machine.deferred.isEmpty)
    }

    @Test("a commit refused again stays deferred, and fails once refused three times")
    func refusedThreeTimes() {
        var machine = Self.running([Self.p0], handedOut: 1)
        _ = machine.commit([Self.p0: 1], waiter: 7)
        let refused = Consumer.CommitOutcome.refusedDuringRebalance(LogError(.rebalanced, "again", retryable: true))
        let first = machine.commitCompleted(machine.takeThreadWork(now: 0).commit?.id ?? 0, outcomes: [:], overall: refused)
        #expect(first.isEmpty)
        let second = machine.retried(machine.takeDeferred(), outcome: [Self.p0: refused])
        #expect(second.isEmpty, "a commit refused twice failed")
        let retry = machine.takeDeferred()
        #expect(retry.first?.refusals == 2)
        let third = machine.retried(retry, outcome: [Self.p0: refused])
        guard case .failure(let error) = third.first?.1 else { Issue.record("expected a failure"); return }
        #expect(third.first?.0 == 7)
        #expect(error.code == .rebalanced)
        #expect(machine.deferred.isEmpty)
    }

    @Test("a retried commit whose partitions the group already committed beyond succeeds without committing")
    func retryAlreadyReached() {
        var machine = Self.running([Self.p0], handedOut: 1)
        _ = machine.commit([Self.p0: 1], waiter: 7)
        let refused = Consumer.CommitOutcome.refusedDuringRebalance(LogError(.rebalanced, "joining", retryable: true))
        _ = machine.commitCompleted(machine.takeThreadWork(now: 0).commit?.id ?? 0, outcomes: [:], overall: refused)
        // The consumer leaves partitions the group already committed beyond out of the outcome.
        let answered = machine.retried(machine.takeDeferred(), outcome: [:])
        #expect(answered.map(\.0) == [7])
        if case .failure = answered.first?.1 { Issue.record("failed") }
    }

    @Test("a lost assignment gives partitions up at once, without waiting for commits, and keeps refused commits for a retry")
    func lostAssignment() {
        var machine = Self.running([Self.p0, Self.p1], handedOut: 2)
        _ = machine.commit([Self.p0: 2], waiter: 8)
        let refused = Consumer.CommitOutcome.refusedDuringRebalance(LogError(.rebalanced, "illegal generation", retryable: true))
        _ = machine.commitCompleted(machine.takeThreadWork(now: 0).commit?.id ?? 0, outcomes: [Self.p0: refused], overall: .committed)
        _ = machine.revoke([Self.p0, Self.p1], lost: true, now: 0)
        #expect(machine.deferred.count == 1)
        let given = machine.takeThreadWork(now: 1)
        #expect(given.unassign == [Self.p0, Self.p1], "waited for commits of a lost assignment")
        #expect(machine.previous.isEmpty, "lost partitions may have been read by others: taking them back needs the grace")
        #expect(machine.takenOver([Self.p0]) == [Self.p0])
    }

    @Test("commits of partitions this member does not own are refused")
    func commitUnowned() {
        var machine = Self.running([Self.p0])
        guard case .fail(let error) = machine.commit([Self.p1: 3], waiter: 1) else { Issue.record("accepted"); return }
        #expect(error.code == .rebalanced)
    }

    @Test("an assignment waits out the takeover grace, except for partitions this member just gave up")
    func takeoverGrace() {
        var machine = Self.running([Self.p0, Self.p1])
        _ = machine.revoke([Self.p0, Self.p1], lost: false, now: 0)
        _ = machine.takeThreadWork(now: 0)
        #expect(machine.takenOver([Self.p0, Self.p1, Self.p2]) == [Self.p2])
        machine.beginAssign([Self.p0, Self.p2], notBefore: 1000)
        let early = machine.takeThreadWork(now: 400)
        #expect(early.assign == nil)
        #expect(early.pollMilliseconds <= 600)
        #expect(machine.assignment.isEmpty)
        let due = machine.takeThreadWork(now: 1000)
        #expect(due.assign?.partitions == [Self.p0, Self.p2])
        #expect(due.assign?.take == true)
        #expect(machine.assignment == [Self.p0, Self.p2])
    }

    @Test("fetching pauses when the buffer is full and resumes when it drains")
    func backpressure() {
        var machine = Self.consumer(pauseAt: 4, resumeAt: 1)
        machine.beginAssign([Self.p0, Self.p1], notBefore: 0)
        _ = machine.takeThreadWork(now: 0)
        _ = machine.received((0..<5).map { Self.record(Self.p0, $0) })
        let full = machine.takeThreadWork(now: 1)
        #expect(full.pause == [Self.p0, Self.p1])
        guard case .deliver(let batch, let wake) = machine.nextBatch(id: 1, waiter: 1) else { Issue.record("no batch"); return }
        #expect(batch.count == 5)
        #expect(wake, "the thread must be woken to resume fetching")
        let drained = machine.takeThreadWork(now: 2)
        #expect(drained.resume == [Self.p0, Self.p1])
        #expect(machine.paused.isEmpty)
    }

    @Test("closing answers waiting batches with nil, lets commits in flight finish, then leaves")
    func closing() {
        var machine = Self.running([Self.p0], handedOut: 1)
        guard case .wait = machine.nextBatch(id: 1, waiter: 11) else { Issue.record("expected to wait"); return }
        _ = machine.commit([Self.p0: 1], waiter: 21)
        guard case .wake(let waiters) = machine.requestClose(now: 0, waiter: 31) else { Issue.record("expected a wake"); return }
        #expect(waiters == [11])
        guard case .finished = machine.nextBatch(id: 2, waiter: 12) else { Issue.record("a batch after close"); return }
        let work = machine.takeThreadWork(now: 1)
        #expect(work.commit != nil)
        #expect(!work.leave, "left with a commit in flight")
        let answered = machine.commitCompleted(work.commit?.id ?? 0, outcomes: [:], overall: .committed)
        #expect(answered.map(\.0) == [21])
        let leaving = machine.takeThreadWork(now: 2)
        #expect(leaving.leave)
        #expect(machine.phase == .leaving)
        guard case .fail(let error) = machine.commit([Self.p0: 1], waiter: 22) else { Issue.record("commit accepted while leaving"); return }
        #expect(error.code == .closed)
        let (commits, batches, closes) = machine.closed()
        #expect(commits.isEmpty && batches.isEmpty)
        #expect(closes == [31])
        guard case .alreadyClosed(let late) = machine.requestClose(now: 3, waiter: 32) else { Issue.record("not closed"); return }
        #expect(late == 32)
    }

    @Test("a cancelled wait, even one cancelled before it started, ends with an empty batch")
    func cancellation() {
        var machine = Self.running([Self.p0])
        let early = machine.cancelWaiter(id: 5)
        #expect(early == nil)
        guard case .deliver(let records, _) = machine.nextBatch(id: 5, waiter: 50) else { Issue.record("waited"); return }
        #expect(records.isEmpty)
        guard case .wait = machine.nextBatch(id: 6, waiter: 60) else { Issue.record("did not wait"); return }
        let cancelled = machine.cancelWaiter(id: 6)
        #expect(cancelled == 60)
    }

    // MARK: Producer

    typealias Producer = ProducerStateMachine<Int, Int>

    @Test("the producer finishes only after the last lease is returned, and refuses new work once stopping")
    func producerStops() {
        var machine = Producer()
        let entered = machine.enter()
        #expect(entered)
        let queued = machine.enqueue([1, 2])
        #expect(queued == .wake)
        guard case .wake = machine.stop(now: 100, timeoutMilliseconds: 50, waiter: 9) else { Issue.record("no wake"); return }
        let late = machine.enqueue([3])
        #expect(late == .refused)
        let lateLease = machine.enter()
        #expect(!lateLease, "a lease after the stop")
        guard case .poll = machine.nextThreadAction(now: 101) else { Issue.record("finished with a lease out"); return }
        let wake = machine.leave()
        #expect(wake, "returning the last lease while stopping wakes the thread")
        guard case .finish(let deadline) = machine.nextThreadAction(now: 102) else { Issue.record("did not finish"); return }
        #expect(deadline == 150)
        let backlog = machine.takeBacklog()
        #expect(backlog == [1, 2], "records queued before the stop are still produced")
        let waiters = machine.finished()
        #expect(waiters == [9])
        guard case .resume(let waiter) = machine.stop(now: 200, timeoutMilliseconds: 50, waiter: 10) else { Issue.record("not stopped"); return }
        #expect(waiter == 10)
    }

    @Test("records librdkafka cannot take wait in order, later records queue behind them, and only the first wakes the thread")
    func producerBacklog() {
        var machine = Producer()
        let first = machine.enqueue([1, 2, 3])
        #expect(first == .wake)
        let second = machine.enqueue([4])
        #expect(second == .queued, "the thread has work already")
        guard case .produce(let items) = machine.nextThreadAction(now: 0) else { Issue.record("no produce"); return }
        #expect(items == [1, 2, 3, 4])
        let third = machine.enqueue([5])
        #expect(third == .wake, "the thread took the backlog; new records must wake it")
        machine.requeue([3, 4])
        guard case .produce(let again) = machine.nextThreadAction(now: 0) else { Issue.record("no produce"); return }
        #expect(again == [3, 4, 5], "a new record overtook the backlog")
        guard case .poll = machine.nextThreadAction(now: 0) else { Issue.record("produced from an empty backlog"); return }
    }

    @Test("an append abandoned at shutdown answers once, with a failure; a report that comes later changes nothing")
    func abandonedAppend() async {
        let registry = AppendRegistry()
        let records = [ProducerRecord(topic: "t", key: "k", value: [1]), ProducerRecord(topic: "t", key: "k", value: [2])]
        let result = await withCheckedContinuation { continuation in
            let append = PendingAppend(records: records, continuation: continuation, registry: registry)
            append.settle(0, partition: 0, offset: 7)
            for live in registry.takeAll() { live.abandon(LogError(.timedOut, "gone", retryable: true)) }
            append.settle(1, partition: 0, offset: 8)
        }
        guard case let .failure(error) = result else { Issue.record("an abandoned append succeeded"); return }
        #expect(error.code == .timedOut)
        #expect(registry.takeAll().isEmpty)

        let done = await withCheckedContinuation { continuation in
            let append = PendingAppend(records: records, continuation: continuation, registry: registry)
            append.settle(0, partition: 1, offset: 1)
            append.settle(1, partition: 1, offset: 2)
        }
        guard case let .success(positions) = done else { Issue.record("a settled append failed"); return }
        #expect(positions.map(\.offset) == [1, 2])
        #expect(registry.takeAll().isEmpty, "an answered append leaves the registry")
    }
}
