import AsyncHTTPClient
import FSPIOP
import Logging
import ServiceLifecycle
import Simulators
import Testing

/// Starting and stopping the hub simulator as a service.
@Suite("Hub simulator lifecycle")
struct HubLifecycleTests {
    var logger: Logger {
        var logger = Logger(label: "hub-lifecycle-test")
        logger.logLevel = .critical
        return logger
    }

    @Test("it serves in a service group until a graceful shutdown, then run returns and the port is gone")
    func gracefulShutdown() async throws {
        let hub = HubSimulator(configuration: HubSimulatorConfiguration(), logger: logger)
        let group = ServiceGroup(services: [hub], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await hub.listeningPort()
            #expect(port > 0)

            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 4096)
            #expect(response.status.code == 200)
            #expect(try JSONParser.parse(Array(body.readableBytesView))["status"]?.stringValue == "OK")
            let unknown = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/nothing/here"), timeout: .seconds(5))
            let unknownBody = try await unknown.body.collect(upTo: 4096)
            #expect(unknown.status.code == 404)
            #expect(try JSONParser.parse(Array(unknownBody.readableBytesView))["errorInformation"]?["errorCode"]?.stringValue == "3002")
            try await client.shutdown()

            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await #expect(throws: HubSimulatorError.self) { _ = try await hub.listeningPort() }
    }

    @Test("a participant that cannot be used stops the start, and the waiters are told why")
    func badConfiguration() async throws {
        let configuration = HubSimulatorConfiguration(participants: [
            HubParticipant(fspId: "payer", endpoint: "not a url", currency: "USD", netDebitCap: "10"),
        ])
        let hub = HubSimulator(configuration: configuration, logger: logger)
        await #expect(throws: HubSimulatorError.invalidParticipant(fspId: "payer", reason: "endpoint 'not a url' is not an http(s)://host[:port][/path] URL")) {
            try await hub.run()
        }
        await #expect(throws: HubSimulatorError.self) { _ = try await hub.listeningPort() }
    }

    @Test("TLS files that do not exist are reported, naming the file")
    func missingTLSFiles() async throws {
        let files = SimulatorTLSFiles(caCertificatePath: "/nonexistent/ca.pem", certificatePath: "/nonexistent/hub.pem",
                                      privateKeyPath: "/nonexistent/hub-key.pem")
        let hub = HubSimulator(configuration: HubSimulatorConfiguration(serverTLS: files), logger: logger)
        do {
            try await hub.run()
            Issue.record("the hub started without its TLS files")
        } catch let HubSimulatorError.tls(error) {
            #expect(error.path.hasPrefix("/nonexistent/"))
        }
    }
}
