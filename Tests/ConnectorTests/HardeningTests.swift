import AsyncHTTPClient
@testable import Connector
import EventLog
import FSPIOP
import Foundation
import Logging
import MetricsTestKit
import NIOCore
import NIOHTTP1
import NIOPosix
import PaymentDomain
import PaymentManager
import Processing
import Simulators
import Testing

/// What a hostile or careless caller can do to a running connector, over real sockets: nothing that stops it,
/// grows it without bound or reaches the hub.
@Suite("Hardening")
struct HardeningTests {
    @Test("an expiry beyond the SDK's int32 is refused at the edge with 3101, and the connector goes on")
    func hugeExpiryRefused() async throws {
        try await withTopology { topology in
            var request = OutboundCaller.transferRequest(from: "27710000001", to: "27720000001")
            guard case var .object(members) = request else { return }
            members.append(("quoteExpirySeconds", .number("9300000000000000")))
            request = .object(members)
            let refused = try await topology.payerAPI.call("POST", "/transfers", request)
            #expect(refused.status == 400)
            #expect(refused.body["statusCode"]?.stringValue == "3101")
            #expect(refused.body["message"]?.stringValue?.contains("quoteExpirySeconds") == true)
            let completed = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000001", to: "27720000001"))
            #expect(completed.body["currentState"]?.stringValue == "COMPLETED")
        }
    }

    @Test("a fact already on the log with an expiry that would overflow is refused by its decider; the processor goes on")
    func poisonFactOnTheLog() async throws {
        try await withTopology { topology in
            let transferId = IDs.make()
            let poison = OutboundTransferRequest(
                homeTransactionId: "poison", from: TransferParty(idType: "MSISDN", idValue: "27710000001"),
                to: TransferParty(idType: "MSISDN", idValue: "27720000001"), amountType: "SEND", currency: "XXX", amount: "1",
                transactionType: "TRANSFER", quoteExpirySeconds: 9_300_000_000_000_000)
            let fact = ConnectorFact.transferRequested(transferId: transferId, request: poison, autoAcceptParty: nil, autoAcceptQuote: nil)
            let envelope = Envelope(id: IDs.make(), type: fact.wireName, schemaVersion: fact.schemaVersion, aggregateID: transferId, sequence: 0,
                                    occurredAt: WallClock().now, correlationID: transferId, causationID: nil, payload: try fact.payload)
            _ = try await topology.payerLog.append([envelope.record(topic: topology.payer.settings.topics.coreInbound)])
            try await eventually("the poison fact to be refused") {
                try await topology.payerLog.read(ReadRequest(topic: topology.payer.settings.topics.refusals, limit: 10_000))
                    .contains { (try? Envelope(bytes: $0.value))?.aggregateID == transferId }
            }
            #expect(topology.payer.board.transfer(transferId) == nil)
            let completed = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000002", to: "27720000002"))
            #expect(completed.body["currentState"]?.stringValue == "COMPLETED")
        }
    }

    @Test("requests to unknown paths and methods are counted under one label: the metrics do not grow with them")
    func metricsBounded() async throws {
        try await withTopology { topology in
            let http = try topology.switchHTTPClient()
            func unknown(_ index: Int) async throws {
                _ = try await http.execute(method: .GET, url: "https://127.0.0.1:\(topology.ports.payerInbound)/nothing-\(index)/\(UUID().uuidString)",
                                           timeout: .seconds(5))
                _ = try await http.execute(method: .TRACE, url: "https://127.0.0.1:\(topology.ports.payerInbound)/parties/x/\(index)",
                                           timeout: .seconds(5))
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(topology.ports.payerOutbound)/unknown-\(index)/\(UUID().uuidString)")
                request.method = .DELETE
                _ = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            }
            func requestSeries() -> [Substring] {
                topology.payer.metrics.render().split(separator: "\n").filter { $0.hasPrefix("pm_http_") || $0.hasPrefix("pm_inbound_refused") }
                    .map { $0.prefix { $0 != " " } }
            }
            try await unknown(0)
            let before = requestSeries()
            for index in 1...150 { try await unknown(index) }
            let after = topology.payer.metrics.render()
            #expect(requestSeries() == before)
            #expect(after.contains(#"route="other""#) && after.contains(#"method="OTHER""#))
            #expect(after.contains(#"pm_inbound_refused_total{reason="unknown-route"}"#))
            await http.shutdown()
        }
    }

