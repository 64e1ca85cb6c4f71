import Synchronization

/// A one-way latch settled once, with a value or a failure: `value()` returns it to every waiter, at
/// once for those who come later. A service settles its latches as failed when it stops, so nobody
/// waits for a readiness that will never come.
public final class Latch<Value: Sendable>: Sendable {
    private let state = Mutex<(outcome: Result<Value, LatchFailure>?, waiters: [CheckedContinuation<Result<Value, LatchFailure>, Never>])>((nil, []))

    public init() {}

    /// Settles the latch with `value`, unless it is already settled.
    public func succeed(_ value: Value) { settle(.success(value)) }

    /// Settles the latch as failed, unless it is already settled.
    public func fail(_ reason: String) { settle(.failure(LatchFailure(description: reason))) }

    /// The value once settled, or nil while not settled or failed.
    public var settledValue: Value? {
        state.withLock { state in
            if case .success(let value)? = state.outcome { return value }
            return nil
        }
    }

    /// Waits until the latch is settled; throws ``LatchFailure`` if it failed.
    public func value() async throws(LatchFailure) -> Value {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, LatchFailure>, Never>) in
            let settled = state.withLock { state -> Result<Value, LatchFailure>? in
                if let outcome = state.outcome { return outcome }
                state.waiters.append(continuation)
                return nil
            }
            if let settled { continuation.resume(returning: settled) }
        }
        return try outcome.get()
    }

    private func settle(_ outcome: Result<Value, LatchFailure>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Result<Value, LatchFailure>, Never>] in
            guard state.outcome == nil else { return [] }
            state.outcome = outcome
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }
}

/// Why a latch will never be settled with a value: the service stopped or failed first.
public struct LatchFailure: Error, CustomStringConvertible {
    public let description: String
}
