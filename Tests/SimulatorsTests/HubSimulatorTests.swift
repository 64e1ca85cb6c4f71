import AsyncHTTPClient
import FSPIOP
import Foundation
import NIOSSL
import Simulators
import Testing

/// The hub simulator over real sockets on 127.0.0.1, between two test DFSPs written in the tests.
@Suite("Hub simulator")
struct HubSimulatorTests {
    typealias Network = HubTestNetwork
    typealias Bodies = HubTestBodies
    let payerId = HubTestNetwork.payerId
    let payeeId = HubTestNetwork.payeeId

    @Test("a lookup, a quote and a transfer go through, the payee's JWS reaching the payer intact")
    func lookupQuoteTransfer() async throws {
        try await Network.run { net in
            // The payee registers its party with the account-lookup service.
            let registered = try await net.send("POST", "/participants/MSISDN/27713803912", from: payeeId,
                                                body: #"{"fspId":"payeefsp","currency":"USD"}"#)
            #expect(registered.status == 202)
            let confirmation = try await net.payee.inbox.next("PUT", "/participants/MSISDN/27713803912")
            #expect(confirmation.json?["fspId"]?.stringValue == payeeId)
            #expect(confirmation.headers[FSPIOPHeader.source] == "switch")

            // Lookup: routed to the owner, answered, forwarded back.
            let lookup = try await net.send("GET", "/parties/MSISDN/27713803912", from: payerId)
            #expect(lookup.status == 202)
            let get = try await net.payee.inbox.next("GET", "/parties/MSISDN/27713803912")
            #expect(get.headers[FSPIOPHeader.source] == payerId)
            #expect(get.headers[FSPIOPHeader.destination] == payeeId)
            #expect(get.headers[FSPIOPHeader.accept] == "application/vnd.interoperability.parties+json;version=1")
            let partyBody = #"{"party": \#(Bodies.party("27713803912", fspId: payeeId))}"#
            #expect(try await net.send("PUT", "/parties/MSISDN/27713803912", from: payeeId, to: payerId, body: partyBody).status == 200)
            let party = try await net.payer.inbox.next("PUT", "/parties/MSISDN/27713803912")
            #expect(party.text == partyBody)
            try Network.verify(party, signedBy: payeeId, key: net.payeeKey)

            // Quote: forwarded both ways.
            let quoteId = Bodies.id()
            let (fulfilment, condition) = try Bodies.fulfilmentAndCondition()
            #expect(try await net.send("POST", "/quotes", from: payerId, to: payeeId, body: Bodies.quote(quoteId)).status == 202)
            let quote = try await net.payee.inbox.next("POST", "/quotes")
            #expect(quote.json?["quoteId"]?.stringValue == quoteId)
            try Network.verify(quote, signedBy: payerId, key: net.payerKey)
            #expect(try await net.send("PUT", "/quotes/\(quoteId)", from: payeeId, to: payerId,
                                       body: Bodies.quoteResponse(condition: condition)).status == 200)
            let quoted = try await net.payer.inbox.next("PUT", "/quotes/\(quoteId)")
            try Network.verify(quoted, signedBy: payeeId, key: net.payeeKey)

            // Transfer: prepared (the payer's position reserved), fulfilled, committed.
            let transferId = Bodies.id()
            let prepareBody = Bodies.transfer(transferId, condition: condition, expiration: Bodies.expiration(inMilliseconds: 60_000))
            #expect(try await net.send("POST", "/transfers", from: payerId, to: payeeId, body: prepareBody).status == 202)
            let prepare = try await net.payee.inbox.next("POST", "/transfers")
            #expect(prepare.text == prepareBody)
            try Network.verify(prepare, signedBy: payerId, key: net.payerKey)
            #expect(try await net.position(payerId) == "0/100")
            #expect(try await net.admin("/admin/transfers/\(transferId)")["transferState"]?.stringValue == "RESERVED")

            let fulfilBody = Bodies.fulfil(fulfilment)
            #expect(try await net.send("PUT", "/transfers/\(transferId)", from: payeeId, to: payerId, body: fulfilBody).status == 200)
            let committed = try await net.payer.inbox.next("PUT", "/transfers/\(transferId)")
            #expect(committed.text == fulfilBody)
            #expect(committed.json?["transferState"]?.stringValue == "COMMITTED")
            #expect(committed.headers[FSPIOPHeader.accept] == nil)
            try Network.verify(committed, signedBy: payeeId, key: net.payeeKey)
            #expect(try await net.position(payerId) == "100/0")
            #expect(try await net.position(payeeId) == "-100/0")
            let snapshot = try #require(net.hub.transfer(id: transferId))
            #expect(snapshot.transferState == "COMMITTED")
            #expect(snapshot.fulfilment == fulfilment)

            // The payer asks for the transfer: the hub answers with its view, fulfilment included.
            #expect(try await net.send("GET", "/transfers/\(transferId)", from: payerId).status == 202)
            let view = try await net.payer.inbox.next("PUT", "/transfers/\(transferId)")
            #expect(view.json?["transferState"]?.stringValue == "COMMITTED")
            #expect(view.json?["fulfilment"]?.stringValue == fulfilment)
            #expect(view.headers[FSPIOPHeader.source] == "switch")
        }
    }

    @Test("a payee that reserves gets a PATCH commit notification and the payer a signed COMMITTED from the switch")
    func commitNotification() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hub-key-\(UUID().uuidString).pem")
        let switchKey = try SigningKey.generateP256()
        try switchKey.privateKeyPEM().write(to: directory, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: directory) }

        try await Network.run(configuration: HubSimulatorConfiguration(signingKeyPath: directory.path)) { net in
            let transferId = Bodies.id()
            let (fulfilment, condition) = try Bodies.fulfilmentAndCondition()
            try await net.send("POST", "/transfers", from: payerId, to: payeeId,
                               body: Bodies.transfer(transferId, condition: condition, expiration: Bodies.expiration(inMilliseconds: 60_000)))
            _ = try await net.payee.inbox.next("POST", "/transfers")
            try await net.send("PUT", "/transfers/\(transferId)", from: payeeId, to: payerId, body: Bodies.fulfil(fulfilment, state: "RESERVED"))

            let committed = try await net.payer.inbox.next("PUT", "/transfers/\(transferId)")
            #expect(committed.json?["transferState"]?.stringValue == "COMMITTED")
            #expect(committed.json?["fulfilment"]?.stringValue == fulfilment)
            #expect(committed.headers[FSPIOPHeader.source] == "switch")
            #expect(committed.headers[FSPIOPHeader.destination] == payerId)
            #expect(committed.headers[FSPIOPHeader.contentType] == "application/vnd.interoperability.transfers+json;version=1.1")
            try Network.verify(committed, signedBy: "switch", key: switchKey)

            let patch = try await net.payee.inbox.next("PATCH", "/transfers/\(transferId)")
            #expect(patch.json?["transferState"]?.stringValue == "COMMITTED")
            #expect(patch.json?["completedTimestamp"]?.stringValue == committed.json?["completedTimestamp"]?.stringValue)
            try Network.verify(patch, signedBy: "switch", key: switchKey)
            #expect(try await net.position(payerId) == "100/0")
        }
    }

    @Test("a fulfilment that does not hash to the condition aborts the transfer, with errors to both sides")
    func wrongFulfilment() async throws {
        try await Network.run { net in
            let transferId = Bodies.id()
            let (_, condition) = try Bodies.fulfilmentAndCondition()
            let (otherFulfilment, _) = try Bodies.fulfilmentAndCondition()
            try await net.send("POST", "/transfers", from: payerId, to: payeeId,
                               body: Bodies.transfer(transferId, condition: condition, expiration: Bodies.expiration(inMilliseconds: 60_000)))
            _ = try await net.payee.inbox.next("POST", "/transfers")
            try await net.send("PUT", "/transfers/\(transferId)", from: payeeId, to: payerId, body: Bodies.fulfil(otherFulfilment))

            let payeeError = try await net.payee.inbox.next("PUT", "/transfers/\(transferId)/error")
            #expect(payeeError.errorCode?.hasPrefix("31") == true)
            let payerError = try await net.payer.inbox.next("PUT", "/transfers/\(transferId)/error")
            #expect(payerError.errorCode?.hasPrefix("31") == true)
            #expect(payerError.headers[FSPIOPHeader.source] == "switch")
            #expect(net.hub.transfer(id: transferId)?.transferState == "ABORTED")
            #expect(try await net.position(payerId) == "0/0")
        }
    }

    @Test("a prepare above the payer's net debit cap is refused with 4001 and reserves nothing")
    func netDebitCap() async throws {
        try await Network.run(payerNetDebitCap: "150") { net in
            let (_, condition) = try Bodies.fulfilmentAndCondition()
            let first = Bodies.id()
            try await net.send("POST", "/transfers", from: payerId, to: payeeId,
                               body: Bodies.transfer(first, amount: "100", condition: condition, expiration: Bodies.expiration(inMilliseconds: 60_000)))
            _ = try await net.payee.inbox.next("POST", "/transfers")
            #expect(try await net.position(payerId) == "0/100")

            let second = Bodies.id()
            try await net.send("POST", "/transfers", from: payerId, to: payeeId,
                               body: Bodies.transfer(second, amount: "50.01", condition: condition, expiration: Bodies.expiration(inMilliseconds: 60_000)))
            let refused = try await net.payer.inbox.next("PUT", "/transfers/\(second)/error")
            #expect(refused.errorCode == "4001")
            #expect(try await net.position(payerId) == "0/100")
            #expect(net.hub.transfer(id: second)?.transferState == "ABORTED")

            // Exactly up to the cap is allowed.
            let third = Bodies.id()
            try await net.send("POST", "/transfers", from: payerId, to: payeeId,
                               body: Bodies.transfer(third, amount: "50", condition: condition, expiration: Bodies.expiration(inMilliseconds: 60_000)))
            let forwarded = try await net.payee.inbox.next("POST /transfers \(third)") { $0.json?["transferId"]?.stringValue == third }
            #expect(forwarded.method == "POST")
            #expect(try await net.position(payerId) == "0/150")
        }
    }

    @Test("a lookup of a party no DFSP owns gets 3204 from the switch")
    func unknownParty() async throws {
        try await Network.run { net in
            #expect(try await net.send("GET", "/parties/MSISDN/999999", from: payerId).status == 202)
            let error = try await net.payer.inbox.next("PUT", "/parties/MSISDN/999999/error")
            #expect(error.errorCode == "3204")
            #expect(error.headers[FSPIOPHeader.source] == "switch")
            #expect(error.headers[FSPIOPHeader.destination] == payerId)
            #expect(error.headers[FSPIOPHeader.contentType] == "application/vnd.interoperability.parties+json;version=1.1")
        }
    }

    @Test("a preloaded party with a sub-id is routed, and a quote to an unknown DFSP gets 3201")
    func routingByOracleAndDestination() async throws {
        let configuration = HubSimulatorConfiguration(parties: [
            HubParty(partyIdType: "MSISDN", partyIdentifier: "555", partySubIdOrType: "WALLET", fspId: HubTestNetwork.payeeId),
        ])
        try await Network.run(configuration: configuration) { net in
            try await net.send("GET", "/parties/MSISDN/555/WALLET", from: payerId)
            let get = try await net.payee.inbox.next("GET", "/parties/MSISDN/555/WALLET")
            #expect(get.headers[FSPIOPHeader.destination] == payeeId)
            try await net.send("PUT", "/parties/MSISDN/555/WALLET/error", from: payeeId, to: payerId, body: Bodies.error("5000", "Payee error"))
            let error = try await net.payer.inbox.next("PUT", "/parties/MSISDN/555/WALLET/error")
            #expect(error.errorCode == "5000")
            try Network.verify(error, signedBy: payeeId, key: net.payeeKey)

            let quoteId = Bodies.id()
            try await net.send("POST", "/quotes", from: payerId, to: "nosuchfsp", body: Bodies.quote(quoteId))
            let refused = try await net.payer.inbox.next("PUT", "/quotes/\(quoteId)/error")
            #expect(refused.errorCode == "3201")
        }
    }

    @Test("a transfer not fulfilled by its expiration is aborted by the timer: 3303 to payer and payee")
    func expiry() async throws {
        try await Network.run { net in
            let transferId = Bodies.id()
            let (fulfilment, condition) = try Bodies.fulfilmentAndCondition()
            try await net.send("POST", "/transfers", from: payerId, to: payeeId,
                               body: Bodies.transfer(transferId, condition: condition, expiration: Bodies.expiration(inMilliseconds: 300)))
            _ = try await net.payee.inbox.next("POST", "/transfers")
            let payerError = try await net.payer.inbox.next("PUT", "/transfers/\(transferId)/error", within: .seconds(3))
            #expect(payerError.errorCode == "3303")
            let payeeError = try await net.payee.inbox.next("PUT", "/transfers/\(transferId)/error", within: .seconds(3))
            #expect(payeeError.errorCode == "3303")
            #expect(try await net.position(payerId) == "0/0")

            // A late fulfil is told the transfer expired; nothing commits.
            try await net.send("PUT", "/transfers/\(transferId)", from: payeeId, to: payerId, body: Bodies.fulfil(fulfilment))
            let late = try await net.payee.inbox.next("PUT", "/transfers/\(transferId)/error")
            #expect(late.errorCode == "3303")
            #expect(net.hub.transfer(id: transferId)?.transferState == "ABORTED")

            // An expiration already past is refused at once.
            let pastId = Bodies.id()
            try await net.send("POST", "/transfers", from: payerId, to: payeeId,
                               body: Bodies.transfer(pastId, condition: condition, expiration: Bodies.expiration(inMilliseconds: -1000)))
            #expect(try await net.payer.inbox.next("PUT", "/transfers/\(pastId)/error").errorCode == "3303")
        }
    }

    @Test("a resent prepare of a finished transfer gets its outcome again; with another body it gets 3106")
    func duplicates() async throws {
        try await Network.run { net in
            let transferId = Bodies.id()
            let (fulfilment, condition) = try Bodies.fulfilmentAndCondition()
            let prepare = Bodies.transfer(transferId, condition: condition, expiration: Bodies.expiration(inMilliseconds: 60_000))
            try await net.send("POST", "/transfers", from: payerId, to: payeeId, body: prepare)
            _ = try await net.payee.inbox.next("POST", "/transfers")
            let fulfilBody = Bodies.fulfil(fulfilment)
            try await net.send("PUT", "/transfers/\(transferId)", from: payeeId, to: payerId, body: fulfilBody)
            _ = try await net.payer.inbox.next("PUT", "/transfers/\(transferId)")

            try await net.send("POST", "/transfers", from: payerId, to: payeeId, body: prepare)
            let again = try await net.payer.inbox.next("PUT", "/transfers/\(transferId)")
            #expect(again.text == fulfilBody)

            let modified = Bodies.transfer(transferId, amount: "99", condition: condition, expiration: Bodies.expiration(inMilliseconds: 60_000))
            try await net.send("POST", "/transfers", from: payerId, to: payeeId, body: modified)
            #expect(try await net.payer.inbox.next("PUT", "/transfers/\(transferId)/error").errorCode == "3106")
            #expect(try await net.position(payerId) == "100/0")
        }
    }

    @Test("a payee's error callback aborts the transfer and reaches the payer as sent")
    func payeeRejects() async throws {
        try await Network.run { net in
            let transferId = Bodies.id()
            let (_, condition) = try Bodies.fulfilmentAndCondition()
            try await net.send("POST", "/transfers", from: payerId, to: payeeId,
                               body: Bodies.transfer(transferId, condition: condition, expiration: Bodies.expiration(inMilliseconds: 60_000)))
            _ = try await net.payee.inbox.next("POST", "/transfers")
            let errorBody = Bodies.error("5105", "Payee transaction limit reached")
            #expect(try await net.send("PUT", "/transfers/\(transferId)/error", from: payeeId, to: payerId, body: errorBody).status == 200)
            let error = try await net.payer.inbox.next("PUT", "/transfers/\(transferId)/error")
            #expect(error.text == errorBody)
            try Network.verify(error, signedBy: payeeId, key: net.payeeKey)
            #expect(try await net.position(payerId) == "0/0")

            // An unknown transfer: 3208 to whoever asks.
            try await net.send("GET", "/transfers/\(Bodies.id())", from: payerId)
            let notFound = try await net.payer.inbox.next("unknown transfer error") { $0.path.hasSuffix("/error") && $0.path != "/transfers/\(transferId)/error" }
            #expect(notFound.errorCode == "3208")
        }
    }

    @Test("requests with bad headers or bodies are answered 400/406 with an FSPIOP errorInformation", arguments: [
        (name: "no Date", overrides: [("Date", String?.none)], body: #"{"fspId":"payeefsp"}"#, status: 400, code: "3102"),
        (name: "bad Date", overrides: [("Date", "yesterday")], body: #"{"fspId":"payeefsp"}"#, status: 400, code: "3101"),
        (name: "no FSPIOP-Source", overrides: [("FSPIOP-Source", nil)], body: #"{"fspId":"payeefsp"}"#, status: 400, code: "3102"),
        (name: "wrong content type", overrides: [("Content-Type", "application/json")], body: #"{"fspId":"payeefsp"}"#, status: 400, code: "3101"),
        (name: "unsupported version", overrides: [("Content-Type", "application/vnd.interoperability.participants+json;version=9.0")],
         body: #"{"fspId":"payeefsp"}"#, status: 406, code: "3001"),
        (name: "malformed JSON", overrides: [], body: #"{"fspId": "#, status: 400, code: "3101"),
        (name: "missing fspId", overrides: [], body: #"{"currency":"USD"}"#, status: 400, code: "3102"),
        (name: "unknown source", overrides: [("FSPIOP-Source", "stranger")], body: #"{"fspId":"payeefsp"}"#, status: 400, code: "3100"),
    ] as [(name: String, overrides: [(String, String?)], body: String, status: Int, code: String)])
    func badRequests(_ example: (name: String, overrides: [(String, String?)], body: String, status: Int, code: String)) async throws {
        try await Network.run { net in
            let answer = try await net.send("POST", "/participants/MSISDN/123", from: payeeId, body: example.body, overriding: example.overrides)
            #expect(answer.status == example.status, "\(example.name)")
            #expect(answer.errorCode == example.code, "\(example.name): \(answer.body)")
        }
    }

    @Test("a request without Content-Type is refused with 3102 whatever its method, as the hub refuses it", arguments: [
        (method: "GET", path: "/parties/MSISDN/27713803912", body: String?.none),
        (method: "GET", path: "/transfers/\(HubTestBodies.id())", body: String?.none),
        (method: "POST", path: "/participants/MSISDN/123", body: #"{"fspId":"payeefsp"}"#),
    ])
    func contentTypeOnEveryMethod(_ example: (method: String, path: String, body: String?)) async throws {
        try await Network.run { net in
            let answer = try await net.send(example.method, example.path, from: payeeId, body: example.body, overriding: [("Content-Type", nil)])
            #expect(answer.status == 400, "\(example.method) \(example.path)")
            #expect(answer.errorCode == "3102", "\(example.method) \(example.path): \(answer.body)")
            #expect(answer.body.contains("Content-Type is required"))
        }
    }

    @Test("over mutual TLS: DFSPs present certificates to the hub and the hub to DFSPs; a stranger's is refused")
    func mutualTLS() async throws {
        let certificates = try HubTestCertificates.generate()
        defer { certificates.remove() }
        try await Network.run(tls: certificates) { net in
            #expect(net.hubURL.hasPrefix("https://"))
            let transferId = Bodies.id()
            let (fulfilment, condition) = try Bodies.fulfilmentAndCondition()
            try await net.send("POST", "/transfers", from: payerId, to: payeeId,
                               body: Bodies.transfer(transferId, condition: condition, expiration: Bodies.expiration(inMilliseconds: 60_000)))
            _ = try await net.payee.inbox.next("POST", "/transfers")
            try await net.send("PUT", "/transfers/\(transferId)", from: payeeId, to: payerId, body: Bodies.fulfil(fulfilment))
            let committed = try await net.payer.inbox.next("PUT", "/transfers/\(transferId)")
            #expect(committed.json?["transferState"]?.stringValue == "COMMITTED")

            // A client whose certificate another CA signed, or with no certificate, is refused.
            var noCertificate = TLSConfiguration.makeClientConfiguration()
            noCertificate.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.hubFiles.caCertificatePath))
            for tls in [try certificates.strangerFiles.clientConfiguration(), noCertificate] {
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                let refused: Bool
                do {
                    _ = try await client.execute(HTTPClientRequest(url: net.hubURL + "/health"), timeout: .seconds(5))
                    refused = false
                } catch {
                    refused = true
                }
                try await client.shutdown()
                #expect(refused)
            }
        }
    }
}