    @Test("with a token configured, the outbound API answers 401 without it; probes stay open; the core that has it pays")
    func bearerToken() async throws {
        let token = "core-token-\(UUID().uuidString)"
        try await withTopology({ $0.payerOutboundToken = token }) { topology in
            let api = topology.payerAPI
            let refused = try await api.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000001", to: "27720000001"))
            #expect(refused.status == 401)
            #expect(refused.body["statusCode"]?.stringValue == "401")
            for path in ["/metrics", "/transfers/\(IDs.make())", "/parties/MSISDN/27720000001"] {
                #expect(try await api.call("GET", path).status == 401, "\(path)")
            }
            #expect(try await api.call("GET", "/health").status == 200)
            #expect(try await api.call("GET", "/ready").status == 200)
            let wrong = OutboundCaller(port: topology.ports.payerOutbound, token: String(token.reversed()))
            #expect(try await wrong.call("GET", "/metrics").status == 401)
            let right = OutboundCaller(port: topology.ports.payerOutbound, token: token)
            #expect(try await right.call("GET", "/metrics").status == 200)
            let outcome = try await topology.payerCore.sendTransfer(from: topology.payerAccount(1), to: topology.payeeParty(1), amount: "2", currency: "XXX")
            #expect(outcome.isCompleted)
            #expect(topology.payer.metrics.total("pm_outbound_unauthorized_total") == 5)
        }
    }

    @Test("values the core sends that cannot travel in a URL or a header are refused at the edge, before any hub call", arguments: [
        (path: "/simpleTransfers", member: "fspId", value: "payee\nfsp"),
        (path: "/quotes", member: "fspId", value: "payee fsp"),
    ])
    func headerUnsafeValues(_ example: (path: String, member: String, value: String)) async throws {
        try await withTopology { topology in
            let inner = example.path == "/quotes" ? "quotesPostRequest" : "transfersPostRequest"
            let body: JSONValue = .object([(example.member, .string(example.value)), (inner, .object([]))])
            let answer = try await topology.payerAPI.call("POST", example.path, body)
            #expect(answer.status == 400)
            #expect(answer.body["statusCode"]?.stringValue == "3101")
            #expect(topology.payer.metrics.total("pm_calls_total") == 0)
        }
    }

    @Test("a party identifier with characters a URL cannot hold is sent percent-encoded and its lookup resolves")
    func partyIdentifierEncoded() async throws {
        let odd = "alice smith/+1?#%"
        try await withTopology({ options in
            options.extraParties = [HubParty(partyIdType: "ALIAS", partyIdentifier: FSPIOPPath.segment(odd), fspId: options.payeeId)]
        }) { topology in
            let answer = try await topology.payerAPI.call("GET", "/parties/ALIAS/\(FSPIOPPath.segment(odd))")
            // The payee's core does not know the alias: it answers 3204, which proves the request went through the hub and back.
            #expect(answer.status == 404, "\(answer.body)")
            #expect(answer.body["errorInformation"]?["errorCode"]?.stringValue == "3204")
        }
    }
}

