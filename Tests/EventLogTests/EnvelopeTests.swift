import EventLog
import Foundation
import PMCore
import Testing

struct EnvelopeTests {
    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas")

    static func schema(_ path: String) throws -> JSONSchema {
        try JSONSchema(bytes: Array(try Data(contentsOf: schemas.appendingPathComponent(path))))
    }

    static let sample = Envelope(id: "0b5e2fb4-a7c4-4a3e-9d3e-5b0f6f3c9a11", type: "transfer.quote-received", schemaVersion: 1,
                                 aggregateID: "transfer-1", sequence: 3, occurredAt: Timestamp(millisecondsSinceEpoch: 1_795_908_728_123),
                                 correlationID: "c-1", causationID: nil, payload: .object([("quoteId", .string("q-1"))]))

    @Test("an envelope is JSON with its members in order, and reads back")
    func roundTrip() throws {
        let record = Self.sample.record(topic: "pm.transfers")
        #expect(String(decoding: record.value, as: UTF8.self) == #"{"id":"0b5e2fb4-a7c4-4a3e-9d3e-5b0f6f3c9a11","type":"transfer.quote-received","schemaVersion":1,"aggregateId":"transfer-1","sequence":3,"occurredAt":"2026-11-28T23:32:08.123Z","correlationId":"c-1","payload":{"quoteId":"q-1"}}"#)
        #expect(try Envelope(bytes: record.value) == Self.sample)
        #expect(record.key == Array("transfer-1".utf8))
        #expect(record.headers.first { $0.name == LogMetadataKey.type.rawValue }?.text == "transfer.quote-received")
        #expect(record.headers.first { $0.name == LogMetadataKey.schemaVersion.rawValue }?.text == "1")
    }

    @Test("an envelope validates against schemas/envelope.v1.schema.json")
    func schema() throws {
        let schema = try Self.schema("envelope.v1.schema.json")
        #expect(schema.violations(of: Self.sample.json).isEmpty)
        var bad = Self.sample
        bad.type = "Transfer Quote"
        #expect(!schema.violations(of: bad.json).isEmpty)
        let missing = try JSONParser.parse(#"{"id":"x","type":"a.b","schemaVersion":1}"#)
        #expect(schema.violations(of: missing).count >= 4)
    }

    @Test("what is not an envelope is refused with a reason", arguments: [
        "", "[]", "{}", #"{"id":"x","type":"a.b","schemaVersion":0,"aggregateId":"a","sequence":1,"occurredAt":"2026-11-28T23:32:08.123Z","payload":{}}"#,
        #"{"id":"x","type":"a.b","schemaVersion":1,"aggregateId":"a","sequence":1,"occurredAt":"yesterday","payload":{}}"#,
        #"{"id":"x","type":"a.b","schemaVersion":1,"aggregateId":"a","sequence":1,"occurredAt":"2026-11-28T23:32:08.123Z"}"#,
    ])
    func refused(text: String) {
        #expect(throws: Envelope.DecodingFailure.self) { try Envelope(bytes: Array(text.utf8)) }
    }

    @Test("old versions are upcast, version by version, to the current one")
    func upcasting() throws {
        let registry = EventTypeRegistry([
            EventType("party.looked-up", version: 3, upcasters: [
                1: { payload in
                    guard case var .object(members) = payload else { return payload }
                    members.append(("currency", .string("USD")))
                    return .object(members)
                },
                2: { payload in
                    guard case var .object(members) = payload else { return payload }
                    members = members.map { $0.0 == "name" ? ("displayName", $0.1) : $0 }
                    return .object(members)
                },
            ]),
        ])
        let old = Envelope(id: "e", type: "party.looked-up", schemaVersion: 1, aggregateID: "p", sequence: 1,
                           occurredAt: Timestamp(millisecondsSinceEpoch: 0), payload: .object([("name", .string("Zoë"))]))
        let current = try registry.upcast(old)
        #expect(current.schemaVersion == 3)
        #expect(current.payload == .object([("displayName", .string("Zoë")), ("currency", .string("USD"))]))
        var unknown = old
        unknown.type = "nope.nope"
        #expect(throws: EventTypeRegistry.UpcastFailure.self) { try registry.upcast(unknown) }
        var future = old
        future.schemaVersion = 4
        #expect(throws: EventTypeRegistry.UpcastFailure.self) { try registry.upcast(future) }
    }
}
