import FSPIOP
import PaymentDomain
import Synchronization
import Testing
@testable import Processing

/// One DFSP's processor decisions, without I/O: facts in, events and effects out, as the processor runs them.
struct Side {
    var router: FactRouter
    var store = AggregateStore()
    var facts = 0

    init(dfspId: String, secret: String = "secret") {
        router = FactRouter(outboundConfiguration: OutboundConfiguration(dfspId: dfspId),
                            inboundConfiguration: InboundConfiguration(dfspId: dfspId, ilpSecret: secret), hubId: "switch")
    }

    /// Routes a fact; returns what it decided and the effects of its events (the hub requests and backend calls).
    mutating func receive(_ fact: ConnectorFact, at now: Timestamp = SenderTests.now) -> (routed: Routed, effects: [Effect]) {
        facts += 1
        let routed = router.route(fact, factId: "fact-\(facts)", now: now, store: &store)
        let effects = routed.events.flatMap { router.effects(of: $0, store: store) } + routed.replies
        return (routed, effects)
    }

    /// A message from the hub, as the inbound edge records it.
    static func message(_ method: String, _ path: String, from source: String, to destination: String? = nil, body: JSONValue? = nil) -> ConnectorFact {
        .hubMessage(HubMessage(method: method, path: path, source: source, destination: destination, version: "1.1", signature: nil, body: body))
    }

    /// A hub request this side sent, delivered to another side as the hub forwards it.
    static func forwarded(_ request: HubRequest, from source: String) -> ConnectorFact {
        message(request.method, request.path, from: source, to: request.destination, body: request.body)
    }
}