/// Trusted senders over real sockets: what the processor refuses is recorded, and what is addressed to another DFSP is
/// refused at the edge.
@Suite("Trusted senders end to end")
struct TrustedSenderEndToEndTests {
    @Test("a signed callback from a DFSP the transfer does not wait for is recorded as rejected and changes nothing")
    func callbackFromAnotherDFSP() async throws {
        try await withTopology { topology in
            let first = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000001", to: "27720000004",
                                                                                                              autoAcceptQuote: false))
            #expect(first.body["currentState"]?.stringValue == "WAITING_FOR_QUOTE_ACCEPTANCE")
            let id = try #require(first.body["transferId"]?.stringValue)
            let version = try #require(topology.payer.board.transfer(id)?.version)
            let http = try topology.switchHTTPClient()
            // Signed by a participant whose key the payer holds, but not the payee its transfer waits for.
            let other = try topology.hubClient(to: topology.ports.payerInbound, as: "payerfsp",
                                               signingKeyPath: try topology.pki.participant("payerfsp").jwsKeyPath, http: http)
            let aborted = HubRequest(method: "PUT", resource: .transfers, path: "/transfers/\(id)", destination: "payerfsp",
                                     body: .object([("transferState", .string("ABORTED")), ("completedTimestamp", .string(WallClock().now.dateTime))]))
            #expect(try await other.send(aborted, logger: Logger(label: "test")).status == 200)
            try await eventually("the forged callback to be refused") {
                try await topology.payerLog.read(ReadRequest(topic: "pm.fspiop.inbound", limit: 100_000))
                    .compactMap { try? Envelope(bytes: $0.value) }
                    .contains { $0.type == "fspiop.rejected" && $0.payload["path"]?.stringValue == "/transfers/\(id)"
                        && $0.payload["error"]?["errorInformation"]?["errorCode"]?.stringValue == "3100" }
            }
            #expect(topology.payer.board.transfer(id)?.version == version)
            #expect(topology.payer.metrics.render().contains(#"pm_inbound_refused_total{reason="sender"} 1"#))
            let accepted = try await topology.payerAPI.call("PUT", "/transfers/\(id)", .object([("acceptQuote", .bool(true))]))
            #expect(accepted.body["currentState"]?.stringValue == "COMPLETED")
            await http.shutdown()
        }
    }

    @Test("a request whose FSPIOP-Destination names another DFSP is refused with 3100 and recorded")
    func destinationIsThisDFSP() async throws {
        try await withTopology { topology in
            let http = try topology.switchHTTPClient()
            let payee = try topology.hubClient(to: topology.ports.payerInbound, as: "payeefsp",
                                               signingKeyPath: try topology.pki.participant("payeefsp").jwsKeyPath, http: http)
            let request = HubRequest(method: "PUT", resource: .transfers, path: "/transfers/\(IDs.make())", destination: "otherfsp",
                                     body: .object([("transferState", .string("ABORTED")), ("completedTimestamp", .string(WallClock().now.dateTime))]))
            let refusal = await #expect(throws: HubRequestError.self) { _ = try await payee.send(request, logger: Logger(label: "test")) }
            #expect(refusal?.error.code == .validationError)
            #expect(refusal?.error.errorDescription.contains("otherfsp") == true)
            let rejected = try await topology.payerLog.read(ReadRequest(topic: "pm.fspiop.inbound", limit: 100_000))
                .compactMap { try? Envelope(bytes: $0.value) }.filter { $0.type == "fspiop.rejected" }
            #expect(rejected.contains { $0.payload["path"]?.stringValue == request.path })
            await http.shutdown()
        }
    }
}

/// What the inbound edge checks of a signed request beyond its signature.
@Suite("Inbound edge checks")
struct InboundEdgeTests {
    /// Sends a callback to the payer's inbound API as `payeefsp` would through the hub, with headers the test may bend.
    static func send(_ topology: Topology, path: String, uri: String? = nil, method: String = "PUT", date: Timestamp = WallClock().now,
                     body: String) async throws -> (status: Int, code: String?) {
        let http = try topology.switchHTTPClient()
        defer { Task { await http.shutdown() } }
        var fields: [(String, String)] = [("Date", date.httpDate), ("FSPIOP-Source", "payeefsp"), ("FSPIOP-Destination", "payerfsp"),
                                          ("FSPIOP-URI", uri ?? path), ("FSPIOP-HTTP-Method", method)]
        let signer = JWSSigner(key: try SigningKey(pem: try String(contentsOfFile: try topology.pki.participant("payeefsp").jwsKeyPath, encoding: .utf8)))
        fields.append(("FSPIOP-Signature", try signer.sign(body: Array(body.utf8), headers: HeaderFields(fields)).headerValue))
        fields.append(("Content-Type", "application/vnd.interoperability.transfers+json;version=1.1"))
        var headers = HTTPHeaders()
        for (name, value) in fields { headers.add(name: name, value: value) }
        let response = try await http.execute(method: HTTPMethod(rawValue: method), url: "https://127.0.0.1:\(topology.ports.payerInbound)\(path)",
                                              headers: headers, body: ByteBuffer(string: body), timeout: .seconds(10))
        let json = try? JSONParser.parse(Array(buffer: response.body))
        return (Int(response.status.code), json?["errorInformation"]?["errorCode"]?.stringValue)
    }

    static let aborted = #"{"transferState":"ABORTED","completedTimestamp":"2026-12-07T10:00:00.000Z"}"#

