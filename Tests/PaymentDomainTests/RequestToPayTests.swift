import FSPIOP
import Foundation
import Testing
@testable import PaymentDomain

/// Given events, when a fact, then events: requests to pay, sent (`RequestToPay`) and received
/// (`IncomingTransactionRequest`).
struct RequestToPayTests {
    static let now = OutboundTransferTests.now
    static let configuration = OutboundConfiguration(dfspId: "payeefsp", requestTimeoutSeconds: 30)
    static var context: DecisionContext { OutboundTransferTests.context(configuration) }
    static let request = RequestToPayRequest(
        homeR2PTransactionId: "home-1", from: TransferParty(idType: "MSISDN", idValue: "27720000000"),
        to: TransferParty(idType: "MSISDN", idValue: "27710000000"), amountType: "RECEIVE", currency: "XXX", amount: "15",
        transactionType: "TRANSFER")
    static let payer = Party(partyIdInfo: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27710000000", fspId: "payerfsp"),
                             personalInfo: PartyPersonalInfo(complexName: PartyComplexName(firstName: "Pat", lastName: "Payer")))

    func run(_ facts: [RequestToPayFact]) throws(FSPIOPError) -> (RequestToPay, [RequestToPayEvent]) {
        var state = RequestToPay(transactionRequestId: "r1")
        var all: [RequestToPayEvent] = []
        for fact in facts {
            let events = try state.decide(fact, Self.context)
            all += events
            state = events.reduce(state) { $0.evolve($1) }
        }
        return (state, all)
    }

    @Test("the party is looked up and waits for acceptance; accepted, the transaction request goes to the party's DFSP as the SDK builds it")
    func accepted() throws {
        let (waiting, first) = try run([.requested(Self.request, autoAcceptParty: false), .partyResolved(Self.payer)])
        #expect(first == [.requested(Self.request, autoAcceptParty: false), .partyLookupStarted(Self.request.to.partyIdInfo), .partyResolved(Self.payer)])
        #expect(waiting.phase.sdkState == "WAITING_FOR_PARTY_ACCEPTANCE")
        let events = try waiting.decide(.partyDecision(accepted: true), Self.context)
        guard case let .transactionRequestSent(body, destination, deadline)? = events.last else { Issue.record("no request sent"); return }
        #expect(events.first == .partyAccepted)
        #expect(destination == "payerfsp" && deadline == Self.now.adding(milliseconds: 30_000))
        #expect(body.transactionRequestId == "r1")
        #expect(body.payee.partyIdInfo == PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27710000000", fspId: "payerfsp"))
        #expect(body.payee.personalInfo?.complexName?.firstName == "Pat")
        #expect(body.payer == PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27720000000", fspId: "payeefsp"))
        #expect(body.amount == Money(currency: "XXX", amount: "15"))
        #expect(body.transactionType.initiator == "PAYEE" && body.transactionType.initiatorType == "CONSUMER")
    }

    @Test("the answer completes it; a later answer is passed to the core; duplicates and late answers change nothing else")
    func answered() throws {
        let received = TransactionRequestsIDPutResponse(transactionId: "t1", transactionRequestState: "RECEIVED")
        let accepted = TransactionRequestsIDPutResponse(transactionId: "t1", transactionRequestState: "ACCEPTED")
        let (state, events) = try run([.requested(Self.request, autoAcceptParty: true), .partyResolved(Self.payer),
                                       .answered(received, source: "payerfsp"), .answered(accepted, source: "payerfsp"),
                                       .deadlinePassed(Self.now.adding(milliseconds: 60_000))])
        #expect(state.phase == .completed && state.response == received && state.notifications == 1)
        #expect(events.last == .notified(accepted))
    }

