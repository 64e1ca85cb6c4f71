import AsyncHTTPClient
import Connector
import EventLog
import FSPIOP
import Foundation
import PaymentDomain
import PaymentManager
import Simulators
import Logging
import Testing
import Processing

@Suite("End to end: payer and payee Payment Managers through the hub simulator, JWS and mutual TLS on")
struct EndToEndTests {
    @Test("a P2P transfer completes with a fulfilment whose SHA-256 is the condition; the books add up; every record has a valid schema")
    func transferCompletes() async throws {
        try await withTopology { topology in
            let outcome = try await topology.payerCore.sendTransfer(from: topology.payerAccount(0), to: topology.payeeParty(0),
                                                                    amount: "12.5", currency: "XXX")
            #expect(outcome.state == "COMPLETED", "\(outcome)")
            let transferId = try #require(outcome.transferId)
            let transfer = try #require(topology.payer.board.transfer(transferId))
            let fulfilment = try #require(transfer.fulfil?.fulfilment)
            let condition = try #require(transfer.prepare?.condition)
            #expect(ILP.fulfils(fulfilment, condition: condition))
            #expect(topology.hub.transfer(id: transferId)?.transferState == "COMMITTED")
            #expect(topology.payerCore.balance(of: topology.payerAccount(0)) == CoreAmount("999987.5")!)
            #expect(topology.payeeCore.balance(of: "payee-0") == CoreAmount("12.5")!)
            try await eventually("the payee's core to learn the outcome") { topology.payeeCore.inboundTransferState(transferId) != nil }

            // Every record on both logs is an envelope whose payload validates against its type's schema.
            let types = try await topology.validatedRecordTypes()
            #expect(types.isSuperset(of: ["fspiop.received", "core.transfer-requested", "core.quote-answered", "core.transfer-answered",
                                          "effect.completed", "transfer.outbound.fulfilled", "transfer.inbound.fulfil-sent", "party.resolved"]))
        }
    }

    @Test("party and quote acceptance in two steps: WAITING_FOR_PARTY_ACCEPTANCE, WAITING_FOR_QUOTE_ACCEPTANCE, COMPLETED")
    func twoStepAcceptance() async throws {
        try await withTopology { topology in
            let api = topology.payerAPI
            let first = try await api.call("POST", "/transfers", OutboundCaller.transferRequest(
                from: "27710000001", to: "27720000001", autoAcceptParty: false, autoAcceptQuote: false))
            #expect(first.status == 200)
            #expect(first.body["currentState"]?.stringValue == "WAITING_FOR_PARTY_ACCEPTANCE")
            #expect(first.body["getPartiesResponse"]?["body"]?["party"]?["partyIdInfo"]?["fspId"]?.stringValue == "payeefsp")
            #expect(first.body["to"]?["fspId"]?.stringValue == "payeefsp")
            let id = try #require(first.body["transferId"]?.stringValue)

            let second = try await api.call("PUT", "/transfers/\(id)", .object([("acceptParty", .bool(true))]))
            #expect(second.status == 200)
            #expect(second.body["currentState"]?.stringValue == "WAITING_FOR_QUOTE_ACCEPTANCE")
            #expect(second.body["quoteResponse"]?["body"]?["condition"]?.stringValue != nil)
            #expect(second.body["quoteResponseSource"]?.stringValue == "payeefsp")

            // A decision the transfer is not waiting for is refused and changes nothing.
            let wrong = try await api.call("PUT", "/transfers/\(id)", .object([("acceptParty", .bool(true))]))
            #expect(wrong.status == 500)
            #expect(wrong.body["transferState"]?["currentState"]?.stringValue == "WAITING_FOR_QUOTE_ACCEPTANCE")

            let third = try await api.call("PUT", "/transfers/\(id)", .object([("acceptQuote", .bool(true))]))
            #expect(third.status == 200)
            #expect(third.body["currentState"]?.stringValue == "COMPLETED")
            #expect(third.body["fulfil"]?["body"]?["transferState"]?.stringValue == "COMMITTED")

            let status = try await api.call("GET", "/transfers/\(id)")
            #expect(status.body["currentState"]?.stringValue == "COMPLETED")
        }
    }

    @Test("GET /parties on the outbound API: a known party with its FSP, an unknown one with 3204")
    func partyLookup() async throws {
        try await withTopology { topology in
            let known = try await topology.payerAPI.call("GET", "/parties/MSISDN/27720000007")
            #expect(known.status == 200)
            #expect(known.body["currentState"]?.stringValue == "COMPLETED")
            #expect(known.body["party"]?["body"]?["party"]?["partyIdInfo"]?["fspId"]?.stringValue == "payeefsp")
            #expect(known.body["party"]?["body"]?["party"]?["name"]?.stringValue == "Payee 7")
            let unknown = try await topology.payerAPI.call("GET", "/parties/MSISDN/27799999999")
            #expect(unknown.status == 404)
            #expect(unknown.body["errorInformation"]?["errorCode"]?.stringValue == "3204")
        }
    }

    @Test("rejecting the party aborts the transfer: ABORTED, nothing sent to the payee")
    func rejectParty() async throws {
        try await withTopology { topology in
            let api = topology.payerAPI
            let first = try await api.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000001", to: "27720000002", autoAcceptParty: false))
            let id = try #require(first.body["transferId"]?.stringValue)
            let rejected = try await api.call("PUT", "/transfers/\(id)", .object([("acceptParty", .bool(false))]))
            #expect(rejected.status == 200)
            #expect(rejected.body["currentState"]?.stringValue == "ABORTED")
            #expect(topology.hub.transfer(id: id) == nil)
        }
    }

    @Test("an unknown party ends in ERROR_OCCURRED with the hub's 3204 as lastError")
    func unknownParty() async throws {
        try await withTopology { topology in
            let answer = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000001", to: "27799999999"))
            #expect(answer.status == 500)
            #expect(answer.body["statusCode"]?.stringValue == "3204")
            #expect(answer.body["transferState"]?["currentState"]?.stringValue == "ERROR_OCCURRED")
            #expect(answer.body["transferState"]?["lastError"]?["mojaloopError"]?["errorInformation"]?["errorCode"]?.stringValue == "3204")
        }
    }

    @Test("the payee's core refusing the quote ends in ERROR_OCCURRED with the payee's error; no money moves")
    func payeeRejectsQuote() async throws {
        try await withTopology { topology in
            let answer = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000001", to: "27720000003", currency: "EUR"))
            #expect(answer.status == 500)
            #expect(answer.body["transferState"]?["currentState"]?.stringValue == "ERROR_OCCURRED")
            let code = try #require(answer.body["statusCode"]?.stringValue)
            #expect(code.hasPrefix("5") || code.hasPrefix("3"), "\(code)")
            #expect(topology.payeeCore.balance(of: "payee-3") == .zero)
        }
    }

    @Test("no answer from the payee's DFSP: the lookup times out, 504 with 2004")
    func timeout() async throws {
        let deadPort = try Self.closedPort()
        try await withTopology({ options in
            options.requestTimeoutSeconds = 2
            options.extraParticipants = [HubParticipant(fspId: "ghostfsp", endpoint: "https://127.0.0.1:\(deadPort)", currency: "XXX", netDebitCap: "1000")]
            options.extraParties = [HubParty(partyIdType: "MSISDN", partyIdentifier: "27730000000", fspId: "ghostfsp")]
        }) { topology in
            let answer = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000001", to: "27730000000"))
            #expect(answer.status == 504)
            #expect(answer.body["statusCode"]?.stringValue == "2004")
            #expect(answer.body["transferState"]?["currentState"]?.stringValue == "ERROR_OCCURRED")
        }
    }

    @Test("a transfer prepared after its quote expired is refused by the payee with 3302")
    func expiredQuote() async throws {
        try await withTopology({ options in
            options.payeeQuoteExpirySeconds = 1
            options.rejectTransfersOnExpiredQuotes = true
        }) { topology in
            let api = topology.payerAPI
            let first = try await api.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000001", to: "27720000004", autoAcceptQuote: false))
            #expect(first.body["currentState"]?.stringValue == "WAITING_FOR_QUOTE_ACCEPTANCE")
            let id = try #require(first.body["transferId"]?.stringValue)
            let expiration = try #require(first.body["quoteResponse"]?["body"]?["expiration"]?.stringValue.flatMap(Timestamp.init(dateTime:)))
            try await eventually("the quote to expire") { WallClock().now > expiration }
            let answer = try await api.call("PUT", "/transfers/\(id)", .object([("acceptQuote", .bool(true))]))
            #expect(answer.status == 500)
            #expect(answer.body["statusCode"]?.stringValue == "3302")
            #expect(topology.hub.transfer(id: id)?.transferState == "ABORTED")
        }
    }

    @Test("a callback with a bad signature is refused with 3105 and counted, not recorded; a duplicate fulfil changes nothing")
    func signaturesAndDuplicates() async throws {
        try await withTopology { topology in
            let outcome = try await topology.payerCore.sendTransfer(from: topology.payerAccount(5), to: topology.payeeParty(5), amount: "3", currency: "XXX")
            let transferId = try #require(outcome.transferId)
            let transfer = try #require(topology.payer.board.transfer(transferId))
            let fulfil = try #require(transfer.fulfil)
            let http = try topology.switchHTTPClient()
            let payeeKey = try topology.pki.participant("payeefsp").jwsKeyPath
            let payerKey = try topology.pki.participant("payerfsp").jwsKeyPath
            let logger = Logger(label: "test")

            // Signed with the wrong key: 3105, counted by reason; nothing from an unauthenticated sender reaches the log.
            let inboundBefore = try await topology.payerLog.read(ReadRequest(topic: "pm.fspiop.inbound", limit: 100_000)).count
            let forged = try topology.hubClient(to: topology.ports.payerInbound, as: "payeefsp", signingKeyPath: payerKey, http: http)
            let request = HubRequest(method: "PUT", resource: .transfers, path: "/transfers/\(transferId)", destination: "payerfsp",
                                     body: try JSONValueEncoder.encode(fulfil))
            let refusal = await #expect(throws: HubRequestError.self) { _ = try await forged.send(request, logger: logger) }
            #expect(refusal?.error.code == .invalidSignature)
            #expect(topology.payer.metrics.render().contains(#"pm_inbound_refused_total{reason="signature"} 1"#))
            #expect(try await topology.payerLog.read(ReadRequest(topic: "pm.fspiop.inbound", limit: 100_000)).count == inboundBefore)

            // Correctly signed duplicate of the fulfil: accepted (200), recorded, and the transfer is unchanged.
            let version = transfer.version
            let genuine = try topology.hubClient(to: topology.ports.payerInbound, as: "payeefsp", signingKeyPath: payeeKey, http: http)
            let sent = try await genuine.send(request, logger: logger)
            #expect(sent.status == 200)
            try await eventually("the duplicate to be processed") {
                try await topology.payerLog.groupLag("pm.processor").allSatisfy { $0.lag == 0 }
            }
            #expect(topology.payer.board.transfer(transferId)?.version == version)
            #expect(topology.payer.board.transfer(transferId)?.phase == .completed)
            await http.shutdown()
        }
    }

    /// A port nothing listens on.
    static func closedPort() throws -> Int {
        try FreePort.allocate()
    }
}
