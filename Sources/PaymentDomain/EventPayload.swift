import Foundation
import FSPIOP

/// Why a payload does not make an event of the type it claims.
public struct EventDecodingFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads the members of an event payload, naming the event type and member in every failure.
struct EventPayload {
    let wireName: String
    let payload: JSONValue

    func decode<T: Decodable>(_ type: T.Type, _ member: String) throws(EventDecodingFailure) -> T {
        guard let value = payload[member] else { throw EventDecodingFailure("\(wireName): '\(member)' is missing") }
        do {
            return try JSONValueDecoder.decode(T.self, from: value)
        } catch {
            throw EventDecodingFailure("\(wireName): '\(member)': \(error)")
        }
    }

    func optional<T: Decodable>(_ type: T.Type, _ member: String) throws(EventDecodingFailure) -> T? {
        guard let value = payload[member], value != .null else { return nil }
        return try decode(type, member)
    }

    func timestamp(_ member: String) throws(EventDecodingFailure) -> Timestamp {
        guard let text = payload[member]?.stringValue, let time = Timestamp(dateTime: text) else {
            throw EventDecodingFailure("\(wireName): '\(member)' must be a DateTime")
        }
        return time
    }

    func string(_ member: String) throws(EventDecodingFailure) -> String {
        guard let text = payload[member]?.stringValue else { throw EventDecodingFailure("\(wireName): '\(member)' must be a string") }
        return text
    }

    func bool(_ member: String) throws(EventDecodingFailure) -> Bool {
        guard case let .bool(flag)? = payload[member] else { throw EventDecodingFailure("\(wireName): '\(member)' must be a boolean") }
        return flag
    }

    func integer(_ member: String) throws(EventDecodingFailure) -> Int {
        guard case let .number(text)? = payload[member], let number = Int(text) else {
            throw EventDecodingFailure("\(wireName): '\(member)' must be an integer")
        }
        return number
    }
}
