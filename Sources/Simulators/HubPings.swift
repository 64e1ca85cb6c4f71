import FSPIOP
import Synchronization

/// What a DFSP answered to the hub's `POST /ping` (the connectivity check the hub runs against every DFSP:
/// mTLS, and its JWS signature checked by the DFSP).
public enum HubPingOutcome: Sendable, Hashable {
    /// `PUT /ping/{requestId}`: the DFSP took the ping and verified the hub's signature.
    case success
    /// `PUT /ping/{requestId}/error`: the DFSP refused it (3100 when the hub's JWS signature did not verify).
    case failed(ErrorInformationObject)
    /// No answer in time.
    case timedOut
}

/// The hub's pings: callers waiting for answers, and the answers that came (the last thousand, by request id).
final class HubPings: Sendable {
    private struct State {
        var waiting: [String: CheckedContinuation<HubPingOutcome, Never>] = [:]
        var answered: [String: HubPingOutcome] = [:]
        var order: [String] = []
        /// The DFSP each of the hub's own pings went to: only it may answer.
        var pinged: [String: String] = [:]
    }

    private let state = Mutex(State())
    static let kept = 1000

    /// Notes that the hub pinged `fspId` with `requestId`.
    func sent(_ requestId: String, to fspId: String) {
        state.withLock { $0.pinged[requestId] = fspId }
    }

    /// Records the answer to ping `requestId` from `source` and wakes its caller; an answer from another DFSP than
    /// the one pinged is ignored (false).
    @discardableResult
    func answer(_ requestId: String, from source: String, _ outcome: HubPingOutcome) -> Bool {
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<HubPingOutcome, Never>?) in
            if let pinged = state.pinged[requestId] {
                guard pinged == source else { return (false, nil) }
                state.pinged[requestId] = nil
            }
            if state.answered.updateValue(outcome, forKey: requestId) == nil {
                state.order.append(requestId)
                if state.order.count > Self.kept { state.answered[state.order.removeFirst()] = nil }
            }
            return (true, state.waiting.removeValue(forKey: requestId))
        }
        waiter?.resume(returning: outcome)
        return accepted
    }

    /// The answer to ping `requestId`, or ``HubPingOutcome/timedOut`` when none comes within `timeout`.
    func wait(_ requestId: String, timeout: Duration) async -> HubPingOutcome {
        await withCheckedContinuation { continuation in
            let known = state.withLock { state -> HubPingOutcome? in
                if let outcome = state.answered[requestId] { return outcome }
                state.waiting[requestId] = continuation
                return nil
            }
            if let known {
                continuation.resume(returning: known)
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                self.state.withLock { state in
                    state.pinged[requestId] = nil
                    return state.waiting.removeValue(forKey: requestId)
                }?.resume(returning: .timedOut)
            }
        }
    }

    /// The answer that came for ping `requestId`, if any.
    func outcome(_ requestId: String) -> HubPingOutcome? { state.withLock { $0.answered[requestId] } }
}