/// Who may send what (the issue of trusted senders): a callback is accepted only from the party its aggregate waits
/// for, or from the hub; anything else changes nothing and is refused with 3100.
@Suite("Trusted senders")
struct SenderTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_908_728_000)
    static let transferId = "0b5e2fb4-a7c4-4a3e-9d3e-5b0f6f3c9a11"
    static let request = OutboundTransferRequest(
        homeTransactionId: "home-1", from: TransferParty(idType: "MSISDN", idValue: "27713803911"),
        to: TransferParty(idType: "MSISDN", idValue: "27713803912"), amountType: "SEND", currency: "USD", amount: "10", transactionType: "TRANSFER")
    static let partyPath = "/parties/MSISDN/27713803912"

    static func partyBody(fspId: String) throws -> JSONValue {
        try JSONValueEncoder.encode(PartiesTypeIDPutResponse(party: Party(partyIdInfo: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27713803912",
                                                                                                    fspId: fspId))))
    }

    /// The hub requests among effects.
    static func hubRequests(_ effects: [Effect]) -> [HubRequest] {
        effects.compactMap { if case let .hub(request, _) = $0 { return request }; if case let .reply(request) = $0 { return request }; return nil }
    }

    /// A payer and a payee side taken to the point where the payer waits for the payee's fulfil: the payer's prepare.
    static func payerWaitingForFulfil() throws -> (payer: Side, payee: Side, prepare: HubRequest) {
        var payer = Side(dfspId: "payerfsp")
        var payee = Side(dfspId: "payeefsp", secret: "payee-secret")
        _ = payer.receive(.transferRequested(transferId: transferId, request: request, autoAcceptParty: nil, autoAcceptQuote: nil))
        let resolved = payer.receive(Side.message("PUT", partyPath, from: "payeefsp", to: "payerfsp", body: try partyBody(fspId: "payeefsp")))
        let quote = try #require(hubRequests(resolved.effects).first { $0.path == "/quotes" })
        let asked = payee.receive(Side.forwarded(quote, from: "payerfsp"))
        guard case let .backendQuote(transactionId, quoteRequest)? = asked.effects.first else { throw Failure("the payee did not ask its core") }
        let answered = payee.receive(.quoteAnswered(transactionId: transactionId, answer: BackendQuoteResponse(
            quoteId: quoteRequest.quoteId, transactionId: transactionId, transferAmount: "10", transferAmountCurrency: "USD")))
        let quoteAnswer = try #require(hubRequests(answered.effects).first)
        let accepted = payer.receive(Side.forwarded(quoteAnswer, from: "payeefsp"))
        let prepare = try #require(hubRequests(accepted.effects).first { $0.path == "/transfers" })
        #expect(payer.store.outbound[transferId]?.phase == .transferring)
        return (payer, payee, prepare)
    }

    /// Delivers the payer's prepare to the payee, whose core answers with `state`; returns the payee's transaction id.
    static func deliver(_ prepare: HubRequest, to payee: inout Side, coreAnswers state: String) throws -> String {
        let received = payee.receive(Side.forwarded(prepare, from: "payerfsp"))
        guard case let .backendTransfer(transactionId, _, _, _)? = received.effects.first else { throw Failure("the payee did not ask its core") }
        _ = payee.receive(.transferAnswered(transactionId: transactionId, answer: BackendTransferResponse(homeTransactionId: "h", transferState: state)))
        return transactionId
    }

    struct Failure: Error { let reason: String; init(_ reason: String) { self.reason = reason } }

    @Test("PUT /parties from a DFSP other than the one the party names changes nothing and is refused; the owner's answer goes on")
    func partiesFromTheOwner() throws {
        var payer = Side(dfspId: "payerfsp")
        _ = payer.receive(.transferRequested(transferId: Self.transferId, request: Self.request, autoAcceptParty: nil, autoAcceptQuote: nil))
        let before = payer.store.outbound[Self.transferId]
        // A DFSP that names itself the owner of someone else's party would have the payment sent to it.
        let forged = payer.receive(Side.message("PUT", Self.partyPath, from: "evilfsp", to: "payerfsp", body: try Self.partyBody(fspId: "payeefsp")))
        #expect(forged.routed.events.isEmpty && forged.effects.isEmpty)
        #expect(forged.routed.refusedSender?.code == .validationError)
        #expect(forged.routed.refusedSender?.errorDescription.contains("evilfsp") == true)
        #expect(payer.store.outbound[Self.transferId] == before)
        // The owner answers: the lookup resolves and the quote goes to it.
        let genuine = payer.receive(Side.message("PUT", Self.partyPath, from: "payeefsp", to: "payerfsp", body: try Self.partyBody(fspId: "payeefsp")))
        #expect(genuine.routed.refusedSender == nil)
        #expect(Self.hubRequests(genuine.effects).first?.destination == "payeefsp")
        // Any DFSP, and the hub, may say that it does not know the party: a failed lookup moves no money.
        var other = Side(dfspId: "payerfsp")
        _ = other.receive(.transferRequested(transferId: Self.transferId, request: Self.request, autoAcceptParty: nil, autoAcceptQuote: nil))
        let unknown = other.receive(Side.message("PUT", Self.partyPath + "/error", from: "somefsp", to: "payerfsp",
                                                 body: try JSONValueEncoder.encode(FSPIOPError(.partyNotFound).errorInformation)))
        #expect(unknown.routed.refusedSender == nil)
        #expect(other.store.outbound[Self.transferId]?.phase == .errored)
    }

    @Test("PUT /quotes is accepted only from the DFSP the quote was asked of, or the hub")
    func quotesFromTheAskedDFSP() throws {
        var payer = Side(dfspId: "payerfsp")
        _ = payer.receive(.transferRequested(transferId: Self.transferId, request: Self.request, autoAcceptParty: nil, autoAcceptQuote: nil))
        _ = payer.receive(Side.message("PUT", Self.partyPath, from: "payeefsp", to: "payerfsp", body: try Self.partyBody(fspId: "payeefsp")))
        let quoteId = try #require(payer.store.outbound[Self.transferId]?.quoteId)
        let error = try JSONValueEncoder.encode(FSPIOPError(.payeeRejectedQuote).errorInformation)
        let forged = payer.receive(Side.message("PUT", "/quotes/\(quoteId)/error", from: "evilfsp", to: "payerfsp", body: error))
        #expect(forged.routed.refusedSender != nil && forged.routed.events.isEmpty)
        #expect(payer.store.outbound[Self.transferId]?.phase == .requestingQuote)
        let fromHub = payer.receive(Side.message("PUT", "/quotes/\(quoteId)/error", from: "switch", to: "payerfsp", body: error))
        #expect(fromHub.routed.refusedSender == nil)
        #expect(payer.store.outbound[Self.transferId]?.phase == .errored)
    }

    @Test("a payer's transfer ends only by the payee's DFSP or the hub: another DFSP's ABORTED or error changes nothing",
          arguments: ["ABORTED", "error"])
    func transfersFromThePayee(_ kind: String) throws {
        var (payer, _, _) = try Self.payerWaitingForFulfil()
        let path = kind == "error" ? "/transfers/\(Self.transferId)/error" : "/transfers/\(Self.transferId)"
        let body = kind == "error" ? try JSONValueEncoder.encode(FSPIOPError(.transferExpired).errorInformation)
            : JSONValue.object([("transferState", .string("ABORTED")), ("completedTimestamp", .string(Self.now.dateTime))])
        let forged = payer.receive(Side.message("PUT", path, from: "evilfsp", to: "payerfsp", body: body))
        #expect(forged.routed.refusedSender != nil && forged.routed.events.isEmpty)
        #expect(payer.store.outbound[Self.transferId]?.phase == .transferring)
        let fromHub = payer.receive(Side.message("PUT", path, from: "Switch", to: "payerfsp", body: body))
        #expect(fromHub.routed.refusedSender == nil, "the hub's name is compared without case")
        #expect(payer.store.outbound[Self.transferId]?.phase.isTerminal == true)
    }

    @Test("to a payee, PATCH and PUT /transfers/{ID}/error come from the hub alone: a DFSP cannot make the core reverse a credit")
    func payeeNotificationsFromTheHub() throws {
        var (_, payee, prepare) = try Self.payerWaitingForFulfil()
        let transactionId = try Self.deliver(prepare, to: &payee, coreAnswers: "RESERVED")
        let reserved = try #require(payee.store.inbound[transactionId]?.phase)
        let aborted = JSONValue.object([("transferState", .string("ABORTED")), ("completedTimestamp", .string(Self.now.dateTime))])
        let error = try JSONValueEncoder.encode(FSPIOPError(.transferExpired).errorInformation)
        for (method, path, body) in [("PATCH", "/transfers/\(Self.transferId)", aborted), ("PUT", "/transfers/\(Self.transferId)/error", error)] {
            for source in ["payerfsp", "evilfsp"] {
                let forged = payee.receive(Side.message(method, path, from: source, to: "payeefsp", body: body))
                #expect(forged.routed.refusedSender != nil, "\(method) from \(source)")
                #expect(forged.effects.isEmpty && forged.routed.events.isEmpty, "\(method) from \(source)")
            }
        }
        #expect(payee.store.inbound[transactionId]?.phase == reserved)
        let fromHub = payee.receive(Side.message("PATCH", "/transfers/\(Self.transferId)", from: "switch", to: "payeefsp", body: aborted))
        #expect(fromHub.routed.refusedSender == nil)
        #expect(fromHub.effects.contains { if case .backendNotify = $0 { return true }; return false })
    }

    @Test("GET /transfers/{ID} and GET /quotes/{ID} are answered only to the payer's DFSP and the hub; to others the id is unknown")
    func queriesAnsweredToParticipants() throws {
        var (payer, payee, prepare) = try Self.payerWaitingForFulfil()
        _ = try Self.deliver(prepare, to: &payee, coreAnswers: "COMMITTED")
        let quoteId = try #require(payer.store.outbound[Self.transferId]?.quoteId)
        for (path, notFound) in [("/transfers/\(Self.transferId)", "3208"), ("/quotes/\(quoteId)", "3205")] {
            let stranger = Self.hubRequests(payee.receive(Side.message("GET", path, from: "evilfsp", to: "payeefsp")).effects)
            #expect(stranger.count == 1 && stranger[0].path == path + "/error" && stranger[0].destination == "evilfsp")
            #expect(stranger[0].body?["errorInformation"]?["errorCode"]?.stringValue == notFound)
            for source in ["payerfsp", "switch"] {
                let answer = Self.hubRequests(payee.receive(Side.message("GET", path, from: source, to: "payeefsp")).effects)
                #expect(answer.count == 1 && answer[0].path == path && answer[0].destination == source, "\(path) from \(source)")
            }
        }
        _ = payer.receive(Side.message("GET", "/transfers/\(Self.transferId)", from: "switch"))
    }
}
