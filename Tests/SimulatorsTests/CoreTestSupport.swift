import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import PaymentDomain
import ServiceLifecycle
import Synchronization
import Testing
@testable import Simulators

/// Fixtures and harness for the core simulator's tests: real sockets on 127.0.0.1, port 0.
enum CoreTest {
    static let logger: Logger = {
        var logger = Logger(label: "core-simulator-test")
        logger.logLevel = .warning
        return logger
    }()

    static func amount(_ text: String) throws -> CoreAmount { try #require(CoreAmount(text)) }

    /// alice (MSISDN, XTS 1000), bob (ACCOUNT_ID with a sub-id, XTS 0), carol (MSISDN, USD 50).
    static func accounts() throws -> [CoreAccount] {
        [
            CoreAccount(id: "alice", idType: "MSISDN", idValue: "27710101010", displayName: "Alice Alpha",
                        firstName: "Alice", lastName: "Alpha", currency: "XTS", balance: try amount("1000.00")),
            CoreAccount(id: "bob", idType: "ACCOUNT_ID", idValue: "4401", idSubValue: "SAVINGS", displayName: "Bob Beta",
                        firstName: "Bob", lastName: "Beta", currency: "XTS", balance: .zero),
            CoreAccount(id: "carol", idType: "EMAIL", idValue: "carol@example.com", firstName: "Carol", lastName: "Gamma",
                        currency: "USD", balance: try amount("50")),
        ]
    }

    static func configuration(connector: URL? = nil, fees: CoreFees? = nil) throws -> CoreSimulatorConfiguration {
        CoreSimulatorConfiguration(accounts: try accounts(), connectorOutboundURL: connector, fees: fees)
    }

    /// Runs a simulator for the duration of `body`, which gets it and its port.
    @discardableResult
    static func withSimulator<T: Sendable>(_ configuration: CoreSimulatorConfiguration,
                                           _ body: @Sendable (CoreSimulator, Int) async throws -> T) async throws -> T {
        let simulator = try CoreSimulator(configuration: configuration, logger: logger)
        return try await serving(simulator) { try await body(simulator, try await simulator.listeningPort()) }
    }

    /// Runs a service in a service group for the duration of `body`, then shuts it down gracefully (as
    /// `pm` does) and surfaces an error the service ended with.
    static func serving<T: Sendable>(_ service: some Service, _ body: @Sendable () async throws -> T) async throws -> T {
        let group = ServiceGroup(services: [service], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result<T, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    // MARK: A client for the backend API

    enum Method { case get, post, put }

    struct Answer {
        var status: Int
        var body: Data

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: body) }

        /// The backend API's error shape: exactly `statusCode` and `message`, both strings.
        func errorShape() throws -> (statusCode: String, message: String) {
            let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            #expect(Set(object.keys) == ["statusCode", "message"])
            let code = try #require(object["statusCode"] as? String)
            let message = try #require(object["message"] as? String)
            return (code, message)
        }
    }

    static func call(_ method: Method, port: Int, _ path: String, body: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        switch method {
        case .get: request.method = .GET
        case .post: request.method = .POST
        case .put: request.method = .PUT
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), body: Data(buffer.readableBytesView))
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func party(_ idType: String, _ idValue: String, _ idSubValue: String? = nil) -> [String: Any] {
        var party: [String: Any] = ["idType": idType, "idValue": idValue]
        if let idSubValue { party["idSubValue"] = idSubValue }
        return party
    }

    static var payer: [String: Any] { party("MSISDN", "44123456789") }

    /// A backend `quoteRequest` as the connector sends it.
    static func quoteRequest(to: [String: Any], amount: String, currency: String, amountType: String = "SEND",
                             quoteId: String = UUID().uuidString.lowercased()) throws -> String {
        try json([
            "quoteId": quoteId, "transactionId": UUID().uuidString.lowercased(), "to": to, "from": payer,
            "amountType": amountType, "amount": amount, "currency": currency, "transactionType": "TRANSFER",
            "initiator": "PAYER", "initiatorType": "CONSUMER",
        ])
    }

    /// A backend `transferRequest` as the connector sends it.
    static func transferRequest(transferId: String, to: [String: Any], amount: String, currency: String,
                                quote: [String: Any]? = nil) throws -> String {
        let quoteBody = quote ?? [
            "quoteId": UUID().uuidString.lowercased(), "transactionId": transferId,
            "transferAmount": amount, "transferAmountCurrency": currency,
        ]
        return try json([
            "transferId": transferId, "quote": quoteBody, "from": payer, "to": to, "amountType": "SEND",
            "currency": currency, "amount": amount, "transactionType": "TRANSFER",
            "ilpPacket": ["data": ["amount": ["amount": amount, "currency": currency]]],
        ])
    }
}

/// A stand-in for the connector's outbound API: records what the core sends and answers from a script.
final class FakeConnector: Sendable {
    struct Received: Sendable {
        var method: String
        var path: String
        var body: Data
    }

    typealias Script = @Sendable (_ received: Received, _ index: Int) async -> (status: Int, body: String)

    private let received = Mutex<[Received]>([])
    private let script: Script
    /// Yields once per request received (before it is answered).
    let arrivals: AsyncStream<Void>
    private let arrivalsContinuation: AsyncStream<Void>.Continuation

    init(script: @escaping Script) {
        self.script = script
        (arrivals, arrivalsContinuation) = AsyncStream<Void>.makeStream()
    }

    var requests: [Received] { received.withLock { $0 } }

    private func handle(_ request: Request, method: String) async -> Response {
        let buffer = (try? await request.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
        let entry = Received(method: method, path: request.uri.path, body: Data(buffer.readableBytesView))
        let index = received.withLock {
            $0.append(entry)
            return $0.count - 1
        }
        arrivalsContinuation.yield()
        let (status, body) = await script(entry, index)
        return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Serves the fake for the duration of `body`, which gets the base URL.
    func serve<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/transfers") { request, _ in await self.handle(request, method: "POST") }
        router.put("/transfers/:transferId") { request, _ in await self.handle(request, method: "PUT") }
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                if let port = channel.localAddress?.port { portContinuation.yield(port) }
                portContinuation.finish()
            },
            logger: CoreTest.logger)
        return try await CoreTest.serving(app) {
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let url = try #require(URL(string: "http://127.0.0.1:\(port)"))
            return try await body(url)
        }
    }
}

/// A one-shot latch a fake's script can wait on, opened by the test (no sleeping).
final class Gate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream<Void>.makeStream() }

    func open() { continuation.finish() }

    func wait() async {
        for await _ in stream {}
    }
}
