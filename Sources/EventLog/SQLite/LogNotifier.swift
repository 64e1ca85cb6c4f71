import Synchronization

/// Wakes consumers when something they may be waiting for happened: records appended, an assignment
/// changed, the log closed. A version number makes wake-ups impossible to miss: a consumer reads the
/// version before looking for records and, finding none, waits for a later version.
final class LogNotifier: Sendable {
    private struct State {
        var version: UInt64 = 0
        var waiters: [(after: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    var version: UInt64 { state.withLock { $0.version } }

    /// Advances the version and resumes every waiter.
    func bump() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.version &+= 1
            defer { state.waiters.removeAll() }
            return state.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the version is later than `after`.
    func wait(after: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.version != after { return true }
                state.waiters.append((after, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
