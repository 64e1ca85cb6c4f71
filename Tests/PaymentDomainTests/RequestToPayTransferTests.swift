import FSPIOP
import Testing
@testable import PaymentDomain

/// Given events, when a fact, then events: the payer paying a request to pay (`POST /requestToPayTransfer`),
/// with its quote, its optional OTP, and its rejections.
struct RequestToPayTransferTests {
    typealias T = OutboundTransferTests
    static let transactionRequestId = "b51ec534-ee48-4575-b6a9-ead2955b8069"

    static func payment(authenticationType: String? = "OTP", initiatorType: String = "CONSUMER", fspId: String? = "payeefsp") -> RequestToPayTransferRequest {
        RequestToPayTransferRequest(
            homeR2PTransactionId: "home-r2p-1", transactionRequestId: transactionRequestId,
            from: TransferParty(type: "CONSUMER", idType: "MSISDN", idValue: "27713803911", displayName: "Ann Payer"),
            to: TransferParty(idType: "MSISDN", idValue: "27713803912", displayName: "Corner Shop", fspId: fspId),
            amountType: "RECEIVE", currency: "USD", amount: "100.5", scenario: "PAYMENT", initiator: "PAYEE", initiatorType: initiatorType,
            note: "groceries", authenticationType: authenticationType)
    }

    static let entered = AuthorizationsIDPutResponse(
        authenticationInfo: AuthenticationInfo(authentication: "OTP", authenticationValue: .text("123456")), responseType: "ENTERED")

    static func configuration(businessQuotes: Bool = false, deviceOTP: Bool = false) -> OutboundConfiguration {
        OutboundConfiguration(dfspId: "payerfsp", autoAcceptR2PBusinessQuotes: businessQuotes, autoAcceptR2PDeviceOTP: deviceOTP)
    }

    /// Runs the facts from a fresh transfer; `quoted` answers the quote request when it is sent.
    static func run(_ facts: [OutboundTransferFact], _ configuration: OutboundConfiguration = configuration(), quoted: Bool = true)
        throws -> (OutboundTransfer, [OutboundTransferEvent]) {
        var state = OutboundTransfer(transferId: T.transferId)
        var all: [OutboundTransferEvent] = []
        func apply(_ fact: OutboundTransferFact) throws {
            let events = try state.decide(fact, T.context(configuration))
            all += events
            state = events.reduce(state) { $0.evolve($1) }
        }
        for fact in facts {
            try apply(fact)
            if quoted, case let .quoteRequested(quote, _)? = all.last {
                try apply(.quoteReceived(try T.quoteResponse(for: quote).0, source: "payeefsp"))
            }
        }
        return (state, all)
    }

    @Test("a request to pay is quoted at once, naming the transaction request and its initiator, and waits for acceptQuote")
    func quotedAndWaits() throws {
        let (state, events) = try Self.run([.paymentRequested(Self.payment())])
        let payee = Party(partyIdInfo: Self.payment().to.partyIdInfo, name: "Corner Shop")
        #expect(Array(events.prefix(3)) == [.paymentRequested(Self.payment(), autoAcceptQuote: false), .partyResolved(payee), .partyAccepted])
        guard case let .quoteRequested(quote, deadline) = events[3] else { Issue.record("no quote request"); return }
        #expect(quote.transactionRequestId == Self.transactionRequestId)
        #expect(quote.transactionId == T.transferId)
        #expect(quote.transactionType == TransactionType(scenario: "PAYMENT", initiator: "PAYEE", initiatorType: "CONSUMER"))
        #expect(quote.payee.partyIdInfo.fspId == "payeefsp")
        #expect(quote.payer.partyIdInfo.fspId == "payerfsp")
        #expect(quote.amountType == "RECEIVE")
        #expect(deadline == T.now.adding(milliseconds: 30_000))
        #expect(throws: Never.self) { try quote.validate(version: .v1_1) }
        #expect(state.phase == .waitingForQuoteAcceptance)
        #expect(state.phase.sdkState == "WAITING_FOR_QUOTE_ACCEPTANCE")
        #expect(state.request?.homeTransactionId == "home-r2p-1")
    }

