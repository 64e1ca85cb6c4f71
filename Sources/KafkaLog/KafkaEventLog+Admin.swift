import CRdKafka
import EventLog
import Foundation

extension KafkaEventLog {
    // MARK: Topics

    /// Creates the topic (CreateTopics, with `retention.ms` / `retention.bytes` from the spec); an existing
    /// topic, with whatever partitions it has, is success. librdkafka's 2.0.2 mock cluster cannot create
    /// topics (no admin API, no controller): there the topic must exist already
    /// (``MockKafkaCluster/createTopic(_:partitions:replicationFactor:)``), unless the log was made by
    /// ``MockKafkaCluster/makeEventLog(configure:)``, whose logs create them through the mock's own API.
    /// - Throws: ``LogError/Code/unknownTopic`` when the cluster cannot create topics and it does not
    ///   exist; ``LogError/Code/invalidArgument`` for a bad spec.
    public func ensureTopic(_ spec: TopicSpec) async throws(LogError) {
        guard !spec.name.isEmpty else { throw LogError(.invalidArgument, "a topic needs a name") }
        guard spec.partitions >= 1 else { throw LogError(.invalidArgument, "topic '\(spec.name)' needs at least one partition") }
        if let milliseconds = spec.retentionMilliseconds, milliseconds < -1 {
            throw LogError(.invalidArgument, "retention of topic '\(spec.name)' must be -1 (forever) or more milliseconds")
        }
        let replication = configuration.defaultReplicationFactor
        let timeout = requestTimeoutMilliseconds
        let createTopic = createTopic
        try await run { [producer] () throws(LogError) in
            try producer.withHandle { client throws(LogError) in
                if try client.partitions(of: spec.name, timeoutMilliseconds: timeout) != nil { return }
                if let createTopic {
                    try createTopic(spec)
                } else {
                    let cluster = try client.brokers(timeoutMilliseconds: timeout)
                    var created = false
                    if cluster.brokers.contains(cluster.controller) {
                        created = try Self.createTopic(spec, replicationFactor: replication, client: client, timeoutMilliseconds: timeout)
                    }
                    guard created else {
                        throw LogError(.unknownTopic, "the cluster cannot create topics (no admin API or controller, as in librdkafka's mock cluster) and topic '\(spec.name)' does not exist: create it first, for example with MockKafkaCluster.createTopic")
                    }
                }
                // Creation is asynchronous in Kafka: return once the metadata shows the topic.
                let deadline = Monotonic.milliseconds + UInt64(timeout)
                while try client.partitions(of: spec.name, timeoutMilliseconds: timeout) == nil {
                    guard Monotonic.milliseconds < deadline else {
                        throw LogError(.timedOut, "topic '\(spec.name)' was created but does not show in the metadata yet", retryable: true)
                    }
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
        }
        knownTopics.withLock { _ = $0.insert(spec.name) }
        producer.prepare(spec.name)
    }

    /// Sends CreateTopics. Returns false when the broker does not support it.
    private static func createTopic(_ spec: TopicSpec, replicationFactor: Int16, client: KafkaClient, timeoutMilliseconds: Int32) throws(LogError) -> Bool {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(spec.name, spec.partitions, Int32(replicationFactor), &errorText, errorText.count) else {
            throw LogError(.invalidArgument, "topic '\(spec.name)': \(KafkaClient.string(errorText))")
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        var settings: [(String, String)] = []
        if let milliseconds = spec.retentionMilliseconds { settings.append(("retention.ms", String(milliseconds))) }
        if let bytes = spec.retentionBytes { settings.append(("retention.bytes", String(bytes))) }
        for (name, value) in settings {
            let code = rd_kafka_NewTopic_set_config(newTopic, name, value)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw LogError.kafka(code, "topic '\(spec.name)' setting \(name)") }
        }
        guard let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS),
              let replies = rd_kafka_queue_new(client.handle) else {
            throw LogError(.backend, "librdkafka could not prepare an admin request")
        }
        defer {
            rd_kafka_AdminOptions_destroy(options)
            rd_kafka_queue_destroy(replies)
        }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(client.handle, &topics, 1, options, replies)
        guard let event = rd_kafka_queue_poll(replies, timeoutMilliseconds + 2000) else {
            throw LogError(.timedOut, "creating topic '\(spec.name)': no answer from the cluster", retryable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        var code = rd_kafka_event_error(event)
        var detail = rd_kafka_event_error_string(event).map { String(cString: $0) }
        if code == RD_KAFKA_RESP_ERR_NO_ERROR, let result = rd_kafka_event_CreateTopics_result(event) {
            var count = 0
            if let results = rd_kafka_CreateTopics_result_topics(result, &count), count > 0, let first = results[0] {
                code = rd_kafka_topic_result_error(first)
                detail = rd_kafka_topic_result_error_string(first).map { String(cString: $0) }
            }
        }
        switch code {
        case RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
            return true
        case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION, RD_KAFKA_RESP_ERR_INVALID_REQUEST:
            return false
        default:
            throw LogError.kafka(code, "creating topic '\(spec.name)'", detail: detail)
        }
    }

    /// The topics with their partitions' first and end offsets (internal topics such as
    /// `__consumer_offsets` left out).
    public func describeTopics() async throws(LogError) -> [TopicDescription] {
        let timeout = requestTimeoutMilliseconds
        return try await run { [producer] () throws(LogError) -> [TopicDescription] in
            try producer.withHandle { client throws(LogError) -> [TopicDescription] in
                var descriptions: [TopicDescription] = []
                for topic in try client.metadata(timeoutMilliseconds: timeout).sorted(by: { $0.name < $1.name }) {
                    guard !topic.name.hasPrefix("__"), topic.error == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
                    var partitions: [PartitionDescription] = []
                    for partition in topic.partitions {
                        let (low, high) = try client.watermarks(TopicPartition(topic: topic.name, partition: partition), timeoutMilliseconds: timeout)
                        partitions.append(PartitionDescription(partition: partition, startOffset: low, endOffset: high))
                    }
                    descriptions.append(TopicDescription(name: topic.name, partitions: partitions))
                }
                return descriptions
            }
        }
    }

    // MARK: Groups

    /// The group's committed offsets and lag, for every partition of every topic where it has committed;
    /// read with a consumer handle of that group that does not join it.
    public func groupLag(_ group: String) async throws(LogError) -> [PartitionLag] {
        guard !group.isEmpty else { throw LogError(.invalidArgument, "a consumer group needs a name") }
        let configuration = configuration
        let timeout = requestTimeoutMilliseconds
        return try await run { () throws(LogError) -> [PartitionLag] in
            let client = try KafkaClient(kind: .standalone, properties: configuration.clientProperties([
                ("group.id", group), ("enable.auto.commit", "false"), ("enable.auto.offset.store", "false"),
            ]), logHandler: configuration.logHandler)
            defer { client.destroy(flags: Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE)) }
            var partitions: [TopicPartition] = []
            for topic in try client.metadata(timeoutMilliseconds: timeout) where !topic.name.hasPrefix("__") && topic.error == RD_KAFKA_RESP_ERR_NO_ERROR {
                partitions += topic.partitions.map { TopicPartition(topic: topic.name, partition: $0) }
            }
            let committed = try client.committed(partitions, timeoutMilliseconds: timeout)
            var lags: [PartitionLag] = []
            for partition in partitions.sorted() {
                guard let offset = committed[partition] else { continue }
                let end = try client.watermarks(partition, timeoutMilliseconds: timeout).high
                lags.append(PartitionLag(group: group, topic: partition.topic, partition: partition.partition, committedOffset: offset, endOffset: end))
            }
            return lags
        }
    }

    // MARK: Reading

    /// Reads records of one topic without joining a group: from the first kept offset, an offset, or the
    /// first record appended at or after a time, up to the end offsets at the time of the call or the
    /// limit, partition by partition.
    /// - Throws: ``LogError/Code/unknownTopic``; ``LogError/Code/invalidArgument`` for a partition the topic
    ///   does not have or a limit below 1.
    public func read(_ request: ReadRequest) async throws(LogError) -> [ConsumerRecord] {
        guard request.limit >= 1 else { throw LogError(.invalidArgument, "limit must be at least 1") }
        guard !request.topic.isEmpty else { throw LogError(.invalidArgument, "a read needs a topic") }
        let configuration = configuration
        let timeout = requestTimeoutMilliseconds
        return try await run { () throws(LogError) -> [ConsumerRecord] in
            let client = try KafkaClient(kind: .standalone, properties: configuration.clientProperties([
                ("enable.partition.eof", "true"), ("fetch.wait.max.ms", "100"), ("enable.auto.commit", "false"),
            ]), logHandler: configuration.logHandler)
            defer { client.destroy(flags: Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE)) }
            return try PartitionReader(client: client, timeoutMilliseconds: timeout).read(request)
        }
    }
}

/// Reads partitions with librdkafka's legacy (group-less) consumer API, on the calling thread.
struct PartitionReader {
    let client: KafkaClient
    let timeoutMilliseconds: Int32

