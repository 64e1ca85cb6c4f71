import ArgumentParser
import Connector
import Foundation
import Logging
import PaymentManager
import Portal
import ServiceLifecycle
import Simulators

/// `pm demo`: the whole thing on one machine, with no configuration.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a hub simulator, a payer and a payee Payment Manager and their core simulators on 127.0.0.1, and send transfers.",
        discussion: """
            Generates a test PKI (CA, client and server certificates, JWS keys), starts everything with mutual TLS \
            and JWS on, on the embedded SQLite log, and sends transfers (one in ten to a party nobody owns, which \
            fails for a business reason) while printing progress. Ctrl-C stops everything cleanly.
            """)

    @Option(name: .long, help: "Stop after this many transfers and print a summary (default: run until Ctrl-C).")
    var transfers: Int?

    @Option(name: .long, help: "Transfers in flight at once.")
    var concurrency = 4

    @Option(name: .long, help: "Folder for the PKI, the logs and the data (default: a new temporary folder).")
    var directory: String?

    @Option(name: .long, help: "Log level of the components (trace, debug, info, notice, warning, error, critical).")
    var logLevel = "warning"

    @Option(name: .customLong("experience-port"), help: "Port of the payer's experience API (default: a free port).")
    var experiencePort = 0

    @Flag(name: .customLong("keep-running"), help: "After --transfers, keep every component running (to explore the APIs) until Ctrl-C.")
    var keepRunning = false

    func run() async throws {
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("pm-demo-\(UUID().uuidString.prefix(8))").path
        var logger = Logger(label: "pm-demo")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        say("Payment Manager demo: generating a test PKI and starting the hub, two DFSPs and their cores in \(directory)")
        var options = Topology.Options(directory: directory)
        options.readSide = true
        options.payerExperiencePort = experiencePort
        let credentials = DemoUsers.make()
        options.portalUsers = credentials.map(\.user)
        let topology = try await Topology(options: options, logger: logger)
        let driver = TransferDriver(topology: topology, options: TransferDriver.Options(transfers: transfers, concurrency: concurrency))
        let feeder = DemoFeeder(topology: topology, driver: driver, keepRunning: keepRunning, credentials: credentials)
        let services = topology.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
            + [.init(service: feeder, successTerminationBehavior: .gracefullyShutdownGroup)]
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigint, .sigterm], logger: logger))
        try await group.run()
        await topology.close()
        let tally = driver.snapshot
        let books = topology.books()
        say("")
        say("Summary: \(tally.completed) completed, \(tally.failed) failed (\(tally.failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")))")
        say("Books: payers paid \(books.paid), payees received \(books.received)\(books.addUp ? " (they add up)" : " (THEY DO NOT ADD UP)")")
        say("Logs and keys are in \(directory)")
        if !books.addUp { throw ExitCode(1) }
    }
}

/// The demo's traffic: waits until everything is up, prints the addresses, sends transfers and prints
/// progress once a second; ends after the last transfer (which stops the demo) or on Ctrl-C.
struct DemoFeeder: Service {
    let topology: Topology
    let driver: TransferDriver
    let keepRunning: Bool
    let credentials: [DemoUsers.Credential]

    func run() async throws {
        try await topology.ready()
        let ports = topology.ports
        say("hub simulator      https://127.0.0.1:\(ports.hub)  (mutual TLS)")
        say("payer connector    inbound https://127.0.0.1:\(ports.payerInbound), outbound API http://127.0.0.1:\(ports.payerOutbound)")
        say("payee connector    inbound https://127.0.0.1:\(ports.payeeInbound), outbound API http://127.0.0.1:\(ports.payeeOutbound)")
        say("core simulators    payer http://127.0.0.1:\(ports.payerCore), payee http://127.0.0.1:\(ports.payeeCore)")
        say("metrics            http://127.0.0.1:\(ports.payerOutbound)/metrics")
        if let payer = try await topology.payerReadSide?.listeningPort(), let payee = try await topology.payeeReadSide?.listeningPort() {
            say("portal             payer http://127.0.0.1:\(payer)/portal, payee http://127.0.0.1:\(payee)/portal")
            say("experience API     payer http://127.0.0.1:\(payer)/transfers, payee http://127.0.0.1:\(payee)/transfers (after signing in)")
            for credential in credentials {
                say("portal user        \(credential.user.name.padding(toLength: 10, withPad: " ", startingAt: 0)) password \(credential.password)"
                    + "  (\(credential.user.roles.map(\.rawValue).sorted().joined(separator: ", ")))")
            }
        }
        // The hub checks each DFSP as its watcher does: mutual TLS, and its JWS signature verified by the DFSP.
        for fspId in [topology.options.payerId, topology.options.payeeId] {
            let outcome = try await topology.hub.ping(fspId, timeout: .seconds(5))
            let text: String
            switch outcome {
            case .success: text = "SUCCESS"
            case let .failed(error): text = "FAILED \(error.errorInformation.errorCode.rawValue) \(error.errorInformation.errorDescription)"
            case .timedOut: text = "TIMED OUT"
            }
            say("hub ping \(fspId.padding(toLength: 10, withPad: " ", startingAt: 0)) \(text)")
        }
        say("Sending transfers; Ctrl-C stops.")
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await driver.run() }
            group.addTask {
                // Ctrl-C or SIGTERM: no new transfers; those in flight get a short while to finish, then are cancelled.
                guard (try? await gracefulShutdown()) != nil else { return }
                say("Stopping: waiting up to \(Self.drain) for the transfers in flight")
                driver.stop()
                try? await Task.sleep(for: Self.drain)
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    if !Task.isCancelled { Self.progress(driver.snapshot, since: started) }
                }
            }
            // The driver ends (all sent, or stopped and drained), or the drain's time is up: the rest is cancelled.
            await group.next()
            group.cancelAll()
        }
        Self.progress(driver.snapshot, since: started)
        if keepRunning, !Task.isCancelled, !driver.isStopped {
            say("Transfers done; every component keeps running until Ctrl-C.")
            try? await gracefulShutdown()
        }
    }

    /// How long transfers in flight may take to finish once the demo is asked to stop.
    static let drain = Duration.seconds(5)

    static func progress(_ tally: TransferDriver.Tally, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(tally.sent) / seconds : 0
        say(String(format: "  %6.1f s  %6d completed  %5d failed  %7.1f transfers/s", seconds, tally.completed, tally.failed, rate))
    }
}

/// Prints a line and flushes it, so that a pipe (`pm demo | tee demo.txt`) sees the progress as it happens.
func say(_ line: String) {
    print(line)
    fflush(nil)
}
