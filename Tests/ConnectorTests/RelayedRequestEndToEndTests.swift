import Connector
import FSPIOP
import Foundation
import PaymentManager
import Simulators
import Testing

/// `POST /quotes` and `POST /simpleTransfers` of the outbound API: the core writes the FSPIOP bodies
/// itself, the connector signs and relays them and answers with the callback.
@Suite("End to end: relayed quotes and simple transfers, JWS and mutual TLS on")
struct RelayedRequestEndToEndTests {
    static func quoteRequest(quoteId: String, transactionId: String, to fspId: String = "payeefsp", payee: String = "27720000000",
                             amount: String = "7") throws -> JSONValue {
        try JSONParser.parse(Array("""
        {"fspId":"\(fspId)","quotesPostRequest":{"quoteId":"\(quoteId)","transactionId":"\(transactionId)",
         "payee":{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"\(payee)","fspId":"\(fspId)"}},
         "payer":{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"27710000000","fspId":"payerfsp"}},
         "amountType":"SEND","amount":{"currency":"XXX","amount":"\(amount)"},
         "transactionType":{"scenario":"TRANSFER","initiator":"PAYER","initiatorType":"CONSUMER"}}}
        """.utf8))
    }

    @Test("a quote and then a transfer written by the core complete: the fulfilment hashes to the quote's condition and the payee is credited")
    func quoteThenTransfer() async throws {
        try await withTopology { topology in
            let api = topology.payerAPI
            let transactionId = IDs.make()
            let quoted = try await api.call("POST", "/quotes", try Self.quoteRequest(quoteId: IDs.make(), transactionId: transactionId))
            #expect(quoted.status == 200, "\(quoted.body)")
            #expect(quoted.body["currentState"]?.stringValue == "COMPLETED")
            #expect(quoted.body["quotes"]?["headers"]?["fspiop-source"]?.stringValue == "payeefsp")
            let quote = try #require(quoted.body["quotes"]?["body"])
            let condition = try #require(quote["condition"]?.stringValue)
            let ilpPacket = try #require(quote["ilpPacket"]?.stringValue)
            let amount = try #require(quote["transferAmount"])

            let expiration = WallClock().now.adding(milliseconds: 60_000).dateTime
            let prepare: JSONValue = .object([("fspId", .string("payeefsp")), ("transfersPostRequest", .object([
                ("transferId", .string(transactionId)), ("payeeFsp", .string("payeefsp")), ("payerFsp", .string("payerfsp")),
                ("amount", amount), ("ilpPacket", .string(ilpPacket)), ("condition", .string(condition)), ("expiration", .string(expiration)),
            ]))])
            let transferred = try await api.call("POST", "/simpleTransfers", prepare)
            #expect(transferred.status == 200, "\(transferred.body)")
            #expect(transferred.body["currentState"]?.stringValue == "COMPLETED")
            let fulfil = try #require(transferred.body["transfer"]?["body"])
            #expect(fulfil["transferState"]?.stringValue == "COMMITTED")
            #expect(ILP.fulfils(try #require(fulfil["fulfilment"]?.stringValue), condition: condition))
            #expect(topology.hub.transfer(id: transactionId)?.transferState == "COMMITTED")
            #expect(topology.payeeCore.balance(of: "payee-0") == CoreAmount("7")!)

            // The same ids again: refused, nothing sent.
            let again = try await api.call("POST", "/simpleTransfers", prepare)
            #expect(again.status == 400)
            #expect(again.body["statusCode"]?.stringValue == "3000")
        }
    }

    @Test("an error callback is answered as the SDK does (200, the error as the body); no callback in time is 504 with 2004")
    func errors() async throws {
        let deadPort = try FreePort.allocate()
        try await withTopology({ options in
            options.requestTimeoutSeconds = 2
            options.extraParticipants = [HubParticipant(fspId: "ghostfsp", endpoint: "https://127.0.0.1:\(deadPort)", currency: "XXX", netDebitCap: "1000")]
        }) { topology in
            let api = topology.payerAPI
            let unknown = try await api.call("POST", "/quotes", try Self.quoteRequest(quoteId: IDs.make(), transactionId: IDs.make(), to: "nobodyfsp"))
            #expect(unknown.status == 200, "\(unknown.body)")
            #expect(unknown.body["quotes"]?["body"]?["errorInformation"]?["errorCode"]?.stringValue == "3201")

            let silent = try await api.call("POST", "/quotes", try Self.quoteRequest(quoteId: IDs.make(), transactionId: IDs.make(), to: "ghostfsp"))
            #expect(silent.status == 504, "\(silent.body)")
            #expect(silent.body["statusCode"]?.stringValue == "2004")
            #expect(silent.body["quotes"]?["currentState"]?.stringValue == "ERROR_OCCURRED")
            let types = try await topology.validatedRecordTypes()
            #expect(types.isSuperset(of: ["core.relay-requested", "relayed.sent", "relayed.answered", "relayed.failed", "timer.deadline-passed"]))
        }
    }

    @Test("bodies that are not a relayable request are refused with the SDK's error shape, naming the member")
    func refusals() async throws {
        let cases = [
            (#"{"quotesPostRequest":{}}"#, "3102", "fspId"),
            (#"{"fspId":"payeefsp"}"#, "3102", "quotesPostRequest"),
            (#"{"fspId":"payeefsp","quotesPostRequest":{"quoteId":"x"}}"#, "3102", "quotesPostRequest."),
            (#"{"fspId":"payeefsp","quotesPostRequest":[],"extra":1}"#, "3101", "extra"),
            (#"not json"#, "3101", "body"),
        ]
        try await withTopology { topology in
            for (body, code, names) in cases {
                let answer = try await topology.payerAPI.raw("POST", "/quotes", body: body)
                #expect(answer.status == 400)
                #expect(answer.body["statusCode"]?.stringValue == code, "\(body): \(answer.body)")
                #expect(answer.body["message"]?.stringValue?.contains(names) == true, "\(body): \(answer.body)")
            }
        }
    }
}
