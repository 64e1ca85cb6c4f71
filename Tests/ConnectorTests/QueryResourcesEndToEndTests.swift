import Connector
import EventLog
import FSPIOP
import Foundation
import Logging
import PaymentManager
import Testing
import Processing

/// The hub's queries a DFSP answers from what it knows: `GET /quotes/{ID}` (the quote it sent), `GET /transactions/{ID}`
/// (the state of a transaction it quoted),
/// `GET /participants/{Type}/{ID}` (whether a party is its own) and `GET /authorizations/{ID}` (the OTP
/// its customer entered for a request to pay). Each answer goes through the hub to the asking DFSP,
/// whose log records it.
@Suite("End to end: GET /quotes, GET /transactions, GET /participants and GET /authorizations answered through the hub")
struct QueryResourcesEndToEndTests {
    /// The callbacks `log` received on `path`.
    static func received(_ log: any EventLog, path: String) async throws -> [Envelope] {
        try await log.read(ReadRequest(topic: "pm.fspiop.inbound", limit: 10_000))
            .compactMap { try? Envelope(bytes: $0.value) }
            .filter { $0.type == "fspiop.received" && $0.payload["path"]?.stringValue == path }
    }

    @Test("each query is answered with what the DFSP holds, or the FSPIOP error for what it does not")
    func queries() async throws {
        try await withTopology { topology in
            let http = try topology.switchHTTPClient()
            let logger = Logger(label: "test")
            let asPayer = try topology.hubClient(to: topology.ports.payeeInbound, as: "payerfsp",
                                                 signingKeyPath: try topology.pki.participant("payerfsp").jwsKeyPath, http: http)

            // A transfer, so that the payee has sent a quote.
            let outcome = try await topology.payerCore.sendTransfer(from: topology.payerAccount(1), to: topology.payeeParty(1), amount: "4", currency: "XXX")
            let transferId = try #require(outcome.transferId)
            let quoteId = try #require(topology.payer.board.transfer(transferId)?.quoteId)
            let sentQuote = try #require(topology.payer.board.transfer(transferId)?.quoteResponse)

            // GET /quotes/{ID}: the same quote again; an unknown quote: 3205.
            _ = try await asPayer.send(HubRequest(method: "GET", resource: .quotes, path: "/quotes/\(quoteId)", destination: "payeefsp", body: nil), logger: logger)
            try await eventually("the quote sent again") { try await Self.received(topology.payerLog, path: "/quotes/\(quoteId)").count >= 2 }
            let again = try #require(try await Self.received(topology.payerLog, path: "/quotes/\(quoteId)").last)
            #expect(again.payload["body"]?["condition"]?.stringValue == sentQuote.condition)
            _ = try await asPayer.send(HubRequest(method: "GET", resource: .quotes, path: "/quotes/no-such-quote", destination: "payeefsp", body: nil), logger: logger)
            try await eventually("3205 for an unknown quote") {
                try await Self.received(topology.payerLog, path: "/quotes/no-such-quote/error").first?
                    .payload["body"]?["errorInformation"]?["errorCode"]?.stringValue == "3205"
            }

            // GET /transactions/{ID}: the transaction the payee quoted (the payer's transactionId is its transferId), or 3207.
            _ = try await asPayer.send(HubRequest(method: "GET", resource: .transactions, path: "/transactions/\(transferId)", destination: "payeefsp",
                                                  body: nil), logger: logger)
            try await eventually("the transaction's state") { try await !Self.received(topology.payerLog, path: "/transactions/\(transferId)").isEmpty }
            let transaction = try #require(try await Self.received(topology.payerLog, path: "/transactions/\(transferId)").first)
            #expect(transaction.payload["body"]?["transactionState"]?.stringValue == "COMPLETED")
            #expect(transaction.payload["body"]?["completedTimestamp"]?.stringValue != nil)
            _ = try await asPayer.send(HubRequest(method: "GET", resource: .transactions, path: "/transactions/no-such-transaction", destination: "payeefsp",
                                                  body: nil), logger: logger)
            try await eventually("3207 for an unknown transaction") {
                try await Self.received(topology.payerLog, path: "/transactions/no-such-transaction/error").first?
                    .payload["body"]?["errorInformation"]?["errorCode"]?.stringValue == "3207"
            }

            // GET /participants/{Type}/{ID}: this DFSP's party gets its fspId; another gets 3204.
            let own = "/participants/MSISDN/\(topology.payeeParty(2).idValue)"
            _ = try await asPayer.send(HubRequest(method: "GET", resource: .participants, path: own, destination: "payeefsp", body: nil), logger: logger)
            try await eventually("the participant answer") {
                try await Self.received(topology.payerLog, path: own).first?.payload["body"]?["fspId"]?.stringValue == "payeefsp"
            }
            _ = try await asPayer.send(HubRequest(method: "GET", resource: .participants, path: "/participants/MSISDN/123", destination: "payeefsp",
                                                  body: nil), logger: logger)
            try await eventually("3204 for a party that is not the DFSP's") {
                try await Self.received(topology.payerLog, path: "/participants/MSISDN/123/error").first?
                    .payload["body"]?["errorInformation"]?["errorCode"]?.stringValue == "3204"
            }

            // GET /authorizations/{ID}: the OTP the payer's customer entered for a request to pay it received.
            let asked = try await topology.payeeAPI.call("POST", "/requestToPay", RequestToPayEndToEndTests.request(autoAcceptParty: true))
            let requestId = try #require(asked.body["transactionRequestId"]?.stringValue)
            let asPayee = try topology.hubClient(to: topology.ports.payerInbound, as: "payeefsp",
                                                 signingKeyPath: try topology.pki.participant("payeefsp").jwsKeyPath, http: http)
            _ = try await asPayee.send(HubRequest(method: "GET", resource: .authorizations, path: "/authorizations/\(requestId)", destination: "payerfsp",
                                                  body: nil), logger: logger)
            try await eventually("the authorization") { try await !Self.received(topology.payeeLog, path: "/authorizations/\(requestId)").isEmpty }
            let authorization = try #require(try await Self.received(topology.payeeLog, path: "/authorizations/\(requestId)").first)
            #expect(authorization.payload["body"]?["responseType"]?.stringValue == "ENTERED")
            #expect(authorization.payload["body"]?["authenticationInfo"]?["authentication"]?.stringValue == "OTP")
            #expect(authorization.payload["body"]?["authenticationInfo"]?["authenticationValue"]?.stringValue?.count == 6)
            await http.shutdown()
        }
    }

    @Test("the hub's ping is answered PUT /ping when its JWS signature verifies, and PUT /ping/error 3100 when it does not")
    func ping() async throws {
        try await withTopology { topology in
            #expect(try await topology.hub.ping("payerfsp") == .success)
            #expect(try await topology.hub.ping("payeefsp") == .success)

            // A ping claiming to be the switch's but signed with another key.
            let http = try topology.switchHTTPClient()
            let forged = try topology.hubClient(to: topology.ports.payeeInbound, as: "switch",
                                                signingKeyPath: try topology.pki.participant("payerfsp").jwsKeyPath, http: http)
            let requestId = RandomUUID.make()
            let sent = try await forged.send(HubRequest(method: "POST", resource: .ping, path: "/ping", destination: "payeefsp",
                                                        body: .object([("requestId", .string(requestId))])), logger: Logger(label: "test"))
            #expect(sent.status == 202)
            try await eventually("the forged ping refused") {
                guard case let .failed(error)? = topology.hub.pingOutcome(requestId) else { return false }
                return error.errorInformation.errorCode.rawValue == "3100"
            }
            #expect(topology.payee.metrics.total("pm_pings_total") == 2)
            await http.shutdown()
        }
    }
}