    @Test("a signature made for another resource is refused with 3105: FSPIOP-URI and FSPIOP-HTTP-Method must be the request's own")
    func signedForAnotherResource() async throws {
        try await withTopology { topology in
            let path = "/transfers/\(IDs.make())"
            #expect(try await Self.send(topology, path: path, body: Self.aborted).status == 200)
            let replayed = try await Self.send(topology, path: path, uri: "/transfers/\(IDs.make())", body: Self.aborted)
            #expect(replayed.status == 400 && replayed.code == "3105")
        }
    }

    @Test("a request whose Date is further than the allowed skew from the server's clock is refused with 3100")
    func staleDate() async throws {
        try await withTopology { topology in
            // Well beyond the 300 s allowed either way (the Date header has whole seconds, and the request takes a moment).
            let stale = try await Self.send(topology, path: "/transfers/\(IDs.make())", date: WallClock().now.adding(seconds: -330), body: Self.aborted)
            #expect(stale.status == 400 && stale.code == "3100")
            let early = try await Self.send(topology, path: "/transfers/\(IDs.make())", date: WallClock().now.adding(seconds: 330), body: Self.aborted)
            #expect(early.status == 400 && early.code == "3100")
            #expect(try await Self.send(topology, path: "/transfers/\(IDs.make())", date: WallClock().now.adding(seconds: -200), body: Self.aborted).status == 200)
        }
    }

    @Test("a body that names a member twice is refused with 3101: the connector and a Node hub would read different values")
    func repeatedMember() async throws {
        try await withTopology { topology in
            let twice = #"{"transferState":"COMMITTED","transferState":"ABORTED","completedTimestamp":"2026-12-07T10:00:00.000Z"}"#
            let refused = try await Self.send(topology, path: "/transfers/\(IDs.make())", body: twice)
            #expect(refused.status == 400 && refused.code == "3101")
            let nested = #"{"fulfilment":"x","transferState":"COMMITTED","extensionList":{"extension":[{"key":"a","key":"b","value":"c"}]}}"#
            #expect(try await Self.send(topology, path: "/transfers/\(IDs.make())", body: nested).code == "3101")
        }
    }
}

@Suite("Outbound edge checks")
struct OutboundEdgeTests {
    @Test("a core request that names a member twice is refused with 3101 before anything is recorded")
    func repeatedMember() async throws {
        try await withTopology { topology in
            let before = try await topology.payerLog.read(ReadRequest(topic: "pm.core.inbound", limit: 100_000)).count
            let body = #"{"homeTransactionId":"h","from":{"idType":"MSISDN","idValue":"27710000001"},"to":{"idType":"MSISDN","idValue":"27720000001"},"#
                + #""amountType":"SEND","currency":"XXX","amount":"1","amount":"1000","transactionType":"TRANSFER"}"#
            let refused = try await topology.payerAPI.raw("POST", "/transfers", body: body)
            #expect(refused.status == 400 && refused.body["statusCode"]?.stringValue == "3101")
            let decision = try await topology.payerAPI.raw("PUT", "/transfers/\(IDs.make())", body: #"{"acceptQuote":true,"acceptQuote":false}"#)
            #expect(decision.status == 400 && decision.body["statusCode"]?.stringValue == "3101")
            #expect(try await topology.payerLog.read(ReadRequest(topic: "pm.core.inbound", limit: 100_000)).count == before)
        }
    }
}

/// Slow, idle and too many clients against the connector's servers, over raw sockets.
@Suite("Connection limits")
struct ConnectionLimitTests {
    /// A raw TCP connection to 127.0.0.1:`port` that sends nothing; returns once it is open.
    static func connect(_ port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
    }

    /// Whether the server closed the connection within `timeout`.
    static func closed(_ channel: any Channel, within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while channel.isActive, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !channel.isActive
    }

