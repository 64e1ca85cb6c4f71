import Foundation
import Synchronization

/// One member of a consumer group on the SQLite log.
final class SQLiteConsumerBackend: AtomicCommitBackend {
    private struct State {
        /// Assigned partitions and the next offset to hand out.
        var assigned: [TopicPartition: Int64] = [:]
        /// Per partition, the offset after the last record handed out.
        var handedOut: [TopicPartition: Int64] = [:]
        /// Per partition, the next offset committed by this member.
        var committed: [TopicPartition: Int64] = [:]
        /// Partitions being taken away: no more records of them are handed out.
        var revoking: Set<TopicPartition> = []
        var revokeWaiters: [UInt64: (partitions: Set<TopicPartition>, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter: UInt64 = 0
        var closed = false

        func settled(_ partitions: Set<TopicPartition>) -> Bool {
            closed || partitions.allSatisfy { partition in
                guard let handed = handedOut[partition] else { return true }
                return (committed[partition] ?? Int64.min) >= handed
            }
        }

        /// Removes and returns the waiters whose partitions are settled.
        mutating func takeSettledWaiters() -> [CheckedContinuation<Void, Never>] {
            let ready = revokeWaiters.filter { settled($0.value.partitions) }
            for key in ready.keys { revokeWaiters[key] = nil }
            return ready.values.map(\.continuation)
        }
    }

    let subscription: Subscription
    /// Every partition of the subscribed topics.
    let partitions: Set<TopicPartition>
    private let log: SQLiteEventLog
    private let connection: SQLiteConnection
    private let coordinator: GroupCoordinator
    private let state = Mutex(State())

    init(log: SQLiteEventLog, subscription: Subscription, partitions: Set<TopicPartition>, connection: SQLiteConnection, coordinator: GroupCoordinator) {
        self.log = log
        self.subscription = subscription
        self.partitions = partitions
        self.connection = connection
        self.coordinator = coordinator
    }

    func assignment() async -> Set<TopicPartition> {
        state.withLock { Set($0.assigned.keys).subtracting($0.revoking) }
    }

    var currentAssignment: Set<TopicPartition> { state.withLock { Set($0.assigned.keys) } }

    func nextBatch() async throws(LogError) -> [ConsumerRecord]? {
        let limit = log.configuration.maximumBatch
        while true {
            let version = log.notifier.version
            guard let plan = state.withLock({ state -> [(TopicPartition, Int64)]? in
                if state.closed { return nil }
                return state.assigned.filter { !state.revoking.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            }) else { return nil }
            if plan.isEmpty {
                await log.notifier.wait(after: version)
                if Task.isCancelled { return [] }
                continue
            }
            var requests: [(TopicPartition, Int64, Int64)] = []
            for (partition, offset) in plan {
                guard let topic = try? log.topic(partition.topic) else { continue }
                requests.append((partition, topic.id, offset))
            }
            let perPartition = max(1, limit / max(1, requests.count))
            // What keeps up is in memory; only partitions further behind are read from the table.
            var fetched: [ConsumerRecord] = []
            var fetchPlan: [(TopicPartition, Int64, Int64)] = []
            log.recent.withLock { recent in
                for request in requests {
                    if let records = recent.records(PartitionKey(topicID: request.1, partition: request.0.partition), from: request.2, limit: perPartition) {
                        fetched += records
                    } else {
                        fetchPlan.append(request)
                    }
                }
            }
            if !fetchPlan.isEmpty {
                let plan = fetchPlan
                fetched += try await connection.run { connection throws(LogError) in
                    var records: [ConsumerRecord] = []
                    for (partition, topicID, offset) in plan {
                        let statement = try connection.statement("SELECT offset, ts, key, headers, value FROM records WHERE topic_id = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?")
                        statement.bind(1, topicID)
                        statement.bind(2, Int64(partition.partition))
                        statement.bind(3, offset)
                        statement.bind(4, Int64(perPartition))
                        while try statement.step() {
                            records.append(SQLiteEventLog.record(statement, topic: partition.topic, partition: partition.partition))
                        }
                    }
                    return records
                }
            }
            // Hand out only what is still ours, from where we were, in order.
            let delivered = state.withLock { state -> [ConsumerRecord] in
                var accepted: [ConsumerRecord] = []
                accepted.reserveCapacity(fetched.count)
                let starts = Dictionary(uniqueKeysWithValues: plan.map { ($0.0, $0.1) })
                var expected = starts
                for record in fetched {
                    let partition = record.topicPartition
                    guard !state.revoking.contains(partition), let position = state.assigned[partition],
                          position == starts[partition], let next = expected[partition], record.offset >= next else { continue }
                    accepted.append(record)
                    expected[partition] = record.offset + 1
                }
                for (partition, next) in expected where next != starts[partition] {
                    state.assigned[partition] = next
                    state.handedOut[partition] = next
                }
                return accepted
            }
            if !delivered.isEmpty { return delivered }
            await log.notifier.wait(after: version)
            if Task.isCancelled { return [] }
        }
    }

    func commit(_ nextOffsets: [TopicPartition: Int64]) async throws(LogError) {
        try await log.commitOffsets(group: subscription.group, try offsetRows(nextOffsets))
        committed(nextOffsets)
    }

    /// Appends the records and commits the offsets in one transaction.
    func commit(_ nextOffsets: [TopicPartition: Int64], appending records: [ProducerRecord]) async throws(LogError) -> [RecordPosition] {
        let positions = try await log.appendAndCommit(records, group: subscription.group, try offsetRows(nextOffsets))
        committed(nextOffsets)
        return positions
    }

    private func offsetRows(_ nextOffsets: [TopicPartition: Int64]) throws(LogError) -> [(topicID: Int64, partition: Int32, next: Int64)] {
        var rows: [(topicID: Int64, partition: Int32, next: Int64)] = []
        for (partition, next) in nextOffsets {
            let topic = try log.topic(partition.topic)
            rows.append((topic.id, partition.partition, next))
        }
        return rows
    }

    private func committed(_ nextOffsets: [TopicPartition: Int64]) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            for (partition, next) in nextOffsets { state.committed[partition] = max(state.committed[partition] ?? Int64.min, next) }
            return state.takeSettledWaiters()
        }
        for waiter in ready { waiter.resume() }
    }

