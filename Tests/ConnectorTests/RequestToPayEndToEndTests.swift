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

    /// The payer's core pays request `id` (`POST /requestToPayTransfer`): its customer pays the payee's customer.
    static func payment(_ id: String, amount: String = "15", authenticationType: String? = "OTP") -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("homeR2PTransactionId", .string(UUID().uuidString)), ("transactionRequestId", .string(id)),
            ("from", .object([("idType", .string("MSISDN")), ("idValue", .string("27710000000"))])),
            ("to", .object([("idType", .string("MSISDN")), ("idValue", .string("27720000000")), ("fspId", .string("payeefsp"))])),
            ("amountType", .string("RECEIVE")), ("currency", .string("XXX")), ("amount", .string(amount)),
            ("scenario", .string("PAYMENT")), ("initiator", .string("PAYEE")), ("initiatorType", .string("CONSUMER")),
        ]
        if let authenticationType { members.append(("authenticationType", .string(authenticationType))) }
        return .object(members)
    }

    /// The payee's core asks for 15 XXX and the payer's DFSP receives it; returns the transaction request id.
    static func requested(_ topology: Topology) async throws -> String {
        let asked = try await topology.payeeAPI.call("POST", "/requestToPay", Self.request(autoAcceptParty: true))
        #expect(asked.body["currentState"]?.stringValue == "COMPLETED", "\(asked.body)")
        return try #require(asked.body["transactionRequestId"]?.stringValue)
    }

    @Test("the payer pays a request to pay: the quote, then the OTP the customer typed at the payee's device, then the transfer: COMPLETED")
    func payWithOTP() async throws {
        try await withTopology { topology in
            let id = try await Self.requested(topology)
            let api = topology.payerAPI
            let quoted = try await api.call("POST", "/requestToPayTransfer", Self.payment(id))
            #expect(quoted.status == 200, "\(quoted.body)")
            #expect(quoted.body["currentState"]?.stringValue == "WAITING_FOR_QUOTE_ACCEPTANCE")
            #expect(quoted.body["transactionRequestId"]?.stringValue == id)
            #expect(quoted.body["quoteResponse"]?["body"]?["transferAmount"]?["amount"]?.stringValue == "15")
            #expect(quoted.body["quoteResponseSource"]?.stringValue == "payeefsp")
            let transferId = try #require(quoted.body["transferId"]?.stringValue)

            // Not waiting for the OTP yet: refused, nothing changes.
            let early = try await api.call("PUT", "/requestToPayTransfer/\(id)", .object([("acceptOTP", .bool(true))]))
            #expect(early.status == 500)
            #expect(early.body["transferState"]?["currentState"]?.stringValue == "WAITING_FOR_QUOTE_ACCEPTANCE")

            // The payer's core sent its customer an OTP; the customer types it at the payee's device.
            let otp = try #require(topology.payerCore.issuedOTP(forRequestToPay: id))
            topology.payeeCore.enterOTP(otp, forRequestToPay: id)
            let authorized = try await api.call("PUT", "/requestToPayTransfer/\(id)", .object([("acceptQuote", .bool(true))]))
            #expect(authorized.status == 200, "\(authorized.body)")
            #expect(authorized.body["currentState"]?.stringValue == "WAITING_FOR_AUTH_ACCEPTANCE")
            let entered = authorized.body["authorizationResponse"]?["body"]
            #expect(entered?["responseType"]?.stringValue == "ENTERED")
            #expect(entered?["authenticationInfo"]?["authenticationValue"]?.stringValue == otp, "the payer's core checks the OTP it sent")

            let paid = try await api.call("PUT", "/requestToPayTransfer/\(id)", .object([("acceptOTP", .bool(true))]))
            #expect(paid.status == 200, "\(paid.body)")
            #expect(paid.body["currentState"]?.stringValue == "COMPLETED")
            #expect(paid.body["fulfil"]?["body"]?["transferState"]?.stringValue == "COMMITTED")
            #expect(topology.payeeCore.inboundTransferState(transferId) == "COMMITTED")
            let status = try await api.call("GET", "/transfers/\(transferId)")
            #expect(status.body["currentState"]?.stringValue == "COMPLETED")
            // Paid: not paid again.
            let again = try await api.call("POST", "/requestToPayTransfer", Self.payment(id))
            #expect(again.status == 400, "\(again.body)")

            let types = try await topology.validatedRecordTypes()
            #expect(types.isSuperset(of: ["core.r2p-transfer-requested", "core.r2p-transfer-decided", "transfer.outbound.r2p-requested",
                                          "transfer.outbound.authorization-requested", "transfer.outbound.authorization-received",
                                          "transfer.outbound.authorization-accepted", "transfer.outbound.fulfilled"]))
        }
    }

    @Test("the payer's core rejects the quote: the payee's DFSP gets REJECTED and tells its core; bad requests are refused")
    func rejectAndRefuse() async throws {
        try await withTopology { topology in
            let id = try await Self.requested(topology)
            let api = topology.payerAPI
            let quoted = try await api.call("POST", "/requestToPayTransfer", Self.payment(id, authenticationType: nil))
            #expect(quoted.body["currentState"]?.stringValue == "WAITING_FOR_QUOTE_ACCEPTANCE", "\(quoted.body)")
            let again = try await api.call("POST", "/requestToPayTransfer", Self.payment(id))
            #expect(again.status == 400, "a request to pay is paid once at a time: \(again.body)")

            let rejected = try await api.call("PUT", "/requestToPayTransfer/\(id)", .object([("acceptQuote", .bool(false))]))
            #expect(rejected.status == 200, "\(rejected.body)")
            #expect(rejected.body["status"]?.stringValue == "\(id) has been REJECTED")
            try await eventually("the payee's core hears of the rejection") {
                topology.payeeCore.requestToPayNotifications(id).contains { $0.transactionRequestState == "REJECTED" }
            }

            let missing = try await api.raw("POST", "/requestToPayTransfer", body: #"{"transactionRequestId":"b51ec534-ee48-4575-b6a9-ead2955b8069"}"#)
            #expect(missing.status == 400)
            #expect(missing.body["statusCode"]?.stringValue == "3102")
            var noFsp = Self.payment(UUID().uuidString.lowercased())
            if case var .object(members) = noFsp, let index = members.firstIndex(where: { $0.0 == "to" }) {
                members[index].1 = .object([("idType", .string("MSISDN")), ("idValue", .string("27720000000"))])
                noFsp = .object(members)
            }
            let refused = try await api.call("POST", "/requestToPayTransfer", noFsp)
            #expect(refused.status == 400, "\(refused.body)")
            let unknown = try await api.call("PUT", "/requestToPayTransfer/\(UUID().uuidString.lowercased())", .object([("acceptQuote", .bool(true))]))
            #expect(unknown.status == 404)
            let types = try await topology.validatedRecordTypes()
            #expect(types.contains("transfer.outbound.r2p-rejected"))
        }
    }
}
