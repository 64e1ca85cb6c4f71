import Connector
import EventLog
import FSPIOP
import Foundation
import Logging
import PaymentManager
import Simulators
import Testing
import Processing

/// `POST /bulkQuotes` and `POST /bulkTransfers` another DFSP sends: the payee's `pm` asks its core, answers
/// each quote with its ILP packet and condition and each transfer with its fulfilment, through the hub
/// simulator, with mutual TLS and JWS on. The payer here is the test, signing as `payerfsp`.
@Suite("End to end: inbound bulk quotes and bulk transfers, JWS and mutual TLS on")
struct BulkEndToEndTests {
    /// A bulk quote for `payees` (MSISDNs); its quote ids are `quoteIds`, one per payee.
    static func bulkQuote(id: String, payees: [String], quoteIds: [String], amount: String = "3") throws -> JSONValue {
        let items = zip(payees, quoteIds).map { msisdn, quoteId in
            """
            {"quoteId":"\(quoteId)","transactionId":"\(IDs.make())",
             "payee":{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"\(msisdn)","fspId":"payeefsp"}},
             "amountType":"SEND","amount":{"currency":"XXX","amount":"\(amount)"},
             "transactionType":{"scenario":"TRANSFER","initiator":"PAYER","initiatorType":"CONSUMER"}}
            """
        }
        return try JSONParser.parse(Array("""
        {"bulkQuoteId":"\(id)","payer":{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"27710000000","fspId":"payerfsp"}},
         "individualQuotes":[\(items.joined(separator: ","))]}
        """.utf8))
    }

    /// The bulk transfer of the quotes that succeeded.
    static func bulkTransfer(id: String, quoteId: String, results: [JSONValue]) -> JSONValue {
        let transfers: [JSONValue] = results.compactMap { result in
            guard let packet = result["ilpPacket"], let condition = result["condition"], let amount = result["transferAmount"],
                  result["quoteId"] != nil else { return nil }
            return .object([("transferId", .string(IDs.make())), ("transferAmount", amount),
                            ("ilpPacket", packet), ("condition", condition)])
        }
        return .object([("bulkTransferId", .string(id)), ("bulkQuoteId", .string(quoteId)), ("payerFsp", .string("payerfsp")),
                        ("payeeFsp", .string("payeefsp")), ("individualTransfers", .array(transfers)),
                        ("expiration", .string(WallClock().now.adding(milliseconds: 60_000).dateTime))])
    }

    /// Runs `body` on a topology with two clients that sign as `payerfsp`: one talks to the payee's
    /// inbound API directly, the other to the hub.
    static func withPayer(_ body: (Topology, HubClient, HubClient, Logger) async throws -> Void) async throws {
        try await withTopology { topology in
            let http = try topology.switchHTTPClient()
            let key = try topology.pki.participant("payerfsp").jwsKeyPath
            let asPayer = try topology.hubClient(to: topology.ports.payeeInbound, as: "payerfsp", signingKeyPath: key, http: http)
            let viaHub = try topology.hubClient(to: topology.ports.hub, as: "payerfsp", signingKeyPath: key, http: http)
            do { try await body(topology, asPayer, viaHub, Logger(label: "test")) } catch {
                await http.shutdown()
                throw error
            }
            await http.shutdown()
        }
    }

