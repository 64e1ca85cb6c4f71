import EventLog

/// Where the log is, as the `--log` option and `PM_LOG` write it:
/// - `sqlite:PATH` — the embedded log in one SQLite file;
/// - `kafka://HOST:PORT[,HOST:PORT...]` — a Kafka cluster;
/// - `kafka-mock[:BROKERS]` — librdkafka's mock cluster started inside this process (tests, demos, benchmarks).
public enum LogLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case kafka(bootstrapServers: [String])
    case kafkaMock(brokers: Int)

    /// Why a log location is not valid.
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let text: String
        public let reason: String
        public var description: String { "invalid log location '\(text)': \(reason)" }
    }

    public init(_ text: String) throws(Invalid) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw Invalid(text: text, reason: "sqlite: needs a file path, e.g. sqlite:data/pm-log.sqlite") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("kafka://") {
            let servers = text.dropFirst("kafka://".count).split(separator: ",").map(String.init)
            guard !servers.isEmpty else { throw Invalid(text: text, reason: "kafka:// needs at least one HOST:PORT") }
            for server in servers {
                let parts = server.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
                    throw Invalid(text: text, reason: "'\(server)' is not HOST:PORT")
                }
            }
            self = .kafka(bootstrapServers: servers)
        } else if text == "kafka-mock" || text.hasPrefix("kafka-mock:") {
            let count = text == "kafka-mock" ? 3 : Int(text.dropFirst("kafka-mock:".count))
            guard let count, (1...10).contains(count) else { throw Invalid(text: text, reason: "kafka-mock:N needs 1 to 10 brokers") }
            self = .kafkaMock(brokers: count)
        } else {
            throw Invalid(text: text, reason: "expected sqlite:PATH, kafka://HOST:PORT[,HOST:PORT] or kafka-mock[:N]")
        }
    }

    public var description: String {
        switch self {
        case let .sqlite(path): return "sqlite:\(path)"
        case let .kafka(servers): return "kafka://" + servers.joined(separator: ",")
        case let .kafkaMock(brokers): return "kafka-mock:\(brokers)"
        }
    }
}
