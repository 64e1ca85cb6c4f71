import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Simulators

/// `pm hub`: the hub simulator on its own.
struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Run the Mojaloop hub simulator: account lookup, quote and transfer routing, positions and net debit caps.")

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on.")
    var port = 3000

    @Option(name: .long, help: "A DFSP: FSPID=BASE_URL[,CURRENCY[,NET_DEBIT_CAP]] (repeatable).")
    var participant: [String] = []

    @Option(name: .long, help: "An account-lookup record: TYPE/ID[/SUBID]=FSPID (repeatable).")
    var party: [String] = []

    @Option(name: .customLong("tls-ca"), help: "CA certificate (PEM): serve HTTPS and require client certificates it signed.")
    var tlsCA: String?
    @Option(name: .customLong("tls-cert"), help: "Server certificate (PEM).")
    var tlsCertificate: String?
    @Option(name: .customLong("tls-key"), help: "Server key (PEM).")
    var tlsKey: String?
    @Option(name: .customLong("client-cert"), help: "Client certificate (PEM) presented to DFSPs.")
    var clientCertificate: String?
    @Option(name: .customLong("client-key"), help: "Client key (PEM).")
    var clientKey: String?
    @Option(name: .customLong("signing-key"), help: "JWS key (PEM) for messages the hub originates.")
    var signingKey: String?

    func run() async throws {
        var participants: [HubParticipant] = []
        for text in participant {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--participant '\(text)': expected FSPID=BASE_URL[,CURRENCY[,CAP]]") }
            let fields = parts[1].split(separator: ",").map(String.init)
            participants.append(HubParticipant(fspId: parts[0], endpoint: fields[0], currency: fields.count > 1 ? fields[1] : "XXX",
                                               netDebitCap: fields.count > 2 ? fields[2] : "1000000000"))
        }
        var parties: [HubParty] = []
        for text in party {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            let ids = parts.first?.split(separator: "/").map(String.init) ?? []
            guard parts.count == 2, (2...3).contains(ids.count) else { throw ValidationError("--party '\(text)': expected TYPE/ID[/SUBID]=FSPID") }
            parties.append(HubParty(partyIdType: ids[0], partyIdentifier: ids[1], partySubIdOrType: ids.count == 3 ? ids[2] : nil, fspId: parts[1]))
        }
        var serverTLS: SimulatorTLSFiles?
        if let tlsCA {
            guard let tlsCertificate, let tlsKey else { throw ValidationError("--tls-ca needs --tls-cert and --tls-key") }
            serverTLS = SimulatorTLSFiles(caCertificatePath: tlsCA, certificatePath: tlsCertificate, privateKeyPath: tlsKey)
        }
        var clientTLS: SimulatorTLSFiles?
        if let clientCertificate, let clientKey, let tlsCA {
            clientTLS = SimulatorTLSFiles(caCertificatePath: tlsCA, certificatePath: clientCertificate, privateKeyPath: clientKey)
        }
        let logger = Logger(label: "pm-hub")
        let hub = HubSimulator(configuration: HubSimulatorConfiguration(
            host: host, port: port, participants: participants, parties: parties, serverTLS: serverTLS, clientTLS: clientTLS,
            signingKeyPath: signingKey), logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: hub)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// `pm core-sim`: a core banking backend simulator.
struct CoreSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core-sim",
        abstract: "Run a core banking simulator that implements the backend API, with accounts from a JSON file.",
        discussion: "The accounts file is a JSON array of {id, idType, idValue, idSubValue?, displayName?, firstName?, lastName?, currency, balance}.")

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on.")
    var port = 3003

    @Option(name: .long, help: "The accounts file (JSON).")
    var accounts: String

    @Option(name: .long, help: "The connector's outbound API, for payments this core initiates.")
    var connector: String?

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: accounts) else { throw ValidationError("cannot read \(accounts)") }
        let list = try JSONDecoder().decode([CoreAccount].self, from: data)
        let logger = Logger(label: "pm-core-sim")
        let core = try CoreSimulator(configuration: CoreSimulatorConfiguration(
            host: host, port: port, accounts: list, connectorOutboundURL: connector.flatMap(URL.init(string:))), logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: core)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
