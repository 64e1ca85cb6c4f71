import Connector
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

import Synchronization

/// `pm bench http`: what one FSPIOP-sized HTTP exchange costs in the HTTP stack the connector is built on, with
/// nothing else of ours in it: a Hummingbird server that collects the body and answers 202, and the connector's
/// hub client (``PooledHTTPClient``: pooled keep-alive connections, mutual TLS with the same kind of
/// certificates), sending a 1.3 KB transfer body with the FSPIOP headers of a signed request. Both ends run
/// in this process, so the CPU per exchange counts the client and the server, as an exchange between two
/// components of `pm bench e2e` does. A transfer makes 16 such exchanges, which puts a floor under the
/// end-to-end CPU for as long as the connector's server is built on Hummingbird.
///
/// The baseline, measured first in the same run, is the same exchange over SwiftNIO's HTTP/1.1 codec and NIOSSL
/// with no framework above them (``BareNIOExchange``): the least this stack can cost.
public enum HTTPBenchmark {
    public struct Result: Sendable {
        public var requests: Int
        public var concurrency: Int
        public var mutualTLS: Bool
        public var seconds: Double
        public var requestsPerSecond: Double
        /// CPU of the whole process (client and server) per exchange.
        public var cpuMicrosecondsPerExchange: Double
        public var p50Ms: Double
        public var p99Ms: Double
        public var failed: Int
        /// The baseline, measured in the same run: the same exchanges over SwiftNIO's HTTP/1.1 codec and NIOSSL
        /// alone (``BareNIOExchange``).
        public var bareNIORequestsPerSecond: Double
        public var bareNIOCpuMicrosecondsPerExchange: Double
        /// CPU per exchange of the connector's stack divided by the baseline's.
        public var cpuRatioToBareNIO: Double { cpuMicrosecondsPerExchange / max(bareNIOCpuMicrosecondsPerExchange, 0.001) }
    }

    /// The server's side: reads the whole body, answers 202 with no body (as the FSPIOP API answers a request).
    struct Sink: HTTPResponder {
        typealias Context = BasicRequestContext
        func respond(to request: Request, context: Context) async throws -> Response {
            var request = request
            _ = try await request.collectBody(upTo: 1 << 20)
            return Response(status: .accepted)
        }
    }

    public static func run(requests: Int, concurrency: Int, mutualTLS: Bool, directory: String, logger: Logger) async throws -> Result {
        let pki = try TestPKI.generate(in: directory, participants: ["server", "client"])
        let bare = try await BareNIOExchange.run(requests: requests, concurrency: concurrency,
                                                 server: mutualTLS ? try pki.participant("server").server.serverConfiguration() : nil,
                                                 client: mutualTLS ? try pki.participant("client").client.clientConfiguration() : nil)
        let server = HTTPServer(name: "bench", host: "127.0.0.1", port: 0,
                                tls: mutualTLS ? try pki.participant("server").server.serverConfiguration() : nil,
                                responder: Sink(), logger: logger)
        let client = try PooledHTTPClient(configuration: .init(tls: mutualTLS ? try pki.participant("client").client.clientConfiguration() : nil))
        let result: Result
        do {
            result = try await measure(server: server, client: client, requests: requests, concurrency: concurrency, mutualTLS: mutualTLS, bare: bare)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        return result
    }

    static func measure(server: HTTPServer<Sink>, client: PooledHTTPClient, requests: Int, concurrency: Int, mutualTLS: Bool,
                        bare: BareNIOExchange.Measured) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await server.run() }
            defer { tasks.cancelAll() }
            let port = try await server.listeningPort()
            let url = "\(mutualTLS ? "https" : "http")://127.0.0.1:\(port)/transfers"
            let body = ByteBuffer(bytes: Array(sampleBody.utf8))
            var headers = HTTPHeaders()
            for (name, value) in sampleHeaders { headers.add(name: name, value: value) }
            let fixedHeaders = headers
            let send: @Sendable () async -> Double? = {
                let started = ContinuousClock.now
                guard let response = try? await client.execute(method: .POST, url: url, headers: fixedHeaders, body: body, timeout: .seconds(30)),
                      response.status == .accepted else { return nil }
                return Measure.milliseconds(ContinuousClock.now - started)
            }
            // Warm up: every connection of the pool opened and its TLS session set up before measuring.
            await drive(requests: max(concurrency * 20, 500), concurrency: concurrency, send)
            let cpuBefore = EndToEndBenchmark.cpuSeconds()
            let started = ContinuousClock.now
            let tally = await drive(requests: requests, concurrency: concurrency, send)
            let seconds = Measure.seconds(ContinuousClock.now - started)
            let cpu = EndToEndBenchmark.cpuSeconds() - cpuBefore
            let latencies = tally.latencies.sorted()
            return Result(requests: latencies.count, concurrency: concurrency, mutualTLS: mutualTLS, seconds: seconds,
                          requestsPerSecond: Double(latencies.count) / seconds,
                          cpuMicrosecondsPerExchange: cpu * 1e6 / Double(max(latencies.count, 1)),
                          p50Ms: Measure.percentile(latencies, 0.5), p99Ms: Measure.percentile(latencies, 0.99), failed: tally.failed,
                          bareNIORequestsPerSecond: Double(bare.exchanges) / bare.seconds,
                          bareNIOCpuMicrosecondsPerExchange: bare.cpuSeconds * 1e6 / Double(max(bare.exchanges, 1)))
        }
    }

    struct Tally: Sendable {
        var latencies: [Double] = []
        var failed = 0
    }

    @discardableResult
    static func drive(requests: Int, concurrency: Int, _ send: @escaping @Sendable () async -> Double?) async -> Tally {
        final class Shared: Sendable {
            let next = Atomic<Int>(0)
            let tally = Mutex(Tally())
        }
        let shared = Shared()
        await withDiscardingTaskGroup { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while shared.next.wrappingAdd(1, ordering: .relaxed).oldValue < requests {
                        let latency = await send()
                        shared.tally.withLock { tally in
                            if let latency { tally.latencies.append(latency) } else { tally.failed += 1 }
                        }
                    }
                }
            }
        }
        return shared.tally.withLock { $0 }
    }

    /// The headers of a signed FSPIOP POST /transfers (the signature's size included).
    static let sampleHeaders: [(String, String)] = [
        ("Content-Type", "application/vnd.interoperability.transfers+json;version=1.1"),
        ("Accept", "application/vnd.interoperability.transfers+json;version=1"),
        ("Date", "Sun, 29 Nov 2026 15:40:54 GMT"),
        ("FSPIOP-Source", "payerfsp"),
        ("FSPIOP-Destination", "payeefsp"),
        ("FSPIOP-URI", "/transfers"),
        ("FSPIOP-HTTP-Method", "POST"),
        ("FSPIOP-Signature", "{\"signature\":\"" + String(repeating: "A", count: 342)
            + "\",\"protectedHeader\":\"" + String(repeating: "e", count: 240) + "\"}"),
    ]

    /// A transfer prepare of the usual size (about 1.3 KB).
    static let sampleBody = """
        {"transferId":"0d6a9b5e-7f55-4d3a-9a53-1d3f6f0b1c2e","payerFsp":"payerfsp","payeeFsp":"payeefsp",\
        "amount":{"amount":"100","currency":"USD"},"ilpPacket":"\(String(repeating: "A", count: 900))",\
        "condition":"GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM","expiration":"2026-11-29T15:41:54.000Z"}
        """
}
