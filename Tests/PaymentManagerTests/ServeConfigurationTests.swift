import Foundation
import Testing
@testable import PaymentManager

/// `pm serve`'s settings: a YAML file of the SDK's names, overridden by the environment, overridden by flags.
struct ServeConfigurationTests {
    static func yamlFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pm-config-\(UUID().uuidString).yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let yaml = """
        DFSP_ID: yamlfsp
        PEER_ENDPOINT: hub.local:4002
        BACKEND_ENDPOINT: core.local:3000
        ILP_SECRET: from-the-file
        JWS_SIGN: false
        VALIDATE_INBOUND_JWS: false
        EXPIRY_SECONDS: 45
        INBOUND_LISTEN_PORT: 5000
        PM_FINISHED_RETENTION_SECONDS: 60
        """

    @Test("the YAML file's values, the environment over the file, flags over both")
    func layering() throws {
        let path = try Self.yamlFile(Self.yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try ConnectorConfiguration.load(yamlFile: path, environment: [:], overrides: [:])
        #expect(fromFile.dfspId == "yamlfsp")
        #expect(fromFile.expirySeconds == 45)
        #expect(fromFile.inboundPort == 5000)
        #expect(!fromFile.jwsSign && !fromFile.validateInboundJWS)
        #expect(fromFile.settings.finishedRetentionSeconds == 60)
        #expect(fromFile.settings.hub.transfers == "http://hub.local:4002")

        let layered = try ConnectorConfiguration.load(yamlFile: path, environment: ["DFSP_ID": "envfsp", "EXPIRY_SECONDS": "30"],
                                                      overrides: ["DFSP_ID": "flagfsp"])
        #expect(layered.dfspId == "flagfsp")
        #expect(layered.expirySeconds == 30)
        #expect(layered.redactedLines.contains("ILP_SECRET=<redacted>"))
        #expect(!layered.redactedLines.joined().contains("from-the-file"))
    }

    @Test("a file that is not a flat map of values, or an invalid value in it, is refused with the name and the reason")
    func refusals() throws {
        let nested = try Self.yamlFile("DFSP_ID:\n  nested: value\n")
        defer { try? FileManager.default.removeItem(atPath: nested) }
        #expect(throws: ConfigurationError.self) { try ConnectorConfiguration.load(yamlFile: nested, environment: [:], overrides: [:]) }

        let bad = try Self.yamlFile(Self.yaml.replacingOccurrences(of: "EXPIRY_SECONDS: 45", with: "EXPIRY_SECONDS: soon"))
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let error = #expect(throws: ConfigurationError.self) { try ConnectorConfiguration.load(yamlFile: bad, environment: [:], overrides: [:]) }
        #expect(error?.variable == "EXPIRY_SECONDS")

        let missing = #expect(throws: ConfigurationError.self) {
            try ConnectorConfiguration.load(yamlFile: "/nonexistent/pm.yaml", environment: [:], overrides: [:])
        }
        #expect(missing?.variable == "--config")
    }
}
