import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `pm bench e2e --chaos`: transfers through two `pm serve` processes that are killed with SIGKILL and
/// started again at random moments; then every transfer is reconciled between payer, hub and payee.
public enum ChaosBenchmark {
    public struct Result: Sendable {
        public var transfers: Int
        public var kills: Int
        public var seconds: Double
        public var reconciliation: ProcessTopology.Reconciliation
        /// Peak resident memory of the payer's and the payee's `pm serve` (of their last start).
        public var payerPeakMemoryMiB: Double?
        public var payeePeakMemoryMiB: Double?
        /// Without kills: what each `pm serve` spent during the run (CPU seconds, JWS signatures and verifications).
        public var payerCost: ProcessCost?
        public var payeeCost: ProcessCost?
        /// Every transfer reached one terminal state, the three parties agree, and the books add up.
        public var consistent: Bool { reconciliation.disagreements.isEmpty && reconciliation.booksAddUp }
    }

    /// With `kills` false, nothing is killed: the run then measures the two `pm serve` processes alone.
    public static func run(transfers: Int, concurrency: Int, executable: URL, directory: String, kills killing: Bool = true,
                           retentionSeconds: Int = 300, logger: Logger) async throws -> Result {
        var options = ProcessTopology.Options(directory: directory, executable: executable)
        options.finishedRetentionSeconds = retentionSeconds
        // The connector alone: the read side (projections, portal) would run in another process on Kafka.
        options.environment["PM_ROLES"] = "edge,processor"
        // The processes are killed every 0.5-2 s: checkpoints every 250 ms, so that restarts start from one.
        if killing { options.checkpointIntervalMilliseconds = 250 }
        let topology = try ProcessTopology(options: options, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: topology.services.map { .init(service: $0) }, logger: logger))
        defer {
            topology.payer.stop()
            topology.payee.stop()
        }
        var result: Result?
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await topology.startServers()
                let payerBefore = await ProcessCost.measure(topology.payer), payeeBefore = await ProcessCost.measure(topology.payee)
                let started = ContinuousClock.now
                let done = Flag()
                let answers = Answers()
                let list = (0..<transfers).map { (homeTransactionId: "chaos-\($0)-\(UUID().uuidString.prefix(8))", amount: String($0 % 50 + 1)) }
                var kills = 0
                try await withThrowingTaskGroup(of: Int.self) { work in
                    work.addTask {
                        await withTaskGroup(of: Void.self) { senders in
                            for (index, transfer) in list.enumerated() {
                                if index >= concurrency { await senders.next() }
                                senders.addTask {
                                    if let answer = await topology.postTransfer(homeTransactionId: transfer.homeTransactionId,
                                                                                payee: index % topology.options.payees, amount: transfer.amount) {
                                        answers.byHome.withLock { $0[transfer.homeTransactionId] = answer }
                                    }
                                }
                            }
                        }
                        done.value.store(true, ordering: .relaxed)
                        return 0
                    }
                    work.addTask {
                        var kills = 0
                        while killing, !done.value.load(ordering: .relaxed) {
                            try await Task.sleep(for: .milliseconds(Int.random(in: 500...2000)))
                            if done.value.load(ordering: .relaxed) { break }
                            let victim = Bool.random() ? topology.payer : topology.payee
                            victim.kill()
                            kills += 1
                            try victim.start()
                            try await victim.ready()
                        }
                        return kills
                    }
                    for try await count in work { kills += count }
                }
                let elapsed = ContinuousClock.now - started
                let payerAfter = await ProcessCost.measure(topology.payer), payeeAfter = await ProcessCost.measure(topology.payee)
                let reconciliation = try await topology.reconcile(list, answers: answers.byHome.withLock { $0 })
                result = Result(transfers: transfers, kills: kills,
                                seconds: Measure.seconds(elapsed),
                                reconciliation: reconciliation, payerPeakMemoryMiB: topology.payer.peakMemoryMiB(),
                                payeePeakMemoryMiB: topology.payee.peakMemoryMiB(),
                                // Counters start again with a killed process: costs mean something only without kills.
                                payerCost: killing ? nil : payerAfter?.minus(payerBefore), payeeCost: killing ? nil : payeeAfter?.minus(payeeBefore))
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        guard let result else { throw TopologyError("the chaos run did not run") }
        return result
    }
}

/// What a `pm serve` process spent: CPU seconds, and the JWS signatures and verifications it made.
public struct ProcessCost: Sendable {
    public var cpuSeconds: Double
    public var signatures: Double
    public var verifications: Double

    static func measure(_ server: ProcessTopology.Server) async -> ProcessCost? {
        guard let cpu = server.cpuSeconds(), let signatures = await server.metricTotal("pm_jws_signatures_total"),
              let verifications = await server.metricTotal("pm_jws_verifications_total") else { return nil }
        return ProcessCost(cpuSeconds: cpu, signatures: signatures, verifications: verifications)
    }

    func minus(_ earlier: ProcessCost?) -> ProcessCost? {
        earlier.map { ProcessCost(cpuSeconds: cpuSeconds - $0.cpuSeconds, signatures: signatures - $0.signatures,
                                  verifications: verifications - $0.verifications) }
    }
}

/// A flag shared by concurrent tasks.
final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}

/// The answers to the transfers sent, by home transaction id.
final class Answers: Sendable {
    let byHome = Mutex<[String: ProcessTopology.Answer]>([:])
}
