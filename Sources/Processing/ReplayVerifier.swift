import FSPIOP
import PMCore

/// Where a record is on the log, for reports (the log's own position type lives in the log's target).
package struct ReplayPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var topic: String
    package var partition: Int32
    package var offset: Int64

    package init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    package static func < (lhs: Self, rhs: Self) -> Bool { (lhs.topic, lhs.partition, lhs.offset) < (rhs.topic, rhs.partition, rhs.offset) }
    package var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// A fact as recorded: its id, when it occurred, where it is.
package struct RecordedFact: Sendable {
    package var id: String
    package var fact: ConnectorFact
    package var occurredAt: Timestamp
    package var position: ReplayPosition
    /// When it was appended (milliseconds since 1970), to order facts of different partitions fairly.
    package var appendedAt: Int64

    package init(id: String, fact: ConnectorFact, occurredAt: Timestamp, position: ReplayPosition, appendedAt: Int64) {
        self.id = id
        self.fact = fact
        self.occurredAt = occurredAt
        self.position = position
        self.appendedAt = appendedAt
    }
}

/// An event of `pm.transfers` as recorded, with its payload as written.
package struct RecordedEvent: Sendable {
    package var event: DomainEvent
    package var payload: JSONValue
    package var sequence: Int64
    package var causationId: String?
    package var position: ReplayPosition

    package init(event: DomainEvent, payload: JSONValue, sequence: Int64, causationId: String?, position: ReplayPosition) {
        self.event = event
        self.payload = payload
        self.sequence = sequence
        self.causationId = causationId
        self.position = position
    }
}

/// Where a replay and the log disagree.
package struct Divergence: Sendable, CustomStringConvertible {
    package var position: ReplayPosition?
    package var reason: String
    package var description: String { position.map { "\($0): \(reason)" } ?? reason }
}

/// What a replay found.
package struct ReplayReport: Sendable {
    package var factsDecided = 0
    package var eventsCompared = 0
    package var divergences: [Divergence] = []
    /// Divergences beyond the first ones kept.
    package var moreDivergences = 0
}

