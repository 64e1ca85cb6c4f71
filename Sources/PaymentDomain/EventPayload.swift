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

    /// An integer member within `range` (what the decider can count on without overflowing).
    func integer(_ member: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(EventDecodingFailure) -> Int {
        guard case let .number(text)? = payload[member], let number = Int(text), range.contains(number) else {
            throw EventDecodingFailure("\(wireName): '\(member)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
