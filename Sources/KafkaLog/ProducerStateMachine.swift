/// The producer's lifecycle, held behind the producer's lock. Its mutating methods only decide; the
/// caller performs what they return (librdkafka calls, resuming waiters) outside the lock.
///
/// Callers lease the librdkafka handle (``enter(producing:)`` ... ``leave(leftovers:)``) so that it is
/// destroyed only once nobody is using it. Records librdkafka cannot take yet (its queue is full) wait
/// in the backlog, which the producer's thread feeds to librdkafka as delivery reports free room; while
/// the backlog is not empty, new records join it rather than overtake it.
struct ProducerStateMachine<Item, Waiter> {
    enum Phase: Equatable {
        case running
        /// No new leases; the thread finishes once the last lease is returned.
        case stopping
        case stopped
    }

    enum Entry: Equatable {
        /// Use the handle, then ``leave(leftovers:)``.
        case proceed
        /// The records joined the backlog: wake the thread.
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

    /// A caller wants the handle: to produce `items`, or for a request when `items` is empty.
    mutating func enter(producing items: [Item]) -> Entry {
        guard phase == .running else { return .refused }
        if !items.isEmpty && !backlog.isEmpty {
            backlog += items
            return .queued
        }
        leases += 1
        return .proceed
    }

    /// A caller is done with the handle; `leftovers` are records librdkafka could not take.
    /// Returns whether the thread must be woken (to produce them, or to finish stopping).
    mutating func leave(leftovers: [Item]) -> Bool {
        leases = max(0, leases - 1)
        backlog += leftovers
        return !leftovers.isEmpty || (phase == .stopping && leases == 0)
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
