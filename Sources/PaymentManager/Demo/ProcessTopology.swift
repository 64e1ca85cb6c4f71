import AsyncHTTPClient
import Connector
import FSPIOP
import Foundation
import Logging
import NIOCore
import PaymentDomain
import ServiceLifecycle
import Simulators
import Synchronization

/// The demo's world with the two Payment Managers as real `pm serve` processes (configured through the
/// SDK's environment variables), so that they can be killed with SIGKILL and started again; the hub and
/// the payee's core run in this process. Used by `pm bench e2e --chaos` and the crash-recovery test.
public final class ProcessTopology: Sendable {
    public struct Options: Sendable {
        public var directory: String
        /// The `pm` executable to start as `pm serve`.
        public var executable: URL
        public var payees = 20
        public var expirySeconds = 6
        public var requestTimeoutSeconds = 3
        public var logLevel = "warning"
        public var finishedRetentionSeconds = 300
        /// `PM_CHECKPOINT_INTERVAL_MS` of both servers.
        public var checkpointIntervalMilliseconds = 10_000
        /// More environment of both servers (tracing's `OTEL_*`, say).
        public var environment: [String: String] = [:]
        public init(directory: String, executable: URL) {
            self.directory = directory
            self.executable = executable
        }
    }

    /// One `pm serve` process.
    public final class Server: Sendable {
        public let fspId: String
        public let outboundPort: Int
        let environment: [String: String]
        let executable: URL
        let output: URL
        private let process = Mutex<Process?>(nil)

        init(fspId: String, outboundPort: Int, environment: [String: String], executable: URL, output: URL) {
            self.fspId = fspId
            self.outboundPort = outboundPort
            self.environment = environment
            self.executable = executable
            self.output = output
        }

        public func start() throws {
            let process = Process()
            process.executableURL = executable
            process.arguments = ["serve"]
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            if !FileManager.default.fileExists(atPath: output.path) { _ = FileManager.default.createFile(atPath: output.path, contents: nil) }
            let handle = try FileHandle(forWritingTo: output)
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            self.process.withLock { $0 = process }
        }

