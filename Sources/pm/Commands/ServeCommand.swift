import ArgumentParser
import Connector
import EventLog
import Foundation
import Logging
import PaymentManager
import ServiceLifecycle

/// `pm serve`: the Mojaloop Connector, configured as the sdk-scheme-adapter is.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Mojaloop Connector: the inbound FSPIOP API, the outbound API and the processor.",
        discussion: """
            Settings come from a YAML file of the sdk-scheme-adapter's variable names (DFSP_ID: payerfsp, ...), \
            overridden by the same names in the environment, overridden by flags. Invalid values stop the start \
            with the name and the reason. The effective configuration is printed with the ILP secret redacted.
            """)

    @Option(name: .long, help: "A YAML file of settings (the SDK's variable names as keys).")
    var config: String?

    @Option(name: .long, help: "The event log: sqlite:PATH, kafka://HOST:PORT[,HOST:PORT] (PM_LOG).")
    var log: String?

    @Option(name: .customLong("data-dir"), help: "Folder for the embedded log and data (PM_DATA_DIR).")
    var dataDirectory: String?

    @Option(name: .customLong("dfsp-id"), help: "This DFSP's FSP id (DFSP_ID).")
    var dfspId: String?

    @Option(name: .customLong("inbound-port"), help: "Port of the FSPIOP API the hub calls (INBOUND_LISTEN_PORT).")
    var inboundPort: Int?

    @Option(name: .customLong("outbound-port"), help: "Port of the outbound API the core calls (OUTBOUND_LISTEN_PORT).")
    var outboundPort: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (PM_LOG_LEVEL).")
    var logLevel: String?

    @Flag(name: .customLong("check-config"), help: "Print the effective configuration and exit.")
    var checkConfig = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var overrides: [String: String] = [:]
        if let log { overrides["PM_LOG"] = log }
        if let dataDirectory { overrides["PM_DATA_DIR"] = dataDirectory }
        if let dfspId { overrides["DFSP_ID"] = dfspId }
        if let inboundPort { overrides["INBOUND_LISTEN_PORT"] = String(inboundPort) }
        if let outboundPort { overrides["OUTBOUND_LISTEN_PORT"] = String(outboundPort) }
        let configuration: ConnectorConfiguration
        do {
            configuration = try ConnectorConfiguration.load(yamlFile: config, environment: environment, overrides: overrides)
        } catch {
            printError("pm serve: \(error)")
            throw ExitCode(2)
        }
        var logger = Logger(label: "pm")
        logger.logLevel = Logger.Level(rawValue: logLevel ?? environment["PM_LOG_LEVEL"] ?? "info") ?? .info
        let lines = configuration.redactedLines + ["PM_IO_THREADS=\(IOThreads.current)"]
        for line in lines { logger.info("configuration", metadata: ["setting": "\(line)"]) }
        if checkConfig {
            for line in lines { print(line) }
            return
        }
        if case let .sqlite(path) = configuration.log {
            let folder = (path as NSString).deletingLastPathComponent
            // Owner-only: the log holds every message of every payment.
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        }
        let opened: OpenLog
        do {
            opened = try OpenLog.open(configuration.log, properties: try configuration.kafkaClientProperties(), durability: configuration.logDurability)
        } catch let error as ConfigurationError {
            printError("pm serve: \(error)")
            throw ExitCode(2)
        } catch {
            printError("pm serve: cannot open the log: \(error)")
            throw ExitCode(2)
        }
        let metrics = HTTPMetrics()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        do {
            if !configuration.roles.intersection(.connector).isEmpty {
                services.append(.init(service: try Connector(settings: configuration.settings, log: opened.log, metrics: metrics, logger: logger)))
            }
            if configuration.roles.contains(.projections) {
                let readSide = try ReadSideServices(settings: try configuration.readSideSettings(), connector: configuration.settings, log: opened.log,
                                                    metrics: metrics, logger: logger)
                services += readSide.services.map { .init(service: $0) }
            }
        } catch {
            printError("pm serve: cannot start: \(error)")
            await opened.log.shutdown()
            throw ExitCode(2)
        }
        do {
            // Tracing, when an OTLP endpoint is configured: first to start, last to stop (its spans are flushed).
            if let tracing = try TraceExport.bootstrap(environment: environment, logger: logger) { services.insert(.init(service: tracing), at: 0) }
        } catch {
            printError("pm serve: cannot start tracing: \(error)")
            await opened.log.shutdown()
            throw ExitCode(2)
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("stopped with an error", metadata: ["error": "\(error)"])
            await opened.log.shutdown()
            throw ExitCode(1)
        }
        await opened.log.shutdown()
    }
}
