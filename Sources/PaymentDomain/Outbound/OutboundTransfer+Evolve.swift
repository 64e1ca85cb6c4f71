import FSPIOP

extension OutboundTransfer {
    /// The state after one more event. Total: every event applies to any state (the decider guarantees
    /// the order), so replaying a history never fails.
    public func evolve(_ event: OutboundTransferEvent) -> OutboundTransfer {
        var next = self
        next.version += 1
        switch event {
        case let .requested(request, autoAcceptParty, autoAcceptQuote):
            next.request = request
            next.autoAcceptParty = autoAcceptParty
            next.autoAcceptQuote = autoAcceptQuote
        case let .paymentRequested(payment, autoAcceptQuote):
            next.request = payment.transferRequest
            next.paymentRequest = payment
            next.autoAcceptParty = true
            next.autoAcceptQuote = autoAcceptQuote
        case let .authorizationRequested(_, deadline):
            next.phase = .requestingAuthorization
            next.deadline = deadline
        case let .authorizationReceived(response):
            next.authorizationResponse = response
            next.phase = .waitingForAuthorizationAcceptance
            next.deadline = nil
        case .authorizationAccepted:
            break
        case let .paymentRequestRejected(reason):
            next.abortReason = reason
            next.rejectedPaymentRequest = true
            next.phase = .aborted
            next.deadline = nil
        case let .partyLookupStarted(_, deadline):
            next.phase = .lookingUpParty
            next.deadline = deadline
        case let .partyResolved(party):
            next.party = party
            next.phase = .waitingForPartyAcceptance
            next.deadline = nil
        case .partyAccepted:
            break
        case let .quoteRequested(quote, deadline):
            next.quoteId = quote.quoteId
            next.quoteRequest = quote
            next.phase = .requestingQuote
            next.deadline = deadline
        case let .quoteReceived(response, source):
            next.quoteResponse = response
            next.quoteResponseSource = source
            next.phase = .waitingForQuoteAcceptance
            next.deadline = nil
        case .quoteAccepted:
            break
        case let .prepareSent(prepare, deadline):
            next.prepare = prepare
            next.phase = .transferring
            next.deadline = deadline
        case let .statusRequested(attempt, deadline):
            next.statusQueryCount = attempt
            next.deadline = deadline
        case let .fulfilled(fulfil):
            next.fulfil = fulfil
            next.phase = .completed
            next.deadline = nil
        case let .aborted(reason):
            next.abortReason = reason
            next.phase = .aborted
            next.deadline = nil
        case let .failed(error):
            next.lastError = error
            next.phase = .errored
            next.deadline = nil
        }
        return next
    }

    /// The state a history folds into.
    public static func replay(_ transferId: String, _ events: [OutboundTransferEvent]) -> OutboundTransfer {
        events.reduce(OutboundTransfer(transferId: transferId)) { $0.evolve($1) }
    }
}
