import FSPIOP
import Testing
@testable import PaymentDomain

/// Given events, when a fact, then events: the payee's side, and both sides of a P2P transfer together.
struct InboundTransferTests {
    static let now = OutboundTransferTests.now
    static let configuration = InboundConfiguration(dfspId: "payeefsp", ilpSecret: "payee-secret")
    static func context(_ configuration: InboundConfiguration = configuration, at time: Timestamp = now) -> InboundContext {
        InboundContext(now: time, configuration: configuration)
    }

    /// The payer's quote request, as the payer side builds it.
    static func quoteRequest() throws -> QuotesPostRequest {
        let (_, events) = try OutboundTransferTests().run([.requested(OutboundTransferTests.request, autoAcceptParty: nil, autoAcceptQuote: nil),
                                                           .partyResolved(OutboundTransferTests.payee)])
        guard case let .quoteRequested(quote, _)? = events.last else { throw TestFailure("no quote request") }
        return quote
    }

    struct TestFailure: Error { let reason: String; init(_ reason: String) { self.reason = reason } }

    static func answer(for quote: QuotesPostRequest) -> BackendQuoteResponse {
        BackendQuoteResponse(quoteId: quote.quoteId, transactionId: quote.transactionId, transferAmount: quote.amount.amount,
                             transferAmountCurrency: quote.amount.currency, payeeFspFeeAmount: "0.5", payeeFspFeeAmountCurrency: "USD")
    }

    func fold(_ state: InboundTransfer, _ fact: InboundTransferFact, _ context: InboundContext = context()) throws -> (InboundTransfer, [InboundTransferEvent]) {
        let events = try state.decide(fact, context)
        return (events.reduce(state) { $0.evolve($1) }, events)
    }

    /// A payee that has answered the quote.
    func quoted(_ configuration: InboundConfiguration = configuration) throws -> (InboundTransfer, QuotesPostRequest, QuotesIDPutResponse) {
        let quote = try Self.quoteRequest()
        var state = InboundTransfer(transactionId: quote.transactionId)
        (state, _) = try fold(state, .quoteRequested(quote, source: "payerfsp"), Self.context(configuration))
        #expect(state.phase.sdkState == "QUOTE_REQUEST_RECEIVED")
        let events: [InboundTransferEvent]
        (state, events) = try fold(state, .quoteAnswered(Self.answer(for: quote)), Self.context(configuration))
        guard case let .quoteSent(response)? = events.first else { throw TestFailure("no quote sent") }
        return (state, quote, response)
    }

    @Test("a quote request is answered with an ILP packet and condition for this payee's secret", arguments: ILPVersion.allCases)
    func quote(version: ILPVersion) throws {
        var configuration = Self.configuration
        configuration.ilpVersion = version
        let (state, quote, response) = try quoted(configuration)
        #expect(state.phase.sdkState == "WAITING_FOR_QUOTE_ACCEPTANCE")
        #expect(response.transferAmount == quote.amount)
        #expect(response.payeeFspFee == Money(currency: "USD", amount: "0.5"))
        #expect(response.expiration == Self.now.adding(milliseconds: 20_000).dateTime)
        let fulfilment = try ILP.fulfilment(secret: "payee-secret", packet: response.ilpPacket)
        #expect(ILP.fulfils(Base64.urlEncoded(fulfilment), condition: response.condition))
        #expect(try ILPPacket(base64URL: response.ilpPacket).version == version)
        #expect(throws: Never.self) { try response.validate(version: .v1_1) }
    }

    @Test("the payer's prepare for the quote is accepted, and the fulfil carries the fulfilment of the condition")
    func prepareAndFulfil() throws {
        let (quotedState, _, response) = try quoted()
        let prepare = TransfersPostRequest(transferId: quotedState.transactionId, payeeFsp: "payeefsp", payerFsp: "payerfsp",
                                           amount: response.transferAmount, ilpPacket: response.ilpPacket, condition: response.condition,
                                           expiration: Self.now.adding(milliseconds: 30_000).dateTime)
        var (state, events) = try fold(quotedState, .prepareReceived(prepare, source: "payerfsp"))
        #expect(events == [.prepareAccepted(prepare)])
        #expect(state.phase.sdkState == "PREPARE_RECEIVED")
        (state, events) = try fold(state, .transferAnswered(BackendTransferResponse(homeTransactionId: "core-77")))
        guard case let .fulfilSent(fulfil, home, _)? = events.first else { Issue.record("no fulfil"); return }
        #expect(home == "core-77")
        #expect(fulfil.transferState == "COMMITTED")
        #expect(ILP.fulfils(fulfil.fulfilment ?? "", condition: response.condition))
        #expect(state.phase.sdkState == "COMPLETED")
        // A resent prepare is answered with the same fulfil; a different one is refused.
        #expect(try state.decide(.prepareReceived(prepare, source: "payerfsp"), Self.context()) == [.fulfilSent(fulfil, homeTransactionId: "core-77", deadline: nil)])
        var changed = prepare
        changed.amount = Money(currency: "USD", amount: "1")
        guard case .prepareRejected(_, let error)? = try state.decide(.prepareReceived(changed, source: "payerfsp"), Self.context()).first else {
            Issue.record("a modified prepare was accepted"); return
        }
        #expect(error.errorInformation.errorCode == .modifiedRequest)
    }