    @Test("acceptQuote asks the requesting DFSP for the OTP; acceptOTP sends the prepare; the fulfil completes it")
    func otpFlow() throws {
        var (state, _) = try Self.run([.paymentRequested(Self.payment()), .quoteDecision(accepted: true)])
        #expect(state.phase == .requestingAuthorization)
        #expect(state.phase.sdkState == nil)
        #expect(state.deadline == T.now.adding(milliseconds: 30_000))
        let asked = try state.decide(.authorizationReceived(Self.entered), T.context(Self.configuration()))
        #expect(asked == [.authorizationReceived(Self.entered)])
        state = asked.reduce(state) { $0.evolve($1) }
        #expect(state.phase == .waitingForAuthorizationAcceptance)
        #expect(state.phase.sdkState == "WAITING_FOR_AUTH_ACCEPTANCE")
        #expect(state.authorizationResponse == Self.entered)
        let accepted = try state.decide(.authorizationDecision(accepted: true), T.context(Self.configuration()))
        guard case let .prepareSent(prepare, _)? = accepted.last else { Issue.record("no prepare"); return }
        #expect(accepted.first == .authorizationAccepted)
        #expect(prepare.payeeFsp == "payeefsp")
        #expect(prepare.condition == state.quoteResponse?.condition)
    }

    @Test("the authorization request's query is the SDK's: OTP, one retry, the amount and currency")
    func authorizationQuery() throws {
        let (_, events) = try Self.run([.paymentRequested(Self.payment()), .quoteDecision(accepted: true)])
        guard case let .authorizationRequested(query, _)? = events.last else { Issue.record("no authorization request"); return }
        #expect(query == AuthorizationsIDGetQuery(authenticationType: "OTP", retriesLeft: "1", amount: "100.5", currency: "USD"))
        #expect(query.queryString == "authenticationType=OTP&retriesLeft=1&amount=100.5&currency=USD")
        #expect(throws: Never.self) { try query.validate(version: .v1_1) }
    }

    @Test("without an authentication type, acceptQuote sends the prepare at once")
    func noOTP() throws {
        let (state, events) = try Self.run([.paymentRequested(Self.payment(authenticationType: nil)), .quoteDecision(accepted: true)])
        #expect(state.phase == .transferring)
        #expect(!events.contains { if case .authorizationRequested = $0 { return true } else { return false } })
    }

    @Test("a business's request to pay with AUTO_ACCEPT_R2P_BUSINESS_QUOTES goes straight to the prepare, with no OTP")
    func businessAutoAccept() throws {
        let (state, events) = try Self.run([.paymentRequested(Self.payment(initiatorType: "BUSINESS"))], Self.configuration(businessQuotes: true))
        #expect(events.first == .paymentRequested(Self.payment(initiatorType: "BUSINESS"), autoAcceptQuote: true))
        #expect(state.phase == .transferring)
        // Without the setting, a business's request waits for acceptQuote like any other.
        let (waiting, _) = try Self.run([.paymentRequested(Self.payment(initiatorType: "BUSINESS"))])
        #expect(waiting.phase == .waitingForQuoteAcceptance)
    }

    @Test("with AUTO_ACCEPT_R2P_DEVICE_OTP an entered OTP sends the prepare; a rejected one rejects the request to pay")
    func deviceOTPAutoAccept() throws {
        let configuration = Self.configuration(deviceOTP: true)
        let (state, _) = try Self.run([.paymentRequested(Self.payment()), .quoteDecision(accepted: true), .authorizationReceived(Self.entered)], configuration)
        #expect(state.phase == .transferring)
        let rejected = AuthorizationsIDPutResponse(responseType: "REJECTED")
        let (declined, events) = try Self.run([.paymentRequested(Self.payment()), .quoteDecision(accepted: true), .authorizationReceived(rejected)], configuration)
        #expect(declined.phase == .aborted)
        #expect(events.suffix(2) == [.authorizationReceived(rejected), .paymentRequestRejected(reason: "The payer rejected the authorization")])
    }