    /// Stops handing out these partitions' records and returns once what was handed out is committed,
    /// the member closed, or the session timeout passed; then the partitions are no longer assigned.
    func revoke(_ lost: Set<TopicPartition>, timeoutMilliseconds: Int) async {
        let id = state.withLock { state -> UInt64 in
            state.revoking.formUnion(lost)
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let settled = state.withLock { state -> Bool in
                if state.settled(lost) { return true }
                state.revokeWaiters[id] = (lost, continuation)
                return false
            }
            if settled {
                continuation.resume()
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(timeoutMilliseconds)) { [self] in
                let expired = state.withLock { $0.revokeWaiters.removeValue(forKey: id) }
                expired?.continuation.resume()
            }
        }
        state.withLock { state in
            for partition in lost {
                state.assigned[partition] = nil
                state.handedOut[partition] = nil
                state.committed[partition] = nil
                state.revoking.remove(partition)
            }
        }
    }

    /// Takes partitions, each from the given next offset.
    func assign(_ gained: [TopicPartition: Int64]) {
        state.withLock { state in
            for (partition, offset) in gained {
                state.assigned[partition] = offset
                state.handedOut[partition] = nil
                state.committed[partition] = nil
            }
        }
        log.notifier.bump()
    }

    func close() async {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if state.closed { return [] }
            state.closed = true
            defer { state.revokeWaiters.removeAll() }
            return state.revokeWaiters.values.map(\.continuation)
        }
        for waiter in waiters { waiter.resume() }
        await coordinator.leave(self)
        log.notifier.bump()
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// The offsets a newly assigned partition starts from: the group's commit, else the subscription's start.
    func startOffsets(for gained: Set<TopicPartition>) async throws(LogError) -> [TopicPartition: Int64] {
        let group = subscription.group
        let committed = try await connection.run { [log] connection throws(LogError) in
            try log.committedOffsets(group: group, connection: connection)
        }
        var result: [TopicPartition: Int64] = [:]
        for partition in gained {
            if let offset = committed[partition] {
                result[partition] = offset
            } else {
                switch subscription.startAt {
                case .earliest: result[partition] = 0
                case .latest: result[partition] = log.endOffset(of: partition)
                }
            }
        }
        return result
    }
}

/// The members of one consumer group in this process and who owns which partition.
///
/// Rebalances run one at a time: partitions that change owner are first revoked (their old owner
/// commits what it was handed), then assigned from the group's committed offsets.
actor GroupCoordinator {
    let group: String
    let timeoutMilliseconds: Int
    private var members: [SQLiteConsumerBackend] = []
    private var rebalancing = false
    private var queued: [CheckedContinuation<Void, Never>] = []

    init(group: String, timeoutMilliseconds: Int) {
        self.group = group
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    func join(_ member: SQLiteConsumerBackend) async {
        members.append(member)
        await rebalance()
    }

    func leave(_ member: SQLiteConsumerBackend) async {
        guard members.contains(where: { $0 === member }) else { return }
        members.removeAll { $0 === member }
        await rebalance()
    }

    func closeAll() async {
        for member in members { await member.close() }
    }

    private func rebalance() async {
        if rebalancing {
            await withCheckedContinuation { queued.append($0) }
        }
        rebalancing = true
        defer {
            rebalancing = false
            if !queued.isEmpty { queued.removeFirst().resume() }
        }
        let live = members.filter { !$0.isClosed }
        // Target: each topic's partitions dealt round-robin over the members subscribed to it, in join order.
        var target: [ObjectIdentifier: Set<TopicPartition>] = [:]
        let all = Set(live.flatMap(\.partitions)).sorted()
        var dealt: [String: Int] = [:]
        for partition in all {
            let eligible = live.filter { $0.partitions.contains(partition) }
            guard !eligible.isEmpty else { continue }
            let turn = dealt[partition.topic, default: 0]
            dealt[partition.topic] = turn + 1
            target[ObjectIdentifier(eligible[turn % eligible.count]), default: []].insert(partition)
        }
        for member in live {
            let lost = member.currentAssignment.subtracting(target[ObjectIdentifier(member)] ?? [])
            if !lost.isEmpty { await member.revoke(lost, timeoutMilliseconds: timeoutMilliseconds) }
        }
        for member in live {
            let gained = (target[ObjectIdentifier(member)] ?? []).subtracting(member.currentAssignment)
            guard !gained.isEmpty else { continue }
            if let starts = try? await member.startOffsets(for: gained) { member.assign(starts) }
        }
    }
}