    @Test("with RESERVE_NOTIFICATION the payee fulfils RESERVED and the hub's PATCH decides", arguments: ["COMMITTED", "ABORTED"])
    func reserved(final: String) throws {
        var configuration = Self.configuration
        configuration.reserveNotification = true
        let (quotedState, _, response) = try quoted(configuration)
        let prepare = TransfersPostRequest(transferId: quotedState.transactionId, payeeFsp: "payeefsp", payerFsp: "payerfsp",
                                           amount: response.transferAmount, ilpPacket: response.ilpPacket, condition: response.condition,
                                           expiration: Self.now.adding(milliseconds: 30_000).dateTime)
        var (state, _) = try fold(quotedState, .prepareReceived(prepare, source: "payerfsp"), Self.context(configuration))
        (state, _) = try fold(state, .transferAnswered(BackendTransferResponse(homeTransactionId: "h")), Self.context(configuration))
        #expect(state.phase == .reserved)
        #expect(state.fulfil?.transferState == "RESERVED")
        let patch = TransfersIDPatchResponse(completedTimestamp: Self.now.dateTime, transferState: final)
        let events: [InboundTransferEvent]
        (state, events) = try fold(state, .notified(patch), Self.context(configuration))
        #expect(events == [.outcomeNotified(patch)])
        #expect(state.phase == (final == "COMMITTED" ? .committed : .aborted))
        // A second PATCH changes nothing.
        #expect(try state.decide(.notified(patch), Self.context(configuration)).isEmpty)
    }

