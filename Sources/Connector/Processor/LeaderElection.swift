import EventLog
import Logging
import ServiceLifecycle

/// Which of several processor processes consumes the facts: the one whose consumer group holds the one partition of
/// the leader topic (the `cooperative-sticky` assignor keeps it with its holder while others join). The others stand
/// by and take over when the leader leaves or its session expires.
struct LeaderElection: Sendable {
    let log: any EventLog
    let group: String
    let topic: String
    let metrics: HTTPMetrics
    let logger: Logger

    /// Stands by until this process holds the leadership, runs `term` with the lock (which returns when the leadership
    /// is lost or the service shuts down), and stands by again, until graceful shutdown. `standingBy` is called once the
    /// election has started: a standby is ready too.
    func run(standingBy: () -> Void, term: (LogConsumer) async throws -> Void) async throws {
        let lock = try await log.consumer(Subscription(group: group + ".leader", topics: [topic], startAt: .latest, keepsAssignments: true))
        metrics.gauge("pm_processor_leader", 0)
        standingBy()
        do {
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                guard await lock.assignment().isEmpty else {
                    logger.info("processor leads its group", metadata: ["group": "\(group)"])
                    metrics.gauge("pm_processor_leader", 1)
                    try await term(lock)
                    metrics.gauge("pm_processor_leader", 0)
                    continue
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        } catch {
            await lock.close()
            throw error
        }
        await lock.close()
    }
}
