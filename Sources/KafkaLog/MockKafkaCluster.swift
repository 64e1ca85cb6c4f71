import CRdKafka
import EventLog
import Synchronization

/// librdkafka's mock cluster (rdkafka_mock.h): brokers on 127.0.0.1 inside this process, for tests, demos
/// and benchmarks.
///
/// It speaks the Kafka protocol (produce, fetch, consumer groups, idempotence) and injects faults, with
/// the limits of librdkafka 2.0.2: no admin API (create topics with ``createTopic(_:partitions:replicationFactor:)``),
/// about 5 MiB kept per partition, a new consumer group takes about 3 s to join, `session.timeout.ms` must
/// exceed 3000, it cannot look records up by time, and it refuses offset commits from the moment a member
/// joins until the group is stable again.
public final class MockKafkaCluster: Sendable {
    /// The cluster while it is open; nil once closed.
    private let handle: Mutex<MockClusterHandle?>
    private let bootstraps: String
    /// How many brokers it has; their ids are 1 through this.
    public let brokerCount: Int

    /// Starts `brokers` brokers listening on 127.0.0.1 at ports the system picks.
    /// - Throws: ``LogError/Code/invalidArgument`` for fewer than one broker; ``LogError/Code/backend`` if
    ///   librdkafka cannot start them.
    public init(brokers: Int = 3) throws(LogError) {
        guard brokers >= 1, brokers <= 64 else { throw LogError(.invalidArgument, "a mock cluster needs 1 to 64 brokers, not \(brokers)") }
        // The cluster logs through, and lives on, a client handle of its own that nothing else uses.
        let host = try KafkaClient(kind: .producer, properties: [("log_level", "3"), ("client.id", "pm-mock-cluster")], logHandler: nil)
        guard let cluster = rd_kafka_mock_cluster_new(host.handle, Int32(brokers)) else {
            host.destroy()
            throw LogError(.backend, "librdkafka could not start a mock cluster of \(brokers) brokers")
        }
        bootstraps = rd_kafka_mock_cluster_bootstraps(cluster).map { String(cString: $0) } ?? ""
        brokerCount = brokers
        handle = Mutex(MockClusterHandle(cluster: cluster, host: host))
    }

    deinit { close() }

    /// The brokers' addresses: "127.0.0.1:port,127.0.0.1:port,...".
    public var bootstrapServers: String { bootstraps }

    /// Creates a topic; one that already exists is left as it is.
    /// - Throws: ``LogError/Code/closed`` after ``close()``; ``LogError/Code/invalidArgument`` for a bad spec.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(LogError) {
        guard !name.isEmpty else { throw LogError(.invalidArgument, "a topic needs a name") }
        guard partitions >= 1, replicationFactor >= 1 else {
            throw LogError(.invalidArgument, "topic '\(name)' needs at least one partition and one replica")
        }
        let code = try withCluster { cluster in
            rd_kafka_mock_topic_create(cluster, name, partitions, min(replicationFactor, Int32(brokerCount)))
        }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else {
            throw LogError.kafka(code, "creating topic '\(name)' on the mock cluster")
        }
    }

    /// Takes a broker down (its connections are closed and it refuses new ones) or brings it back up.
    /// - Throws: ``LogError/Code/invalidArgument`` for an unknown broker id; ``LogError/Code/closed``.
    public func setBroker(_ id: Int32, up: Bool) throws(LogError) {
        let code = try withCluster { cluster in
            up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id)
        }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw LogError(.invalidArgument, "mock broker \(id) (of 1...\(brokerCount)) cannot be set \(up ? "up" : "down"): \(LogError.text(of: code))")
        }
    }

    /// Makes broker `id` the leader of a partition (the mock cluster otherwise picks leaders at random,
    /// so a test that takes a broker down pins the partitions it must lead).
    public func setLeader(topic: String, partition: Int32, broker id: Int32) throws(LogError) {
        let code = try withCluster { cluster in rd_kafka_mock_partition_set_leader(cluster, topic, partition, id) }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw LogError(.invalidArgument, "mock broker \(id) cannot lead \(topic)[\(partition)]: \(LogError.text(of: code))")
        }
    }

    /// A configuration for clients of this cluster: its brokers, and reconnection backoff capped at one
    /// second so that clients notice a broker brought back up quickly.
    public func configuration(clientId: String = "payment-manager") -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: bootstraps.split(separator: ",").map(String.init), clientId: clientId,
                           properties: ["reconnect.backoff.max.ms": "1000"])
    }

    /// A Kafka log on this cluster whose ``KafkaEventLog/ensureTopic(_:)`` creates missing topics through
    /// the mock cluster's own API (it has no CreateTopics). The log keeps the cluster alive.
    public func makeEventLog(configure: (inout KafkaConfiguration) -> Void = { _ in }) throws(LogError) -> KafkaEventLog {
        var configuration = configuration()
        configure(&configuration)
        let replication = Int32(configuration.defaultReplicationFactor)
        return try KafkaEventLog(configuration: configuration) { [self] (spec: TopicSpec) throws(LogError) in
            try createTopic(spec.name, partitions: spec.partitions, replicationFactor: replication)
        }
    }

    /// Stops the brokers and frees the cluster; idempotent. Clients still connected see them go away.
    public func close() {
        let closing = handle.withLock { handle -> MockClusterHandle? in
            defer { handle = nil }
            return handle
        }
        closing?.destroy()
    }

    /// Runs a mock request while holding the lock: each is a short synchronous request to the cluster's
    /// own thread, and holding the lock keeps ``close()`` from destroying the cluster under it.
    private func withCluster(_ body: (OpaquePointer) -> rd_kafka_resp_err_t) throws(LogError) -> rd_kafka_resp_err_t {
        let result = handle.withLock { handle -> rd_kafka_resp_err_t? in
            guard let open = handle else { return nil }
            return body(open.cluster)
        }
        guard let result else { throw LogError(.closed, "the mock cluster is closed") }
        return result
    }
}

/// The mock cluster (`rd_kafka_mock_cluster_t`) and the client handle it was made on.
///
/// `@unchecked Sendable`: the cluster's functions post requests to its own thread and wait for the
/// answer, so they are safe from any thread; ``MockKafkaCluster`` calls them only while holding its lock,
/// and destroys the cluster (then its host) once, after taking the handle out from under that lock.
final class MockClusterHandle: @unchecked Sendable {
    let cluster: OpaquePointer
    let host: KafkaClient

    init(cluster: OpaquePointer, host: KafkaClient) {
        self.cluster = cluster
        self.host = host
    }

    func destroy() {
        rd_kafka_mock_cluster_destroy(cluster)
        host.destroy()
    }
}
