import AsyncHTTPClient
import FSPIOP
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Simulators
import Synchronization
import Testing

// Test DFSPs for the hub simulator: tiny HTTP(S) servers written here (not Payment Manager) that
// record what the hub sends them, and a client that sends what a DFSP would send.

/// A request a test DFSP received from the hub.
struct HubTestMessage: Sendable {
    let method: String
    let path: String
    let headers: HeaderFields
    let body: [UInt8]

    var json: JSONValue? { try? JSONParser.parse(body) }
    var text: String { String(decoding: body, as: UTF8.self) }
    /// `errorInformation.errorCode` of an error callback.
    var errorCode: String? { json?["errorInformation"]?["errorCode"]?.stringValue }
}

/// No matching message arrived in time.
struct HubTestTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// A test set-up step failed.
struct HubTestFailure: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// What a test DFSP received, awaited with a deadline: a waiter is resumed by the delivery that
/// matches it, never by polling.
final class HubTestInbox: Sendable {
    private struct Waiter {
        let predicate: @Sendable (HubTestMessage) -> Bool
        let continuation: CheckedContinuation<HubTestMessage, any Error>
    }

    private struct State {
        var unclaimed: [HubTestMessage] = []
        var waiters: [Int: Waiter] = [:]
        var nextId = 0
    }

    private let state = Mutex(State())

    func deliver(_ message: HubTestMessage) {
        let waiter: Waiter? = state.withLock { state in
            if let (id, waiter) = state.waiters.sorted(by: { $0.key < $1.key }).first(where: { $0.value.predicate(message) }) {
                state.waiters[id] = nil
                return waiter
            }
            state.unclaimed.append(message)
            return nil
        }
        waiter?.continuation.resume(returning: message)
    }

    /// The first message (received or to come) with this method and path, within `timeout`.
    func next(_ method: String, _ path: String, within timeout: Duration = .seconds(5)) async throws -> HubTestMessage {
        try await next("\(method) \(path)", within: timeout) { $0.method == method && $0.path == path }
    }

    func next(_ what: String, within timeout: Duration = .seconds(5),
              where predicate: @escaping @Sendable (HubTestMessage) -> Bool) async throws -> HubTestMessage {
        try await withThrowingTaskGroup(of: HubTestMessage.self) { group in
            group.addTask { try await self.wait(predicate) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw HubTestTimeout(what: what)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw HubTestTimeout(what: what) }
            return first
        }
    }

    /// The messages received and not awaited yet.
    var unclaimed: [HubTestMessage] { state.withLock { $0.unclaimed } }

    private func wait(_ predicate: @escaping @Sendable (HubTestMessage) -> Bool) async throws -> HubTestMessage {
        let id = Mutex<Int?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HubTestMessage, any Error>) in
                let found: Result<HubTestMessage, any Error>? = state.withLock { state in
                    if let index = state.unclaimed.firstIndex(where: predicate) { return .success(state.unclaimed.remove(at: index)) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[state.nextId] = Waiter(predicate: predicate, continuation: continuation)
                    id.withLock { $0 = state.nextId }
                    state.nextId += 1
                    return nil
                }
                if let found { continuation.resume(with: found) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let key = id.withLock({ $0 }) else { return nil }
                return state.waiters.removeValue(forKey: key)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}

/// A DFSP's inbound FSPIOP API for tests: answers 202 to requests and 200 to callbacks, and records
/// everything in its inbox.
struct HubTestDFSP: Service {
    let fspId: String
    let tls: TLSConfiguration?
    let inbox = HubTestInbox()
    private let port = HubTestPort()

    init(fspId: String, tls: TLSConfiguration?) {
        self.fspId = fspId
        self.tls = tls
    }

    func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        let inbox = self.inbox
        let record: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            inbox.deliver(HubTestMessage(method: request.method.rawValue, path: request.uri.path,
                                         headers: HeaderFields(request.headers.map { ($0.name.rawName, $0.value) }),
                                         body: Array(body.readableBytesView)))
            return Response(status: request.method == .get || request.method == .post ? .accepted : .ok)
        }
        for method in [HTTPRequest.Method.get, .post, .put, .patch] {
            router.on("**", method: method, use: record)
        }
        let port = self.port
        let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
        let onRunning: @Sendable (any Channel) async -> Void = { port.set($0.localAddress?.port ?? 0) }
        var logger = Logger(label: "test-dfsp-\(fspId)")
        logger.logLevel = .critical
        if let tls {
            try await Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration,
                                  onServerRunning: onRunning, logger: logger).run()
        } else {
            try await Application(router: router, configuration: configuration, onServerRunning: onRunning, logger: logger).run()
        }
    }

    func listeningPort() async throws -> Int { try await port.value() }
}

