/// The read models the projection store keeps, each with its own log positions, so that each can be rebuilt
/// alone (`pm projections rebuild NAME`).
public enum ProjectionName: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Transfers in both directions, with the per-minute statistics and the hourly flow their ends add to.
    case transfers
    /// Every fact and event, for each transfer's timeline of messages received and sent.
    case timeline
    /// Party lookups, requests to pay both ways, bulk quotes and transfers, relayed requests.
    case operations

    public var description: String { rawValue }
}

/// Where the projections read: the topic of domain events and the topics of facts (the connector's
/// `ConnectorTopics`, passed in by the composition root).
public struct ProjectionTopics: Sendable, Hashable {
    /// `pm.transfers`: every aggregate's events.
    public var events: String
    /// The facts the timeline shows: FSPIOP messages received, the core's requests and answers, effect
    /// outcomes, timers, refusals.
    public var facts: [String]

    public init(events: String, facts: [String]) {
        self.events = events
        self.facts = facts
    }

    /// The topics a projection reads.
    public func topics(of projection: ProjectionName) -> [String] {
        switch projection {
        case .transfers, .operations: return [events]
        case .timeline: return [events] + facts
        }
    }

    /// Every topic any projection reads, each once.
    public var all: [String] {
        var seen: Set<String> = []
        return ([events] + facts).filter { seen.insert($0).inserted }
    }
}