    @Test("a COMMITTED fulfil the hub refuses is reported to the core as ABORTED (it reverses the credit); a COMMITTED PATCH changes nothing")
    func committedThenRefused() throws {
        let (quotedState, _, response) = try quoted()
        let prepare = TransfersPostRequest(transferId: quotedState.transactionId, payeeFsp: "payeefsp", payerFsp: "payerfsp",
                                           amount: response.transferAmount, ilpPacket: response.ilpPacket, condition: response.condition,
                                           expiration: Self.now.adding(milliseconds: 30_000).dateTime)
        var (state, _) = try fold(quotedState, .prepareReceived(prepare, source: "payerfsp"))
        (state, _) = try fold(state, .transferAnswered(BackendTransferResponse(homeTransactionId: "h")))
        #expect(state.phase == .committed)
        #expect(try state.decide(.notified(TransfersIDPatchResponse(completedTimestamp: Self.now.dateTime, transferState: "COMMITTED")),
                                 Self.context()).isEmpty)
        let aborted = TransfersIDPatchResponse(completedTimestamp: Self.now.dateTime, transferState: "ABORTED")
        let events: [InboundTransferEvent]
        (state, events) = try fold(state, .notified(aborted))
        #expect(events == [.outcomeNotified(aborted)])
        #expect(state.phase == .aborted)
        #expect(try state.decide(.notified(aborted), Self.context()).isEmpty)
    }

    @Test("a RESERVED transfer whose PATCH is late asks the hub, at growing intervals, and takes its answer")
    func latePatch() throws {
        var configuration = Self.configuration
        configuration.reserveNotification = true
        let context = Self.context(configuration)
        let (quotedState, _, response) = try quoted(configuration)
        let expiration = Self.now.adding(milliseconds: 30_000)
        let prepare = TransfersPostRequest(transferId: quotedState.transactionId, payeeFsp: "payeefsp", payerFsp: "payerfsp",
                                           amount: response.transferAmount, ilpPacket: response.ilpPacket, condition: response.condition,
                                           expiration: expiration.dateTime)
        var (state, _) = try fold(quotedState, .prepareReceived(prepare, source: "payerfsp"), context)
        (state, _) = try fold(state, .transferAnswered(BackendTransferResponse(homeTransactionId: "h")), context)
        #expect(state.deadline == expiration.adding(milliseconds: 15_000))
        #expect(try state.decide(.deadlinePassed(expiration), context).isEmpty)
        var time = try #require(state.deadline)
        for (attempt, interval) in [(1, Int64(15_000)), (2, 30_000), (3, 60_000)] {
            let events = try state.decide(.deadlinePassed(time), context)
            #expect(events == [.statusRequested(attempt: attempt, deadline: time.adding(milliseconds: interval))])
            state = events.reduce(state) { $0.evolve($1) }
            time = try #require(state.deadline)
        }
        // RECEIVED is no outcome; COMMITTED is.
        #expect(try state.decide(.statusReceived(TransfersIDPutResponse(transferState: "RECEIVED")), context).isEmpty)
        let answer = TransfersIDPutResponse(completedTimestamp: Self.now.dateTime, transferState: "COMMITTED")
        let events = try state.decide(.statusReceived(answer), context)
        #expect(events == [.outcomeNotified(TransfersIDPatchResponse(completedTimestamp: Self.now.dateTime, transferState: "COMMITTED"))])
        state = events.reduce(state) { $0.evolve($1) }
        #expect(state.phase == .committed && state.deadline == nil)
    }

    @Test("prepares that do not match the quote, or come too late, are refused with the right code", arguments: [
        ("condition", FSPIOPErrorCode.modifiedRequest), ("amount", .modifiedRequest), ("payee", .payeeFspIdNotFound), ("expired", .transferExpired),
    ])
    func badPrepares(change: String, code: FSPIOPErrorCode) throws {
        let (state, _, response) = try quoted()
        var prepare = TransfersPostRequest(transferId: state.transactionId, payeeFsp: "payeefsp", payerFsp: "payerfsp",
                                           amount: response.transferAmount, ilpPacket: response.ilpPacket, condition: response.condition,
                                           expiration: Self.now.adding(milliseconds: 30_000).dateTime)
        switch change {
        case "condition": prepare.condition = Base64.urlEncoded([UInt8](repeating: 1, count: 32))
        case "amount": prepare.amount = Money(currency: "USD", amount: "99")
        case "payee": prepare.payeeFsp = "otherfsp"
        default: prepare.expiration = Self.now.adding(milliseconds: -1).dateTime
        }
        let (after, events) = try fold(state, .prepareReceived(prepare, source: "payerfsp"))
        guard case let .prepareRejected(_, error)? = events.first else { Issue.record("accepted"); return }
        #expect(error.errorInformation.errorCode == code)
        #expect(after.phase.sdkState == "ABORTED")
    }

    @Test("an expired quote refuses the prepare when REJECT_TRANSFERS_ON_EXPIRED_QUOTES is on")
    func expiredQuote() throws {
        var configuration = Self.configuration
        configuration.rejectTransfersOnExpiredQuotes = true
        let (state, _, response) = try quoted(configuration)
        let later = Self.now.adding(milliseconds: 21_000)
        let prepare = TransfersPostRequest(transferId: state.transactionId, payeeFsp: "payeefsp", payerFsp: "payerfsp",
                                           amount: response.transferAmount, ilpPacket: response.ilpPacket, condition: response.condition,
                                           expiration: later.adding(milliseconds: 30_000).dateTime)
        guard case let .prepareRejected(_, error)? = try state.decide(.prepareReceived(prepare, source: "payerfsp"), Self.context(configuration, at: later)).first else {
            Issue.record("accepted"); return
        }
        #expect(error.errorInformation.errorCode == .quoteExpired)
    }

    @Test("the core can refuse the quote or the transfer")
    func coreRefusals() throws {
        let quote = try Self.quoteRequest()
        var state = InboundTransfer(transactionId: quote.transactionId)
        (state, _) = try fold(state, .quoteRequested(quote, source: "payerfsp"))
        let (refused, events) = try fold(state, .quoteRefused(FSPIOPError(.payeeRejectedQuote)))
        #expect(events == [.quoteRejected(FSPIOPError(.payeeRejectedQuote).errorInformation)])
        #expect(refused.phase == .aborted)
        // A core answering in another currency is refused too.
        var other = Self.answer(for: quote)
        other.transferAmountCurrency = "EUR"
        guard case let .quoteRejected(error)? = try state.decide(.quoteAnswered(other), Self.context()).first else { Issue.record("accepted"); return }
        #expect(error.errorInformation.errorCode == .payeeUnsupportedCurrency)
    }

    @Test("duplicate quote requests are answered again; a different one under the same id is refused; unknown prepares too")
    func duplicates() throws {
        let (state, quote, response) = try quoted()
        #expect(try state.decide(.quoteRequested(quote, source: "payerfsp"), Self.context()) == [.quoteSent(response)])
        var different = quote
        different.amount = Money(currency: "USD", amount: "1")
        #expect(throws: InboundTransferRejection.conflictingQuoteRequest) { try state.decide(.quoteRequested(different, source: "payerfsp"), Self.context()) }
        let fresh = InboundTransfer(transactionId: "other")
        let prepare = TransfersPostRequest(transferId: "other", payeeFsp: "payeefsp", payerFsp: "payerfsp", amount: Money(currency: "USD", amount: "1"),
                                           ilpPacket: response.ilpPacket, condition: response.condition, expiration: Self.now.dateTime)
        #expect(throws: InboundTransferRejection.unknownTransaction) { try fresh.decide(.prepareReceived(prepare, source: "payerfsp"), Self.context()) }
    }

    @Test("both sides together: the payer completes with the payee's fulfilment")
    func bothSides() throws {
        var payer = OutboundTransfer(transferId: OutboundTransferTests.transferId)
        let payerContext = OutboundTransferTests.context()
        func payerFold(_ fact: OutboundTransferFact) throws -> [OutboundTransferEvent] {
            let events = try payer.decide(fact, payerContext)
            payer = events.reduce(payer) { $0.evolve($1) }
            return events
        }
        _ = try payerFold(.requested(OutboundTransferTests.request, autoAcceptParty: nil, autoAcceptQuote: nil))
        guard case let .quoteRequested(quote, _)? = try payerFold(.partyResolved(OutboundTransferTests.payee)).last else { Issue.record("no quote"); return }

        var payee = InboundTransfer(transactionId: quote.transactionId)
        (payee, _) = try fold(payee, .quoteRequested(quote, source: "payerfsp"))
        let quoteEvents: [InboundTransferEvent]
        (payee, quoteEvents) = try fold(payee, .quoteAnswered(Self.answer(for: quote)))
        guard case let .quoteSent(response)? = quoteEvents.first else { Issue.record("no quote"); return }

        guard case let .prepareSent(prepare, _)? = try payerFold(.quoteReceived(response, source: "payeefsp")).last else { Issue.record("no prepare"); return }
        let prepared: [InboundTransferEvent]
        (payee, prepared) = try fold(payee, .prepareReceived(prepare, source: "payerfsp"))
        #expect(prepared == [.prepareAccepted(prepare)])
        let fulfilled: [InboundTransferEvent]
        (payee, fulfilled) = try fold(payee, .transferAnswered(BackendTransferResponse(homeTransactionId: "h")))
        guard case let .fulfilSent(fulfil, _, _)? = fulfilled.first else { Issue.record("no fulfil"); return }
        #expect(try payerFold(.fulfilReceived(fulfil)) == [.fulfilled(fulfil)])
        #expect(payer.phase.sdkState == "COMPLETED")
        #expect(payee.phase.sdkState == "COMPLETED")
    }

    @Test("GET /transactions reports the phase as a TransactionState", arguments: InboundTransfer.Phase.allCases)
    func transactionState(phase: InboundTransfer.Phase) throws {
        var transfer = InboundTransfer(transactionId: "t")
        transfer.phase = phase
        transfer.fulfil = TransfersIDPutResponse(completedTimestamp: "2026-11-29T10:00:00.000Z", transferState: "COMMITTED")
        let expected: [InboundTransfer.Phase: String] = [.new: "RECEIVED", .quoteRequested: "RECEIVED", .quoted: "PENDING", .prepared: "PENDING",
                                                         .reserved: "PENDING", .committed: "COMPLETED", .aborted: "REJECTED"]
        #expect(transfer.transactionState.transactionState == expected[phase])
        #expect((transfer.transactionState.completedTimestamp != nil) == (phase == .committed))
        #expect(throws: Never.self) { try transfer.transactionState.validate(version: .v1_1) }
    }
}