/// `pm replay verify`, pure: decides every recorded fact again, in an order consistent with the log, against
/// aggregates folded only from what the replay itself decided, and compares the events each decision makes
/// with the events recorded for that fact: the same aggregates, the same events in the same order, the same
/// payloads.
///
/// The order: facts of one partition in offset order (the processor consumes each partition in order), and,
/// for each aggregate, the facts that caused its events in the order of its sequence numbers. An aggregate whose
/// recorded history starts again at sequence 1 was evicted by the processor after it ended; the replay forgets it
/// there too.
package struct ReplayVerifier {
    package var router: FactRouter
    package var keptDivergences = 20

    package init(router: FactRouter) { self.router = router }

    package func verify(facts: [RecordedFact], events: [RecordedEvent]) -> ReplayReport {
        var report = ReplayReport()
        func diverge(_ position: ReplayPosition?, _ reason: String) {
            if report.divergences.count < keptDivergences { report.divergences.append(Divergence(position: position, reason: reason)) } else {
                report.moreDivergences += 1
            }
        }
        var factIndex: [String: Int] = [:]
        for (index, fact) in facts.enumerated() { factIndex[fact.id] = index }
        var recordedByFact: [Int: [RecordedEvent]] = [:]
        var historyOf: [AggregateRef: [RecordedEvent]] = [:]
        for event in events {
            historyOf[event.event.ref, default: []].append(event)
            guard let cause = event.causationId else {
                diverge(event.position, "an event without the id of the fact that caused it")
                continue
            }
            guard let index = factIndex[cause] else {
                diverge(event.position, "its fact \(cause) is not on the log (deleted by retention, or never recorded)")
                continue
            }
            recordedByFact[index, default: []].append(event)
        }
        // The order constraints, as edges between facts.
        var next: [[Int]] = Array(repeating: [], count: facts.count)
        var incoming = Array(repeating: 0, count: facts.count)
        func edge(_ from: Int, _ to: Int) {
            guard from != to else { return }
            next[from].append(to)
            incoming[to] += 1
        }
        var byPartition: [String: [Int]] = [:]
        for (index, fact) in facts.enumerated() { byPartition["\(fact.position.topic)/\(fact.position.partition)", default: []].append(index) }
        for indices in byPartition.values {
            let sorted = indices.sorted { facts[$0].position.offset < facts[$1].position.offset }
            for (from, to) in zip(sorted, sorted.dropFirst()) { edge(from, to) }
        }
        for (ref, history) in historyOf {
            let sorted = history.sorted { $0.position.offset < $1.position.offset }
            var previous: Int64 = 0
            var lastCause: Int?
            for event in sorted {
                if event.sequence != previous + 1, event.sequence != 1 {
                    diverge(event.position, "\(ref): sequence \(event.sequence) follows \(previous)")
                }
                previous = event.sequence
                guard let cause = event.causationId.flatMap({ factIndex[$0] }) else { continue }
                if let lastCause, lastCause != cause { edge(lastCause, cause) }
                lastCause = cause
            }
        }
        // Kahn's algorithm, taking the earliest appended fact among those ready.
        var ready = Heap(facts: facts)
        for index in facts.indices where incoming[index] == 0 { ready.insert(index) }
        var store = AggregateStore()
        var decided = 0
        while let index = ready.popFirst() {
            decided += 1
            let recorded = recordedByFact[index] ?? []
            for event in recorded where event.sequence == 1 { store.remove(event.event.ref) }
            let fact = facts[index]
            let routed = router.route(fact.fact, factId: fact.id, now: fact.occurredAt, store: &store)
            report.eventsCompared += compare(routed.events, recorded, fact: fact, diverge: diverge)
            for target in next[index] {
                incoming[target] -= 1
                if incoming[target] == 0 { ready.insert(target) }
            }
        }
        report.factsDecided = decided
        if decided < facts.count {
            diverge(nil, "\(facts.count - decided) facts cannot be ordered: their aggregates' histories contradict the order of their partitions")
        }
        return report
    }

    /// Compares what a decision made with what was recorded for its fact, aggregate by aggregate; returns the
    /// events compared.
    private func compare(_ made: [DomainEvent], _ recorded: [RecordedEvent], fact: RecordedFact, diverge: (ReplayPosition?, String) -> Void) -> Int {
        var madeBy: [AggregateRef: [DomainEvent]] = [:]
        var order: [AggregateRef] = []
        for event in made {
            if madeBy[event.ref] == nil { order.append(event.ref) }
            madeBy[event.ref, default: []].append(event)
        }
        var recordedBy: [AggregateRef: [RecordedEvent]] = [:]
        for event in recorded.sorted(by: { $0.position.offset < $1.position.offset }) { recordedBy[event.event.ref, default: []].append(event) }
        for ref in Set(order).union(recordedBy.keys).sorted(by: { $0.description < $1.description }) {
            let mine = madeBy[ref] ?? []
            let theirs = recordedBy[ref] ?? []
            for (offset, event) in theirs.enumerated() {
                guard offset < mine.count else {
                    diverge(event.position, "fact \(fact.id) at \(fact.position): the replay did not make \(event.event.wireName) for \(ref)")
                    return theirs.count
                }
                if mine[offset] != event.event {
                    diverge(event.position, "fact \(fact.id) at \(fact.position): the replay made \(mine[offset].wireName) for \(ref), the log has \(event.event.wireName) with another payload")
                    return theirs.count
                }
                let payload: JSONValue
                do { payload = try mine[offset].payload } catch {
                    diverge(event.position, "fact \(fact.id) at \(fact.position): the replay's \(event.event.wireName) for \(ref) cannot be encoded: \(error)")
                    return theirs.count
                }
                if payload != event.payload {
                    diverge(event.position, "fact \(fact.id) at \(fact.position): the payload of \(event.event.wireName) for \(ref) differs from the replay's")
                    return theirs.count
                }
            }
            if mine.count > theirs.count {
                diverge(fact.position, "fact \(fact.id): the replay made \(mine[theirs.count].wireName) for \(ref), which the log does not have")
            }
        }
        return recorded.count
    }
}

/// The facts ready to be decided, earliest appended first (ties by position).
private struct Heap {
    let facts: [RecordedFact]
    private var items: [Int] = []

    init(facts: [RecordedFact]) { self.facts = facts }

    private func before(_ a: Int, _ b: Int) -> Bool {
        let x = facts[a], y = facts[b]
        return (x.appendedAt, x.position) < (y.appendedAt, y.position)
    }

    mutating func insert(_ index: Int) {
        items.append(index)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popFirst() -> Int? {
        guard let first = items.first else { return nil }
        items[0] = items[items.count - 1]
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, before(items[left], items[smallest]) { smallest = left }
            if right < items.count, before(items[right], items[smallest]) { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
