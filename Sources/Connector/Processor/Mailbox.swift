import Synchronization
import Processing

/// One-shot answers by request id for callers of the outbound API that wait for one: the processor
/// delivers, the caller takes. An answer delivered before its caller waits is kept for it; answers
/// nobody takes (the caller gave up) are dropped, oldest first, beyond `capacity`.
final class Mailbox<Value: Sendable>: Sendable {
    private struct State {
        var waiters: [String: CheckedContinuation<Value?, Never>] = [:]
        var unclaimed: [String: Value] = [:]
        var order: [String] = []
        var orderStart = 0
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// How many ids are tracked for eviction (for tests: bounded by the capacity, whatever was delivered).
    var trackedCount: Int { state.withLock { $0.order.count - $0.orderStart } }

    /// Hands `value` to the caller waiting for `id`, or keeps it for one that comes later.
    func deliver(_ id: String, _ value: Value) {
        let waiter = state.withLock { state -> CheckedContinuation<Value?, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            if state.unclaimed.updateValue(value, forKey: id) == nil { state.order.append(id) }
            while state.unclaimed.count > capacity, state.orderStart < state.order.count {
                state.unclaimed[state.order[state.orderStart]] = nil
                state.orderStart += 1
            }
            if state.orderStart > 1024, state.orderStart * 2 > state.order.count {
                state.order.removeFirst(state.orderStart)
                state.orderStart = 0
            }
            // Answers taken by their callers leave their ids behind in `order`: drop those now and then, so
            // that it stays in proportion to what is unclaimed.
            if state.order.count - state.orderStart > 2 * capacity + 1024 {
                let unclaimed = state.unclaimed
                state.order = state.order[state.orderStart...].filter { unclaimed[$0] != nil }
                state.orderStart = 0
            }
            return nil
        }
        waiter?.resume(returning: value)
    }

    /// The value for `id`, or nil after `timeout` (or if the task is cancelled).
    func wait(_ id: String, timeout: Duration) async -> Value? {
        await withTaskGroup(of: Value?.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
                    let ready = self.state.withLock { state -> Value? in
                        if let value = state.unclaimed.removeValue(forKey: id) { return value }
                        state.waiters[id] = continuation
                        return nil
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.abandon(id)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            abandon(id)
            return first
        }
    }

    private func abandon(_ id: String) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
    }
}
