import EventLog
import KafkaLog

/// A log opened from a ``LogLocation``, with whatever must stay alive while it is used (the in-process
/// mock cluster of `kafka-mock`).
public struct OpenLog: Sendable {
    public let log: any EventLog
    public let location: LogLocation
    /// The in-process mock cluster, for `kafka-mock`.
    public let mockCluster: MockKafkaCluster?

    /// The bootstrap servers of a Kafka log (for baselines that talk to the same cluster).
    public var bootstrapServers: [String]? {
        switch location {
        case .sqlite: return nil
        case let .kafka(servers): return servers
        case .kafkaMock: return mockCluster.map { $0.bootstrapServers.split(separator: ",").map(String.init) }
        }
    }

    /// Opens the log; for Kafka, `properties` are passed to librdkafka as they are.
    /// `durability` applies to the embedded log: `.full` (the default) survives a power loss, `.normal` only
    /// a process crash.
    public static func open(_ location: LogLocation, properties: [String: String] = [:],
                            durability: SQLiteLogConfiguration.Durability = .full) throws(LogError) -> OpenLog {
        switch location {
        case let .sqlite(path):
            return OpenLog(log: try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: path, durability: durability)),
                           location: location, mockCluster: nil)
        case let .kafka(servers):
            var configuration = KafkaConfiguration(bootstrapServers: servers)
            configuration.properties = properties
            return OpenLog(log: try KafkaEventLog(configuration: configuration), location: location, mockCluster: nil)
        case let .kafkaMock(brokers):
            let cluster = try MockKafkaCluster(brokers: brokers)
            let log = try cluster.makeEventLog { configuration in
                configuration.properties.merge(properties) { _, new in new }
            }
            return OpenLog(log: log, location: location, mockCluster: cluster)
        }
    }

    /// Creates a topic if it is missing (on the mock cluster, through its own API).
    public func ensureTopic(_ spec: TopicSpec) async throws(LogError) {
        try await log.ensureTopic(spec)
    }
}
