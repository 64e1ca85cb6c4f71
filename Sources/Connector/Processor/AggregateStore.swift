import FSPIOP
import PaymentDomain

/// The processor's state, derived only from `pm.transfers`: every aggregate, folded; the correlation
/// index that finds an aggregate from a callback that does not name it; the facts already decided; the
/// deadlines of the waiting aggregates. Replaying the topic rebuilds it exactly (DESIGN.md, "Correlation").
struct AggregateStore {
    var outbound: [String: OutboundTransfer] = [:]
    var inbound: [String: InboundTransfer] = [:]
    var lookups: [String: PartyLookup] = [:]
    /// `quoteId` of a payer's quote request -> its transfer id (`PUT /quotes/{id}` names only the quote).
    var outboundByQuote: [String: String] = [:]
    /// A payee's `transferId` -> its transaction id (`PATCH` and `PUT /transfers/{id}` name the transfer).
    var inboundByTransfer: [String: String] = [:]
    /// Facts that caused events: a fact read again after a crash (its offset was not committed) is skipped.
    var decidedFacts: Set<String> = []
    /// When each waiting aggregate's wait ends.
    var deadlines: [AggregateRef: Timestamp] = [:]

    /// Folds one event in, keeping the index and the deadlines in step.
    mutating func apply(_ event: DomainEvent, causation: String?) {
        if let causation { decidedFacts.insert(causation) }
        switch event {
        case let .outbound(id, event):
            let next = (outbound[id] ?? OutboundTransfer(transferId: id)).evolve(event)
            outbound[id] = next
            if case let .quoteRequested(request, _) = event { outboundByQuote[request.quoteId] = id }
            deadlines[event.ref(id)] = next.phase.isTerminal ? nil : next.deadline
        case let .inbound(id, event):
            let next = (inbound[id] ?? InboundTransfer(transactionId: id)).evolve(event)
            inbound[id] = next
            switch event {
            case let .prepareAccepted(prepare), let .prepareRejected(prepare, _):
                inboundByTransfer[prepare.transferId] = id
            default: break
            }
            deadlines[AggregateRef(.inbound, id)] = next.phase.isTerminal ? nil : next.deadline
        case let .party(key, event):
            let next = (lookups[key] ?? PartyLookup(key: key)).evolve(event)
            lookups[key] = next
            deadlines[AggregateRef(.party, key)] = next.deadline
        }
    }

    /// The payee transaction a `POST /transfers` belongs to: the one already known for its transfer id,
    /// else the `transactionId` of the transaction in its ILP packet (the SDK's rule).
    func inboundTransaction(for prepare: TransfersPostRequest) -> String? {
        if let known = inboundByTransfer[prepare.transferId] { return known }
        if inbound[prepare.transferId] != nil { return prepare.transferId }
        guard let packet = try? ILPPacket(base64URL: prepare.ilpPacket), let transaction = packet.transaction,
              let id = transaction["transactionId"]?.stringValue else { return nil }
        return id
    }
}

private extension OutboundTransferEvent {
    func ref(_ id: String) -> AggregateRef { AggregateRef(.outbound, id) }
}
