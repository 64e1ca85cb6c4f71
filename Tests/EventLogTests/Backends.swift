import EventLog
import Foundation
import KafkaLog
import Testing

/// The backends the contract suite runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    /// The embedded log keeping only about one record per partition in memory: consumers read mostly from the table.
    case sqliteShortMemory
    /// librdkafka's mock cluster, three brokers on 127.0.0.1, started by the test itself.
    case kafka

    var testDescription: String { rawValue }

    /// A fresh, empty log and what keeps it alive.
    func make() async throws -> (log: any EventLog, resources: [AnyObject]) {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory()
            let log = try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: directory.path("log.sqlite"), sessionTimeoutMilliseconds: 5000))
            return (log, [directory])
        case .sqliteShortMemory:
            let directory = try TemporaryDirectory()
            var configuration = SQLiteLogConfiguration(path: directory.path("log.sqlite"), sessionTimeoutMilliseconds: 5000)
            configuration.recentBytesPerPartition = 1
            let log = try SQLiteEventLog(configuration: configuration)
            return (log, [directory])
        case .kafka:
            let cluster = try MockKafkaCluster(brokers: 3)
            let log = try cluster.makeEventLog { configuration in
                configuration.sessionTimeoutMilliseconds = 4000
                configuration.logLevel = .error
            }
            return (log, [cluster])
        }
    }
}