    func read(_ request: ReadRequest) throws(LogError) -> [ConsumerRecord] {
        guard let partitions = try client.partitions(of: request.topic, timeoutMilliseconds: timeoutMilliseconds) else {
            throw LogError(.unknownTopic, "no topic '\(request.topic)' in the Kafka cluster")
        }
        var targets = partitions
        if let partition = request.partition {
            guard partitions.contains(partition) else {
                throw LogError(.invalidArgument, "topic '\(request.topic)' has no partition \(partition) (it has \(partitions.count))")
            }
            targets = [partition]
        }
        var records: [ConsumerRecord] = []
        for partition in targets where records.count < request.limit {
            let topicPartition = TopicPartition(topic: request.topic, partition: partition)
            let (low, high) = try client.watermarks(topicPartition, timeoutMilliseconds: timeoutMilliseconds)
            guard high > low else { continue }
            var start = low
            var notBefore: Int64?
            switch request.start {
            case .beginning:
                break
            case .offset(let offset):
                start = max(offset, low)
            case .time(let milliseconds):
                let found = try client.offsetsForTime([topicPartition], milliseconds: milliseconds, timeoutMilliseconds: timeoutMilliseconds)[topicPartition] ?? -1
                if found >= 0 {
                    start = max(found, low)
                } else {
                    // -1: no record at or after that time, or a broker that cannot look up by time (the mock
                    // cluster). The last record tells which; for the latter, scan by the records' timestamps.
                    let last = try fetch(topicPartition, from: high - 1, end: high, limit: 1, notBefore: nil)
                    guard let record = last.first, record.timestamp >= milliseconds else { continue }
                    notBefore = milliseconds
                }
            }
            guard start < high else { continue }
            records += try fetch(topicPartition, from: start, end: high, limit: request.limit - records.count, notBefore: notBefore)
        }
        return records
    }

