import FSPIOP
import PaymentDomain
import Synchronization

/// The payer transfers as the processor last folded them, and the outbound API's callers waiting for
/// one to reach a state they can answer with. The processor publishes after its events are durable;
/// waiters never see a state the log does not hold.
public final class OutboundBoard: Sendable {
    /// What a waiting caller gets: the transfer, or why the processor refused the caller's fact.
    public enum Update: Sendable {
        case state(OutboundTransfer)
        case refused(FSPIOPError)
    }

    private struct Waiter {
        let id: Int
        let accepts: @Sendable (OutboundTransfer) -> Bool
        let continuation: CheckedContinuation<Update?, Never>
    }

    private struct State {
        var transfers: [String: OutboundTransfer] = [:]
        var byHomeTransaction: [String: String] = [:]
        var waiters: [String: [Waiter]] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    private let lookups = Mailbox<PartyLookupResult>()
    private let relayed = Mailbox<RelayedUpdate>()

    /// What a caller of a relayed request gets: the request as it ended, or why it was refused.
    public enum RelayedUpdate: Sendable {
        case ended(RelayedRequest)
        case refused(FSPIOPError)
    }

    public init() {}

    /// The transfer as last folded, or nil when it is not known.
    public func transfer(_ id: String) -> OutboundTransfer? { state.withLock { $0.transfers[id] } }

    /// The transfer the core asked for under its own `homeTransactionId`, or nil.
    public func transfer(homeTransactionId: String) -> OutboundTransfer? {
        state.withLock { state in state.byHomeTransaction[homeTransactionId].flatMap { state.transfers[$0] } }
    }

    /// How many transfers the board holds.
    public var count: Int { state.withLock { $0.transfers.count } }

    /// Publishes new states; wakes the callers waiting for them.
    func publish(_ transfers: [OutboundTransfer], refusals: [(transferId: String, error: FSPIOPError)]) {
        var wake: [(CheckedContinuation<Update?, Never>, Update)] = []
        state.withLock { state in
            for transfer in transfers {
                state.transfers[transfer.transferId] = transfer
                if let home = transfer.request?.homeTransactionId { state.byHomeTransaction[home] = transfer.transferId }
                guard var waiting = state.waiters[transfer.transferId] else { continue }
                waiting.removeAll { waiter in
                    guard waiter.accepts(transfer) else { return false }
                    wake.append((waiter.continuation, .state(transfer)))
                    return true
                }
                state.waiters[transfer.transferId] = waiting.isEmpty ? nil : waiting
            }
            for (id, error) in refusals {
                for waiter in state.waiters.removeValue(forKey: id) ?? [] { wake.append((waiter.continuation, .refused(error))) }
            }
        }
        for (continuation, update) in wake { continuation.resume(returning: update) }
        // A refused relayed request: its caller waits under the request's key.
        for (key, error) in refusals where RelayedRequest.Resource.allCases.contains(where: { key.hasPrefix("\($0.rawValue)/") }) {
            relayed.deliver(key, .refused(error))
        }
    }

    /// Forgets transfers the processor evicted.
    func forget(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        state.withLock { state in
            for id in ids {
                if let home = state.transfers.removeValue(forKey: id)?.request?.homeTransactionId { state.byHomeTransaction[home] = nil }
            }
        }
    }

    /// Answers stand-alone party lookups.
    func publish(lookups answers: [(requestId: String, result: PartyLookupResult)]) {
        for (id, result) in answers { lookups.deliver(id, result) }
    }

    /// Waits for the answer to the stand-alone lookup `requestId`, or nil after `timeout`.
    public func waitForLookup(_ requestId: String, timeout: Duration) async -> PartyLookupResult? {
        await lookups.wait(requestId, timeout: timeout)
    }

    /// Answers the callers of relayed requests that ended.
    func publish(relayed ended: [RelayedRequest]) {
        for request in ended { relayed.deliver(request.key, .ended(request)) }
    }

    /// Waits until the relayed request `key` ends or is refused, or nil after `timeout`.
    public func waitForRelayed(_ key: String, timeout: Duration) async -> RelayedUpdate? {
        await relayed.wait(key, timeout: timeout)
    }

    /// Waits until the transfer is in a state `accepts` takes (checked against the current state
    /// first), or the processor refuses the caller's fact, or `timeout` passes (then nil).
    public func wait(for id: String, timeout: Duration, until accepts: @escaping @Sendable (OutboundTransfer) -> Bool) async -> Update? {
        let waiterId = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskGroup(of: Update?.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Update?, Never>) in
                    let current: OutboundTransfer? = self.state.withLock { state in
                        if let transfer = state.transfers[id], accepts(transfer) { return transfer }
                        state.waiters[id, default: []].append(Waiter(id: waiterId, accepts: accepts, continuation: continuation))
                        return nil
                    }
                    if let current { continuation.resume(returning: .state(current)) }
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
