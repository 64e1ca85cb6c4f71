import FSPIOP

/// What the payee's decisions need from outside: the time and the configuration (with the ILP secret).
public struct InboundContext: Sendable {
    public var now: Timestamp
    public var configuration: InboundConfiguration

    public init(now: Timestamp, configuration: InboundConfiguration) {
        self.now = now
        self.configuration = configuration
    }
}

extension InboundTransfer {
    /// The events a fact causes, or why it is refused. A resent request (same body) is answered again
    /// with the answer already given (API Definition v1.1 §3.2.5, duplicate handling); one still in
    /// progress is ignored; a different body under the same id is refused with 3106.
    public func decide(_ fact: InboundTransferFact, _ context: InboundContext) throws(InboundTransferRejection) -> [InboundTransferEvent] {
        let configuration = context.configuration
        switch fact {
        case let .quoteRequested(request, source):
            if phase == .new { return [.quoteRequestReceived(request, source: source)] }
            guard request == quoteRequest else { throw .conflictingQuoteRequest }
            if phase == .quoted, let quoteResponse { return [.quoteSent(quoteResponse)] }
            return []

        case let .quoteAnswered(answer):
            guard phase == .quoteRequested, let request = quoteRequest else { return [] }
            guard answer.transferAmountCurrency == request.amount.currency else {
                return [.quoteRejected(FSPIOPError(.payeeUnsupportedCurrency, "the core quoted in \(answer.transferAmountCurrency) for a request in \(request.amount.currency)").errorInformation)]
            }
            let expiration = answer.expiration ?? context.now.adding(seconds: Int64(configuration.expirySeconds)).dateTime
            func money(_ amount: String?, _ currency: String?) -> Money? {
                guard let amount, let currency else { return nil }
                return Money(currency: currency, amount: amount)
            }
            var response = QuotesIDPutResponse(
                transferAmount: Money(currency: answer.transferAmountCurrency, amount: answer.transferAmount),
                payeeReceiveAmount: money(answer.payeeReceiveAmount, answer.payeeReceiveAmountCurrency),
                payeeFspFee: money(answer.payeeFspFeeAmount, answer.payeeFspFeeAmountCurrency),
                payeeFspCommission: money(answer.payeeFspCommissionAmount, answer.payeeFspCommissionAmountCurrency),
                expiration: expiration, geoCode: answer.geoCode, ilpPacket: "", condition: "",
                extensionList: answer.extensionList.flatMap { $0.isEmpty ? nil : ExtensionList($0) })
            do {
                let made = try ILP.quotePacket(version: configuration.ilpVersion, secret: configuration.ilpSecret,
                                               quoteRequest: try JSONValueEncoder.encode(request),
                                               quoteResponse: try JSONValueEncoder.encode(response))
                response.ilpPacket = made.ilpPacket
                response.condition = made.condition
            } catch let error as ILPError {
                return [.quoteRejected(error.fspiopError.errorInformation)]
            } catch {
                return [.quoteRejected(FSPIOPError(.internalServerError, "cannot build the ILP packet").errorInformation)]
            }
            return [.quoteSent(response)]

        case let .quoteRefused(error):
            guard phase == .quoteRequested else { return [] }
            return [.quoteRejected(error.errorInformation)]

        case let .prepareReceived(prepare, _):
            switch phase {
            case .new, .quoteRequested:
                throw .unknownTransaction
            case .quoted:
                guard let quote = quoteResponse else { throw .unknownTransaction }
                if configuration.checkILP, prepare.condition != quote.condition {
                    return [.prepareRejected(prepare, FSPIOPError(.modifiedRequest, "the condition is not the one of the quote").errorInformation)]
                }
                if prepare.amount != quote.transferAmount {
                    return [.prepareRejected(prepare, FSPIOPError(.modifiedRequest, "the amount is not the quote's transfer amount").errorInformation)]
                }
                if prepare.payeeFsp != configuration.dfspId {
                    return [.prepareRejected(prepare, FSPIOPError(.payeeFspIdNotFound, "the transfer is for \(prepare.payeeFsp), not \(configuration.dfspId)").errorInformation)]
                }
                guard let expiry = Timestamp(dateTime: prepare.expiration), expiry > context.now else {
                    return [.prepareRejected(prepare, FSPIOPError(.transferExpired, "the transfer expired at \(prepare.expiration)").errorInformation)]
                }
                if configuration.rejectTransfersOnExpiredQuotes, let quoteExpiry = Timestamp(dateTime: quote.expiration), quoteExpiry <= context.now {
                    return [.prepareRejected(prepare, FSPIOPError(.quoteExpired, "the quote expired at \(quote.expiration)").errorInformation)]
                }
                return [.prepareAccepted(prepare)]
            case .prepared:
                guard prepare == self.prepare else {
                    return [.prepareRejected(prepare, FSPIOPError(.modifiedRequest, "a different prepare for this transfer is in progress").errorInformation)]
                }
                return []
            case .reserved, .committed:
                guard prepare == self.prepare, let fulfil else {
                    return [.prepareRejected(prepare, FSPIOPError(.modifiedRequest, "a different prepare for this transfer was fulfilled").errorInformation)]
                }
                return [.fulfilSent(fulfil, homeTransactionId: homeTransactionId, deadline: deadline)]
            case .aborted:
                // The answer was an error callback; a resend gets the same error again.
                if let error { return [.prepareRejected(prepare, error)] }
                return []
            }

        case let .transferAnswered(answer):
            guard phase == .prepared, let prepare else { return [] }
            let state = answer.transferState ?? (configuration.reserveNotification ? "RESERVED" : "COMMITTED")
            switch state {
            case "RESERVED", "COMMITTED":
                let fulfilment: String
                do {
                    fulfilment = Base64.urlEncoded(try ILP.fulfilment(secret: configuration.ilpSecret, packet: prepare.ilpPacket))
                } catch {
                    return [.transferRejected(error.fspiopError.errorInformation)]
                }
                // The secret may have changed since the quote: then this payee cannot fulfil it.
                guard ILP.fulfils(fulfilment, condition: prepare.condition) else {
                    return [.transferRejected(FSPIOPError(.internalServerError, "the fulfilment does not match the condition (was ILP_SECRET changed?)").errorInformation)]
                }
                let fulfil = TransfersIDPutResponse(fulfilment: fulfilment, completedTimestamp: answer.completedTimestamp ?? context.now.dateTime,
                                                    transferState: state)
                // A RESERVED transfer waits for the hub's PATCH until the prepare expires, plus a grace.
                let deadline = state == "RESERVED"
                    ? (Timestamp(dateTime: prepare.expiration) ?? context.now).adding(milliseconds: configuration.patchGraceMilliseconds) : nil
                return [.fulfilSent(fulfil, homeTransactionId: answer.homeTransactionId, deadline: deadline)]
            default:
                return [.transferRejected(FSPIOPError(.payeeRejectedTxn, "the core answered \(state)").errorInformation)]
            }

        case let .transferRefused(error):
            guard phase == .prepared else { return [] }
            return [.transferRejected(error.errorInformation)]

        case let .notified(notification):
            switch phase {
            case .reserved:
                return [.outcomeNotified(notification)]
            case .committed where fulfil?.transferState == "COMMITTED" && notification.transferState == "ABORTED":
                // The core credited when it answered COMMITTED, but the hub refused that fulfil (too late, or
                // not accepted): the core is told the transfer is aborted, so that it reverses the credit.
                return [.outcomeNotified(notification)]
            default:
                return []
            }

        case let .statusReceived(status):
            guard phase == .reserved, status.transferState == "COMMITTED" || status.transferState == "ABORTED" else { return [] }
            return [.outcomeNotified(TransfersIDPatchResponse(completedTimestamp: status.completedTimestamp ?? context.now.dateTime,
                                                              transferState: status.transferState))]

        case let .deadlinePassed(time):
            guard phase == .reserved, let deadline, time >= deadline else { return [] }
            // The hub decides a reserved transfer's fate; ask it, at growing intervals, until it answers.
            let interval = min(configuration.patchGraceMilliseconds << min(statusQueryCount, 10), 300_000)
            return [.statusRequested(attempt: statusQueryCount + 1, deadline: time.adding(milliseconds: interval))]
        }
    }