/// A port known once a server listens.
final class HubTestPort: Sendable {
    private let stream: AsyncStream<Int>
    private let input: AsyncStream<Int>.Continuation

    init() { (stream, input) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1)) }

    func set(_ port: Int) { input.yield(port); input.finish() }

    func value() async throws -> Int {
        for await port in stream { return port }
        throw HubTestTimeout(what: "a port")
    }
}

/// A hub simulator, a payer and a payee on loopback, and a client that speaks for the DFSPs.
struct HubTestNetwork: Sendable {
    let hub: HubSimulator
    let hubURL: String
    let payer: HubTestDFSP
    let payee: HubTestDFSP
    let client: HTTPClient
    let payerKey: SigningKey
    let payeeKey: SigningKey

    static let payerId = "payerfsp"
    static let payeeId = "payeefsp"

    /// Starts the hub and both DFSPs, registers the DFSPs with their ports, runs `body`, then stops
    /// everything.
    static func run(
        configuration: HubSimulatorConfiguration = HubSimulatorConfiguration(),
        payerNetDebitCap: String = "1000",
        tls: HubTestCertificates? = nil,
        _ body: (HubTestNetwork) async throws -> Void
    ) async throws {
        var configuration = configuration
        if let tls {
            configuration.serverTLS = tls.hubFiles
            configuration.clientTLS = tls.hubFiles
        }
        let dfspServerTLS = try tls.map { try $0.dfspFiles.serverConfiguration() }
        let clientTLS = try tls.map { try $0.dfspFiles.clientConfiguration() }
        var logger = Logger(label: "hub-simulator-test")
        logger.logLevel = .critical
        let hub = HubSimulator(configuration: configuration, logger: logger)
        let payer = HubTestDFSP(fspId: payerId, tls: dfspServerTLS)
        let payee = HubTestDFSP(fspId: payeeId, tls: dfspServerTLS)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: clientTLS))
        // Stopped by a graceful shutdown, never by cancelling: cancelling a NIO server task while a
        // connection it accepted is still queued traps (swift-nio#2637).
        let services = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: hub), .init(service: payer), .init(service: payee)],
                                                                             logger: logger))
        let outcome: Result<Void, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await services.run() }
            let outcome = await Result { () async throws -> Void in
                let scheme = tls == nil ? "http" : "https"
                let hubPort = try await hub.listeningPort()
                try hub.register(HubParticipant(fspId: payerId, endpoint: "\(scheme)://127.0.0.1:\(try await payer.listeningPort())",
                                                currency: "USD", netDebitCap: payerNetDebitCap))
                let network = HubTestNetwork(hub: hub, hubURL: "\(scheme)://127.0.0.1:\(hubPort)", payer: payer, payee: payee,
                                             client: client, payerKey: try SigningKey.generateP256(), payeeKey: try SigningKey.generateP256())
                // The payee registers through the admin API, as a benchmark or `pm demo` would.
                let registration = #"{"fspId":"\#(payeeId)","endpoint":"\#(scheme)://127.0.0.1:\#(try await payee.listeningPort())","#
                    + #""currency":"USD","netDebitCap":"1000"}"#
                let registered = try await network.raw("POST", "/admin/participants", headers: ["Content-Type": "application/json"],
                                                       body: registration)
                guard registered.status == 201 else { throw HubTestFailure(reason: "registering the payee: \(registered.status) \(registered.body)") }
                try await body(network)
                // Every message the hub sent so far reached its DFSP.
                #expect(hub.deliveryCounts.failed == 0)
            }
            await services.triggerGracefulShutdown()
            await group.waitForAll()
            return outcome
        }
        try await client.shutdown()
        try outcome.get()
    }

    func key(of fspId: String) -> SigningKey { fspId == Self.payerId ? payerKey : payeeKey }

    /// What a DFSP's request got back from the hub.
    struct Answer: Sendable {
        let status: Int
        let body: String
        var errorCode: String? { (try? JSONParser.parse(body))?["errorInformation"]?["errorCode"]?.stringValue }
    }

    /// Sends an FSPIOP request to the hub as `source` would: FSPIOP headers at `version`, and a JWS
    /// signature with the DFSP's key when there is a body.
    @discardableResult
    func send(_ method: String, _ path: String, from source: String, to destination: String? = nil, body: String? = nil,
              version: String = "1.1", overriding overrides: [(String, String?)] = []) async throws -> Answer {
        let resource = String(path.split(separator: "/").first ?? "")
        var headers = HeaderFields()
        // Every method carries Content-Type, as the hub requires.
        headers[FSPIOPHeader.contentType] = "application/vnd.interoperability.\(resource)+json;version=\(version)"
        if method == "GET" || method == "POST" {
            headers[FSPIOPHeader.accept] = "application/vnd.interoperability.\(resource)+json;version=\(version.prefix(1))"
        }
        headers[FSPIOPHeader.date] = HubTestNetwork.now().httpDate
        headers[FSPIOPHeader.source] = source
        if let destination { headers[FSPIOPHeader.destination] = destination }
        headers[FSPIOPHeader.uri] = path
        headers[FSPIOPHeader.httpMethod] = method
        if let body, source == Self.payerId || source == Self.payeeId {
            headers[FSPIOPHeader.signature] = try JWSSigner(key: key(of: source)).sign(body: Array(body.utf8), headers: headers).headerValue
        }
        for (name, value) in overrides { headers[name] = value }
        return try await raw(method, path, headers: headers, body: body)
    }

    /// Sends a request with exactly these headers.
    func raw(_ method: String, _ path: String, headers: HeaderFields, body: String?) async throws -> Answer {
        var request = HTTPClientRequest(url: hubURL + path)
        request.method = .init(rawValue: method)
        for field in headers { request.headers.add(name: field.name, value: field.value) }
        if let body { request.body = .bytes(Array(body.utf8)) }
        let response = try await client.execute(request, timeout: .seconds(5))
        let answer = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), body: String(buffer: answer))
    }

    /// `GET` on the admin API.
    func admin(_ path: String) async throws -> JSONValue {
        let answer = try await raw("GET", path, headers: [:], body: nil)
        return try JSONParser.parse(answer.body)
    }

    /// The position and reservations of a participant as the admin API shows them: `position/reserved`.
    func position(_ fspId: String) async throws -> String {
        guard case let .array(participants) = try await admin("/admin/participants"),
              let participant = participants.first(where: { $0["fspId"]?.stringValue == fspId }) else { return "unknown" }
        return "\(participant["position"]?.stringValue ?? "?")/\(participant["reserved"]?.stringValue ?? "?")"
    }

    static func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// Checks that a received message carries a valid JWS of `signer`: body bytes and protected
    /// headers as the signer sent them.
    static func verify(_ message: HubTestMessage, signedBy fspId: String, key: SigningKey) throws {
        try JWSValidator(keys: [fspId: key.verificationKey]).validate(body: message.body, headers: message.headers)
    }
}

