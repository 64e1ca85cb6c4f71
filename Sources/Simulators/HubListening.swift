import Synchronization

/// Whether the hub's server listens yet, for ``HubSimulator/listeningPort()``: callers wait until the
/// server is bound (or failed, or stopped) and then get the port or the reason.
final class HubListening: Sendable {
    private enum Phase {
        case starting(waiters: [Int: CheckedContinuation<Int, any Error>], nextId: Int)
        case listening(port: Int)
        case failed(HubSimulatorError)
    }

    private let phase = Mutex(Phase.starting(waiters: [:], nextId: 0))

    /// Waits for the port. Cancelling the waiting task throws `CancellationError`.
    func port() async throws -> Int {
        let id = Mutex<Int?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                let immediate: Result<Int, any Error>? = phase.withLock { phase in
                    switch phase {
                    case let .listening(port): return .success(port)
                    case let .failed(error): return .failure(error)
                    case .starting(var waiters, let nextId):
                        if Task.isCancelled { return .failure(CancellationError()) }
                        waiters[nextId] = continuation
                        phase = .starting(waiters: waiters, nextId: nextId + 1)
                        id.withLock { $0 = nextId }
                        return nil
                    }
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            // Under the phase lock: a registration either happened (and left its id) or will see the
            // cancellation when it runs.
            let continuation: CheckedContinuation<Int, any Error>? = phase.withLock { phase in
                guard let waiter = id.withLock({ $0 }), case .starting(var waiters, let nextId) = phase,
                      let continuation = waiters.removeValue(forKey: waiter) else { return nil }
                phase = .starting(waiters: waiters, nextId: nextId)
                return continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// The server is bound to `port`.
    func listening(on port: Int) {
        let waiters: [CheckedContinuation<Int, any Error>] = phase.withLock { phase in
            guard case let .starting(waiters, _) = phase else { return [] }
            phase = .listening(port: port)
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    /// The server failed or stopped: waiting and later callers get `error`.
    func stopped(_ error: HubSimulatorError) {
        let waiters: [CheckedContinuation<Int, any Error>] = phase.withLock { phase in
            defer { phase = .failed(error) }
            guard case let .starting(waiters, _) = phase else { return [] }
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
