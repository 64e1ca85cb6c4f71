import Foundation
import Hummingbird
import Logging
import NIOCore
import PaymentManager
import ServiceLifecycle
import Synchronization
import Testing

/// An OTLP/HTTP receiver on 127.0.0.1 for the tests: keeps the JSON bodies posted to `/v1/traces`.
final class OTLPReceiver: Sendable {
    let bodies = Mutex<[String]>([])

    /// The names of the spans received, with their trace ids.
    var spans: [(name: String, traceId: String)] {
        bodies.withLock { $0 }.flatMap { body -> [(name: String, traceId: String)] in
            guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return [] }
            var spans: [(name: String, traceId: String)] = []
            for resource in json["resourceSpans"] as? [[String: Any]] ?? [] {
                for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                    for span in scope["spans"] as? [[String: Any]] ?? [] {
                        if let name = span["name"] as? String, let traceId = span["traceId"] as? String { spans.append((name, traceId)) }
                    }
                }
            }
            return spans
        }
    }

    func application(port: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.post("v1/traces") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 16 << 20)
            self.bodies.withLock { $0.append(String(buffer: body)) }
            return .ok
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { port($0.localAddress?.port ?? 0) }, logger: Logger(label: "otlp"))
    }
}

@Suite("Tracing: spans of pm serve over OTLP")
struct TracingTests {
    @Test("a transfer's spans reach an OTLP receiver: the edges, the log appends, the decisions, the calls to the hub and the core, one trace across both DFSPs")
    func spansOverOTLP() async throws {
        let receiver = OTLPReceiver()
        let port = Mutex<Int?>(nil)
        let scratch = try Scratch()
        var logger = Logger(label: "tracing-test")
        logger.logLevel = .critical
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            let otlp = receiver.application { value in port.withLock { $0 = value } }
            tasks.addTask { try await otlp.runService() }
            try await ProcessTopology.await("the receiver to listen", timeout: .seconds(10)) { port.withLock { $0 } != nil }
            var options = ProcessTopology.Options(directory: scratch.url.path, executable: try PMProcess.executable)
            options.environment = [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port.withLock { $0 } ?? 0)", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                "OTEL_BSP_SCHEDULE_DELAY": "100",
            ]
            let topology = try ProcessTopology(options: options, logger: logger)
            defer {
                topology.payer.stop()
                topology.payee.stop()
            }
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: topology.services.map { .init(service: $0) }, logger: logger))
            tasks.addTask { try await group.run() }
            try await topology.startServers()
            let answer = await topology.postTransfer(homeTransactionId: "traced-1", payee: 1, amount: "5")
            #expect(answer?.state == "COMPLETED")
            // Both processes: the payer's outbound call and its hub requests, the payee's FSPIOP server spans and its core calls.
            let expected = ["outbound POST /transfers", "log.append", "decide core.transfer-requested", "hub GET /parties", "fspiop GET /parties/{id}",
                            "core GET /parties", "decide fspiop.received", "hub PUT /parties", "hub POST /quotes", "core POST /quoterequests",
                            "hub POST /transfers", "core POST /transfers", "hub PUT /transfers"]
            try await ProcessTopology.await("every kind of span", timeout: .seconds(30)) {
                let names = Set(receiver.spans.map(\.name))
                return expected.allSatisfy(names.contains)
            }
            // The payer's request to the hub and the payee's handling of it are one trace: traceparent crossed the hub.
            let spans = receiver.spans
            let payerTransfer = Set(spans.filter { $0.name == "outbound POST /transfers" }.map(\.traceId))
            let payeeLookup = Set(spans.filter { $0.name == "fspiop GET /parties/{id}" }.map(\.traceId))
            #expect(!payerTransfer.isDisjoint(with: payeeLookup), "the payee's server span continues the payer's trace")
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
        }
    }
}
