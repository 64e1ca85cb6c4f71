import FSPIOP

extension OutboundTransfer {
    /// How many times the payer asks the hub for a transfer's outcome (`GET /transfers/{id}`) after the
    /// fulfil did not arrive in time, before it reports a timeout.
    public static let statusQueries = 3

    /// The events a fact causes, given the state; or the reason it is refused. Facts that arrive too late
    /// or twice (a callback for a wait that is over) cause no events: the transfer's outcome is decided once.
    public func decide(_ fact: OutboundTransferFact, _ context: DecisionContext) throws(OutboundTransferRejection) -> [OutboundTransferEvent] {
        let configuration = context.configuration
        let timeout = Int64(configuration.requestTimeoutSeconds) * 1000
        switch fact {
        case let .requested(request, partyOverride, quoteOverride):
            guard phase == .new, self.request == nil else { throw .duplicateRequest }
            if let problem = request.expiryProblem { throw .invalidRequest(problem) }
            let autoParty = partyOverride ?? configuration.autoAcceptParty
            let autoQuote = quoteOverride ?? configuration.autoAcceptQuotes
            var events: [OutboundTransferEvent] = [.requested(request, autoAcceptParty: autoParty, autoAcceptQuote: autoQuote)]
            if request.skipPartyLookup == true {
                guard let fspId = request.to.fspId, !fspId.isEmpty else {
                    throw .invalidRequest("skipPartyLookup needs to.fspId")
                }
                // The caller vouches for the payee: it is resolved and accepted as given.
                let party = Party(partyIdInfo: request.to.partyIdInfo, name: request.to.displayName)
                var resolved = self
                resolved.request = request
                resolved.party = party
                events += [.partyResolved(party), .partyAccepted]
                events.append(resolved.quoteRequest(for: request, context))
            } else {
                events.append(.partyLookupStarted(request.to.partyIdInfo, deadline: context.now.adding(milliseconds: timeout)))
            }
            return events

        case let .paymentRequested(payment):
            guard phase == .new, request == nil else { throw .duplicateRequest }
            guard let fspId = payment.to.fspId, !fspId.isEmpty else {
                throw .invalidRequest("to.fspId is required: it names the DFSP that asked to be paid")
            }
            if let problem = payment.transferRequest.expiryProblem { throw .invalidRequest(problem) }
            if let type = payment.authenticationType, type != AuthenticationType.otp.rawValue {
                throw .invalidRequest("authenticationType \(type) is not supported (only OTP)")
            }
            // The party that asked to be paid is known: it is resolved and accepted as given, and quoted at once.
            var started = evolve(.paymentRequested(payment, autoAcceptQuote: payment.autoAcceptsQuote(configuration)))
            let party = Party(partyIdInfo: payment.to.partyIdInfo, name: payment.to.displayName)
            started.party = party
            return [.paymentRequested(payment, autoAcceptQuote: started.autoAcceptQuote), .partyResolved(party), .partyAccepted,
                    started.quoteRequest(for: payment.transferRequest, context)]

        case let .partyResolved(party):
            guard phase == .lookingUpParty, let request else { return [] }
            let info = party.partyIdInfo
            guard info.partyIdType == request.to.idType, info.partyIdentifier == request.to.idValue,
                  (info.partySubIdOrType ?? "") == (request.to.idSubValue ?? ""), let fspId = info.fspId, !fspId.isEmpty else {
                return [.failed(TransferError(FSPIOPError(.partyNotFound, "the party returned does not match the party requested, or has no fspId"), httpStatusCode: 500))]
            }
            guard autoAcceptParty else { return [.partyResolved(party)] }
            var resolved = self
            resolved.party = party
            return [.partyResolved(party), .partyAccepted, resolved.quoteRequest(for: request, context)]

        case let .partyLookupFailed(error):
            guard phase == .lookingUpParty else { return [] }
            return [.failed(TransferError(httpStatusCode: 500, mojaloopError: error))]

        case let .partyDecision(accepted):
            guard phase == .waitingForPartyAcceptance, let request else { throw .notWaitingForDecision(phase) }
            guard accepted else { return [.aborted(reason: "Payee rejected by backend")] }
            return [.partyAccepted, quoteRequest(for: request, context)]

        case let .quoteReceived(response, source):
            guard phase == .requestingQuote else { return [] }
            if configuration.rejectExpiredQuoteResponses, let expiry = Timestamp(dateTime: response.expiration), expiry <= context.now {
                return [.failed(TransferError(FSPIOPError(.quoteExpired, "the quote expired at \(response.expiration)"), httpStatusCode: 504))]
            }
            if let quoteRequest, response.transferAmount.currency != quoteRequest.amount.currency {
                return [.failed(TransferError(FSPIOPError(.validationError, "the quote is in \(response.transferAmount.currency), the request in \(quoteRequest.amount.currency)"), httpStatusCode: 500))]
            }
            guard autoAcceptQuote else { return [.quoteReceived(response, source: source)] }
            let quoted = evolve(.quoteReceived(response, source: source))
            return [.quoteReceived(response, source: source), .quoteAccepted] + quoted.afterQuote(response, context)

        case let .quoteFailed(error):
            guard phase == .requestingQuote else { return [] }
            return [.failed(TransferError(httpStatusCode: 500, mojaloopError: error))]

        case let .quoteDecision(accepted):
            guard phase == .waitingForQuoteAcceptance, let quoteResponse else { throw .notWaitingForDecision(phase) }
            guard accepted else {
                return [paymentRequest == nil ? .aborted(reason: "Quote rejected by backend") : .paymentRequestRejected(reason: "Quote rejected by backend")]
            }
            return [.quoteAccepted] + afterQuote(quoteResponse, context)

        case let .authorizationReceived(response):
            guard phase == .requestingAuthorization, let quoteResponse else { return [] }
            switch response.responseType {
            case AuthorizationResponse.rejected.rawValue:
                return [.authorizationReceived(response), .paymentRequestRejected(reason: "The payer rejected the authorization")]
            case AuthorizationResponse.entered.rawValue where configuration.autoAcceptR2PDeviceOTP:
                return [.authorizationReceived(response), .authorizationAccepted, prepareSent(for: quoteResponse, context)]
            default:
                // The core checks the OTP (or decides what a RESEND means) and answers acceptOTP.
                return [.authorizationReceived(response)]
            }

        case let .authorizationFailed(error):
            guard phase == .requestingAuthorization else { return [] }
            return [.failed(TransferError(httpStatusCode: 500, mojaloopError: error))]

        case let .authorizationDecision(accepted):
            guard phase == .waitingForAuthorizationAcceptance, let quoteResponse else { throw .notWaitingForDecision(phase) }
            guard accepted else { return [.paymentRequestRejected(reason: "OTP rejected by backend")] }
            return [.authorizationAccepted, prepareSent(for: quoteResponse, context)]

        case let .fulfilReceived(fulfil):
            guard phase == .transferring else { return [] }
            switch fulfil.transferState {
            case "COMMITTED", "RESERVED":
                if configuration.checkILP {
                    guard let fulfilment = fulfil.fulfilment, let condition = prepare?.condition, ILP.fulfils(fulfilment, condition: condition) else {
                        return [.failed(TransferError(FSPIOPError(.validationError, "the fulfilment does not match the transfer's condition"), httpStatusCode: 500))]
                    }
                }
                return [.fulfilled(fulfil)]
            case "ABORTED":
                return [.aborted(reason: "Transfer aborted by the hub or the payee")]
            default:
                // RECEIVED: the hub has the prepare but no outcome yet; keep waiting.
                return []
            }

        case let .transferFailed(error):
            guard phase == .transferring else { return [] }
            return [.failed(TransferError(httpStatusCode: 500, mojaloopError: error))]

        case let .hubRequestFailed(error):
            switch phase {
            case .lookingUpParty, .requestingQuote, .requestingAuthorization:
                return [.failed(TransferError(error, httpStatusCode: 500))]
            case .transferring:
                // The prepare may have reached the hub: ask for the outcome rather than guess.
                return [.statusRequested(attempt: statusAttempts + 1, deadline: context.now.adding(milliseconds: timeout))]
            default:
                return []
            }

        case let .deadlinePassed(time):
            guard let deadline, time >= deadline else { return [] }
            switch phase {
            case .lookingUpParty:
                return [.failed(TransferError(FSPIOPError(.serverTimedOut, "no answer to GET /parties in time"), httpStatusCode: 504))]
            case .requestingQuote:
                return [.failed(TransferError(FSPIOPError(.serverTimedOut, "no answer to POST /quotes in time"), httpStatusCode: 504))]
            case .requestingAuthorization:
                return [.failed(TransferError(FSPIOPError(.serverTimedOut, "no answer to GET /authorizations in time"), httpStatusCode: 504))]
            case .transferring:
                // The hub decides a prepared transfer's fate; ask it before reporting anything.
                guard statusAttempts < Self.statusQueries else {
                    return [.failed(TransferError(FSPIOPError(.serverTimedOut, "no fulfil and no answer to GET /transfers in time"), httpStatusCode: 504))]
                }
                return [.statusRequested(attempt: statusAttempts + 1, deadline: context.now.adding(milliseconds: timeout))]
            default:
                return []
            }
        }
    }

