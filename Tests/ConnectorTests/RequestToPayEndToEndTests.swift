import Connector
import FSPIOP
import Foundation
import PaymentManager
import Simulators
import Testing

/// Request to pay: the payee's core asks, through the payee's Payment Manager and the hub, the payer's
/// Payment Manager and core to pay (`POST /requestToPay`, `POST /transactionRequests`).
@Suite("End to end: requests to pay between the two Payment Managers, JWS and mutual TLS on")
struct RequestToPayEndToEndTests {
    /// The payee's customer (`from`) asks the payer's customer (`to`) for `amount`.
    static func request(to payer: String = "27710000000", amount: String = "15", currency: String = "XXX",
                        autoAcceptParty: Bool? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("homeR2PTransactionId", .string(UUID().uuidString)),
            ("from", .object([("idType", .string("MSISDN")), ("idValue", .string("27720000000"))])),
            ("to", .object([("idType", .string("MSISDN")), ("idValue", .string(payer))])),
            ("amountType", .string("RECEIVE")), ("currency", .string(currency)), ("amount", .string(amount)),
            ("transactionType", .string("TRANSFER")),
        ]
        if let autoAcceptParty { members.append(("autoAcceptParty", .bool(autoAcceptParty))) }
        return .object(members)
    }

    @Test("the party is accepted in a second step, then the payer's core receives the request and its answer comes back: COMPLETED")
    func twoSteps() async throws {
        try await withTopology { topology in
            let api = topology.payeeAPI
            let first = try await api.call("POST", "/requestToPay", Self.request())
            #expect(first.status == 200, "\(first.body)")
            #expect(first.body["currentState"]?.stringValue == "WAITING_FOR_PARTY_ACCEPTANCE")
            #expect(first.body["getPartiesResponse"]?["body"]?["party"]?["partyIdInfo"]?["fspId"]?.stringValue == "payerfsp")
            #expect(first.body["to"]?["fspId"]?.stringValue == "payerfsp")
            #expect(first.body["from"]?["fspId"]?.stringValue == "payeefsp")
            let id = try #require(first.body["transactionRequestId"]?.stringValue)
            #expect(topology.payerCore.receivedRequestToPay(id) == nil, "sent before the party was accepted")

            let second = try await api.call("PUT", "/requestToPay/\(id)", .object([("acceptParty", .bool(true))]))
            #expect(second.status == 200, "\(second.body)")
            #expect(second.body["currentState"]?.stringValue == "COMPLETED")
            #expect(second.body["transactionRequestResponse"]?["body"]?["transactionRequestState"]?.stringValue == "RECEIVED")
            #expect(second.body["transactionRequestResponse"]?["headers"]?["fspiop-source"]?.stringValue == "payerfsp")
            let received = try #require(topology.payerCore.receivedRequestToPay(id))
            #expect(received.accountId == topology.payerAccount(0))
            #expect(received.amount == CoreAmount("15")!)

            // Asked again for the same request: refused, the request has moved on.
            let again = try await api.call("PUT", "/requestToPay/\(id)", .object([("acceptParty", .bool(true))]))
            #expect(again.status == 500)
            #expect(again.body["requestToPayState"]?["currentState"]?.stringValue == "COMPLETED")
            let state = try await api.call("GET", "/requestToPay/\(id)")
            #expect(state.body["currentState"]?.stringValue == "COMPLETED")
        }
    }

    @Test("refusals end in ERROR_OCCURRED with the error that came back: an unknown party (3204), the payer's core refusing, a rejected party")
    func failures() async throws {
        try await withTopology { topology in
            let api = topology.payeeAPI
            let unknown = try await api.call("POST", "/requestToPay", Self.request(to: "27790000000", autoAcceptParty: true))
            #expect(unknown.status == 500, "\(unknown.body)")
            #expect(unknown.body["statusCode"]?.stringValue == "3204")
            #expect(unknown.body["requestToPayState"]?["currentState"]?.stringValue == "ERROR_OCCURRED")

            // The payer's account holds XXX: the payer's core refuses a request in USD (4103), which comes
            // back as PUT /transactionRequests/{ID}/error.
            let refused = try await api.call("POST", "/requestToPay", Self.request(currency: "USD", autoAcceptParty: true))
            #expect(refused.status == 500, "\(refused.body)")
            #expect(refused.body["statusCode"]?.stringValue == "4103")
            #expect(refused.body["requestToPayState"]?["lastError"]?["mojaloopError"]?["errorInformation"]?["errorCode"]?.stringValue == "4103")

            let first = try await api.call("POST", "/requestToPay", Self.request())
            let id = try #require(first.body["transactionRequestId"]?.stringValue)
            let rejected = try await api.call("PUT", "/requestToPay/\(id)", .object([("acceptParty", .bool(false))]))
            #expect(rejected.status == 500)
            #expect(rejected.body["requestToPayState"]?["currentState"]?.stringValue == "ERROR_OCCURRED")
            #expect(topology.payerCore.receivedRequestToPay(id) == nil)

            let malformed = try await api.raw("POST", "/requestToPay", body: #"{"from":{"idType":"MSISDN","idValue":"1"}}"#)
            #expect(malformed.status == 400)
            #expect(malformed.body["statusCode"]?.stringValue == "3102")
            let types = try await topology.validatedRecordTypes()
            #expect(types.isSuperset(of: ["core.r2p-requested", "core.r2p-decided", "r2p.outbound.failed", "r2p.inbound.received",
                                          "r2p.inbound.refused", "core.transaction-request-refused"]))
        }
    }
}
