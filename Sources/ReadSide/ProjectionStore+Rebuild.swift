import EventLog
import Foundation

extension ProjectionStore {
    /// Reads from the log every record the projections have not applied, partition by partition from their
    /// positions to the partitions' ends, and applies them. A new store is so built from the whole log.
    /// Returns the records read.
    @discardableResult
    public func catchUp(from log: any EventLog, pageSize: Int = 2000) async throws(LogError) -> Int {
        var read = 0
        let described = try await log.describeTopics()
        for topic in described where topics.all.contains(topic.name) {
            for partition in topic.partitions {
                let key = TopicPartition(topic: topic.name, partition: partition.partition)
                var next = try await nextOffset(for: key, start: partition.startOffset)
                while next < partition.endOffset {
                    let records = try await log.read(ReadRequest(topic: topic.name, partition: partition.partition, start: .offset(next), limit: pageSize))
                    guard let last = records.last else { break }
                    _ = try await apply(records)
                    read += records.count
                    next = last.offset + 1
                }
            }
        }
        return read
    }

    /// The first offset of a partition some projection reading it has not applied (its start when none has any).
    func nextOffset(for partition: TopicPartition, start: Int64) async throws(LogError) -> Int64 {
        let positions = try await positions()
        let readers = ProjectionName.allCases.filter { topics.topics(of: $0).contains(partition.topic) }
        return readers.map { max(positions[$0]?[partition] ?? start, start) }.min() ?? start
    }

    /// Replaces one projection's tables and positions with those of `rebuilt` (a store built from the log), in one
    /// transaction: readers see the old rows until it commits and the new ones after. Records the rebuilt store had
    /// not read yet are applied by the live service, which reads from its positions.
    public func swap(_ projection: ProjectionName, from rebuilt: String) async throws(LogError) {
        let tables = Self.tables(of: projection)
        try await writer.run { connection throws(LogError) in
            let attach = try connection.statement("ATTACH DATABASE ?1 AS rebuilt")
            attach.bind(1, rebuilt)
            try attach.run()
            defer { try? connection.execute("DETACH DATABASE rebuilt") }
            try connection.execute("BEGIN IMMEDIATE")
            do throws(LogError) {
                for table in tables {
                    try connection.execute("DELETE FROM main.\(table); INSERT INTO main.\(table) SELECT * FROM rebuilt.\(table);")
                }
                let delete = try connection.statement("DELETE FROM main.positions WHERE projection = ?1")
                delete.bind(1, projection.rawValue)
                try delete.run()
                let copy = try connection.statement("INSERT INTO main.positions SELECT * FROM rebuilt.positions WHERE projection = ?1")
                copy.bind(1, projection.rawValue)
                try copy.run()
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}

extension ProjectionStore {
    /// How many records of the topics each projection reads it has not applied yet.
    public func lag(on log: any EventLog) async throws(LogError) -> [ProjectionName: Int64] {
        let positions = try await positions()
        let described = try await log.describeTopics()
        var lag: [ProjectionName: Int64] = [:]
        for name in ProjectionName.allCases {
            let names = Set(topics.topics(of: name))
            var behind: Int64 = 0
            for topic in described where names.contains(topic.name) {
                for partition in topic.partitions {
                    let next = positions[name]?[TopicPartition(topic: topic.name, partition: partition.partition)] ?? partition.startOffset
                    behind += max(0, partition.endOffset - max(next, partition.startOffset))
                }
            }
            lag[name] = behind
        }
        return lag
    }
}
