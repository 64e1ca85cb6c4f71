import CRdKafka
import EventLog

/// A topic as a broker's metadata describes it.
struct TopicMetadata: Sendable, Hashable {
    var name: String
    var error: rd_kafka_resp_err_t
    var partitions: [Int32]
}

/// Blocking requests to the cluster. Each waits for a broker's answer (bounded by `timeoutMilliseconds`),
/// so call them on a dedicated thread or queue, never on Swift's cooperative pool.
extension KafkaClient {
    /// Metadata of every topic.
    ///
    /// Always every topic, never one by name: a request naming a topic makes brokers that cannot honour
    /// `allow.auto.create.topics=false` (librdkafka's mock cluster among them) create it.
    func metadata(timeoutMilliseconds: Int32) throws(LogError) -> [TopicMetadata] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw LogError.kafka(code, "reading the cluster's metadata")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var topics: [TopicMetadata] = []
        let count = Int(metadata.pointee.topic_cnt)
        guard count > 0, let entries = metadata.pointee.topics else { return [] }
        for index in 0..<count {
            let entry = entries[index]
            guard let name = entry.topic.map({ String(cString: $0) }) else { continue }
            var partitions: [Int32] = []
            if let list = entry.partitions {
                for partition in 0..<Int(max(0, entry.partition_cnt)) { partitions.append(list[partition].id) }
            }
            topics.append(TopicMetadata(name: name, error: entry.err, partitions: partitions.sorted()))
        }
        return topics
    }

    /// The ids of the cluster's brokers and of its controller (-1 when none is known).
    func brokers(timeoutMilliseconds: Int32) throws(LogError) -> (brokers: Set<Int32>, controller: Int32) {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw LogError.kafka(code, "reading the cluster's brokers") }
        defer { rd_kafka_metadata_destroy(metadata) }
        var brokers: Set<Int32> = []
        if let list = metadata.pointee.brokers {
            for index in 0..<Int(max(0, metadata.pointee.broker_cnt)) { brokers.insert(list[index].id) }
        }
        return (brokers, rd_kafka_controllerid(handle, timeoutMilliseconds))
    }

    /// The partitions of a topic that exists, or nil when it does not.
    func partitions(of topic: String, timeoutMilliseconds: Int32) throws(LogError) -> [Int32]? {
        let found = try metadata(timeoutMilliseconds: timeoutMilliseconds).first { $0.name == topic }
        guard let found else { return nil }
        switch found.error {
        case RD_KAFKA_RESP_ERR_NO_ERROR: return found.partitions.isEmpty ? nil : found.partitions
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC: return nil
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE where !found.partitions.isEmpty: return found.partitions
        default: throw LogError.kafka(found.error, "reading the metadata of topic '\(topic)'")
        }
    }

    /// A partition's first kept offset and end offset, asked of its leader.
    func watermarks(_ partition: TopicPartition, timeoutMilliseconds: Int32) throws(LogError) -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let code = rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low, &high, timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw LogError.kafka(code, "reading the offsets of \(partition)") }
        return (low, high)
    }

    /// The group's committed next offsets (the client's `group.id`), only for partitions it committed on.
    func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32) throws(LogError) -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        return try withPartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }) { list throws(LogError) in
            let code = rd_kafka_committed(handle, list, timeoutMilliseconds)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw LogError.kafka(code, "reading the group's committed offsets") }
            var result: [TopicPartition: Int64] = [:]
            for entry in partitionEntries(list) where entry.error == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 {
                result[entry.partition] = entry.offset
            }
            return result
        }
    }

    /// Per partition, the first offset whose record was appended at or after `milliseconds`, or -1 when the
    /// broker found none (or cannot look records up by time: librdkafka's mock cluster answers -1).
    func offsetsForTime(_ partitions: [TopicPartition], milliseconds: Int64, timeoutMilliseconds: Int32) throws(LogError) -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        return try withPartitionList(partitions.map { ($0, milliseconds) }) { list throws(LogError) in
            let code = rd_kafka_offsets_for_times(handle, list, timeoutMilliseconds)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw LogError.kafka(code, "looking up offsets by time") }
            var result: [TopicPartition: Int64] = [:]
            for entry in partitionEntries(list) {
                guard entry.error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw LogError.kafka(entry.error, "looking up \(entry.partition) by time") }
                result[entry.partition] = entry.offset
            }
            return result
        }
    }
}

/// Runs `body` with a librdkafka partition list holding `entries` (partition, offset), destroyed after.
func withPartitionList<T>(_ entries: [(TopicPartition, Int64)],
                          _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(LogError) -> T) throws(LogError) -> T {
    guard let list = rd_kafka_topic_partition_list_new(Int32(clamping: max(1, entries.count))) else {
        throw LogError(.backend, "librdkafka could not allocate a partition list")
    }
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for (partition, offset) in entries {
        guard let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition) else {
            throw LogError(.backend, "librdkafka could not add \(partition) to a partition list")
        }
        element.pointee.offset = offset
    }
    return try body(list)
}

/// One element of a librdkafka partition list.
struct PartitionEntry {
    var partition: TopicPartition
    var offset: Int64
    var error: rd_kafka_resp_err_t
}

/// The elements of a librdkafka partition list, copied out.
func partitionEntries(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [PartitionEntry] {
    guard let list, let elements = list.pointee.elems else { return [] }
    var entries: [PartitionEntry] = []
    entries.reserveCapacity(Int(list.pointee.cnt))
    for index in 0..<Int(max(0, list.pointee.cnt)) {
        let element = elements[index]
        guard let topic = element.topic.map({ String(cString: $0) }) else { continue }
        entries.append(PartitionEntry(partition: TopicPartition(topic: topic, partition: element.partition),
                                      offset: element.offset, error: element.err))
    }
    return entries
}

extension ConsumerRecord {
    /// Copies a message librdkafka handed to this process (its topic name given, since callers cache it).
    init(message: UnsafePointer<rd_kafka_message_t>, topic: String) {
        let pointee = message.pointee
        var key: [UInt8] = []
        if let pointer = pointee.key, pointee.key_len > 0 {
            key = Array(UnsafeRawBufferPointer(start: pointer, count: pointee.key_len))
        }
        var value: [UInt8] = []
        if let pointer = pointee.payload, pointee.len > 0 {
            value = Array(UnsafeRawBufferPointer(start: pointer, count: pointee.len))
        }
        var headers: [LogHeader] = []
        var headerList: OpaquePointer?
        if rd_kafka_message_headers(message, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            let count = rd_kafka_header_cnt(headerList)
            headers.reserveCapacity(count)
            for index in 0..<count {
                var name: UnsafePointer<CChar>?
                var bytes: UnsafeRawPointer?
                var size = 0
                guard rd_kafka_header_get_all(headerList, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR,
                      let name else { continue }
                let headerValue = bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append(LogHeader(name: String(cString: name), value: headerValue))
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        self.init(topic: topic, partition: pointee.partition, offset: pointee.offset, key: key, headers: headers,
                  value: value, timestamp: timestamp)
    }
}
