import EventLog

/// The topics the connector writes and reads (DESIGN.md, "The log"). A prefix lets several DFSPs share
/// one Kafka cluster.
public struct ConnectorTopics: Sendable, Hashable {
    /// Every FSPIOP request and callback received from the hub, as received, with the check results.
    public var fspiopInbound: String
    /// Every outbound-API request from the core, every backend answer, timers and effect failures.
    public var coreInbound: String
    /// Domain events of the transfer, party-lookup and request-to-pay aggregates.
    public var transfers: String
    /// Every FSPIOP message sent to the hub and every backend notification, with its outcome.
    public var fspiopOutbound: String
    /// Facts that could not be processed, with the reason.
    public var deadLetter: String
    /// The processor's recovery checkpoints: from when to fold the log again after a restart.
    public var checkpoints: String
    /// Facts of the core the processor refused (a duplicate request, a decision not awaited), with the error
    /// the caller gets: how an edge in another process learns of a refusal.
    public var refusals: String
    /// One partition, never written: the processor that holds it through its consumer group leads (``Processor``).
    public var leader: String
    /// Partitions of each topic when the connector creates it.
    public var partitions: Int32

    public init(prefix: String = "", partitions: Int32 = 4) {
        fspiopInbound = prefix + "pm.fspiop.inbound"
        coreInbound = prefix + "pm.core.inbound"
        transfers = prefix + "pm.transfers"
        fspiopOutbound = prefix + "pm.fspiop.outbound"
        deadLetter = prefix + "pm.dead-letter"
        checkpoints = prefix + "pm.checkpoints"
        refusals = prefix + "pm.refusals"
        leader = prefix + "pm.processor.leader"
        self.partitions = partitions
    }

    /// The topics to create at start-up.
    public var specs: [TopicSpec] {
        [fspiopInbound, coreInbound, transfers, fspiopOutbound, deadLetter, refusals].map { TopicSpec(name: $0, partitions: partitions) }
            // Only the latest checkpoint is read: a day of them is plenty.
            + [TopicSpec(name: checkpoints, partitions: 1, retentionMilliseconds: 86_400_000),
               TopicSpec(name: leader, partitions: 1, retentionMilliseconds: 86_400_000)]
    }

    /// The topics the processor consumes facts from.
    public var factTopics: [String] { [fspiopInbound, coreInbound] }
}
