import EventLog
import FSPIOP
import Logging
import Processing
import Synchronization

/// Timers as data: the deadlines of waiting aggregates, as the processor's store holds them. When one passes, the timer
/// records `timer.deadline-passed` on the log, once per deadline; the processor decides what it means.
final class DeadlineTimer: Sendable {
    private struct State {
        var deadlines: [AggregateRef: Timestamp] = [:]
        var fired: [AggregateRef: Timestamp] = [:]
    }

    let log: any EventLog
    let topics: ConnectorTopics
    let interval: Duration
    let effects: EffectRunner
    let logger: Logger
    let clock = WallClock()
    private let state = Mutex(State())

    init(log: any EventLog, topics: ConnectorTopics, interval: Duration, effects: EffectRunner, logger: Logger) {
        self.log = log
        self.topics = topics
        self.interval = interval
        self.effects = effects
        self.logger = logger
    }

    /// Takes every deadline of a store (at the start of a term: nothing fired yet).
    func reset(_ deadlines: [AggregateRef: Timestamp] = [:]) {
        state.withLock { $0 = State(deadlines: deadlines) }
    }

    /// Takes the current deadlines of these aggregates (nil: no longer waiting, or evicted).
    func update(_ refs: some Sequence<AggregateRef>, from deadlines: [AggregateRef: Timestamp]) {
        state.withLock { state in for ref in refs { state.deadlines[ref] = deadlines[ref] } }
    }

    /// Records the deadlines that passed, every `interval`, until cancelled.
    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let now = clock.now
            let due: [(AggregateRef, Timestamp)] = state.withLock { state in
                var due: [(AggregateRef, Timestamp)] = []
                for (ref, deadline) in state.deadlines where deadline <= now && state.fired[ref] != deadline {
                    state.fired[ref] = deadline
                    due.append((ref, deadline))
                }
                for ref in state.fired.keys where state.deadlines[ref] == nil { state.fired[ref] = nil }
                return due
            }
            guard !due.isEmpty else { continue }
            let records = due.map { ref, _ in
                effects.factRecord(.deadlinePassed(ref, at: now), topic: topics.coreInbound, key: ref.id, causation: nil, correlation: ref.id)
            }
            do { _ = try await log.append(records) } catch {
                logger.error("cannot record passed deadlines; retrying", metadata: ["error": "\(error)"])
                state.withLock { state in for (ref, _) in due { state.fired[ref] = nil } }
            }
        }
    }
}
