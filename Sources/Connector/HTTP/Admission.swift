import Synchronization

/// How much work the connector takes on at once before it refuses more: requests in progress on each API, and facts
/// recorded but not yet processed (the processor's backlog). What is refused is answered at once (503 with
/// `Retry-After` on the outbound API, 2003 on the inbound one) instead of waiting in memory with a growing latency.
public struct AdmissionLimits: Sendable, Hashable {
    /// Requests one API handles at once (`PM_MAX_IN_FLIGHT`); below `PM_MAX_CONNECTIONS`, so that a refusal is an answer.
    public var maximumInFlight: Int
    /// Work recorded and not yet done (facts not yet processed, and effects under way) beyond which new work is refused
    /// (`PM_MAX_BACKLOG`); callbacks, which end work under way, are still taken.
    public var maximumBacklog: Int

    public init(maximumInFlight: Int = 512, maximumBacklog: Int = 500) {
        self.maximumInFlight = maximumInFlight
        self.maximumBacklog = maximumBacklog
    }
}

/// The admission decisions of one API, shared by its requests: a count of those in progress, and the backlog the
/// connector measures.
public final class Admission: Sendable {
    /// What is asked of the connector.
    public enum Kind: Sendable {
        /// A request that starts work: a transfer, a quote, a lookup.
        case newWork
        /// A callback or a continuation of work under way, or a query.
        case ongoing
    }

    /// Why a request was refused.
    public enum Refusal: String, Sendable {
        case inFlight = "in-flight"
        case backlog
    }

    public let limits: AdmissionLimits
    private let inFlight = Atomic<Int>(0)
    private let backlog: Backlog

    /// `backlog` is shared by the APIs of one connector: one measurement for all.
    public init(limits: AdmissionLimits, backlog: Backlog) {
        self.limits = limits
        self.backlog = backlog
    }

    /// Takes a place for a request; nil when it is admitted (then ``leave()`` once it is answered), or the reason
    /// it is refused.
    public func enter(_ kind: Kind) -> Refusal? {
        if kind == .newWork, backlog.current >= limits.maximumBacklog { return .backlog }
        guard inFlight.add(1, ordering: .relaxed).newValue <= limits.maximumInFlight else {
            inFlight.subtract(1, ordering: .relaxed)
            return .inFlight
        }
        return nil
    }

    public func leave() { inFlight.subtract(1, ordering: .relaxed) }

    /// Requests in progress.
    public var current: Int { inFlight.load(ordering: .relaxed) }
}

/// Work recorded and not yet done, as last measured: facts not yet processed and effects under way.
public final class Backlog: Sendable {
    private let value = Atomic<Int>(0)

    public init() {}

    public var current: Int { value.load(ordering: .relaxed) }

    func update(_ facts: Int) { value.store(facts, ordering: .relaxed) }
}