    @Test("quotes get packets and conditions (an unknown payee its error), the transfers fulfilments that hash to them, and the payees are credited")
    func bulkQuoteThenTransfer() async throws {
        try await Self.withPayer { topology, asPayer, viaHub, logger in
            let received = { (path: String) async throws -> [Envelope] in try await QueryResourcesEndToEndTests.received(topology.payerLog, path: path) }

            // A bulk quote for two known payees and one the payee's core does not know.
            let bulkQuoteId = IDs.make()
            let payees = [topology.payeeParty(1).idValue, topology.payeeParty(2).idValue, "27729999999"]
            let quoteIds = payees.map { _ in IDs.make() }
            let request = try Self.bulkQuote(id: bulkQuoteId, payees: payees, quoteIds: quoteIds)
            _ = try await asPayer.send(HubRequest(method: "POST", resource: .bulkQuotes, path: "/bulkQuotes", destination: "payeefsp",
                                                  body: request), logger: logger)
            try await eventually("PUT /bulkQuotes") { try await !received("/bulkQuotes/\(bulkQuoteId)").isEmpty }
            let answer = try #require(try await received("/bulkQuotes/\(bulkQuoteId)").first?.payload["body"])
            let results = try #require(answer["individualQuoteResults"]?.elements)
            #expect(results.count == 3)
            #expect(results.filter { $0["condition"] != nil && $0["ilpPacket"] != nil }.count == 2)
            #expect(results.first { $0["quoteId"]?.stringValue == quoteIds[2] }?["errorInformation"]?["errorCode"]?.stringValue == "3204")

            // The same request again: the same answer again.
            _ = try await asPayer.send(HubRequest(method: "POST", resource: .bulkQuotes, path: "/bulkQuotes", destination: "payeefsp",
                                                  body: request), logger: logger)
            try await eventually("the answer again") { try await received("/bulkQuotes/\(bulkQuoteId)").count >= 2 }
            #expect(try await received("/bulkQuotes/\(bulkQuoteId)").last?.payload["body"] == answer)

            // The bulk transfer of the two quoted, through the hub: reserved, fulfilled, each fulfilment hashing
            // to its condition, committed.
            let before1 = topology.payeeCore.balance(of: "payee-1"), before2 = topology.payeeCore.balance(of: "payee-2")
            let position = { (fspId: String) in topology.hub.participantStates().first { $0.fspId == fspId }?.position }
            let payerBefore = position("payerfsp"), payeeBefore = position("payeefsp")
            let bulkTransferId = IDs.make()
            let transfer = Self.bulkTransfer(id: bulkTransferId, quoteId: bulkQuoteId, results: results)
            _ = try await viaHub.send(HubRequest(method: "POST", resource: .bulkTransfers, path: "/bulkTransfers", destination: "payeefsp",
                                                 body: transfer), logger: logger)
            try await eventually("PUT /bulkTransfers") { try await !received("/bulkTransfers/\(bulkTransferId)").isEmpty }
            let fulfilled = try #require(try await received("/bulkTransfers/\(bulkTransferId)").first?.payload["body"])
            #expect(fulfilled["bulkTransferState"]?.stringValue == "COMPLETED")
            let transferResults = try #require(fulfilled["individualTransferResults"]?.elements)
            #expect(transferResults.count == 2)
            for item in try #require(transfer["individualTransfers"]?.elements) {
                let result = try #require(transferResults.first { $0["transferId"] == item["transferId"] })
                let fulfilment = try #require(result["fulfilment"]?.stringValue)
                #expect(ILP.fulfils(fulfilment, condition: try #require(item["condition"]?.stringValue)))
            }
            try await eventually("the hub commits both") { topology.hub.bulkTransfer(id: bulkTransferId)?.state == "COMPLETED" }
            #expect(topology.hub.bulkTransfer(id: bulkTransferId)?.committed.count == 2)
            #expect(position("payerfsp").flatMap { Double($0) } == payerBefore.flatMap { Double($0) }.map { $0 + 6 })
            #expect(position("payeefsp").flatMap { Double($0) } == payeeBefore.flatMap { Double($0) }.map { $0 - 6 })
            #expect(topology.payeeCore.balance(of: "payee-1") == before1.flatMap { $0.adding(CoreAmount("3")!) })
            #expect(topology.payeeCore.balance(of: "payee-2") == before2.flatMap { $0.adding(CoreAmount("3")!) })

            // GET answers with what was sent; an unknown bulk gets 3209 / 3210.
            _ = try await viaHub.send(HubRequest(method: "GET", resource: .bulkTransfers, path: "/bulkTransfers/\(bulkTransferId)",
                                                 destination: "payeefsp", body: nil), logger: logger)
            try await eventually("the bulk transfer again") { try await received("/bulkTransfers/\(bulkTransferId)").count >= 2 }
            _ = try await asPayer.send(HubRequest(method: "GET", resource: .bulkQuotes, path: "/bulkQuotes/no-such-bulk", destination: "payeefsp",
                                                  body: nil), logger: logger)
            try await eventually("3209 for an unknown bulk quote") {
                try await received("/bulkQuotes/no-such-bulk/error").first?.payload["body"]?["errorInformation"]?["errorCode"]?.stringValue == "3209"
            }
        }
    }

    @Test("a bulk transfer whose condition is not its packet's is refused by the payee, an expired one by the hub; nothing is credited or reserved")
    func refusedBulkTransfers() async throws {
        try await Self.withPayer { topology, asPayer, viaHub, logger in
            let received = { (path: String) async throws -> [Envelope] in try await QueryResourcesEndToEndTests.received(topology.payerLog, path: path) }
            let bulkQuoteId = IDs.make()
            _ = try await asPayer.send(HubRequest(method: "POST", resource: .bulkQuotes, path: "/bulkQuotes", destination: "payeefsp",
                                                  body: try Self.bulkQuote(id: bulkQuoteId, payees: [topology.payeeParty(3).idValue],
                                                                           quoteIds: [IDs.make()])), logger: logger)
            try await eventually("PUT /bulkQuotes") { try await !received("/bulkQuotes/\(bulkQuoteId)").isEmpty }
            let results = try #require(try await received("/bulkQuotes/\(bulkQuoteId)").first?.payload["body"]?["individualQuoteResults"]?.elements)
            let before = topology.payeeCore.balance(of: "payee-3")

            // Another transfer's condition.
            let tamperedId = IDs.make()
            var tampered = Self.bulkTransfer(id: tamperedId, quoteId: bulkQuoteId, results: results)
            tampered = tampered.replacing(path: ["individualTransfers", "0", "condition"], with: .string(String(repeating: "A", count: 43)))
            _ = try await viaHub.send(HubRequest(method: "POST", resource: .bulkTransfers, path: "/bulkTransfers", destination: "payeefsp",
                                                 body: tampered), logger: logger)
            try await eventually("3106 for a condition that is not the packet's") {
                try await received("/bulkTransfers/\(tamperedId)/error").first?.payload["body"]?["errorInformation"]?["errorCode"]?.stringValue == "3106"
            }

            // Expired.
            let expiredId = IDs.make()
            var expired = Self.bulkTransfer(id: expiredId, quoteId: bulkQuoteId, results: results)
            expired = expired.replacing(path: ["expiration"], with: .string(WallClock().now.adding(milliseconds: -1000).dateTime))
            _ = try await viaHub.send(HubRequest(method: "POST", resource: .bulkTransfers, path: "/bulkTransfers", destination: "payeefsp",
                                                 body: expired), logger: logger)
            try await eventually("3303 for an expired bulk transfer") {
                try await received("/bulkTransfers/\(expiredId)/error").first?.payload["body"]?["errorInformation"]?["errorCode"]?.stringValue == "3303"
            }
            #expect(topology.payeeCore.balance(of: "payee-3") == before)
            #expect(topology.hub.bulkTransfer(id: tamperedId)?.state == "REJECTED")
            #expect(topology.hub.participantStates().first { $0.fspId == "payerfsp" }?.reserved == "0", "the refused bulk's reservation is released")
            #expect(try await topology.validatedRecordTypes().contains("bulk-quote.inbound.answered"))
        }
    }
}

