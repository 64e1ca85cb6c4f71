import Foundation
import Logging
import PaymentManager
import Testing

/// `pm bench http` measures real exchanges: a server and a client on 127.0.0.1, with and without mutual TLS.
struct HTTPBenchmarkTests {
    @Test("the HTTP floor benchmark completes every exchange over real sockets, with and without mutual TLS", arguments: [false, true])
    func exchanges(mutualTLS: Bool) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-http-bench-test-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let result = try await HTTPBenchmark.run(requests: 300, concurrency: 8, mutualTLS: mutualTLS, directory: directory, logger: logger)
        #expect(result.failed == 0)
        #expect(result.requests == 300)
        #expect(result.mutualTLS == mutualTLS)
        #expect(result.requestsPerSecond > 0)
        #expect(result.cpuMicrosecondsPerExchange > 0)
        #expect(result.p50Ms > 0 && result.p50Ms <= result.p99Ms)
        // The baseline made its exchanges too (it throws if one failed or was not answered 202).
        #expect(result.bareNIORequestsPerSecond > 0)
        #expect(result.bareNIOCpuMicrosecondsPerExchange > 0)
    }
}
