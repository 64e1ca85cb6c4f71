import PMCore

/// One event type as it travels on the log: its wire name, its current schema version, and the pure
/// upcasters that turn each older version's payload into the next one. A shipped version is frozen;
/// a change is a new version plus an upcaster (`schemas/events/<type>.v<version>.schema.json`).
public struct EventType: Sendable {
    public let wireName: String
    public let currentVersion: Int
    /// `upcasters[v]` turns a version-`v` payload into a version-`v+1` payload.
    public let upcasters: [Int: @Sendable (JSONValue) throws -> JSONValue]

    public init(_ wireName: String, version: Int = 1, upcasters: [Int: @Sendable (JSONValue) throws -> JSONValue] = [:]) {
        self.wireName = wireName
        self.currentVersion = version
        self.upcasters = upcasters
    }

    /// The schema file of a version, relative to the repository's `schemas/` folder.
    public func schemaPath(version: Int) -> String { "events/\(wireName).v\(version).schema.json" }
}

/// The event types a reader understands, for decoding records of any shipped version.
public struct EventTypeRegistry: Sendable {
    public private(set) var types: [String: EventType] = [:]

    public init(_ types: [EventType]) {
        for type in types { self.types[type.wireName] = type }
    }

    /// Why an envelope cannot be brought to its type's current version.
    public struct UpcastFailure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The envelope with its payload upcast, version by version, to the type's current version.
    public func upcast(_ envelope: Envelope) throws(UpcastFailure) -> Envelope {
        guard let type = types[envelope.type] else { throw UpcastFailure(description: "unknown event type '\(envelope.type)'") }
        guard envelope.schemaVersion <= type.currentVersion else {
            throw UpcastFailure(description: "\(envelope.type) version \(envelope.schemaVersion) is newer than this reader's \(type.currentVersion)")
        }
        var result = envelope
        while result.schemaVersion < type.currentVersion {
            guard let upcaster = type.upcasters[result.schemaVersion] else {
                throw UpcastFailure(description: "no upcaster from \(envelope.type) version \(result.schemaVersion)")
            }
            do { result.payload = try upcaster(result.payload) } catch {
                throw UpcastFailure(description: "upcasting \(envelope.type) from version \(result.schemaVersion): \(error)")
            }
            result.schemaVersion += 1
        }
        return result
    }
}