    @Test("a client that never finishes the TLS handshake, or never sends a request, is disconnected; one beyond the limit at once")
    func slowIdleAndTooMany() async throws {
        try await withTopology({ $0.connectionLimits = ConnectionLimits(maximumConnections: 3, handshakeTimeout: .seconds(1), idleTimeout: .seconds(2)) }) { topology in
            // TLS never started on the inbound port: closed after the handshake timeout (before the idle one).
            let silent = try await Self.connect(topology.ports.payerInbound)
            let started = ContinuousClock.now
            #expect(await Self.closed(silent, within: .seconds(5)))
            #expect(ContinuousClock.now - started < .milliseconds(1900))
            // Plain HTTP on the outbound port, no request: closed after the idle timeout.
            let idle = try await Self.connect(topology.ports.payerOutbound)
            #expect(await Self.closed(idle, within: .seconds(6)))
            // Three connections held open: a fourth is closed at once.
            var held: [any Channel] = []
            for _ in 0..<3 { held.append(try await Self.connect(topology.ports.payerOutbound)) }
            try await eventually("the three to be admitted") { !(await Self.closed(held[2], within: .milliseconds(100))) }
            let fourth = try await Self.connect(topology.ports.payerOutbound)
            #expect(await Self.closed(fourth, within: .seconds(1)))
            #expect(held.allSatisfy { $0.isActive })
            #expect(topology.payer.metrics.render().contains(#"pm_connections_refused_total{reason="connection-limit",server="outbound"}"#))
            for channel in held { try await channel.close() }
            try await eventually("a place to be free again") { try await topology.payerAPI.call("GET", "/health").status == 200 }
        }
    }
}

@Suite("Overload")
struct OverloadTests {
    @Test("beyond PM_MAX_IN_FLIGHT the outbound API answers 503 with 2003 and Retry-After at once; a place freed is taken again")
    func outboundInFlight() async throws {
        let deadPort = try FreePort.allocate()
        try await withTopology({ options in
            options.requestTimeoutSeconds = 3
            options.admissionLimits = AdmissionLimits(maximumInFlight: 2, maximumBacklog: 2000)
            options.extraParticipants = [HubParticipant(fspId: "ghostfsp", endpoint: "https://127.0.0.1:\(deadPort)", currency: "XXX", netDebitCap: "1000")]
            options.extraParties = [HubParty(partyIdType: "MSISDN", partyIdentifier: "27730000000", fspId: "ghostfsp")]
        }) { topology in
            let api = topology.payerAPI
            // Two lookups of a party whose DFSP never answers hold both places until their timeout.
            async let first = api.call("GET", "/parties/MSISDN/27730000000")
            async let second = api.call("GET", "/parties/MSISDN/27730000000")
            try await eventually("both lookups to hold their places") { topology.payer.outboundAdmission.current == 2 }
            try await eventually("a third call to be refused") {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(topology.ports.payerOutbound)/transfers")
                request.method = .POST
                request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.insertionOrderBytes(OutboundCaller.transferRequest(from: "27710000001", to: "27720000001"))))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body = try JSONParser.parse(Array(buffer: try await response.body.collect(upTo: 1 << 16)))
                guard response.status.code == 503 else { return false }
                #expect(body["statusCode"]?.stringValue == "2003")
                #expect(response.headers["Retry-After"].first == "1")
                return true
            }
            #expect(topology.payer.metrics.render().contains(#"pm_overload_refused_total{api="outbound",reason="in-flight"}"#))
            let (one, two) = try await (first, second)
            #expect(one.status == 504 && two.status == 504)
            let after = try await api.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000001", to: "27720000001"))
            #expect(after.body["currentState"]?.stringValue == "COMPLETED")
        }
    }
}

/// Admission decisions, without sockets.
@Suite("Admission")
struct AdmissionTests {
    @Test("new work is refused while the backlog is at its limit; callbacks and queries are taken; places are counted")
    func decisions() {
        let backlog = Backlog()
        let admission = Admission(limits: AdmissionLimits(maximumInFlight: 2, maximumBacklog: 10), backlog: backlog)
        #expect(admission.enter(.newWork) == nil)
        #expect(admission.enter(.ongoing) == nil)
        #expect(admission.enter(.ongoing) == .inFlight)
        admission.leave()
        #expect(admission.current == 1)
        backlog.update(10)
        #expect(admission.enter(.newWork) == .backlog)
        #expect(admission.enter(.ongoing) == nil)
        admission.leave()
        admission.leave()
        backlog.update(9)
        #expect(admission.enter(.newWork) == nil)
    }

