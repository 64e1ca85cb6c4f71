import FSPIOP
import Synchronization
import Processing

/// What a caller waiting for an aggregate gets: its state, or why the processor refused the caller's fact.
public enum WatchUpdate<Value: Sendable>: Sendable {
    case state(Value)
    case refused(FSPIOPError)
}

/// Aggregates of one kind as the processor last folded them, by id, and the outbound API's callers
/// waiting for one to reach a state they can answer with.
final class WatchedStates<Value: Sendable>: Sendable {
    private struct Waiter {
        let id: Int
        let accepts: @Sendable (Value) -> Bool
        let continuation: CheckedContinuation<WatchUpdate<Value>?, Never>
    }

    private struct State {
        var values: [String: Value] = [:]
        var waiters: [String: [Waiter]] = [:]
        var nextWaiter = 0
        /// Refusals of facts for aggregates not known here that no caller waited for yet: with the processor in
        /// another process, a refusal may come before its caller starts waiting. Kept for ``refusalMemory``.
        var unclaimedRefusals: [String: (error: FSPIOPError, at: ContinuousClock.Instant)] = [:]
    }

    static var refusalMemory: Duration { .seconds(30) }

    private let state = Mutex(State())

    func value(_ id: String) -> Value? { state.withLock { $0.values[id] } }

    var count: Int { state.withLock { $0.values.count } }

    var all: [Value] { state.withLock { Array($0.values.values) } }

    /// Publishes new states and refusals; wakes the callers waiting for them.
    func publish(_ values: [(id: String, value: Value)], refusals: [(id: String, error: FSPIOPError)]) {
        var wake: [(CheckedContinuation<WatchUpdate<Value>?, Never>, WatchUpdate<Value>)] = []
        state.withLock { state in
            for (id, value) in values {
                state.values[id] = value
                guard var waiting = state.waiters[id] else { continue }
                waiting.removeAll { waiter in
                    guard waiter.accepts(value) else { return false }
                    wake.append((waiter.continuation, .state(value)))
                    return true
                }
                state.waiters[id] = waiting.isEmpty ? nil : waiting
            }
            for (id, error) in refusals {
                let waiting = state.waiters.removeValue(forKey: id) ?? []
                for waiter in waiting { wake.append((waiter.continuation, .refused(error))) }
                if waiting.isEmpty, state.values[id] == nil { state.unclaimedRefusals[id] = (error, .now) }
            }
            if !state.unclaimedRefusals.isEmpty {
                let cutoff = ContinuousClock.now - Self.refusalMemory
                state.unclaimedRefusals = state.unclaimedRefusals.filter { $0.value.at > cutoff }
            }
        }
        for (continuation, update) in wake { continuation.resume(returning: update) }
    }

    /// Forgets what the processor evicted; returns what was forgotten.
    @discardableResult
    func forget(_ ids: [String]) -> [Value] {
        guard !ids.isEmpty else { return [] }
        return state.withLock { state in ids.compactMap { state.values.removeValue(forKey: $0) } }
    }

    /// Waits until the aggregate is in a state `accepts` takes (checked against the current state
    /// first), or the processor refuses the caller's fact, or `timeout` passes (then nil).
    func wait(for id: String, timeout: Duration, until accepts: @escaping @Sendable (Value) -> Bool) async -> WatchUpdate<Value>? {
        let waiterId = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskGroup(of: WatchUpdate<Value>?.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<WatchUpdate<Value>?, Never>) in
                    let current: WatchUpdate<Value>? = self.state.withLock { state in
                        if let value = state.values[id], accepts(value) { return .state(value) }
                        if state.values[id] == nil, let refusal = state.unclaimedRefusals.removeValue(forKey: id) { return .refused(refusal.error) }
                        state.waiters[id, default: []].append(Waiter(id: waiterId, accepts: accepts, continuation: continuation))
                        return nil
                    }
                    if let current { continuation.resume(returning: current) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.cancelWaiter(id, waiterId)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // The timer task resumes the waiter (with nil) when it is still registered.
            self.cancelWaiter(id, waiterId)
            return first
        }
    }

    private func cancelWaiter(_ id: String, _ waiterId: Int) {
        let removed: Waiter? = state.withLock { state in
            guard var waiting = state.waiters[id], let index = waiting.firstIndex(where: { $0.id == waiterId }) else { return nil }
            let waiter = waiting.remove(at: index)
            state.waiters[id] = waiting.isEmpty ? nil : waiting
            return waiter
        }
        removed?.continuation.resume(returning: nil)
    }
}
