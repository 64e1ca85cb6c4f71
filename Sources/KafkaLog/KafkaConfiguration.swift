import EventLog

/// How the Kafka log connects and behaves: typed values with defaults, and raw librdkafka properties
/// as an escape hatch.
///
/// The raw ``properties`` are applied last, so they override anything, including what the log sets
/// itself (`enable.idempotence`, `acks`, `partitioner`, `enable.auto.commit`, ...); overriding those
/// gives up the guarantees documented on ``EventLog``.
public struct KafkaConfiguration: Sendable {
    /// The brokers to bootstrap from, each "host:port".
    public var bootstrapServers: [String]
    /// The client id brokers see in their logs and quotas (librdkafka `client.id`).
    public var clientId: String
    /// A group member not heard from for this long is dropped from its group; a member giving up
    /// partitions in a rebalance waits at most this long for the records it handed out to be committed.
    /// librdkafka's mock cluster needs more than 3000.
    public var sessionTimeoutMilliseconds: Int
    /// The replication factor of topics created by ``KafkaEventLog/ensureTopic(_:)``.
    public var defaultReplicationFactor: Int16
    /// How long a member waits before reading a partition it takes over from another member, unless the
    /// group has already committed everything in it. Brokers that refuse commits while a rebalance is
    /// under way (librdkafka's mock cluster refuses them from the moment a member joins) leave the
    /// previous owner's last commits to be retried when it rejoins; this wait lets them land first, so
    /// the new owner does not process those records again. Zero disables the wait.
    public var takeoverGraceMilliseconds: Int
    /// The most records one ``LogConsumer/nextBatch()`` returns.
    public var maximumBatch: Int
    /// How long ``KafkaEventLog/shutdown()`` waits for pending appends to be acknowledged before
    /// failing them.
    public var shutdownTimeoutMilliseconds: Int
    /// librdkafka's messages at this level and more severe reach ``logHandler``.
    public var logLevel: KafkaLogLevel
    /// Receives librdkafka's log messages, on librdkafka's own threads (keep it quick). Nil discards
    /// them: the errors that matter reach callers as ``LogError``s.
    public var logHandler: (@Sendable (KafkaLogMessage) -> Void)?
    /// Raw librdkafka properties (`"statistics.interval.ms": "5000"`), applied last.
    public var properties: [String: String]

    /// A configuration with the given brokers and defaults for everything else.
    public init(
        bootstrapServers: [String],
        clientId: String = "payment-manager",
        sessionTimeoutMilliseconds: Int = 6000,
        defaultReplicationFactor: Int16 = 1,
        takeoverGraceMilliseconds: Int = 1000,
        maximumBatch: Int = 1000,
        shutdownTimeoutMilliseconds: Int = 10_000,
        logLevel: KafkaLogLevel = .warning,
        logHandler: (@Sendable (KafkaLogMessage) -> Void)? = nil,
        properties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientId = clientId
        self.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
        self.defaultReplicationFactor = defaultReplicationFactor
        self.takeoverGraceMilliseconds = takeoverGraceMilliseconds
        self.maximumBatch = maximumBatch
        self.shutdownTimeoutMilliseconds = shutdownTimeoutMilliseconds
        self.logLevel = logLevel
        self.logHandler = logHandler
        self.properties = properties
    }

    /// Checks the typed values; the raw properties are checked by librdkafka when a client is made.
    func validate() throws(LogError) {
        let servers = bootstrapServers.map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        guard !servers.isEmpty else { throw LogError(.invalidArgument, "Kafka needs at least one bootstrap server (host:port)") }
        guard !clientId.isEmpty else { throw LogError(.invalidArgument, "the Kafka client id must not be empty") }
        guard sessionTimeoutMilliseconds >= 1000 else {
            throw LogError(.invalidArgument, "the session timeout must be at least 1000 ms (the mock cluster needs more than 3000), not \(sessionTimeoutMilliseconds)")
        }
        guard defaultReplicationFactor >= 1 else { throw LogError(.invalidArgument, "the replication factor must be at least 1") }
        guard takeoverGraceMilliseconds >= 0, takeoverGraceMilliseconds <= sessionTimeoutMilliseconds / 2 else {
            throw LogError(.invalidArgument, "the takeover grace must be 0 to half the session timeout, not \(takeoverGraceMilliseconds) ms")
        }
        guard maximumBatch >= 1 else { throw LogError(.invalidArgument, "the maximum batch must be at least 1") }
        guard shutdownTimeoutMilliseconds >= 0 else { throw LogError(.invalidArgument, "the shutdown timeout must not be negative") }
    }

    /// The heartbeat interval used with the session timeout: frequent enough that a member learns of a
    /// rebalance well within the time the coordinator waits for it.
    var heartbeatIntervalMilliseconds: Int { max(100, sessionTimeoutMilliseconds / 6) }

    /// Every client's properties: connection and logging, then `specific`, then the raw properties.
    func clientProperties(_ specific: [(String, String)]) -> [(String, String)] {
        var list: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers.map { $0.trimmingSpaces }.filter { !$0.isEmpty }.joined(separator: ",")),
            ("client.id", clientId),
            ("log_level", String(logLevel.rawValue)),
            ("log.connection.close", "false"),
            // Small requests leave at once (TCP_NODELAY), as Kafka's own Java client sends them.
            ("socket.nagle.disable", "true"),
        ]
        list += specific
        list += properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return list
    }
}

/// The severity of a librdkafka log message (syslog levels).
public enum KafkaLogLevel: Int, Sendable, Hashable, Comparable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug

    /// More severe levels are smaller, as in syslog.
    public static func < (lhs: KafkaLogLevel, rhs: KafkaLogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One log message from librdkafka.
public struct KafkaLogMessage: Sendable, Hashable, CustomStringConvertible {
    /// How severe it is.
    public var level: KafkaLogLevel
    /// librdkafka's facility, such as `FAIL` or `REQTMOUT`.
    public var facility: String
    /// librdkafka's text.
    public var message: String
    /// The librdkafka client's name (client id and instance).
    public var client: String

    /// A message as librdkafka reports it.
    public init(level: KafkaLogLevel, facility: String, message: String, client: String) {
        self.level = level
        self.facility = facility
        self.message = message
        self.client = client
    }

    /// `[client] FACILITY: message`.
    public var description: String { "[\(client)] \(facility): \(message)" }
}

extension String {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}
