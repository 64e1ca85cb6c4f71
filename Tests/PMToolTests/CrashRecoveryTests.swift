import AsyncHTTPClient
import Connector
import FSPIOP
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PaymentManager
import ServiceLifecycle
import Simulators
import Synchronization
import Testing

/// A `pm serve` process, configured through the SDK's environment variables.
final class ServeProcess: @unchecked Sendable {
    // @unchecked: `process` is replaced only by start(), which the test calls from one task at a time.
    let environment: [String: String]
    let outboundPort: Int
    private var process: Process?
    let output: URL

    init(environment: [String: String], outboundPort: Int, output: URL) {
        self.environment = environment
        self.outboundPort = outboundPort
        self.output = output
    }

    func start() throws {
        let process = Process()
        process.executableURL = try PMProcess.executable
        process.arguments = ["serve"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if !FileManager.default.fileExists(atPath: output.path) { _ = FileManager.default.createFile(atPath: output.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: output)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
    }

    /// SIGKILL: no chance to flush or say goodbye.
    func kill() {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    func ready() async throws {
        try await awaitCondition("pm serve on \(outboundPort) to be ready", timeout: .seconds(30)) {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(outboundPort)/ready")
            guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)) else { return false }
            return response.status == .ok
        }
    }
}

/// A counter shared by concurrent tasks.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// Waits until `condition` holds, or fails after `timeout`.
func awaitCondition(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TopologyError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

@Suite("Crash recovery: pm serve killed with SIGKILL in the middle of a batch of transfers")
struct CrashRecoveryTests {
    @Test("killing the payee and then the payer mid-batch loses no acknowledged transfer; every one ends in one state agreed by payer, hub and payee")
    func killAndRestart() async throws {
        let scratch = try Scratch()
        let directory = scratch.url.path
        let pki = try TestPKI.generate(in: directory + "/pki", participants: ["switch", "payerfsp", "payeefsp"])
        let ports = (hub: try FreePort.allocate(), payerIn: try FreePort.allocate(), payerOut: try FreePort.allocate(),
                     payeeIn: try FreePort.allocate(), payeeOut: try FreePort.allocate(), payerCore: try FreePort.allocate(),
                     payeeCore: try FreePort.allocate())
        var logger = Logger(label: "crash-test")
        logger.logLevel = .critical
        let hubFiles = pki.participants["switch"]!
        func simulatorTLS(_ files: TLSFiles) -> SimulatorTLSFiles {
            SimulatorTLSFiles(caCertificatePath: files.caCertificatePaths[0], certificatePath: files.certificatePath, privateKeyPath: files.keyPath)
        }
        let payees = 20
        let hub = HubSimulator(configuration: HubSimulatorConfiguration(
            port: ports.hub,
            participants: [HubParticipant(fspId: "payerfsp", endpoint: "https://127.0.0.1:\(ports.payerIn)", currency: "XXX", netDebitCap: "1000000"),
                           HubParticipant(fspId: "payeefsp", endpoint: "https://127.0.0.1:\(ports.payeeIn)", currency: "XXX", netDebitCap: "1000000")],
            parties: (0..<payees).map { HubParty(partyIdType: "MSISDN", partyIdentifier: "2772000\(1000 + $0)", fspId: "payeefsp") },
            serverTLS: simulatorTLS(hubFiles.server), clientTLS: simulatorTLS(hubFiles.client), signingKeyPath: hubFiles.jwsKeyPath),
            logger: logger)
        let payeeCore = try CoreSimulator(configuration: CoreSimulatorConfiguration(
            port: ports.payeeCore,
            accounts: (0..<payees).map { CoreAccount(id: "payee-\($0)", idType: "MSISDN", idValue: "2772000\(1000 + $0)", displayName: "Payee \($0)",
                                                     currency: "XXX", balance: .zero) }), logger: logger)
        let payerCore = try CoreSimulator(configuration: CoreSimulatorConfiguration(port: ports.payerCore, accounts: []), logger: logger)

        func serve(_ fspId: String, inbound: Int, outbound: Int, core: Int) -> ServeProcess {
            let files = pki.participants[fspId]!
            return ServeProcess(environment: [
                "DFSP_ID": fspId, "PM_LISTEN_ADDRESS": "127.0.0.1", "INBOUND_LISTEN_PORT": "\(inbound)", "OUTBOUND_LISTEN_PORT": "\(outbound)",
                "PEER_ENDPOINT": "127.0.0.1:\(ports.hub)", "BACKEND_ENDPOINT": "127.0.0.1:\(core)", "ILP_SECRET": "crash-test-\(fspId)",
                "EXPIRY_SECONDS": "6", "REQUEST_PROCESSING_TIMEOUT_SECONDS": "3",
                "JWS_SIGN": "true", "JWS_SIGNING_KEY_PATH": files.jwsKeyPath,
                "VALIDATE_INBOUND_JWS": "true", "JWS_VERIFICATION_KEYS_DIRECTORY": pki.jwsPublicKeysDirectory,
                "INBOUND_MUTUAL_TLS_ENABLED": "true", "IN_CA_CERT_PATH": pki.caCertificatePath,
                "IN_SERVER_CERT_PATH": files.server.certificatePath, "IN_SERVER_KEY_PATH": files.server.keyPath,
                "OUTBOUND_MUTUAL_TLS_ENABLED": "true", "OUT_CA_CERT_PATH": pki.caCertificatePath,
                "OUT_CLIENT_CERT_PATH": files.client.certificatePath, "OUT_CLIENT_KEY_PATH": files.client.keyPath,
                "PM_DATA_DIR": "\(directory)/\(fspId)", "PM_LOG_LEVEL": "warning",
            ], outboundPort: outbound, output: scratch.url.appendingPathComponent("\(fspId).out"))
        }
        let payer = serve("payerfsp", inbound: ports.payerIn, outbound: ports.payerOut, core: ports.payerCore)
        let payee = serve("payeefsp", inbound: ports.payeeIn, outbound: ports.payeeOut, core: ports.payeeCore)
        defer { payer.stop(); payee.stop() }

        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: hub), .init(service: payeeCore), .init(service: payerCore)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            _ = try await hub.listeningPort()
            _ = try await payeeCore.listeningPort()
            try payer.start()
            try payee.start()
            try await payer.ready()
            try await payee.ready()

            // A batch of transfers, 16 at a time; the answers are not needed: the state is asked for afterwards.
            let count = 60
            let answered = Counter()
            let homeIds = (0..<count).map { "crash-\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { senders in
                senders.addTask {
                    await withTaskGroup(of: Void.self) { batch in
                        for (index, home) in homeIds.enumerated() {
                            if index >= 16 { await batch.next() }
                            batch.addTask {
                                var request = HTTPClientRequest(url: "http://127.0.0.1:\(ports.payerOut)/transfers")
                                request.method = .POST
                                request.headers.add(name: "Content-Type", value: "application/json")
                                request.body = .bytes(ByteBuffer(string: """
                                    {"homeTransactionId":"\(home)","from":{"idType":"MSISDN","idValue":"27710001000"},\
                                    "to":{"idType":"MSISDN","idValue":"2772000\(1000 + index % payees)"},"amountType":"SEND",\
                                    "currency":"XXX","amount":"\(index + 1)","transactionType":"TRANSFER"}
                                    """))
                                _ = try? await HTTPClient.shared.execute(request, timeout: .seconds(60))
                                answered.value.add(1, ordering: .relaxed)
                            }
                        }
                    }
                }
                // Mid-batch: kill the payee, bring it back; then the payer.
                try await awaitCondition("some transfers to commit", timeout: .seconds(60)) {
                    hub.participantStates().first { $0.fspId == "payerfsp" }.map { $0.position != "0" } ?? false
                }
                payee.kill()
                try payee.start()
                try await payee.ready()
                try await awaitCondition("more transfers to be answered", timeout: .seconds(60)) { answered.value.load(ordering: .relaxed) >= 20 }
                payer.kill()
                try payer.start()
                try await payer.ready()
                try await senders.waitForAll()
            }

            // Every transfer the payer knows ends in one terminal state, and payer, hub and payee agree on it.
            var completedAmount = 0
            var known = 0
            for (index, home) in homeIds.enumerated() {
                var state: String?
                var transferId: String?
                try await awaitCondition("transfer \(home) to end", timeout: .seconds(60)) {
                    let request = HTTPClientRequest(url: "http://127.0.0.1:\(ports.payerOut)/transfers?homeTransactionId=\(home)")
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                    let body = try JSONParser.parse(Array(buffer: try await response.body.collect(upTo: 1 << 20)))
                    if response.status == .notFound { state = nil; return true }
                    state = body["currentState"]?.stringValue
                    transferId = body["transferId"]?.stringValue
                    return ["COMPLETED", "ERROR_OCCURRED", "ABORTED"].contains(state ?? "")
                }
                guard let state, let transferId else { continue }
                known += 1
                let hubState = hub.transfer(id: transferId)?.transferState
                if state == "COMPLETED" {
                    #expect(hubState == "COMMITTED", "\(home): payer COMPLETED, hub \(hubState ?? "none")")
                    try await awaitCondition("the payee's core to hear of \(home)", timeout: .seconds(30)) {
                        payeeCore.inboundTransferState(transferId) != nil
                    }
                    completedAmount += index + 1
                } else {
                    #expect(hubState != "COMMITTED", "\(home): payer \(state), hub COMMITTED")
                }
            }
            #expect(known >= 40, "only \(known) of \(count) transfers were recorded by the payer")
            #expect(completedAmount > 0)
            // The payee's books hold exactly what the hub committed.
            let credited = payeeCore.accountBalances().reduce(Int64(0)) { $0 + $1.balance.units }
            #expect(credited == CoreAmount(units: Int64(completedAmount) * 10_000).units, "payee credited \(CoreAmount(units: credited)), committed \(completedAmount)")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
