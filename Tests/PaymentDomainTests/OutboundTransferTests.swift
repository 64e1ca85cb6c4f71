import FSPIOP
import Testing
@testable import PaymentDomain

/// Given events, when a fact, then events (or a rejection): every transition of the payer's transfer.
struct OutboundTransferTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_908_728_000)  // 2026-11-28T23:32:08Z
    static let transferId = "0b5e2fb4-a7c4-4a3e-9d3e-5b0f6f3c9a11"
    static let quoteId = "6ec8b1b6-6e1c-4d8b-9a55-6c7bdb2b3f10"
    static let secret = "s3cr3t"

    static func context(_ configuration: OutboundConfiguration = OutboundConfiguration(dfspId: "payerfsp"), at time: Timestamp = now) -> DecisionContext {
        DecisionContext(now: time, newID: { quoteId }, configuration: configuration)
    }

    static let request = OutboundTransferRequest(
        homeTransactionId: "home-1",
        from: TransferParty(type: "CONSUMER", idType: "MSISDN", idValue: "27713803911", displayName: "Ann Payer", firstName: "Ann", lastName: "Payer"),
        to: TransferParty(idType: "MSISDN", idValue: "27713803912"),
        amountType: "SEND", currency: "USD", amount: "100.5", transactionType: "TRANSFER", note: "rent")

    static let payee = Party(partyIdInfo: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27713803912", fspId: "payeefsp"), name: "Zoë Payee")

    /// The quote the payee answers with, carrying a real ILP packet and condition for the secret.
    static func quoteResponse(for quote: QuotesPostRequest, expiration: Timestamp = now.adding(milliseconds: 60_000)) throws -> (QuotesIDPutResponse, fulfilment: String) {
        let requestJSON = try JSONValueEncoder.encode(quote)
        let responseJSON: JSONValue = .object([("transferAmount", .object([("currency", .string("USD")), ("amount", .string("100.5"))])),
                                               ("expiration", .string(expiration.dateTime))])
        let made = try ILP.quotePacket(version: .v1, secret: secret, quoteRequest: requestJSON, quoteResponse: responseJSON)
        return (QuotesIDPutResponse(transferAmount: Money(currency: "USD", amount: "100.5"), expiration: expiration.dateTime,
                                    ilpPacket: made.ilpPacket, condition: made.condition), made.fulfilment)
    }

    /// Decides each fact in turn, folding its events, and returns the state and every event.
    func run(_ facts: [OutboundTransferFact], _ context: DecisionContext = context()) throws -> (OutboundTransfer, [OutboundTransferEvent]) {
        var state = OutboundTransfer(transferId: Self.transferId)
        var all: [OutboundTransferEvent] = []
        for fact in facts {
            let events = try state.decide(fact, context)
            all += events
            state = events.reduce(state) { $0.evolve($1) }
        }
        return (state, all)
    }

    @Test("a request starts a party lookup with a deadline")
    func requestStartsLookup() throws {
        let (state, events) = try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil)])
        #expect(events == [.requested(Self.request, autoAcceptParty: true, autoAcceptQuote: true),
                           .partyLookupStarted(Self.request.to.partyIdInfo, deadline: Self.now.adding(milliseconds: 30_000))])
        #expect(state.phase == .lookingUpParty)
        #expect(state.phase.sdkState == nil)
    }

    @Test("with auto-accept, a resolved party leads straight to the quote request")
    func autoAcceptParty() throws {
        let (state, events) = try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyResolved(Self.payee)])
        #expect(state.phase == .requestingQuote)
        guard case let .quoteRequested(quote, deadline) = events.last else { Issue.record("no quote request"); return }
        #expect(events.dropFirst(2).dropLast() == [.partyResolved(Self.payee), .partyAccepted])
        #expect(deadline == Self.now.adding(milliseconds: 30_000))
        #expect(quote.quoteId == Self.quoteId)
        #expect(quote.transactionId == Self.transferId)
        #expect(quote.payee.partyIdInfo.fspId == "payeefsp")
        #expect(quote.payer.partyIdInfo == PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27713803911", fspId: "payerfsp"))
        #expect(quote.payer.personalInfo?.complexName == PartyComplexName(firstName: "Ann", lastName: "Payer"))
        #expect(quote.payer.name == "Ann Payer")
        #expect(quote.amount == Money(currency: "USD", amount: "100.5"))
        #expect(quote.transactionType == TransactionType(scenario: "TRANSFER", initiator: "PAYER", initiatorType: "CONSUMER"))
        #expect(quote.expiration == Self.now.adding(milliseconds: 20_000).dateTime)
        #expect(quote.note == "rent")
        // The quote request is a valid FSPIOP body.
        #expect(throws: Never.self) { try quote.validate(version: .v1_1) }
    }

    @Test("without auto-accept, the transfer waits for the core to accept the party, then the quote")
    func twoStepAcceptance() throws {
        var (state, _) = try run([.requested(Self.request, autoAcceptParty: false, autoAcceptQuote: false), .partyResolved(Self.payee)])
        #expect(state.phase == .waitingForPartyAcceptance)
        #expect(state.phase.sdkState == "WAITING_FOR_PARTY_ACCEPTANCE")
        #expect(state.deadline == nil)
        var events = try state.decide(.partyDecision(accepted: true), Self.context())
        #expect(events.first == .partyAccepted)
        state = events.reduce(state) { $0.evolve($1) }
        guard case let .quoteRequested(quote, _)? = events.last else { Issue.record("no quote"); return }
        let (response, _) = try Self.quoteResponse(for: quote)
        events = try state.decide(.quoteReceived(response, source: "payeefsp"), Self.context())
        #expect(events == [.quoteReceived(response, source: "payeefsp")])
        state = events.reduce(state) { $0.evolve($1) }
        #expect(state.phase.sdkState == "WAITING_FOR_QUOTE_ACCEPTANCE")
        events = try state.decide(.quoteDecision(accepted: true), Self.context())
        state = events.reduce(state) { $0.evolve($1) }
        #expect(state.phase == .transferring)
        guard case let .prepareSent(prepare, deadline)? = events.last else { Issue.record("no prepare"); return }
        #expect(prepare.transferId == Self.transferId)
        #expect(prepare.payerFsp == "payerfsp")
        #expect(prepare.payeeFsp == "payeefsp")
        #expect(prepare.amount == response.transferAmount)
        #expect(prepare.condition == response.condition)
        #expect(prepare.ilpPacket == response.ilpPacket)
        #expect(prepare.expiration == Self.now.adding(milliseconds: 20_000).dateTime)
        #expect(deadline == Self.now.adding(milliseconds: 50_000))
        #expect(throws: Never.self) { try prepare.validate(version: .v1_1) }
    }

    @Test("the core can reject the party or the quote", arguments: [false, true])
    func rejections(atQuote: Bool) throws {
        var (state, events) = try run([.requested(Self.request, autoAcceptParty: false, autoAcceptQuote: false), .partyResolved(Self.payee)])
        if atQuote {
            events = try state.decide(.partyDecision(accepted: true), Self.context())
            state = events.reduce(state) { $0.evolve($1) }
            guard case let .quoteRequested(quote, _)? = events.last else { return }
            let (response, _) = try Self.quoteResponse(for: quote)
            state = try state.decide(.quoteReceived(response, source: "payeefsp"), Self.context()).reduce(state) { $0.evolve($1) }
            events = try state.decide(.quoteDecision(accepted: false), Self.context())
            #expect(events == [.aborted(reason: "Quote rejected by backend")])
        } else {
            events = try state.decide(.partyDecision(accepted: false), Self.context())
            #expect(events == [.aborted(reason: "Payee rejected by backend")])
        }
        state = events.reduce(state) { $0.evolve($1) }
        #expect(state.phase.sdkState == "ABORTED")
        // A decision when none is awaited is refused.
        #expect(throws: OutboundTransferRejection.notWaitingForDecision(.aborted)) { try state.decide(.quoteDecision(accepted: true), Self.context()) }
    }

    @Test("a P2P transfer completes when the fulfilment matches the condition")
    func completes() throws {
        let (state, events) = try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyResolved(Self.payee)])
        guard case let .quoteRequested(quote, _)? = events.last else { Issue.record("no quote"); return }
        let (response, fulfilment) = try Self.quoteResponse(for: quote)
        var current = try state.decide(.quoteReceived(response, source: "payeefsp"), Self.context()).reduce(state) { $0.evolve($1) }
        #expect(current.phase == .transferring)
        let fulfil = TransfersIDPutResponse(fulfilment: fulfilment, completedTimestamp: Self.now.dateTime, transferState: "COMMITTED")
        let final = try current.decide(.fulfilReceived(fulfil), Self.context())
        #expect(final == [.fulfilled(fulfil)])
        current = final.reduce(current) { $0.evolve($1) }
        #expect(current.phase.sdkState == "COMPLETED")
        // A duplicate fulfil or a late error changes nothing.
        #expect(try current.decide(.fulfilReceived(fulfil), Self.context()).isEmpty)
        #expect(try current.decide(.transferFailed(FSPIOPError(.transferExpired).errorInformation), Self.context()).isEmpty)
    }

    @Test("a fulfilment that does not match the condition is an error when CHECK_ILP is on")
    func badFulfilment() throws {
        let (state, events) = try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyResolved(Self.payee)])
        guard case let .quoteRequested(quote, _)? = events.last else { return }
        let (response, _) = try Self.quoteResponse(for: quote)
        let current = try state.decide(.quoteReceived(response, source: "payeefsp"), Self.context()).reduce(state) { $0.evolve($1) }
        let wrong = TransfersIDPutResponse(fulfilment: Base64.urlEncoded([UInt8](repeating: 9, count: 32)), transferState: "COMMITTED")
        let result = try current.decide(.fulfilReceived(wrong), Self.context())
        guard case let .failed(error)? = result.first else { Issue.record("accepted a wrong fulfilment"); return }
        #expect(error.mojaloopError?.errorInformation.errorCode == .validationError)
        var lenient = OutboundConfiguration(dfspId: "payerfsp")
        lenient.checkILP = false
        #expect(try current.decide(.fulfilReceived(wrong), Self.context(lenient)) == [.fulfilled(wrong)])
    }

    @Test("error callbacks at each stage end in ERROR_OCCURRED with the FSPIOP error as lastError", arguments: [0, 1, 2])
    func errorCallbacks(stage: Int) throws {
        let error = FSPIOPError([FSPIOPErrorCode.partyNotFound, .payeeRejectedQuote, .payeeRejectedTxn][stage]).errorInformation
        var facts: [OutboundTransferFact] = [.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil)]
        var state: OutboundTransfer
        if stage == 0 {
            facts.append(.partyLookupFailed(error))
            (state, _) = try run(facts)
        } else {
            facts.append(.partyResolved(Self.payee))
            var events: [OutboundTransferEvent]
            (state, events) = try run(facts)
            if stage == 1 {
                state = try state.decide(.quoteFailed(error), Self.context()).reduce(state) { $0.evolve($1) }
            } else {
                guard case let .quoteRequested(quote, _)? = events.last else { return }
                let (response, _) = try Self.quoteResponse(for: quote)
                state = try state.decide(.quoteReceived(response, source: "payeefsp"), Self.context()).reduce(state) { $0.evolve($1) }
                state = try state.decide(.transferFailed(error), Self.context()).reduce(state) { $0.evolve($1) }
            }
        }
        #expect(state.phase.sdkState == "ERROR_OCCURRED")
        #expect(state.lastError == TransferError(httpStatusCode: 500, mojaloopError: error))
    }

    @Test("no answer to the party lookup or the quote in time is a 504 timeout")
    func timeouts() throws {
        var (state, _) = try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil)])
        #expect(try state.decide(.deadlinePassed(Self.now.adding(milliseconds: 29_999)), Self.context()).isEmpty)
        let events = try state.decide(.deadlinePassed(Self.now.adding(milliseconds: 30_000)), Self.context())
        guard case let .failed(error)? = events.first else { Issue.record("no timeout"); return }
        #expect(error.httpStatusCode == 504)
        #expect(error.mojaloopError?.errorInformation.errorCode == .serverTimedOut)
        state = events.reduce(state) { $0.evolve($1) }
        // A late party answer after the timeout changes nothing.
        #expect(try state.decide(.partyResolved(Self.payee), Self.context()).isEmpty)
    }

    @Test("a late fulfil makes the payer ask the hub, then time out after its queries")
    func lateFulfil() throws {
        let (initial, events) = try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyResolved(Self.payee)])
        guard case let .quoteRequested(quote, _)? = events.last else { return }
        let (response, fulfilment) = try Self.quoteResponse(for: quote)
        var state = try initial.decide(.quoteReceived(response, source: "payeefsp"), Self.context()).reduce(initial) { $0.evolve($1) }
        var time = try #require(state.deadline)
        for attempt in 1...OutboundTransfer.statusQueries {
            let asked = try state.decide(.deadlinePassed(time), Self.context(at: time))
            #expect(asked == [.statusRequested(attempt: attempt, deadline: time.adding(milliseconds: 30_000))])
            state = asked.reduce(state) { $0.evolve($1) }
            time = try #require(state.deadline)
        }
        // The hub's answer to the GET still completes it...
        let fulfil = TransfersIDPutResponse(fulfilment: fulfilment, transferState: "COMMITTED")
        #expect(try state.decide(.fulfilReceived(fulfil), Self.context()) == [.fulfilled(fulfil)])
        // ...but with no answer at all it times out.
        let last = try state.decide(.deadlinePassed(time), Self.context(at: time))
        guard case let .failed(error)? = last.first else { Issue.record("no timeout"); return }
        #expect(error.httpStatusCode == 504)
    }

    @Test("an expired quote is refused when REJECT_EXPIRED_QUOTE_RESPONSES is on")
    func expiredQuote() throws {
        var configuration = OutboundConfiguration(dfspId: "payerfsp")
        configuration.rejectExpiredQuoteResponses = true
        let (state, events) = try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyResolved(Self.payee)], Self.context(configuration))
        guard case let .quoteRequested(quote, _)? = events.last else { return }
        let (response, _) = try Self.quoteResponse(for: quote, expiration: Self.now.adding(milliseconds: -1))
        let result = try state.decide(.quoteReceived(response, source: "payeefsp"), Self.context(configuration))
        guard case let .failed(error)? = result.first else { Issue.record("accepted"); return }
        #expect(error.mojaloopError?.errorInformation.errorCode == .quoteExpired)
    }

    @Test("a party that does not match the request is an error")
    func mismatchedParty() throws {
        let other = Party(partyIdInfo: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "999", fspId: "payeefsp"))
        let (state, _) = try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyResolved(other)])
        #expect(state.phase == .errored)
        let noFsp = Party(partyIdInfo: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27713803912"))
        #expect(try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyResolved(noFsp)]).0.phase == .errored)
    }

    @Test("skipPartyLookup goes straight to the quote; it needs to.fspId")
    func skipLookup() throws {
        var request = Self.request
        request.skipPartyLookup = true
        #expect(throws: OutboundTransferRejection.self) { try run([.requested(request, autoAcceptParty: nil, autoAcceptQuote: nil)]) }
        request.to.fspId = "payeefsp"
        let (state, events) = try run([.requested(request, autoAcceptParty: nil, autoAcceptQuote: nil)])
        #expect(state.phase == .requestingQuote)
        #expect(!events.contains { if case .partyLookupStarted = $0 { return true } else { return false } })
    }

    @Test("a second request for the same transfer is refused")
    func duplicate() throws {
        let (state, _) = try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil)])
        #expect(throws: OutboundTransferRejection.duplicateRequest) { try state.decide(.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), Self.context()) }
    }

    @Test("a hub that cannot be reached fails the lookup; during the transfer the payer asks for the outcome")
    func unreachableHub() throws {
        let (state, _) = try run([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .hubRequestFailed(FSPIOPError(.destinationCommunicationError))])
        #expect(state.phase == .errored)
        #expect(state.lastError?.mojaloopError?.errorInformation.errorCode == .destinationCommunicationError)
    }

    @Test("replaying the history gives the same state")
    func replay() throws {
        let (state, events) = try run([.requested(Self.request, autoAcceptParty: false, autoAcceptQuote: nil), .partyResolved(Self.payee), .partyDecision(accepted: true)])
        #expect(OutboundTransfer.replay(Self.transferId, events) == state)
        #expect(state.version == Int64(events.count))
    }

    @Test("every phase's SDK state", arguments: OutboundTransfer.Phase.allCases)
    func sdkStates(phase: OutboundTransfer.Phase) {
        let expected: [OutboundTransfer.Phase: String] = [
            .waitingForPartyAcceptance: "WAITING_FOR_PARTY_ACCEPTANCE", .waitingForQuoteAcceptance: "WAITING_FOR_QUOTE_ACCEPTANCE",
            .waitingForAuthorizationAcceptance: "WAITING_FOR_AUTH_ACCEPTANCE", .completed: "COMPLETED", .aborted: "ABORTED", .errored: "ERROR_OCCURRED",
        ]
        #expect(phase.sdkState == expected[phase])
        #expect(phase.isTerminal == [.completed, .aborted, .errored].contains(phase))
    }
}