    /// What follows an accepted quote: the customer's OTP when paying a request to pay that asks for one,
    /// else the prepare.
    func afterQuote(_ quote: QuotesIDPutResponse, _ context: DecisionContext) -> [OutboundTransferEvent] {
        if let paymentRequest, paymentRequest.asksForOTP {
            let timeout = Int64(context.configuration.requestTimeoutSeconds) * 1000
            return [.authorizationRequested(paymentRequest.authorizationQuery, deadline: context.now.adding(milliseconds: timeout))]
        }
        return [prepareSent(for: quote, context)]
    }

    /// How many `GET /transfers/{id}` this transfer has sent.
    public var statusAttempts: Int { statusQueryCount }

    /// The quote request for the resolved payee (the SDK's `_buildQuoteRequest`).
    func quoteRequest(for request: OutboundTransferRequest, _ context: DecisionContext) -> OutboundTransferEvent {
        let configuration = context.configuration
        let from = request.from
        let payer = from.payer(fspId: configuration.dfspId)
        var payeeInfo = party?.partyIdInfo ?? request.to.partyIdInfo
        payeeInfo.extensionList = nil
        let expirySeconds = Int64(request.quoteExpirySeconds ?? configuration.expirySeconds)
        // Paying a request to pay, the quote names it and its initiator (the SDK's R2P transfer model).
        let transactionType = paymentRequest.map {
            TransactionType(scenario: $0.scenario, subScenario: $0.subScenario, initiator: $0.initiator, initiatorType: $0.initiatorType)
        } ?? TransactionType(scenario: request.transactionType, subScenario: request.subScenario, initiator: "PAYER", initiatorType: from.type ?? "CONSUMER")
        let quote = QuotesPostRequest(
            quoteId: context.newID(), transactionId: transferId, transactionRequestId: paymentRequest?.transactionRequestId,
            payee: Party(partyIdInfo: payeeInfo), payer: payer,
            amountType: request.amountType, amount: Money(currency: request.currency, amount: request.amount),
            transactionType: transactionType,
            note: request.note, expiration: context.now.adding(seconds: expirySeconds).dateTime,
            extensionList: request.quoteRequestExtensions.flatMap { $0.isEmpty ? nil : ExtensionList($0) })
        return .quoteRequested(quote, deadline: context.now.adding(seconds: Int64(configuration.requestTimeoutSeconds)))
    }

    /// The prepare for the accepted quote (the SDK's `_buildTransferPrepare`). Its deadline is the
    /// prepare's expiration plus the request timeout: until then the hub may still answer.
    func prepareSent(for quote: QuotesIDPutResponse, _ context: DecisionContext) -> OutboundTransferEvent {
        let configuration = context.configuration
        let expirySeconds = Int64(request?.prepareExpirySeconds ?? configuration.expirySeconds)
        let expiration = context.now.adding(seconds: expirySeconds)
        let payeeFsp = party?.partyIdInfo.fspId ?? request?.to.fspId ?? quoteResponseSource ?? ""
        let prepare = TransfersPostRequest(
            transferId: transferId, payeeFsp: payeeFsp, payerFsp: configuration.dfspId, amount: quote.transferAmount,
            ilpPacket: quote.ilpPacket, condition: quote.condition, expiration: expiration.dateTime,
            extensionList: request?.transferRequestExtensions.flatMap { $0.isEmpty ? nil : ExtensionList($0) })
        return .prepareSent(prepare, deadline: expiration.adding(seconds: Int64(configuration.requestTimeoutSeconds)))
    }
}