    /// The state after one more event.
    public func evolve(_ event: InboundTransferEvent) -> InboundTransfer {
        var next = self
        next.version += 1
        switch event {
        case let .quoteRequestReceived(request, source):
            next.quoteRequest = request
            next.payerFsp = source
            next.phase = .quoteRequested
        case let .quoteSent(response):
            next.quoteResponse = response
            next.phase = .quoted
        case let .quoteRejected(error):
            next.error = error
            next.phase = .aborted
        case let .prepareAccepted(prepare):
            var prepare = prepare
            // The packet and condition are the quote's (the decision checked it): keep one copy of each in memory.
            if let quote = next.quoteResponse {
                if prepare.ilpPacket == quote.ilpPacket { prepare.ilpPacket = quote.ilpPacket }
                if prepare.condition == quote.condition { prepare.condition = quote.condition }
            }
            next.prepare = prepare
            next.phase = .prepared
        case let .prepareRejected(prepare, error):
            // A rejected resend leaves a transfer in progress alone; a rejected first prepare ends it.
            if phase == .quoted {
                next.prepare = prepare
                next.error = error
                next.phase = .aborted
            }
        case let .fulfilSent(fulfil, homeTransactionId, deadline):
            next.fulfil = fulfil
            next.homeTransactionId = homeTransactionId ?? next.homeTransactionId
            next.phase = fulfil.transferState == "RESERVED" ? .reserved : .committed
            next.deadline = deadline ?? next.deadline
        case let .statusRequested(attempt, deadline):
            next.statusQueryCount = attempt
            next.deadline = deadline
        case let .transferRejected(error):
            next.error = error
            next.phase = .aborted
        case let .outcomeNotified(notification):
            next.phase = notification.transferState == "COMMITTED" ? .committed : .aborted
            next.deadline = nil
        }
        return next
    }
}
