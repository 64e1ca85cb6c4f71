import Foundation
import PMCore

/// The names of the metadata a record carries beside its value (Kafka headers, SQLite header blob), so
/// that tools can filter without decoding the value.
public enum LogMetadataKey: String, Sendable, CaseIterable {
    /// The event's wire type, e.g. `transfer.quote-received`.
    case type = "pm.type"
    /// The version of the event type's schema, e.g. `1`.
    case schemaVersion = "pm.schema-version"
    /// The event's unique id.
    case eventID = "pm.event-id"
    /// The aggregate the event belongs to.
    case aggregateID = "pm.aggregate-id"
    /// The id shared by every event of one end-to-end flow.
    case correlationID = "pm.correlation-id"
}

/// Every record's value: an event with its identity, type and version, its place in its aggregate,
/// when it occurred, what it belongs to and what caused it, and its payload.
///
/// Encoded as one JSON object with the members in this order: `id`, `type`, `schemaVersion`,
/// `aggregateId`, `sequence`, `occurredAt`, `correlationId`, `causationId`, `payload`
/// (`schemas/envelope.v1.schema.json`).
public struct Envelope: Sendable, Hashable {
    public var id: String
    /// The wire name of the event type: an explicit constant, never derived from a Swift type name.
    public var type: String
    public var schemaVersion: Int
    public var aggregateID: String
    /// The event's position in its aggregate's history, from 1.
    public var sequence: Int64
    public var occurredAt: Timestamp
    public var correlationID: String?
    public var causationID: String?
    public var payload: JSONValue

    public init(id: String, type: String, schemaVersion: Int, aggregateID: String, sequence: Int64, occurredAt: Timestamp,
                correlationID: String? = nil, causationID: String? = nil, payload: JSONValue) {
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.aggregateID = aggregateID
        self.sequence = sequence
        self.occurredAt = occurredAt
        self.correlationID = correlationID
        self.causationID = causationID
        self.payload = payload
    }

    /// The envelope as a JSON value, members in the documented order; absent ids are omitted.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(id)), ("type", .string(type)), ("schemaVersion", .number(String(schemaVersion))),
            ("aggregateId", .string(aggregateID)), ("sequence", .number(String(sequence))),
            ("occurredAt", .string(occurredAt.dateTime)),
        ]
        if let correlationID { members.append(("correlationId", .string(correlationID))) }
        if let causationID { members.append(("causationId", .string(causationID))) }
        members.append(("payload", payload))
        return .object(members)
    }

    /// The record that carries this envelope on `topic`, keyed by `key` (by default the aggregate id),
    /// with the type, version and ids as headers.
    public func record(topic: String, key: String? = nil) -> ProducerRecord {
        var headers = [
            LogHeader(name: LogMetadataKey.type.rawValue, text: type),
            LogHeader(name: LogMetadataKey.schemaVersion.rawValue, text: String(schemaVersion)),
            LogHeader(name: LogMetadataKey.eventID.rawValue, text: id),
            LogHeader(name: LogMetadataKey.aggregateID.rawValue, text: aggregateID),
        ]
        if let correlationID { headers.append(LogHeader(name: LogMetadataKey.correlationID.rawValue, text: correlationID)) }
        return ProducerRecord(topic: topic, key: key ?? aggregateID, headers: headers, value: CanonicalJSON.insertionOrderBytes(json))
    }

    /// Why a record's value is not an envelope.
    public struct DecodingFailure: Error, Sendable, Hashable, CustomStringConvertible {
        public let reason: String
        public var description: String { "not an event envelope: \(reason)" }
    }

    /// Reads an envelope from its JSON bytes.
    public init(bytes: [UInt8]) throws(DecodingFailure) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw DecodingFailure(reason: error.description) }
        try self.init(json: value)
    }

    /// Reads an envelope from its JSON value.
    public init(json value: JSONValue) throws(DecodingFailure) {
        func string(_ name: String) throws(DecodingFailure) -> String {
            guard let text = value[name]?.stringValue, !text.isEmpty else { throw DecodingFailure(reason: "'\(name)' must be a non-empty string") }
            return text
        }
        func integer(_ name: String) throws(DecodingFailure) -> Int64 {
            guard case let .number(text)? = value[name], let number = Int64(text) else { throw DecodingFailure(reason: "'\(name)' must be an integer") }
            return number
        }
        guard case .object = value else { throw DecodingFailure(reason: "not a JSON object") }
        id = try string("id")
        type = try string("type")
        let version = try integer("schemaVersion")
        guard version >= 1, version <= Int64(Int32.max) else { throw DecodingFailure(reason: "'schemaVersion' must be 1 or more") }
        schemaVersion = Int(version)
        aggregateID = try string("aggregateId")
        sequence = try integer("sequence")
        guard let occurred = Timestamp(dateTime: try string("occurredAt")) else { throw DecodingFailure(reason: "'occurredAt' must be a DateTime") }
        occurredAt = occurred
        correlationID = value["correlationId"]?.stringValue
        causationID = value["causationId"]?.stringValue
        guard let payload = value["payload"] else { throw DecodingFailure(reason: "'payload' is missing") }
        self.payload = payload
    }
}
