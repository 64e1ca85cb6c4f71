import FSPIOP
import PaymentDomain

/// The processor's state, derived only from `pm.transfers`: every aggregate, folded; the correlation
/// index that finds an aggregate from a callback that does not name it; the facts already decided; the
/// deadlines of the waiting aggregates. Replaying the topic rebuilds it exactly (DESIGN.md, "Correlation").
package struct AggregateStore {
    package var outbound: [String: OutboundTransfer] = [:]
    package var inbound: [String: InboundTransfer] = [:]
    package var lookups: [String: PartyLookup] = [:]
    package var relayed: [String: RelayedRequest] = [:]
    package var requestsToPay: [String: RequestToPay] = [:]
    package var transactionRequests: [String: IncomingTransactionRequest] = [:]
    package var bulkQuotes: [String: InboundBulkQuote] = [:]
    package var bulkTransfers: [String: InboundBulkTransfer] = [:]
    /// `quoteId` of a payer's quote request -> its transfer id (`PUT /quotes/{id}` names only the quote).
    package var outboundByQuote: [String: String] = [:]
    /// `transactionRequestId` of a request to pay this payer pays -> the transfer paying it (`PUT /authorizations/{ID}`
    /// names only the transaction request).
    package var outboundByTransactionRequest: [String: String] = [:]
    /// A payee's `quoteId` -> its transaction id (`GET /quotes/{id}` names only the quote).
    package var inboundByQuote: [String: String] = [:]
    /// A payee's `transferId` -> its transaction id (`PATCH` and `PUT /transfers/{id}` name the transfer).
    package var inboundByTransfer: [String: String] = [:]
    /// Facts that caused events: a fact read again after a crash (its offset was not committed) is skipped.
    /// Only recent facts can be read again, so the set keeps the last ``decidedFactsKept``.
    package private(set) var decidedFacts: Set<String> = []
    private var decidedOrder: [String] = []
    private var decidedStart = 0
    package static let decidedFactsKept = 50_000
    /// Whether ``apply(_:causation:at:)`` notes the aggregates that end (for the processor's metrics; off while folding
    /// the log at a restart, and for stores that only follow the processor).
    package var tracksEnded = false
    /// The aggregates that ended since ``drainEnded()``, with the time of their first event and of their end.
    private var ended: [(ref: AggregateRef, started: Timestamp?, at: Timestamp)] = []

    package init() {}
    /// When each waiting aggregate's wait ends.
    package var deadlines: [AggregateRef: Timestamp] = [:]
    /// When each aggregate in memory had its first event: recovery need not fold the log from before the
    /// oldest of them (``oldestInMemory``).
    private var firstEvents: [AggregateRef: Timestamp] = [:]
    /// Aggregates that ended, oldest first, with when they ended: evicted from memory after a while.
    private var finished: [(ref: AggregateRef, at: Timestamp)] = []
    private var finishedStart = 0

    /// Remembers that a fact was decided, forgetting the oldest beyond the bound.
    package mutating func decided(_ fact: String) {
        guard decidedFacts.insert(fact).inserted else { return }
        decidedOrder.append(fact)
        if decidedOrder.count - decidedStart > Self.decidedFactsKept {
            decidedFacts.remove(decidedOrder[decidedStart])
            decidedStart += 1
            if decidedStart > Self.decidedFactsKept {
                decidedOrder.removeFirst(decidedStart)
                decidedStart = 0
            }
        }
    }

    /// Forgets the aggregates that ended before `cutoff` (their history stays on the log), with their index
    /// entries and deadlines; returns them. A late duplicate for one of them is then treated as unknown.
    package mutating func evict(endedBefore cutoff: Timestamp) -> [AggregateRef] {
        var evicted: [AggregateRef] = []
        while finishedStart < finished.count, finished[finishedStart].at < cutoff {
            let ref = finished[finishedStart].ref
            finishedStart += 1
            guard isFinished(ref) else { continue }
            remove(ref)
            evicted.append(ref)
        }
        if finishedStart > 4096, finishedStart * 2 > finished.count {
            finished.removeFirst(finishedStart)
            finishedStart = 0
        }
        return evicted
    }

    /// Forgets an aggregate with its index entries and deadline.
    package mutating func remove(_ ref: AggregateRef) {
        switch ref.kind {
        case .outbound:
            guard let transfer = outbound.removeValue(forKey: ref.id) else { break }
            if let quoteId = transfer.quoteId { outboundByQuote[quoteId] = nil }
            if let requestId = transfer.paymentRequest?.transactionRequestId, outboundByTransactionRequest[requestId] == ref.id {
                outboundByTransactionRequest[requestId] = nil
            }
        case .inbound:
            guard let transfer = inbound.removeValue(forKey: ref.id) else { break }
            if let transferId = transfer.prepare?.transferId { inboundByTransfer[transferId] = nil }
            if let quoteId = transfer.quoteRequest?.quoteId { inboundByQuote[quoteId] = nil }
        case .party: lookups[ref.id] = nil
        case .relayed: relayed[ref.id] = nil
        case .requestToPay: requestsToPay[ref.id] = nil
        case .transactionRequest: transactionRequests[ref.id] = nil
        case .bulkQuote: bulkQuotes[ref.id] = nil
        case .bulkTransfer: bulkTransfers[ref.id] = nil
        }
        deadlines[ref] = nil
        firstEvents[ref] = nil
    }

    /// Folds one event in, keeping the index and the deadlines in step; `at` is when it happened.
    package mutating func apply(_ event: DomainEvent, causation: String?, at time: Timestamp) {
        if let causation { decided(causation) }
        let ref = event.ref
        if firstEvents[ref] == nil { firstEvents[ref] = time }
        let wasFinished = isFinished(ref)
        apply(event)
        if !wasFinished, isFinished(ref) {
            finished.append((ref, time))
            if tracksEnded { ended.append((ref, firstEvents[ref], time)) }
        }
    }

    /// The aggregates that ended since the last call, with the time of their first event and of their end.
    package mutating func drainEnded() -> [(ref: AggregateRef, started: Timestamp?, at: Timestamp)] {
        defer { ended = [] }
        return ended
    }

    /// The time of the first event of the oldest aggregate in memory; nil when there is none. Every event
    /// of every aggregate in memory happened at or after it; an aggregate evicted earlier is over.
    package var oldestInMemory: Timestamp? { firstEvents.values.min() }

    /// The time of the first event of an aggregate in memory.
    package func firstEvent(of ref: AggregateRef) -> Timestamp? { firstEvents[ref] }

    package func isFinished(_ ref: AggregateRef) -> Bool {
        switch ref.kind {
        case .outbound: return outbound[ref.id]?.phase.isTerminal ?? false
        case .inbound: return inbound[ref.id]?.phase.isTerminal ?? false
        case .party: return lookups[ref.id].map { !$0.inFlight } ?? false
        case .relayed: return relayed[ref.id]?.phase.isTerminal ?? false
        case .requestToPay: return requestsToPay[ref.id]?.phase.isTerminal ?? false
        case .transactionRequest: return transactionRequests[ref.id]?.phase.isTerminal ?? false
        case .bulkQuote: return bulkQuotes[ref.id]?.phase.isTerminal ?? false
        case .bulkTransfer: return bulkTransfers[ref.id]?.phase.isTerminal ?? false
        }
    }

    private mutating func apply(_ event: DomainEvent) {
        switch event {
        case let .outbound(id, event):
            let next = (outbound[id] ?? OutboundTransfer(transferId: id)).evolve(event)
            outbound[id] = next
            switch event {
            case let .quoteRequested(request, _): outboundByQuote[request.quoteId] = id
            case let .paymentRequested(payment, _):
                // The latest transfer paying the request (a replay may fold an older one after it).
                let requestId = payment.transactionRequestId
                if let current = outboundByTransactionRequest[requestId], current != id,
                   let currentStart = firstEvents[AggregateRef(.outbound, current)], let start = firstEvents[AggregateRef(.outbound, id)],
                   currentStart > start {
                    break
                }
                outboundByTransactionRequest[requestId] = id
            default: break
            }
            deadlines[event.ref(id)] = next.phase.isTerminal ? nil : next.deadline
        case let .inbound(id, event):
            let next = (inbound[id] ?? InboundTransfer(transactionId: id)).evolve(event)
            inbound[id] = next
            switch event {
            case let .quoteRequestReceived(request, _):
                inboundByQuote[request.quoteId] = id
            case let .prepareAccepted(prepare), let .prepareRejected(prepare, _):
                inboundByTransfer[prepare.transferId] = id
            default: break
            }
            deadlines[AggregateRef(.inbound, id)] = next.phase.isTerminal ? nil : next.deadline
        case let .party(key, event):
            let next = (lookups[key] ?? PartyLookup(key: key)).evolve(event)
            lookups[key] = next
            deadlines[AggregateRef(.party, key)] = next.deadline
        case let .relayed(key, event):
            let next = (relayed[key] ?? RelayedRequest(key: key)).evolve(event)
            relayed[key] = next
            deadlines[AggregateRef(.relayed, key)] = next.deadline
        case let .requestToPay(id, event):
            let next = (requestsToPay[id] ?? RequestToPay(transactionRequestId: id)).evolve(event)
            requestsToPay[id] = next
            deadlines[AggregateRef(.requestToPay, id)] = next.deadline
        case let .transactionRequest(id, event):
            transactionRequests[id] = (transactionRequests[id] ?? IncomingTransactionRequest(id: id)).evolve(event)
        case let .bulkQuote(id, event):
            bulkQuotes[id] = (bulkQuotes[id] ?? InboundBulkQuote(id: id)).evolve(event)
        case let .bulkTransfer(id, event):
            bulkTransfers[id] = (bulkTransfers[id] ?? InboundBulkTransfer(id: id)).evolve(event)
        }
    }

    /// The payee transaction a `POST /transfers` belongs to: the one already known for its transfer id,
    /// else the `transactionId` of the transaction in its ILP packet (the SDK's rule).
    package func inboundTransaction(for prepare: TransfersPostRequest) -> String? {
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