    @Test("the core rejecting the quote or the OTP rejects the request to pay")
    func coreRejects() throws {
        let (quoteRejected, events) = try Self.run([.paymentRequested(Self.payment()), .quoteDecision(accepted: false)])
        #expect(quoteRejected.phase == .aborted)
        #expect(quoteRejected.phase.sdkState == "ABORTED")
        #expect(events.last == .paymentRequestRejected(reason: "Quote rejected by backend"))
        #expect(quoteRejected.rejectedPaymentRequest)
        let (otpRejected, more) = try Self.run([.paymentRequested(Self.payment()), .quoteDecision(accepted: true), .authorizationReceived(Self.entered),
                                                .authorizationDecision(accepted: false)])
        #expect(otpRejected.phase == .aborted)
        #expect(more.last == .paymentRequestRejected(reason: "OTP rejected by backend"))
    }

    @Test("an error callback, a failed request or a passed deadline while waiting for the OTP ends in an error")
    func authorizationFailures() throws {
        let error = FSPIOPError(.payeeError).errorInformation
        let (failed, _) = try Self.run([.paymentRequested(Self.payment()), .quoteDecision(accepted: true), .authorizationFailed(error)])
        #expect(failed.phase == .errored)
        #expect(failed.lastError == TransferError(httpStatusCode: 500, mojaloopError: error))
        let (unreachable, _) = try Self.run([.paymentRequested(Self.payment()), .quoteDecision(accepted: true),
                                             .hubRequestFailed(FSPIOPError(.destinationCommunicationError))])
        #expect(unreachable.phase == .errored)
        var (waiting, _) = try Self.run([.paymentRequested(Self.payment()), .quoteDecision(accepted: true)])
        let deadline = try #require(waiting.deadline)
        #expect(try waiting.decide(.deadlinePassed(deadline.adding(milliseconds: -1)), T.context()) == [])
        let late = try waiting.decide(.deadlinePassed(deadline), T.context())
        waiting = late.reduce(waiting) { $0.evolve($1) }
        #expect(waiting.phase == .errored)
        #expect(waiting.lastError?.httpStatusCode == 504)
        #expect(waiting.lastError?.mojaloopError?.errorInformation.errorCode == .serverTimedOut)
    }

    @Test("refused: a second request, a decision not awaited, a payee without its DFSP, an authentication type other than OTP")
    func refusals() throws {
        let (state, _) = try Self.run([.paymentRequested(Self.payment())])
        #expect(throws: OutboundTransferRejection.duplicateRequest) { try state.decide(.paymentRequested(Self.payment()), T.context()) }
        #expect(throws: OutboundTransferRejection.notWaitingForDecision(.waitingForQuoteAcceptance)) {
            try state.decide(.authorizationDecision(accepted: true), T.context())
        }
        #expect(throws: OutboundTransferRejection.self) { try Self.run([.paymentRequested(Self.payment(fspId: nil))]) }
        #expect(throws: OutboundTransferRejection.self) { try Self.run([.paymentRequested(Self.payment(authenticationType: "QRCODE"))]) }
        // A late or repeated OTP changes nothing.
        let (done, _) = try Self.run([.paymentRequested(Self.payment()), .quoteDecision(accepted: false)])
        #expect(try done.decide(.authorizationReceived(Self.entered), T.context()) == [])
    }

    @Test("a transfer the hub aborts is aborted, not a rejected request to pay")
    func hubAborts() throws {
        let (state, _) = try Self.run([.paymentRequested(Self.payment(authenticationType: nil)), .quoteDecision(accepted: true),
                                       .fulfilReceived(TransfersIDPutResponse(transferState: "ABORTED"))])
        #expect(state.phase == .aborted)
        #expect(!state.rejectedPaymentRequest)
    }

    /// Events of every kind this flow adds, for the schema tests.
    static func emittedEvents() throws -> [OutboundTransferEvent] {
        let (_, otp) = try run([.paymentRequested(payment()), .quoteDecision(accepted: true), .authorizationReceived(entered), .authorizationDecision(accepted: true)])
        let (_, rejected) = try run([.paymentRequested(payment()), .quoteDecision(accepted: false)])
        return otp + rejected
    }
}
