/// One header of a log record: a name and raw bytes (Kafka record headers; columns in the SQLite log).
public struct LogHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(name: String, text: String) {
        self.init(name: name, value: Array(text.utf8))
    }

    /// The value as UTF-8 text, when it is.
    public var text: String? { String(validating: value, as: UTF8.self) }
}

/// A record to append: the topic, the key that chooses its partition (and so its order), headers and value.
public struct ProducerRecord: Sendable, Hashable {
    public var topic: String
    public var key: [UInt8]
    public var headers: [LogHeader]
    public var value: [UInt8]

    public init(topic: String, key: [UInt8], headers: [LogHeader] = [], value: [UInt8]) {
        self.topic = topic
        self.key = key
        self.headers = headers
        self.value = value
    }

    public init(topic: String, key: String, headers: [LogHeader] = [], value: [UInt8]) {
        self.init(topic: topic, key: Array(key.utf8), headers: headers, value: value)
    }
}

/// Where a record is in the log: topic, partition, offset (offsets start at 0 and have no gaps in the
/// SQLite log; in Kafka they only increase).
public struct RecordPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public static func < (lhs: RecordPosition, rhs: RecordPosition) -> Bool {
        (lhs.topic, lhs.partition, lhs.offset) < (rhs.topic, rhs.partition, rhs.offset)
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// A topic and partition, the unit of ordering and of assignment to consumers.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A record read from the log.
public struct ConsumerRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]
    public var headers: [LogHeader]
    public var value: [UInt8]
    /// When the record was appended, in milliseconds since the Unix epoch.
    public var timestamp: Int64

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8], headers: [LogHeader], value: [UInt8], timestamp: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.headers = headers
        self.value = value
        self.timestamp = timestamp
    }

    public var position: RecordPosition { RecordPosition(topic: topic, partition: partition, offset: offset) }
    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// The first header with this name.
    public func header(_ name: String) -> LogHeader? { headers.first { $0.name == name } }
}