extension BulkEndToEndTests {
    @Test("outbound: the core's bulk quote and bulk transfer go from one pm to the other through the hub and are answered as the SDK answers")
    func outboundBulk() async throws {
        try await withTopology { topology in
            let api = topology.payerAPI
            let from = #"{"idType":"MSISDN","idValue":"27710000000","displayName":"Pat Payer"}"#
            func to(_ msisdn: String, fspId: String? = "payeefsp") -> String {
                #"{"idType":"MSISDN","idValue":"\#(msisdn)"\#(fspId.map { ",\"fspId\":\"\($0)\"" } ?? "")}"#
            }
            let payees = [topology.payeeParty(4).idValue, topology.payeeParty(5).idValue, "27729999999"]
            let quoteIds = payees.map { _ in IDs.make() }
            let items = zip(payees, quoteIds).map { msisdn, quoteId in
                #"{"quoteId":"\#(quoteId)","to":\#(to(msisdn)),"amountType":"SEND","currency":"XXX","amount":"2","transactionType":"TRANSFER"}"#
            }
            let quoted = try await api.raw("POST", "/bulkQuotes", body: #"{"homeTransactionId":"home-bulk","from":\#(from),"individualQuotes":[\#(items.joined(separator: ","))]}"#)
            #expect(quoted.status == 200, "\(quoted.body)")
            #expect(quoted.body["currentState"]?.stringValue == "COMPLETED")
            #expect(quoted.body["homeTransactionId"]?.stringValue == "home-bulk")
            let bulkQuoteId = try #require(quoted.body["bulkQuoteId"]?.stringValue)
            let results = try #require(quoted.body["individualQuoteResults"]?.elements)
            #expect(results.count == 3)
            #expect(results.first { $0["quoteId"]?.stringValue == quoteIds[2] }?["lastError"]?["mojaloopError"]?["errorInformation"]?["errorCode"]?.stringValue == "3204")

            // The transfers of the two quoted.
            let quotedResults = results.filter { $0["condition"] != nil }
            #expect(quotedResults.count == 2)
            let transfers = zip(payees, results).compactMap { msisdn, result -> String? in
                guard let packet = result["ilpPacket"]?.stringValue, let condition = result["condition"]?.stringValue else { return nil }
                return #"{"transferId":"\#(IDs.make())","to":\#(to(msisdn)),"amountType":"SEND","currency":"XXX","amount":"2","ilpPacket":"\#(packet)","condition":"\#(condition)"}"#
            }
            let before = topology.payeeCore.balance(of: "payee-4")
            let bulkTransferId = IDs.make()
            let transferred = try await api.raw("POST", "/bulkTransfers", body: """
                {"homeTransactionId":"home-bulk-t","bulkTransferId":"\(bulkTransferId)","bulkQuoteId":"\(bulkQuoteId)","from":\(from),
                 "individualTransfers":[\(transfers.joined(separator: ","))]}
                """)
            #expect(transferred.status == 200, "\(transferred.body)")
            #expect(transferred.body["currentState"]?.stringValue == "COMPLETED")
            #expect(transferred.body["bulkTransferState"]?.stringValue == "COMPLETED")
            let fulfilled = try #require(transferred.body["individualTransferResults"]?.elements)
            #expect(fulfilled.count == 2 && fulfilled.allSatisfy { $0["fulfilment"] != nil })
            #expect(topology.hub.bulkTransfer(id: bulkTransferId)?.committed.count == 2)
            #expect(topology.payeeCore.balance(of: "payee-4") == before.flatMap { $0.adding(CoreAmount("2")!) })

            // Payees at no DFSP, or at two: refused before anything is sent.
            let unnamed = try await api.raw("POST", "/bulkQuotes", body: """
                {"homeTransactionId":"h","from":\(from),"individualQuotes":[{"quoteId":"\(IDs.make())","to":\(to("27720000001", fspId: nil)),
                 "amountType":"SEND","currency":"XXX","amount":"2","transactionType":"TRANSFER"}]}
                """)
            #expect(unnamed.status == 400 && unnamed.body["statusCode"]?.stringValue == "3102")
            // The same bulk quote id again: refused (3000), as a relayed request.
            let again = try await api.raw("POST", "/bulkQuotes", body: #"{"homeTransactionId":"home-bulk","bulkQuoteId":"\#(bulkQuoteId)","from":\#(from),"individualQuotes":[\#(items[0])]}"#)
            #expect(again.status == 400 && again.body["statusCode"]?.stringValue == "3000", "\(again.body)")
            #expect(try await topology.validatedRecordTypes().contains("relayed.sent"))
        }
    }
}

extension JSONValue {
    /// The elements of an array.
    var elements: [JSONValue]? {
        if case let .array(elements) = self { return elements }
        return nil
    }

    /// This value with the member or element at `path` (object members by name, array elements by index) replaced.
    func replacing(path: [String], with value: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        switch self {
        case let .object(members):
            return .object(members.map { $0.0 == first ? ($0.0, $0.1.replacing(path: Array(path.dropFirst()), with: value)) : $0 })
        case let .array(elements):
            guard let index = Int(first), elements.indices.contains(index) else { return self }
            var copy = elements
            copy[index] = copy[index].replacing(path: Array(path.dropFirst()), with: value)
            return .array(copy)
        default:
            return self
        }
    }
}
