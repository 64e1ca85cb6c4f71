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
        var lookupWaiters: [String: CheckedContinuation<PartyLookupResult?, Never>] = [:]
        var lookupResults: [String: PartyLookupResult] = [:]
    }

    private let state = Mutex(State())

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
    func publish(lookups: [(requestId: String, result: PartyLookupResult)]) {
        guard !lookups.isEmpty else { return }
        var wake: [(CheckedContinuation<PartyLookupResult?, Never>, PartyLookupResult)] = []
        state.withLock { state in
            for (id, result) in lookups {
                if let waiter = state.lookupWaiters.removeValue(forKey: id) { wake.append((waiter, result)) }
                else { state.lookupResults[id] = result }
            }
        }
        for (continuation, result) in wake { continuation.resume(returning: result) }
    }

    /// Waits for the answer to the stand-alone lookup `requestId`, or nil after `timeout`.
    public func waitForLookup(_ requestId: String, timeout: Duration) async -> PartyLookupResult? {
        await withTaskGroup(of: PartyLookupResult?.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<PartyLookupResult?, Never>) in
                    let ready = self.state.withLock { state -> PartyLookupResult? in
                        if let result = state.lookupResults.removeValue(forKey: requestId) { return result }
                        state.lookupWaiters[requestId] = continuation
                        return nil
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                let waiter = self.state.withLock { $0.lookupWaiters.removeValue(forKey: requestId) }
                waiter?.resume(returning: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            let waiter = self.state.withLock { $0.lookupWaiters.removeValue(forKey: requestId) }
            waiter?.resume(returning: nil)
            return first
        }
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
