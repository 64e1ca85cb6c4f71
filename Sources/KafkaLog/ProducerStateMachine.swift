/// The producer's lifecycle, held behind the producer's lock. Its mutating methods only decide; the
/// caller performs what they return (librdkafka calls, resuming waiters) outside the lock.
///
/// Records go to librdkafka from the producer's thread only, which also serves their delivery reports:
/// appends queue their records in the backlog and wake the thread, as librdkafka's own fastest loop
/// produces and polls on one thread (no contention on its locks, and its buffers are freed by the thread
/// that allocated them). Records librdkafka cannot take yet (its queue is full) go back to the front of
/// the backlog. Other calls on the handle (metadata requests) lease it (``enter()`` ... ``leave()``) so that
/// it is destroyed only once nobody is using it.
struct ProducerStateMachine<Item, Waiter> {
    enum Phase: Equatable {
        case running
        /// No new records or leases; the thread finishes once the last lease is returned.
        case stopping
        case stopped
    }

    enum Enqueue: Equatable {
        /// The backlog was empty: wake the thread.
        case wake
        /// The thread has work queued already and takes these with it.
        case queued
        /// The log is shut down.
        case refused
    }

    enum ThreadAction {
        /// Serve delivery reports for up to this long.
        case poll(milliseconds: Int32)
        /// Hand these to librdkafka, then ``requeue(_:)`` what it could not take.
        case produce([Item])
        /// Flush until the deadline, fail what is left, destroy the handle, then ``finished()``.
        case finish(deadline: UInt64)
    }

    enum StopAction {
        /// Wake the thread so it starts finishing.
        case wake
        /// Already stopping: the waiter, if any, is resumed when the thread finishes.
        case none
        /// Already stopped: resume the waiter now.
        case resume(Waiter?)
    }

    private(set) var phase: Phase = .running
    private(set) var leases = 0
    private(set) var backlog: [Item] = []
    private var stopDeadline: UInt64 = 0
    private var stopWaiters: [Waiter] = []

    /// An append's records join the backlog.
    mutating func enqueue(_ items: [Item]) -> Enqueue {
        guard phase == .running else { return .refused }
        let wasEmpty = backlog.isEmpty
        backlog += items
        return wasEmpty ? .wake : .queued
    }

    /// A caller wants the handle for a request; false once stopping.
    mutating func enter() -> Bool {
        guard phase == .running else { return false }
        leases += 1
        return true
    }

    /// A caller is done with the handle. Returns whether the thread must be woken (to finish stopping).
    mutating func leave() -> Bool {
        leases = max(0, leases - 1)
        return phase == .stopping && leases == 0
    }

    /// What the producer's thread does next.
    mutating func nextThreadAction(now: UInt64) -> ThreadAction {
        switch phase {
        case .running:
            guard !backlog.isEmpty else { return .poll(milliseconds: 100) }
            defer { backlog = [] }
            return .produce(backlog)
        case .stopping, .stopped:
            // Leases are microseconds (a produce call) to a request timeout; keep serving reports meanwhile.
            return leases > 0 ? .poll(milliseconds: 5) : .finish(deadline: stopDeadline)
        }
    }

    /// Records the thread could not hand to librdkafka go back to the front of the backlog.
    mutating func requeue(_ items: [Item]) {
        backlog = items + backlog
    }

    /// While finishing: everything still in the backlog, which no longer grows.
    mutating func takeBacklog() -> [Item] {
        defer { backlog = [] }
        return backlog
    }

    /// Shutdown: flush for at most `timeoutMilliseconds` from `now`.
    mutating func stop(now: UInt64, timeoutMilliseconds: UInt64, waiter: Waiter?) -> StopAction {
        switch phase {
        case .running:
            phase = .stopping
            stopDeadline = now + timeoutMilliseconds
            if let waiter { stopWaiters.append(waiter) }
            return .wake
        case .stopping:
            if let waiter { stopWaiters.append(waiter) }
            return .none
        case .stopped:
            return .resume(waiter)
        }
    }

    /// The thread destroyed the handle: the waiters of ``stop(now:timeoutMilliseconds:waiter:)`` to resume.
    mutating func finished() -> [Waiter] {
        phase = .stopped
        defer { stopWaiters = [] }
        return stopWaiters
    }
}