/// FSPIOP bodies for the tests, in the specification's shapes.
enum HubTestBodies {
    static func party(_ identifier: String, fspId: String) -> String {
        #"{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"\#(identifier)","fspId":"\#(fspId)"},"name":"Test Party"}"#
    }

    static func quote(_ quoteId: String) -> String {
        #"{"quoteId":"\#(quoteId)","transactionId":"\#(UUID().uuidString.lowercased())","payee":\#(party("27713803912", fspId: HubTestNetwork.payeeId)),"#
            + #""payer":\#(party("27713803911", fspId: HubTestNetwork.payerId)),"amountType":"SEND","amount":{"currency":"USD","amount":"100"},"#
            + #""transactionType":{"scenario":"TRANSFER","initiator":"PAYER","initiatorType":"CONSUMER"}}"#
    }

    static func quoteResponse(condition: String) -> String {
        #"{"transferAmount":{"currency":"USD","amount":"100"},"expiration":"\#(expiration(inMilliseconds: 60_000))","#
            + #""ilpPacket":"\#(ilpPacket)","condition":"\#(condition)"}"#
    }

    /// A prepare; the spaces are deliberate: forwarding must keep the bytes as they are.
    static func transfer(_ transferId: String, amount: String = "100", condition: String, expiration: String) -> String {
        #"{"transferId": "\#(transferId)", "payerFsp": "\#(HubTestNetwork.payerId)", "payeeFsp": "\#(HubTestNetwork.payeeId)", "#
            + #""amount": {"currency": "USD", "amount": "\#(amount)"}, "ilpPacket": "\#(ilpPacket)", "#
            + #""condition": "\#(condition)", "expiration": "\#(expiration)"}"#
    }