    @Test("on the inbound API, requests that start work are new work; callbacks are not", arguments: [
        ("POST", "/transfers", true), ("POST", "/quotes", true), ("GET", "/parties/MSISDN/1", true), ("GET", "/authorizations/x", true),
        ("PUT", "/transfers/x", false), ("PATCH", "/transfers/x", false), ("GET", "/transfers/x", false), ("PUT", "/parties/MSISDN/1", false),
    ])
    func inboundKinds(_ example: (String, String, Bool)) {
        #expect((InboundAPI.kind(method: example.0, path: example.1) == .newWork) == example.2)
    }
}

/// A bounded run of `pm fuzz`: hostile requests to every edge of a running topology.
@Suite("Edge fuzz")
struct EdgeFuzzTests {
    @Test("hostile requests to the inbound and outbound APIs get documented answers only; nothing else changes; transfers go on")
    func edges() async throws {
        let environment = ProcessInfo.processInfo.environment
        let requests = environment["PM_FUZZ_REQUESTS"].flatMap(Int.init) ?? 400
        let seed = environment["PM_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        try await withTopology { topology in
            let result = try await EdgeFuzz(topology: topology).run(requests: requests, seed: seed)
            #expect(result.malformed.isEmpty, "seed \(seed): \(result.malformed.prefix(5))")
            #expect(result.unanswered.isEmpty, "seed \(seed): \(result.unanswered.prefix(5))")
            #expect(result.referenceUnchanged, "seed \(seed)")
            #expect(result.afterwardsCompleted, "seed \(seed)")
            #expect(result.disagreements.isEmpty, "seed \(seed): \(result.disagreements.prefix(5))")
        }
    }
}

@Suite("Transfer metrics")
struct TransferMetricsTests {
    @Test("each side counts its transfers by final state and observes how long they took")
    func outcomes() async throws {
        try await withTopology { topology in
            let completed = try await topology.payerCore.sendTransfer(from: topology.payerAccount(1), to: topology.payeeParty(1), amount: "1", currency: "XXX")
            #expect(completed.isCompleted)
            let failed = try await topology.payerCore.sendTransfer(from: topology.payerAccount(1), to: TransferParty(idType: "MSISDN", idValue: "27799999999"),
                                                                   amount: "1", currency: "XXX")
            #expect(!failed.isCompleted)
            try await eventually("the payee to count its transfer") {
                topology.payee.metrics.render().contains(#"pm_transfers_total{side="payee",state="committed"} 1"#)
            }
            let payer = topology.payer.metrics.render()
            #expect(payer.contains(#"pm_transfers_total{side="payer",state="completed"} 1"#))
            #expect(payer.contains(#"pm_transfers_total{side="payer",state="errored"} 1"#))
            #expect(payer.contains(#"pm_transfer_duration_seconds_count{side="payer"} 2"#))
        }
    }
}

@Suite("Metrics backends")
struct MetricsBackendTests {
    @Test("the connector's metrics go through swift-metrics: to its own Prometheus registry by default, or to another backend")
    func pluggable() throws {
        let own = HTTPMetrics()
        own.count("pm_dead_letters_total")
        own.record(api: "inbound", method: "GET", route: "/parties/{id}", status: 202, since: .now)
        let text = own.render()
        #expect(text.contains("# TYPE pm_dead_letters_total counter"))
        #expect(text.contains(#"pm_http_requests_total{api="inbound",method="GET",route="/parties/{id}",status="202"} 1"#))
        #expect(text.contains(#"pm_http_request_duration_seconds_bucket{api="inbound",method="GET",route="/parties/{id}",le="0.001"}"#))
        #expect(own.total("pm_dead_letters_total") == 1)

        let backend = TestMetrics()
        let other = HTTPMetrics(factory: backend)
        other.count("pm_dead_letters_total", by: 2)
        other.gauge("pm_processor_leader", 1)
        other.record(api: "outbound", method: "POST", route: "/transfers", status: 200, since: .now)
        #expect(try backend.expectCounter("pm_dead_letters_total").totalValue == 2)
        #expect(try backend.expectCounter("pm_http_requests_total", [("api", "outbound"), ("method", "POST"), ("route", "/transfers"), ("status", "200")])
            .totalValue == 1)
        #expect(try backend.expectTimer("pm_http_request_duration_seconds", [("api", "outbound"), ("method", "POST"), ("route", "/transfers")])
            .values.count == 1)
        #expect(other.render() == "")
    }
}
