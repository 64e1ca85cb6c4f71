@testable import Connector
import Foundation
import FSPIOP
import Testing
import Processing

/// Every type written to the logs has a JSON Schema under `schemas/events/`, for version 1 and for the
/// version written now.
@Suite("Schemas: every fact and event type of the connector has one")
struct SchemaCoverageTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas/events")

    static func schemaExists(_ type: String, version: Int) -> Bool {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("\(type).v\(version).schema.json")) else { return false }
        return (try? JSONSchema(bytes: Array(data))) != nil
    }

    @Test("every event of pm.transfers has a version 1 schema", arguments: DomainEvent.wireNames)
    func events(type: String) {
        #expect(Self.schemaExists(type, version: 1), "no schema for \(type)")
    }

    @Test("every fact has a version 1 schema", arguments: ConnectorFact.wireNames + [Recoverer.checkpointType, Processor.refusalType])
    func facts(type: String) {
        #expect(Self.schemaExists(type, version: 1), "no schema for \(type)")
    }

    @Test("facts written at a later version have that version's schema, and every version in between")
    func laterVersions() {
        let facts: [ConnectorFact] = [
            .deadlinePassed(AggregateRef(.bulkQuote, "b"), at: Timestamp(dateTime: "2026-11-29T10:00:00.000Z")!),
            .hubRequestFailed(AggregateRef(.bulkTransfer, "b"), error: ErrorInformationObject(errorInformation: ErrorInformation(errorCode: .payeeError, errorDescription: "x"))),
            .hubMessage(HubMessage(method: "GET", path: "/parties/MSISDN/1", source: "a", destination: nil, version: "1.1", signature: nil, body: nil,
                                   headers: ["Date": "x"], jws: .notRequired)),
            .effectCompleted(EffectOutcome(method: "PUT", url: "http://hub/parties/MSISDN/1", status: 200, error: nil, headers: ["Date": "x"], body: nil)),
        ]
        for fact in facts {
            for version in 1...fact.schemaVersion { #expect(Self.schemaExists(fact.wireName, version: version), "\(fact.wireName) v\(version)") }
        }
    }
}