    static func fulfil(_ fulfilment: String, state: String = "COMMITTED") -> String {
        #"{"fulfilment":"\#(fulfilment)","completedTimestamp":"\#(HubTestNetwork.now().dateTime)","transferState":"\#(state)"}"#
    }

    static func error(_ code: String, _ description: String) -> String {
        #"{"errorInformation":{"errorCode":"\#(code)","errorDescription":"\#(description)"}}"#
    }

    static func expiration(inMilliseconds milliseconds: Int64) -> String {
        HubTestNetwork.now().adding(milliseconds: milliseconds).dateTime
    }

    /// A fresh fulfilment and its condition (base64url of SHA-256 of the 32 bytes).
    static func fulfilmentAndCondition() throws -> (fulfilment: String, condition: String) {
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let fulfilment = Base64.urlEncoded(bytes)
        return (fulfilment, try ILP.condition(fulfilment: fulfilment))
    }

    static func id() -> String { UUID().uuidString.lowercased() }

    static let ilpPacket = "AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFGCAUBQU0svMS4wCk5vbmNlOiB1SXlweUYzY3pYSXBFdzVVc05TYWh3CkVuY3J5cHRpb246IG5vbmUKUGF5bWVudC1JZDogMTMyMzZhM2ItOGZhOC00MTYzLTg0NDctNGMzZWQzZGE5OGE3CgpDb250ZW50LUxlbmd0aDogMTM1CkNvbnRlbnQtVHlwZTogYXBwbGljYXRpb24vanNvbgpTZW5kZXItSWRlbnRpZmllcjogOTI4MDYzOTEKCiJ7XCJmZWVcIjowLFwidHJhbnNmZXJDb2RlXCI6XCJpbnZvaWNlXCIsXCJkZWJpdE5hbWVcIjpcImFsaWNlIGNvb3BlclwiLFwiY3JlZGl0TmFtZVwiOlwibWVyIGNoYW50XCIsXCJkZWJpdElkZW50aWZpZXJcIjpcIjkyODA2MzkxXCJ9IgA"
}

/// A CA and two leaf certificates (the hub's and the DFSPs'), made with the `openssl` command line
/// in a temporary directory: P-256 keys, `127.0.0.1` and `localhost` as subject alternative names,
/// usable as server and client certificates.
struct HubTestCertificates: Sendable {
    let directory: URL
    let hubFiles: SimulatorTLSFiles
    let dfspFiles: SimulatorTLSFiles
    /// Signed by another CA: a client presenting it must be refused.
    let strangerFiles: SimulatorTLSFiles

    static func generate() throws -> HubTestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hub-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let extensions = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        try extensions.write(to: directory.appendingPathComponent("leaf.ext"), atomically: true, encoding: .utf8)
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = directory
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let output = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw HubTestFailure(reason: "openssl \(arguments.joined(separator: " ")): \(String(decoding: output, as: UTF8.self))")
            }
        }
        func ca(_ name: String) throws {
            try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", "\(name)-key.pem", "-out", "\(name).pem", "-days", "2", "-subj", "/CN=\(name)",
                         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        func leaf(_ name: String, signedBy authority: String, serial: Int) throws {
            try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", "\(name)-key.pem", "-out", "\(name).csr", "-subj", "/CN=\(name)"])
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(authority).pem", "-CAkey", "\(authority)-key.pem",
                         "-set_serial", "\(serial)", "-days", "2", "-extfile", "leaf.ext", "-out", "\(name).pem"])
        }
        try ca("ca")
        try ca("other-ca")
        try leaf("hub", signedBy: "ca", serial: 2)
        try leaf("dfsp", signedBy: "ca", serial: 3)
        try leaf("stranger", signedBy: "other-ca", serial: 4)
        func files(_ name: String) -> SimulatorTLSFiles {
            SimulatorTLSFiles(caCertificatePath: directory.appendingPathComponent("ca.pem").path,
                              certificatePath: directory.appendingPathComponent("\(name).pem").path,
                              privateKeyPath: directory.appendingPathComponent("\(name)-key.pem").path)
        }
        return HubTestCertificates(directory: directory, hubFiles: files("hub"), dfspFiles: files("dfsp"), strangerFiles: files("stranger"))
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing body.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