        /// SIGKILL: no flush, no goodbye.
        public func kill() {
            guard let process = process.withLock({ $0 }) else { return }
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// The process's peak resident memory so far (`VmHWM`), in MiB, or nil when it is not running.
        public func peakMemoryMiB() -> Double? {
            guard let process = process.withLock({ $0 }), process.isRunning,
                  let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                  let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
            return kilobytes / 1024
        }

        /// The CPU time (user and system) the process has used so far, in seconds, or nil when it is not running.
        public func cpuSeconds() -> Double? {
            guard let process = process.withLock({ $0 }), process.isRunning,
                  let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After the command's closing parenthesis: state (field 3), ..., utime (14), stime (15).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }

        /// The sum of a counter over its label sets, from the process's `GET /metrics`, or nil when it cannot be read.
        public func metricTotal(_ name: String) async -> Double? {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(outboundPort)/metrics")
            guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)),
                  let bytes = try? await response.body.collect(upTo: 8 << 20) else { return nil }
            var total = 0.0
            for line in String(buffer: bytes).split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
                if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total += value }
            }
            return total
        }

        /// SIGTERM and wait: a graceful stop. A process still running after `grace` is killed, and
        /// the return value says so (a graceful stop that hangs is a defect the caller should report).
        @discardableResult
        public func stop(grace: Duration = .seconds(15)) -> Bool {
            guard let process = process.withLock({ $0 }), process.isRunning else { return true }
            process.terminate()
            let deadline = ContinuousClock.now + grace
            while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
            guard process.isRunning else { return true }
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }

        /// Waits until `GET /ready` answers 200.
        public func ready(timeout: Duration = .seconds(30)) async throws {
            let url = "http://127.0.0.1:\(outboundPort)/ready"
            try await ProcessTopology.await("pm serve \(fspId) to be ready", timeout: timeout) {
                guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2)) else { return false }
                return response.status == .ok
            }
        }
    }

    public let options: Options
    public let pki: TestPKI
    public let hub: HubSimulator
    public let payeeCore: CoreSimulator
    public let payerCore: CoreSimulator
    public let payer: Server
    public let payee: Server

    public init(options: Options, logger: Logger) throws {
        self.options = options
        let directory = options.directory
        let pki = try TestPKI.generate(in: directory + "/pki", participants: ["switch", "payerfsp", "payeefsp"])
        self.pki = pki
        let hubPort = try FreePort.allocate(), payerIn = try FreePort.allocate(), payerOut = try FreePort.allocate()
        let payeeIn = try FreePort.allocate(), payeeOut = try FreePort.allocate()
        let payerCorePort = try FreePort.allocate(), payeeCorePort = try FreePort.allocate()
        let payerExperience = try FreePort.allocate(), payeeExperience = try FreePort.allocate()
        let hubFiles = try pki.participant("switch")
        hub = HubSimulator(configuration: HubSimulatorConfiguration(
            port: hubPort,
            participants: [HubParticipant(fspId: "payerfsp", endpoint: "https://127.0.0.1:\(payerIn)", currency: "XXX", netDebitCap: "1000000000"),
                           HubParticipant(fspId: "payeefsp", endpoint: "https://127.0.0.1:\(payeeIn)", currency: "XXX", netDebitCap: "1000000000")],
            parties: (0..<options.payees).map { HubParty(partyIdType: "MSISDN", partyIdentifier: Self.payeeMSISDN($0), fspId: "payeefsp") },
            serverTLS: SimulatorTLSFiles(hubFiles.server), clientTLS: SimulatorTLSFiles(hubFiles.client), signingKeyPath: hubFiles.jwsKeyPath),
            logger: logger)
        payeeCore = try CoreSimulator(configuration: CoreSimulatorConfiguration(
            port: payeeCorePort,
            accounts: (0..<options.payees).map { CoreAccount(id: "payee-\($0)", idType: "MSISDN", idValue: Self.payeeMSISDN($0),
                                                             displayName: "Payee \($0)", currency: "XXX", balance: .zero) }), logger: logger)
        payerCore = try CoreSimulator(configuration: CoreSimulatorConfiguration(port: payerCorePort, accounts: []), logger: logger)

        func server(_ fspId: String, inbound: Int, outbound: Int, core: Int, experience: Int) throws -> Server {
            let files = try pki.participant(fspId)
            return Server(fspId: fspId, outboundPort: outbound, environment: [
                "DFSP_ID": fspId, "PM_LISTEN_ADDRESS": "127.0.0.1", "INBOUND_LISTEN_PORT": "\(inbound)", "OUTBOUND_LISTEN_PORT": "\(outbound)",
                "PM_EXPERIENCE_LISTEN_PORT": "\(experience)",
                "PEER_ENDPOINT": "127.0.0.1:\(hubPort)", "BACKEND_ENDPOINT": "127.0.0.1:\(core)", "ILP_SECRET": "chaos-\(fspId)",
                "EXPIRY_SECONDS": "\(options.expirySeconds)", "REQUEST_PROCESSING_TIMEOUT_SECONDS": "\(options.requestTimeoutSeconds)",
                "JWS_SIGN": "true", "JWS_SIGNING_KEY_PATH": files.jwsKeyPath,
                "VALIDATE_INBOUND_JWS": "true", "JWS_VERIFICATION_KEYS_DIRECTORY": pki.jwsPublicKeysDirectory,
                "INBOUND_MUTUAL_TLS_ENABLED": "true", "IN_CA_CERT_PATH": pki.caCertificatePath,
                "IN_SERVER_CERT_PATH": files.server.certificatePath, "IN_SERVER_KEY_PATH": files.server.keyPath,
                "OUTBOUND_MUTUAL_TLS_ENABLED": "true", "OUT_CA_CERT_PATH": pki.caCertificatePath,
                "OUT_CLIENT_CERT_PATH": files.client.certificatePath, "OUT_CLIENT_KEY_PATH": files.client.keyPath,
                "PM_DATA_DIR": "\(directory)/\(fspId)", "PM_LOG_LEVEL": options.logLevel,
                "PM_FINISHED_RETENTION_SECONDS": "\(options.finishedRetentionSeconds)",
                "PM_CHECKPOINT_INTERVAL_MS": "\(options.checkpointIntervalMilliseconds)",
            ].merging(options.environment) { $1 }, executable: options.executable, output: URL(fileURLWithPath: "\(directory)/\(fspId).out"))
        }
        payer = try server("payerfsp", inbound: payerIn, outbound: payerOut, core: payerCorePort, experience: payerExperience)
        payee = try server("payeefsp", inbound: payeeIn, outbound: payeeOut, core: payeeCorePort, experience: payeeExperience)
    }

    public static func payeeMSISDN(_ index: Int) -> String { "2772" + String(format: "%07d", index) }

    /// The in-process services (hub and cores), for a service group.
    public var services: [any Service] { [hub, payeeCore, payerCore] }

    /// Starts both `pm serve` processes once the in-process services listen, and waits until they are ready.
    public func startServers() async throws {
        _ = try await hub.listeningPort()
        _ = try await payeeCore.listeningPort()
        _ = try await payerCore.listeningPort()
        try payer.start()
        try payee.start()
        try await payer.ready()
        try await payee.ready()
    }

    /// The payer's answer to a `POST /transfers`.
    public struct Answer: Sendable {
        public var status: Int
        public var transferId: String?
        public var state: String?
    }

    /// `POST /transfers` on the payer as its core would, from one payer to payee number `payee`.
    /// Returns the answer, or nil when none came (the payer was killed, say).
    public func postTransfer(homeTransactionId: String, payee: Int, amount: String) async -> Answer? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.payer.outboundPort)/transfers")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: """
            {"homeTransactionId":"\(homeTransactionId)","from":{"idType":"MSISDN","idValue":"27710001000"},\
            "to":{"idType":"MSISDN","idValue":"\(Self.payeeMSISDN(payee))"},"amountType":"SEND",\
            "currency":"XXX","amount":"\(amount)","transactionType":"TRANSFER"}
            """))
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(120)),
              let bytes = try? await response.body.collect(upTo: 1 << 20) else { return nil }
        let body = try? JSONParser.parse(Array(buffer: bytes))
        // A success is the transfer itself; an error carries it under `transferState`.
        let transfer = body?["transferState"] ?? body
        return Answer(status: Int(response.status.code), transferId: transfer?["transferId"]?.stringValue,
                      state: transfer?["currentState"]?.stringValue)
    }

    /// The payer's view of the transfer it recorded under `homeTransactionId`: (transferId, currentState),
    /// or nil when the payer has no such transfer.
    public func payerState(homeTransactionId: String) async throws -> (transferId: String, state: String)? {
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(payer.outboundPort)/transfers?homeTransactionId=\(homeTransactionId)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        if response.status == .notFound { return nil }
        let body = try JSONParser.parse(Array(buffer: bytes))
        guard let id = body["transferId"]?.stringValue, let state = body["currentState"]?.stringValue else {
            throw TopologyError("the payer's answer for \(homeTransactionId) has no transferId or currentState")
        }
        return (id, state)
    }

    /// What a reconciliation found: how many transfers ended in each state, and whether payer, hub and payee agree.
    public struct Reconciliation: Sendable {
        public var completed = 0
        public var failed = 0
        /// Transfers the payer never recorded (their request died with the payer before it was acknowledged).
        public var unrecorded = 0
        public var disagreements: [String] = []
        /// The sum the hub committed and the sum the payee's core holds.
        public var committedUnits: Int64 = 0
        public var creditedUnits: Int64 = 0
        public var booksAddUp: Bool { committedUnits == creditedUnits }
    }

    /// Waits for every transfer to end at the payer, then compares the payer's, the hub's and the payee's view.
    /// A transfer whose `POST /transfers` was answered with a final state is taken from its answer; the
    /// others are asked of the payer (`GET /transfers?homeTransactionId=`).
    public func reconcile(_ transfers: [(homeTransactionId: String, amount: String)], answers: [String: Answer] = [:],
                          timeout: Duration = .seconds(120)) async throws -> Reconciliation {
        var result = Reconciliation()
        let final: Set<String> = ["COMPLETED", "ERROR_OCCURRED", "ABORTED"]
        for (home, amount) in transfers {
            var found: (transferId: String, state: String)?
            if let answer = answers[home], let id = answer.transferId, let state = answer.state, final.contains(state) {
                found = (id, state)
            } else {
                try await Self.await("transfer \(home) to end at the payer", timeout: timeout) {
                    found = try await self.payerState(homeTransactionId: home)
                    guard let found else { return true }
                    return final.contains(found.state)
                }
            }
            guard let found else {
                result.unrecorded += 1
                continue
            }
            let hubState = hub.transfer(id: found.transferId)?.transferState
            if found.state == "COMPLETED" {
                result.completed += 1
                if hubState != "COMMITTED" { result.disagreements.append("\(home): payer COMPLETED, hub \(hubState ?? "none")") }
                result.committedUnits += CoreAmount(amount)?.units ?? 0
                try await Self.await("the payee's core to hear of \(home)", timeout: timeout) {
                    self.payeeCore.inboundTransferState(found.transferId) != nil
                }
            } else {
                result.failed += 1
                if hubState == "COMMITTED" { result.disagreements.append("\(home): payer \(found.state), hub COMMITTED") }
            }
        }
        result.creditedUnits = payeeCore.accountBalances().reduce(Int64(0)) { $0 + $1.balance.units }
        return result
    }

    /// Waits until `condition` holds, or throws after `timeout`.
    public static func await(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TopologyError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
