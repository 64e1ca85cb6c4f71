import Connector
import EventLog
import Foundation
import PMCore
import ReadSide

/// `pm projections rebuild`: replays the log into a fresh store beside the live one, then swaps the chosen
/// projections' tables into the live store in one transaction each, while it keeps serving.
public enum ProjectionRebuild {
    public struct Outcome: Sendable {
        public var recordsRead: Int
        public var rows: [String: Int64]
    }

    public static func run(log: any EventLog, storePath: String, projections: [ProjectionName], topics: ConnectorTopics = ConnectorTopics()) async throws -> Outcome {
        let projectionTopics = ProjectionTopics(events: topics.transfers, facts: [topics.fspiopInbound, topics.coreInbound, topics.fspiopOutbound, topics.refusals])
        let scratch = storePath + ".rebuild-" + RandomUUID.make().lowercased()
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch + suffix) }
        }
        // Only swapped from: filled without the indexes that serve searches.
        let rebuilt = try ProjectionStore(path: scratch, topics: projectionTopics, indexed: false)
        let read = try await rebuilt.catchUp(from: log)
        let live = try ProjectionStore(path: storePath, topics: projectionTopics)
        for projection in projections { try await live.swap(projection, from: scratch) }
        return Outcome(recordsRead: read, rows: try await live.rowCounts())
    }
}

/// `pm projections status`: each projection's lag and rows.
public enum ProjectionStatus {
    public static func read(log: any EventLog, storePath: String, topics: ConnectorTopics = ConnectorTopics()) async throws -> [String] {
        let store = try ProjectionStore(path: storePath, topics: ProjectionTopics(
            events: topics.transfers, facts: [topics.fspiopInbound, topics.coreInbound, topics.fspiopOutbound, topics.refusals]))
        let lag = try await store.lag(on: log)
        let rows = try await store.rowCounts()
        return ProjectionName.allCases.map { name in
            "\(name.rawValue): lag \(lag[name] ?? 0) records; "
                + ProjectionStore.tables(of: name).map { "\($0) \(rows[$0] ?? 0) rows" }.joined(separator: ", ")
        }
    }
}