    @Test("errors: a party that does not match or has no DFSP, a failed lookup, a refusal, a timeout, a rejected party")
    func failures() throws {
        let other = Party(partyIdInfo: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "1", fspId: "payerfsp"))
        #expect(try run([.requested(Self.request, autoAcceptParty: true), .partyResolved(other)]).0.phase == .errored)
        let notFound = FSPIOPError(.partyNotFound).errorInformation
        #expect(try run([.requested(Self.request, autoAcceptParty: true), .partyLookupFailed(notFound)]).0.lastError?.mojaloopError == notFound)
        let refusal = FSPIOPError(.payerUnsupportedCurrency).errorInformation
        let (refused, _) = try run([.requested(Self.request, autoAcceptParty: true), .partyResolved(Self.payer), .refused(refusal)])
        #expect(refused.phase.sdkState == "ERROR_OCCURRED" && refused.lastError?.mojaloopError == refusal)
        let (timedOut, _) = try run([.requested(Self.request, autoAcceptParty: true), .partyResolved(Self.payer),
                                     .deadlinePassed(Self.now.adding(milliseconds: 30_000))])
        #expect(timedOut.lastError?.httpStatusCode == 504)
        let (rejected, _) = try run([.requested(Self.request, autoAcceptParty: false), .partyResolved(Self.payer), .partyDecision(accepted: false)])
        #expect(rejected.phase == .errored)
        #expect(throws: FSPIOPError.self) { try rejected.decide(.partyDecision(accepted: true), Self.context) }
        #expect(throws: FSPIOPError.self) { try rejected.decide(.requested(Self.request, autoAcceptParty: true), Self.context) }
    }

    @Test("received: the core is asked, its answer goes back; a resend is answered again; a different request under the same id is refused")
    func incoming() throws {
        let body = TransactionRequestsPostRequest(
            transactionRequestId: "r1", payee: Party(partyIdInfo: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27710000000", fspId: "payerfsp")),
            payer: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27720000000", fspId: "payeefsp"),
            amount: Money(currency: "XXX", amount: "15"), transactionType: TransactionType(scenario: "TRANSFER", initiator: "PAYEE", initiatorType: "CONSUMER"))
        var state = IncomingTransactionRequest(id: "r1")
        for fact in [IncomingTransactionRequestFact.received(body, source: "payeefsp"),
                     .coreAnswered(try BackendTransactionRequestResponse(transactionId: "t1", transactionRequestState: "RECEIVED").fspiopAnswer.get())] {
            state = try state.decide(fact).reduce(state) { $0.evolve($1) }
        }
        #expect(state.answer == TransactionRequestsIDPutResponse(transactionId: "t1", transactionRequestState: "RECEIVED"))
        #expect(try state.decide(.received(body, source: "payeefsp")) == [.answerRepeated])
        var changed = body
        changed.amount.amount = "16"
        #expect(throws: FSPIOPError(.modifiedRequest, "transactionRequestId r1 was used for a different request")) {
            try state.decide(.received(changed, source: "payeefsp"))
        }
        let fresh = try IncomingTransactionRequest(id: "r1").decide(.received(body, source: "payeefsp"))
        let asking = fresh.reduce(IncomingTransactionRequest(id: "r1")) { $0.evolve($1) }
        #expect(try asking.decide(.received(body, source: "payeefsp")).isEmpty, "a resend while the core is asked")
        guard case .failure = BackendTransactionRequestResponse(transactionRequestState: "MAYBE").fspiopAnswer else {
            Issue.record("an unknown state was passed on"); return
        }
    }

    @Test("every request-to-pay event has a schema, validates and decodes back")
    func schemas() throws {
        let response = TransactionRequestsIDPutResponse(transactionId: "t1", transactionRequestState: "RECEIVED")
        let (_, sent) = try run([.requested(Self.request, autoAcceptParty: true), .partyResolved(Self.payer)])
        let outbound: [RequestToPayEvent] = sent + [.answered(response, source: "payerfsp"), .notified(response),
                                                    .failed(TransferError(FSPIOPError(.serverTimedOut), httpStatusCode: 504))]
        #expect(Set(outbound.map(\.wireName)) == Set(RequestToPayEvent.wireNames))
        for event in outbound {
            let payload = try event.payload
            let problems = try EventSchemaTests.schema(event.wireName).violations(of: payload)
            #expect(problems.isEmpty, "\(event.wireName): \(problems)")
            #expect(try RequestToPayEvent(wireName: event.wireName, payload: payload) == event)
        }
        guard case let .transactionRequestSent(body, _, _)? = sent.last else { Issue.record("no request sent"); return }
        let inbound: [IncomingTransactionRequestEvent] = [.received(body, source: "payeefsp"), .answered(response),
                                                           .refused(FSPIOPError(.payerRejectedTxnRequest).errorInformation), .answerRepeated]
        #expect(Set(inbound.map(\.wireName)) == Set(IncomingTransactionRequestEvent.wireNames))
        for event in inbound {
            let payload = try event.payload
            let problems = try EventSchemaTests.schema(event.wireName).violations(of: payload)
            #expect(problems.isEmpty, "\(event.wireName): \(problems)")
            #expect(try IncomingTransactionRequestEvent(wireName: event.wireName, payload: payload) == event)
        }
    }
}