    /// Records of one partition from `start` until `end` (exclusive) or `limit`; with `notBefore`, starting
    /// at the first record whose timestamp is at or after it.
    func fetch(_ partition: TopicPartition, from start: Int64, end: Int64, limit: Int, notBefore: Int64?) throws(LogError) -> [ConsumerRecord] {
        guard let topic = rd_kafka_topic_new(client.handle, partition.topic, nil) else {
            throw LogError.kafka(rd_kafka_last_error(), "reading \(partition)")
        }
        defer { rd_kafka_topic_destroy(topic) }
        guard rd_kafka_consume_start(topic, partition.partition, start) == 0 else {
            throw LogError.kafka(rd_kafka_last_error(), "reading \(partition) from offset \(start)")
        }
        defer { rd_kafka_consume_stop(topic, partition.partition) }
        var records: [ConsumerRecord] = []
        var threshold = notBefore
        var lastProgress = Monotonic.milliseconds
        while records.count < limit {
            // One message at a time: `rd_kafka_consume` returns as soon as one is fetched (a batch call
            // would wait for a full batch or its timeout).
            guard let message = rd_kafka_consume(topic, partition.partition, 100) else {
                let code = rd_kafka_last_error()
                if code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR__TIMED_OUT {
                    throw LogError.kafka(code, "reading \(partition)")
                }
                if Monotonic.milliseconds - lastProgress > UInt64(timeoutMilliseconds) {
                    throw LogError(.timedOut, "reading \(partition): no records for \(timeoutMilliseconds) ms before offset \(end)", retryable: true)
                }
                continue
            }
            defer { rd_kafka_message_destroy(message) }
            lastProgress = Monotonic.milliseconds
            let code = message.pointee.err
            if code == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                if message.pointee.offset >= end { break }
                continue
            }
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw LogError.kafka(code, "reading \(partition)") }
            let offset = message.pointee.offset
            if offset >= end { break }
            let record = ConsumerRecord(message: message, topic: partition.topic)
            if let minimum = threshold {
                guard record.timestamp >= minimum else { continue }
                threshold = nil
            }
            records.append(record)
            if offset + 1 >= end { break }
        }
        return records
    }
}
