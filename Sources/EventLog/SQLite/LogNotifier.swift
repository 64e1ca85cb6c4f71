import Synchronization

/// Wakes consumers when something they may be waiting for happened: records appended, an assignment
/// changed, the log closed. A version number makes wake-ups impossible to miss: a consumer reads the
/// version before looking for records and, finding none, waits for a later version.
final class LogNotifier: Sendable {
    private struct State {
        var version: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var version: UInt64 { state.withLock { $0.version } }

    /// Advances the version and resumes every waiter.
    func bump() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.version &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the version is later than `after`, or the task is cancelled.
    func wait(after: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Checked under the lock: a cancellation before the waiter is registered finds nothing to
                // resume, so a cancelled task must not register one.
                let ready = state.withLock { state -> Bool in
                    if state.version != after || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
