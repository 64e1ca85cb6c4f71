import FSPIOP
import PMCore
import Foundation

/// The wall clock, for the adapters (the domain gets the time as a parameter).
public struct WallClock: Sendable {
    public init() {}
    public var now: Timestamp { Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }
}

/// New ids: lower-case UUID v4, as the SDK makes them.
public enum IDs {
    public static func make() -> String { RandomUUID.make() }
}
