import Connector
import Foundation
import PaymentDomain
import Yams

extension ConnectorConfiguration {
    /// The settings `pm serve` reads: a YAML file (the SDK's variable names as keys, in one flat map),
    /// overridden by the environment, overridden by flags (given here as the same names).
    public static func load(yamlFile: String?, environment: [String: String], overrides: [String: String],
                            fileExists: @escaping (String) -> Bool = { FileManager.default.isReadableFile(atPath: $0) }) throws(ConfigurationError) -> ConnectorConfiguration {
        var merged: [String: String] = [:]
        if let yamlFile {
            let text: String
            do { text = try String(contentsOfFile: yamlFile, encoding: .utf8) } catch {
                throw ConfigurationError("--config", "'\(yamlFile)' cannot be read: \(error.localizedDescription)")
            }
            merged = try Self.yamlSettings(text, file: yamlFile)
        }
        merged.merge(environment) { _, new in new }
        merged.merge(overrides) { _, new in new }
        return try load(environment: merged, fileExists: fileExists)
    }

    /// A flat YAML map of scalars, as strings (booleans and numbers as they are written).
    static func yamlSettings(_ text: String, file: String) throws(ConfigurationError) -> [String: String] {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw ConfigurationError(file, "is not YAML: \(error)") }
        guard let node else { return [:] }
        guard let mapping = node.mapping else { throw ConfigurationError(file, "must be a map of settings (NAME: value)") }
        var result: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw ConfigurationError(file, "a key is not a string") }
            guard let scalar = value.scalar else { throw ConfigurationError(name, "in \(file) must be a single value") }
            result[name] = scalar.string
        }
        return result
    }

    /// The connector's typed settings.
    public var settings: ConnectorSettings {
        var settings = ConnectorSettings(
            dfspId: dfspId, host: listenAddress, inboundPort: inboundPort, outboundPort: outboundPort,
            hub: HubEndpoints(peer: peerEndpoint.description, als: alsEndpoint.description, quotes: quotesEndpoint.description,
                              transfers: transfersEndpoint.description, transactionRequests: transactionRequestsEndpoint.description,
                              bulkQuotes: bulkQuotesEndpoint.description, bulkTransfers: bulkTransfersEndpoint.description),
            backendURL: backendEndpoint.description,
            outbound: OutboundConfiguration(dfspId: dfspId, autoAcceptParty: autoAcceptParty, autoAcceptQuotes: autoAcceptQuotes,
                                            expirySeconds: expirySeconds, requestTimeoutSeconds: requestTimeoutSeconds, checkILP: checkILP,
                                            rejectExpiredQuoteResponses: rejectExpiredQuoteResponses, autoAcceptR2PParty: autoAcceptR2PParty,
                                            autoAcceptR2PBusinessQuotes: autoAcceptR2PBusinessQuotes, autoAcceptR2PDeviceOTP: autoAcceptR2PDeviceOTP),
            inbound: InboundConfiguration(dfspId: dfspId, ilpSecret: ilpSecret, ilpVersion: ilpVersion, expirySeconds: expirySeconds,
                                          reserveNotification: reserveNotification, checkILP: checkILP,
                                          rejectTransfersOnExpiredQuotes: rejectTransfersOnExpiredQuotes),
            jwsSigningKeyPath: jwsSign ? jwsSigningKeyPath : nil, jwsSignPutParties: jwsSignPutParties,
            jwsVerificationKeysDirectory: validateInboundJWS ? jwsVerificationKeysDirectory : nil,
            validatePutPartiesJWS: validateInboundPutPartiesJWS, inboundTLS: inboundTLS, outboundTLS: outboundTLS,
            resourceVersions: resourceVersions)
        settings.finishedRetentionSeconds = finishedRetentionSeconds
        settings.checkpointIntervalMilliseconds = checkpointIntervalMilliseconds
        settings.roles = roles
        settings.outboundHost = outboundListenAddress
        settings.outboundAccess = outboundAccess
        settings.hubId = hubId
        settings.connectionLimits = connectionLimits
        settings.admissionLimits = admissionLimits
        settings.inboundDateSkewSeconds = inboundDateSkewSeconds == 0 ? nil : inboundDateSkewSeconds
        return settings
    }
}
