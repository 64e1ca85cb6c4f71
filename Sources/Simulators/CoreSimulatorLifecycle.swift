import AsyncHTTPClient

/// The core simulator's lifecycle: idle → running (HTTP client made) → listening (port known) →
/// finished, and the callers waiting for the port. Mutating methods return what to do; the caller does
/// it outside the lock (resuming continuations, shutting the client down).
struct CoreSimulatorLifecycle: Sendable {
    enum Phase: Sendable {
        case idle
        case running(client: HTTPClient)
        case listening(port: Int, client: HTTPClient)
        case finished
    }

    /// What a caller of `listeningPort()` should do now.
    enum WaitAction: Sendable {
        case resume(Int)
        case fail(any Error)
        case wait
    }

    private(set) var phase: Phase = .idle
    private var waiters: [Int: CheckedContinuation<Int, any Error>] = [:]
    private var cancelledWaiters: Set<Int> = []
    private var nextWaiterId = 0

    /// The client for calls to the connector, while running.
    var client: HTTPClient? {
        switch phase {
        case .running(let client), .listening(_, let client): return client
        case .idle, .finished: return nil
        }
    }

    /// Moves from idle to running. False if the simulator was started before.
    mutating func start(client: HTTPClient) -> Bool {
        guard case .idle = phase else { return false }
        phase = .running(client: client)
        return true
    }

    /// The server is listening on this port (or its address has no port): the waiters to resume.
    mutating func listening(port: Int?) -> [CheckedContinuation<Int, any Error>] {
        guard case .running(let client) = phase, let port else { return [] }
        phase = .listening(port: port, client: client)
        return takeWaiters()
    }

    /// The server stopped: the waiters to fail.
    mutating func finish() -> [CheckedContinuation<Int, any Error>] {
        phase = .finished
        return takeWaiters()
    }

    mutating func makeWaiterId() -> Int {
        nextWaiterId += 1
        return nextWaiterId
    }

    /// Registers a waiter unless the port is known, the server is gone, or the waiter was cancelled.
    mutating func wait(id: Int, continuation: CheckedContinuation<Int, any Error>) -> WaitAction {
        if cancelledWaiters.remove(id) != nil { return .fail(CancellationError()) }
        switch phase {
        case .listening(let port, _): return .resume(port)
        case .finished: return .fail(CoreSimulatorError.notRunning)
        case .idle, .running:
            waiters[id] = continuation
            return .wait
        }
    }

    /// A waiter's task was cancelled: its continuation to fail, if it was registered.
    mutating func cancel(id: Int) -> CheckedContinuation<Int, any Error>? {
        if let continuation = waiters.removeValue(forKey: id) { return continuation }
        cancelledWaiters.insert(id)
        return nil
    }

    private mutating func takeWaiters() -> [CheckedContinuation<Int, any Error>] {
        let taken = Array(waiters.values)
        waiters.removeAll()
        return taken
    }
}
