import Connector
import Foundation
import Logging
import PaymentManager
import ServiceLifecycle
import Simulators
import AsyncHTTPClient
import EventLog
import FSPIOP
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// Runs a whole topology (hub simulator, payer and payee Payment Managers, core simulators) over real
/// sockets on 127.0.0.1 for the body of a test, then shuts it down gracefully.
func withTopology(_ configure: (inout Topology.Options) -> Void = { _ in },
                  _ body: (Topology) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-e2e-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var options = Topology.Options(directory: directory)
    configure(&options)
    var logger = Logger(label: "e2e")
    logger.logLevel = ProcessInfo.processInfo.environment["PM_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    try await Topology.run(options, logger: logger, body)
}

/// Calls a connector's outbound API as the core does.
struct OutboundCaller {
    let port: Int
    /// Sent as `Authorization: Bearer ...` when set.
    var token: String? = nil

    func call(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> (status: Int, body: JSONValue) {
        try await send(method, path, body.map { CanonicalJSON.insertionOrderBytes($0) })
    }

    /// Sends `body` as it is, valid JSON or not.
    func raw(_ method: String, _ path: String, body: String) async throws -> (status: Int, body: JSONValue) {
        try await send(method, path, Array(body.utf8))
    }

    private func send(_ method: String, _ path: String, _ bytes: [UInt8]?) async throws -> (status: Int, body: JSONValue) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let bytes { request.body = .bytes(ByteBuffer(bytes: bytes)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let received = try await response.body.collect(upTo: 1 << 20)
        // A body that is not JSON (`/metrics`) comes back as a string.
        let json = received.readableBytes == 0 ? JSONValue.null
            : (try? JSONParser.parse(Array(buffer: received))) ?? .string(String(buffer: received))
        return (Int(response.status.code), json)
    }

    /// The outbound API's `transferRequest` for payer account `from` paying MSISDN `to`.
    static func transferRequest(from: String, to: String, amount: String = "10", currency: String = "XXX",
                                autoAcceptParty: Bool? = nil, autoAcceptQuote: Bool? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("homeTransactionId", .string(UUID().uuidString)),
            ("from", .object([("idType", .string("MSISDN")), ("idValue", .string(from))])),
            ("to", .object([("idType", .string("MSISDN")), ("idValue", .string(to))])),
            ("amountType", .string("SEND")), ("currency", .string(currency)), ("amount", .string(amount)),
            ("transactionType", .string("TRANSFER")),
        ]
        if let autoAcceptParty { members.append(("autoAcceptParty", .bool(autoAcceptParty))) }
        if let autoAcceptQuote { members.append(("autoAcceptQuote", .bool(autoAcceptQuote))) }
        return .object(members)
    }
}

extension Topology {
    var payerAPI: OutboundCaller { OutboundCaller(port: ports.payerOutbound) }
    var payeeAPI: OutboundCaller { OutboundCaller(port: ports.payeeOutbound) }

    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas/events")

    /// Checks that every record on both logs is an envelope whose payload validates against its type's
    /// schema (of the version it names); returns the types seen.
    func validatedRecordTypes() async throws -> Set<String> {
        var types: Set<String> = []
        for log in [payerLog, payeeLog] {
            for topic in try await log.describeTopics() where topic.name != "pm.dead-letter" {
                for record in try await log.read(ReadRequest(topic: topic.name, limit: 10_000)) {
                    let envelope = try Envelope(bytes: record.value)
                    let url = Self.schemas.appendingPathComponent("\(envelope.type).v\(envelope.schemaVersion).schema.json")
                    let schema = try JSONSchema(bytes: Array(try Data(contentsOf: url)))
                    let problems = schema.violations(of: envelope.payload)
                    #expect(problems.isEmpty, "\(envelope.type): \(problems)")
                    types.insert(envelope.type)
                }
            }
        }
        return types
    }

    /// A hub client that talks to the payer's inbound API as `fspId` would through the hub: the
    /// switch's client certificate, signing with `signingKey`.
    func hubClient(to port: Int, as fspId: String, signingKeyPath: String, http: PooledHTTPClient) throws -> HubClient {
        let signer = JWSSigner(key: try SigningKey(pem: try String(contentsOfFile: signingKeyPath, encoding: .utf8)))
        return HubClient(dfspId: fspId, endpoints: HubEndpoints(peer: "https://127.0.0.1:\(port)"), signer: signer,
                         signPutParties: true, http: http, retries: 0)
    }

}

/// Waits until `condition` holds, checking every few milliseconds, or fails after `timeout`.
func eventually(timeout: Duration = .seconds(10), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TopologyError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
