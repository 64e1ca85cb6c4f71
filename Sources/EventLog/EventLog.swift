/// A partitioned, ordered, durable log of records: the one interface of the embedded SQLite log and of
/// Kafka, with the same semantics (one contract test suite runs against both).
///
/// Semantics every backend keeps:
/// - Records with the same key go to the same partition (``Partitioner/partition(for:partitions:)``,
///   Kafka's murmur2) and are read back in the order they were appended.
/// - ``append(_:)`` returns only once every record is durable (SQLite: committed to the WAL; Kafka:
///   acknowledged by all in-sync replicas), with each record's position, in the order given. An
///   append that throws may have stored some records (Kafka) but acknowledges none.
/// - A consumer group shares the partitions of its topics among its members; each partition has one
///   member at a time. A member reads its partitions from the group's committed offsets (or from the
///   start when there are none) and commits after processing, so a record is processed again only if
///   its member stopped before committing it, never by two members at once.
public protocol EventLog: Sendable {
    /// Creates the topic if it does not exist; an existing topic keeps its partition count.
    func ensureTopic(_ spec: TopicSpec) async throws(LogError)

    /// Appends records and returns their positions once they are durable, in the order given.
    func append(_ records: [ProducerRecord]) async throws(LogError) -> [RecordPosition]

    /// Joins a consumer group on a set of topics. Iterate the consumer to receive records; commit after
    /// processing; close it to leave the group.
    func consumer(_ subscription: Subscription) async throws(LogError) -> LogConsumer

    /// Reads records of one topic from an offset or a time, for replay and tools; does not join a group.
    func read(_ request: ReadRequest) async throws(LogError) -> [ConsumerRecord]

    /// The topics with their partitions' first and end offsets.
    func describeTopics() async throws(LogError) -> [TopicDescription]

    /// A group's committed offsets and lag on every partition of the topics it has committed on.
    func groupLag(_ group: String) async throws(LogError) -> [PartitionLag]

    /// Flushes what is pending and releases the backend. Appends after shutdown throw ``LogError/Code/closed``.
    func shutdown() async
}

/// A topic to create.
public struct TopicSpec: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    /// Records older than this are deleted (nil: kept by age forever).
    public var retentionMilliseconds: Int64?
    /// Per partition: the oldest records are deleted beyond this many bytes of values (nil: no limit).
    public var retentionBytes: Int64?

    public init(name: String, partitions: Int32, retentionMilliseconds: Int64? = nil, retentionBytes: Int64? = nil) {
        self.name = name
        self.partitions = partitions
        self.retentionMilliseconds = retentionMilliseconds
        self.retentionBytes = retentionBytes
    }
}

/// Membership of a consumer group.
public struct Subscription: Sendable, Hashable {
    public var group: String
    public var topics: [String]
    /// Where to start on a partition the group has never committed on.
    public var startAt: StartPosition

    public enum StartPosition: Sendable, Hashable {
        case earliest
        case latest
    }

    /// Members keep the partitions they hold when others join or leave (on Kafka the `cooperative-sticky`
    /// assignor, instead of every partition being revoked and assigned again).
    public var keepsAssignments = false

    public init(group: String, topics: [String], startAt: StartPosition = .earliest, keepsAssignments: Bool = false) {
        self.group = group
        self.topics = topics
        self.startAt = startAt
        self.keepsAssignments = keepsAssignments
    }
}

/// Which records ``EventLog/read(_:)`` returns.
public struct ReadRequest: Sendable, Hashable {
    public enum Start: Sendable, Hashable {
        case beginning
        case offset(Int64)
        /// The first record appended at or after this time (milliseconds since the Unix epoch).
        case time(Int64)
    }

    public var topic: String
    /// One partition, or nil for all (records then come partition by partition).
    public var partition: Int32?
    public var start: Start
    public var limit: Int

    public init(topic: String, partition: Int32? = nil, start: Start = .beginning, limit: Int = 1000) {
        self.topic = topic
        self.partition = partition
        self.start = start
        self.limit = limit
    }
}

/// A topic and its partitions.
public struct TopicDescription: Sendable, Hashable {
    public var name: String
    public var partitions: [PartitionDescription]

    public init(name: String, partitions: [PartitionDescription]) {
        self.name = name
        self.partitions = partitions
    }
}

/// A partition's offsets: the first still kept, and the end (the offset the next record will get).
public struct PartitionDescription: Sendable, Hashable {
    public var partition: Int32
    public var startOffset: Int64
    public var endOffset: Int64

    public init(partition: Int32, startOffset: Int64, endOffset: Int64) {
        self.partition = partition
        self.startOffset = startOffset
        self.endOffset = endOffset
    }
}

/// How far a group is behind on one partition.
public struct PartitionLag: Sendable, Hashable {
    public var group: String
    public var topic: String
    public var partition: Int32
    /// The next offset the group will read (nil when it never committed on this partition).
    public var committedOffset: Int64?
    public var endOffset: Int64
    public var lag: Int64 { max(0, endOffset - (committedOffset ?? 0)) }

    public init(group: String, topic: String, partition: Int32, committedOffset: Int64?, endOffset: Int64) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.committedOffset = committedOffset
        self.endOffset = endOffset
    }
}
