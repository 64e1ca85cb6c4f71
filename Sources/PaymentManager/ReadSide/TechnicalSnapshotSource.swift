import Connector
import EventLog
import Foundation
import NIOSSL
import Portal

/// What the technical pages show of one connector, read from its settings, its certificate and key files, and its
/// log's dead letters when a page is asked for (so a renewed certificate shows at once).
public struct TechnicalSnapshotSource: Sendable {
    let settings: ConnectorSettings
    let log: any EventLog
    let probe: HubProbe?

    public init(settings: ConnectorSettings, log: any EventLog, probe: HubProbe?) {
        self.settings = settings
        self.log = log
        self.probe = probe
    }

    public func snapshot() async -> TechnicalSnapshot {
        var snapshot = TechnicalSnapshot(dfspId: settings.dfspId)
        let inboundSecurity = settings.inboundTLS == nil ? "plain HTTP" : "mTLS (client certificates required)"
        let outboundSecurity = settings.outboundTLS == nil ? "plain HTTP" : "mTLS (this DFSP's client certificate)"
        snapshot.endpoints = [
            .init(name: "FSPIOP API (the hub calls it)", address: "\(settings.host):\(settings.inboundPort)", security: inboundSecurity),
            .init(name: "Outbound API (the core calls it)", address: "\(settings.outboundHost):\(settings.outboundPort)",
                  security: settings.outboundAccess.tls != nil ? "mTLS" : settings.outboundAccess.tokenPath != nil ? "bearer token" : "none (loopback)"),
            .init(name: "Hub: parties and participants", address: settings.hub.als, security: outboundSecurity),
            .init(name: "Hub: quotes", address: settings.hub.quotes, security: outboundSecurity),
            .init(name: "Hub: transfers", address: settings.hub.transfers, security: outboundSecurity),
            .init(name: "Hub: transaction requests", address: settings.hub.transactionRequests, security: outboundSecurity),
            .init(name: "Hub: bulk quotes", address: settings.hub.bulkQuotes, security: outboundSecurity),
            .init(name: "Hub: bulk transfers", address: settings.hub.bulkTransfers, security: outboundSecurity),
            .init(name: "Core backend", address: settings.backendURL, security: settings.backendURL.hasPrefix("https") ? "TLS" : "plain HTTP"),
        ]
        snapshot.settings = [
            ("Signing outgoing messages (JWS)", settings.jwsSigningKeyPath == nil ? "off" : settings.jwsSignPutParties ? "on, PUT /parties too" : "on, not PUT /parties"),
            ("Checking incoming signatures (JWS)", settings.jwsVerificationKeysDirectory == nil ? "off"
                : settings.validatePutPartiesJWS ? "on, PUT /parties too" : "on, not PUT /parties"),
            ("FSPIOP-Source of the hub", settings.hubId),
            ("Largest clock difference accepted", settings.inboundDateSkewSeconds.map { "\($0) s" } ?? "not checked"),
        ]
        var credentials: [TechnicalSnapshot.Credential] = []
        func certificates(_ purpose: String, _ path: String) {
            do {
                let loaded = try NIOSSLCertificate.fromPEMFile(path)
                for certificate in loaded {
                    credentials.append(.init(purpose: purpose, kind: "X.509 certificate", path: path, subject: Self.name(certificate.subjectName),
                                             issuer: Self.name(certificate.issuerName), notBefore: Int64(certificate.notValidBefore) * 1000,
                                             notAfter: Int64(certificate.notValidAfter) * 1000))
                }
            } catch {
                credentials.append(.init(purpose: purpose, kind: "X.509 certificate", path: path, problem: "cannot be read: \(error)"))
            }
        }
        if let tls = settings.inboundTLS {
            certificates("FSPIOP API server certificate", tls.certificatePath)
            for path in tls.caCertificatePaths { certificates("CA trusted for the hub's client certificates", path) }
        }
        if let tls = settings.outboundTLS {
            certificates("Client certificate to the hub", tls.certificatePath)
            for path in tls.caCertificatePaths { certificates("CA trusted for the hub's server certificate", path) }
        }
        if let tls = settings.outboundAccess.tls {
            certificates("Outbound API server certificate", tls.certificatePath)
            for path in tls.caCertificatePaths { certificates("CA trusted for the core's client certificates", path) }
        }
        if let path = settings.jwsSigningKeyPath {
            credentials.append(.init(purpose: "JWS signing key of \(settings.dfspId)", kind: "private key (not shown)", path: path))
        }
        if let directory = settings.jwsVerificationKeysDirectory {
            let files: [String]
            do { files = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
                credentials.append(.init(purpose: "JWS keys of the other DFSPs", kind: "folder", path: directory, problem: "cannot be read: \(error)"))
                files = []
            }
            for file in files.sorted() where file.hasSuffix(".pem") {
                let path = directory + "/" + file
                let fspId = String(file.dropLast(4))
                if let certificate = try? NIOSSLCertificate.fromPEMFile(path).first {
                    credentials.append(.init(purpose: "JWS key of \(fspId)", kind: "X.509 certificate", path: path, subject: Self.name(certificate.subjectName),
                                             issuer: Self.name(certificate.issuerName), notBefore: Int64(certificate.notValidBefore) * 1000,
                                             notAfter: Int64(certificate.notValidAfter) * 1000))
                } else {
                    credentials.append(.init(purpose: "JWS key of \(fspId)", kind: "public key", path: path))
                }
            }
        }
        snapshot.credentials = credentials
        snapshot.hubChecks = probe?.history ?? []
        if let lags = try? await log.groupLag(settings.processorGroup) {
            var byTopic: [String: Int64] = [:]
            for lag in lags { byTopic[lag.topic, default: 0] += lag.lag }
            snapshot.processorLag = (settings.processorGroup, byTopic.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
        await deadLetters(into: &snapshot)
        return snapshot
    }

    /// The newest dead letters (at most 20 per partition, 50 in all) and how many there are.
    func deadLetters(into snapshot: inout TechnicalSnapshot) async {
        let topic = settings.topics.deadLetter
        let described: TopicDescription
        do {
            guard let found = try await log.describeTopics().first(where: { $0.name == topic }) else { return }
            described = found
        } catch {
            snapshot.deadLetterProblem = "\(error)"
            return
        }
        var letters: [TechnicalSnapshot.DeadLetter] = []
        for partition in described.partitions where partition.endOffset > partition.startOffset {
            snapshot.deadLetterTotal += Int(partition.endOffset - partition.startOffset)
            let start = max(partition.startOffset, partition.endOffset - 20)
            let records: [ConsumerRecord]
            do { records = try await log.read(ReadRequest(topic: topic, partition: partition.partition, start: .offset(start), limit: 20)) } catch {
                snapshot.deadLetterProblem = "\(error)"
                continue
            }
            for record in records {
                func header(_ name: String) -> String? { record.headers.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) } }
                letters.append(.init(position: header("pm.dead-letter.source") ?? record.position.description, at: record.timestamp,
                                     reason: header("pm.dead-letter.reason") ?? "no reason recorded"))
            }
        }
        snapshot.deadLetters = Array(letters.sorted { $0.at > $1.at }.prefix(50))
    }

    static func name(_ parts: [SSLCertificateName]) -> String {
        parts.map { part in
            let label: String
            switch part.type {
            case .commonName: label = "CN"
            case .organization: label = "O"
            case .organizationalUnit: label = "OU"
            case .country: label = "C"
            case .state: label = "ST"
            case .city: label = "L"
            case .emailAddress: label = "emailAddress"
            default: label = "UID"
            }
            return "\(label)=\(part.value)"
        }.joined(separator: ", ")
    }
}
