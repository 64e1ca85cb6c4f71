import FSPIOP

/// Everything the hub simulator needs to start, with defaults for a loopback test hub.
///
/// Values are taken as given; ``HubSimulator/run()`` validates them once at start-up (participants,
/// TLS files, the signing key) and throws a ``HubSimulatorError`` naming what is wrong.
public struct HubSimulatorConfiguration: Sendable {
    /// The interface to listen on.
    public var host: String
    /// The port to listen on; 0 picks a free one (read it with ``HubSimulator/listeningPort()``).
    public var port: Int
    /// The hub's own FSP id: `FSPIOP-Source` of every message the hub originates (timeouts, commit
    /// notifications, its error callbacks), as the reference switch names itself.
    public var switchId: String
    /// The DFSPs known at start. More can be added while running (``HubSimulator/register(_:)``).
    public var participants: [HubParticipant]
    /// The account-lookup oracle's records at start; DFSPs add more with
    /// `POST /participants/{Type}/{ID}`.
    public var parties: [HubParty]
    /// Serve HTTPS requiring a client certificate signed by this CA; plain HTTP when nil.
    public var serverTLS: SimulatorTLSFiles?
    /// Present this client certificate when calling DFSPs over HTTPS, trusting only this CA; when nil
    /// the hub calls `https` endpoints with the system trust store and no client certificate.
    public var clientTLS: SimulatorTLSFiles?
    /// Check the host name in DFSP server certificates (with ``clientTLS``).
    public var verifyDFSPHostname: Bool
    /// PEM private key (RSA or P-256) the hub signs the messages it originates with; unsigned when nil.
    /// Forwarded messages always keep the sender's own `FSPIOP-Signature`.
    public var signingKeyPath: String?
    /// How long one call to a DFSP may take before it is abandoned (and logged as failed).
    public var requestTimeout: Duration
    /// The largest request body accepted: 5 MiB, the FSPIOP limit (API Definition v1.1 §3.2.1).
    public var maximumBodySize: Int
    /// Keep-alive connections the shared HTTP client keeps open to each DFSP.
    public var connectionsPerDFSP: Int
    /// The API versions accepted in `Content-Type` and `Accept`.
    public var supportedVersions: [APIVersion]
    /// When set, the hub keeps only this many finished transfers (the oldest are forgotten; a resend
    /// of a forgotten one is treated as new). Nil keeps every transfer, as tests and reconciliation need.
    public var keepFinishedTransfers: Int?

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        switchId: String = "switch",
        participants: [HubParticipant] = [],
        parties: [HubParty] = [],
        serverTLS: SimulatorTLSFiles? = nil,
        clientTLS: SimulatorTLSFiles? = nil,
        verifyDFSPHostname: Bool = true,
        signingKeyPath: String? = nil,
        requestTimeout: Duration = .seconds(10),
        maximumBodySize: Int = 5_242_880,
        connectionsPerDFSP: Int = 16,
        supportedVersions: [APIVersion] = APIVersion.supported,
        keepFinishedTransfers: Int? = nil
    ) {
        self.keepFinishedTransfers = keepFinishedTransfers
        self.host = host
        self.port = port
        self.switchId = switchId
        self.participants = participants
        self.parties = parties
        self.serverTLS = serverTLS
        self.clientTLS = clientTLS
        self.verifyDFSPHostname = verifyDFSPHostname
        self.signingKeyPath = signingKeyPath
        self.requestTimeout = requestTimeout
        self.maximumBodySize = maximumBodySize
        self.connectionsPerDFSP = connectionsPerDFSP
        self.supportedVersions = supportedVersions
    }
}

/// A DFSP connected to the hub: where its inbound FSPIOP API is, and its limit.
public struct HubParticipant: Sendable, Hashable, Codable {
    /// The DFSP's `FspId`, as it sends in `FSPIOP-Source`.
    public var fspId: String
    /// The base URL of its inbound FSPIOP API, e.g. `https://127.0.0.1:4000`; the hub appends the
    /// resource path (`/transfers/{ID}`) to it.
    public var endpoint: String
    /// The currency of its settlement account (ISO 4217); transfers in another currency are refused.
    public var currency: String
    /// Net debit cap, a decimal string: the payer's position plus its reservations plus a new
    /// transfer may not exceed it (otherwise 4001).
    public var netDebitCap: String

    public init(fspId: String, endpoint: String, currency: String, netDebitCap: String) {
        self.fspId = fspId
        self.endpoint = endpoint
        self.currency = currency
        self.netDebitCap = netDebitCap
    }
}

/// An account-lookup record: which DFSP owns a party identifier.
public struct HubParty: Sendable, Hashable, Codable {
    public var partyIdType: String
    public var partyIdentifier: String
    /// The sub-id or type, when the identifier has one.
    public var partySubIdOrType: String?
    /// The owning DFSP.
    public var fspId: String

    public init(partyIdType: String, partyIdentifier: String, partySubIdOrType: String? = nil, fspId: String) {
        self.partyIdType = partyIdType
        self.partyIdentifier = partyIdentifier
        self.partySubIdOrType = partySubIdOrType
        self.fspId = fspId
    }
}

/// Why the hub simulator cannot start or cannot take a value.
public enum HubSimulatorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A participant's fields are not usable.
    case invalidParticipant(fspId: String, reason: String)
    /// A TLS file cannot be used.
    case tls(SimulatorTLSFilesError)
    /// The switch signing key cannot be read.
    case signingKey(path: String, reason: String)
    /// The server stopped, or failed, before it listened.
    case notListening(reason: String)
    /// Another configuration value is not usable.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case let .invalidParticipant(fspId, reason): return "participant '\(fspId)': \(reason)"
        case let .tls(error): return "TLS: \(error)"
        case let .signingKey(path, reason): return "switch signing key \(path): \(reason)"
        case let .notListening(reason): return "the hub simulator is not listening: \(reason)"
        case let .invalidConfiguration(reason): return "hub simulator configuration: \(reason)"
        }
    }
}
