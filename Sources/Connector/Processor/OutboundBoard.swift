import FSPIOP
import PaymentDomain
import Synchronization
import Processing

/// What the outbound API's synchronous callers wait on: the payer transfers and requests to pay as the
/// processor last folded them, and the one-shot answers of stand-alone lookups and relayed requests.
/// The processor publishes after its events are durable; waiters never see a state the log does not hold.
public final class OutboundBoard: Sendable {
    public typealias Update = WatchUpdate<OutboundTransfer>

    /// What a caller of a relayed request gets: the request as it ended, or why it was refused.
    public enum RelayedUpdate: Sendable {
        case ended(RelayedRequest)
        case refused(FSPIOPError)
    }

    private let transfers = WatchedStates<OutboundTransfer>()
    private let byHomeTransaction = Mutex<[String: String]>([:])
    /// Transfers paying a request to pay, by its `transactionRequestId`.
    private let byTransactionRequest = Mutex<[String: String]>([:])
    private let requestsToPay = WatchedStates<RequestToPay>()
    private let lookups = Mailbox<PartyLookupResult>()
    private let relayed = Mailbox<RelayedUpdate>()

    public init() {}

    /// The transfer as last folded, or nil when it is not known.
    public func transfer(_ id: String) -> OutboundTransfer? { transfers.value(id) }

    /// The transfer the core asked for under its own `homeTransactionId`, or nil.
    public func transfer(homeTransactionId: String) -> OutboundTransfer? {
        byHomeTransaction.withLock { $0[homeTransactionId] }.flatMap { transfers.value($0) }
    }

    /// The transfer paying the request to pay `transactionRequestId` (the latest, when the core tried again), or nil.
    public func transfer(transactionRequestId: String) -> OutboundTransfer? {
        byTransactionRequest.withLock { $0[transactionRequestId] }.flatMap { transfers.value($0) }
    }

    /// How many transfers the board holds.
    public var count: Int { transfers.count }

    /// Every transfer the board holds (those in memory: under way, or ended within the retention).
    public var allTransfers: [OutboundTransfer] { transfers.all }

    /// Publishes new states and the processor's refusals; wakes the callers waiting for them.
    func publish(_ changed: [OutboundTransfer], requestsToPay changedRequests: [RequestToPay] = [],
                 refusals: [(ref: AggregateRef, error: FSPIOPError)]) {
        byHomeTransaction.withLock { index in
            for transfer in changed { if let home = transfer.request?.homeTransactionId { index[home] = transfer.transferId } }
        }
        let batch = Dictionary(changed.map { ($0.transferId, $0) }) { _, last in last }
        byTransactionRequest.withLock { index in
            for transfer in changed {
                guard let id = transfer.paymentRequest?.transactionRequestId else { continue }
                // A transfer still paying the request stays indexed over one that ended (the order of a batch is
                // arbitrary; the indexed one's state is this batch's when it is in it).
                if let current = index[id], current != transfer.transferId, transfer.phase.isTerminal,
                   let existing = batch[current] ?? transfers.value(current), !existing.phase.isTerminal {
                    continue
                }
                index[id] = transfer.transferId
            }
        }
        func refused(_ kind: AggregateKind) -> [(id: String, error: FSPIOPError)] {
            refusals.filter { $0.ref.kind == kind }.map { ($0.ref.id, $0.error) }
        }
        transfers.publish(changed.map { ($0.transferId, $0) }, refusals: refused(.outbound))
        requestsToPay.publish(changedRequests.map { ($0.transactionRequestId, $0) }, refusals: refused(.requestToPay))
        for (key, error) in refused(.relayed) { relayed.deliver(key, .refused(error)) }
    }

    /// Forgets what the processor evicted.
    func forget(transfers ids: [String], requestsToPay requestIds: [String] = []) {
        let forgotten = transfers.forget(ids)
        byHomeTransaction.withLock { index in
            for transfer in forgotten { if let home = transfer.request?.homeTransactionId { index[home] = nil } }
        }
        byTransactionRequest.withLock { index in
            for transfer in forgotten {
                if let id = transfer.paymentRequest?.transactionRequestId, index[id] == transfer.transferId { index[id] = nil }
            }
        }
        requestsToPay.forget(requestIds)
    }

    /// Waits until the transfer is in a state `accepts` takes (checked against the current state
    /// first), or the processor refuses the caller's fact, or `timeout` passes (then nil).
    public func wait(for id: String, timeout: Duration, until accepts: @escaping @Sendable (OutboundTransfer) -> Bool) async -> Update? {
        await transfers.wait(for: id, timeout: timeout, until: accepts)
    }

    /// The request to pay as last folded, or nil when it is not known.
    public func requestToPay(_ id: String) -> RequestToPay? { requestsToPay.value(id) }

    /// Waits until the request to pay is in a state `accepts` takes, or is refused, or `timeout` passes (nil).
    public func waitForRequestToPay(_ id: String, timeout: Duration, until accepts: @escaping @Sendable (RequestToPay) -> Bool) async -> WatchUpdate<RequestToPay>? {
        await requestsToPay.wait(for: id, timeout: timeout, until: accepts)
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
}
