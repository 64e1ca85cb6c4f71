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
        /// Every transfer reached one terminal state, the three parties agree, and the books add up.
        public var consistent: Bool { reconciliation.disagreements.isEmpty && reconciliation.booksAddUp }
    }

    public static func run(transfers: Int, concurrency: Int, executable: URL, directory: String, logger: Logger) async throws -> Result {
        let topology = try ProcessTopology(options: ProcessTopology.Options(directory: directory, executable: executable), logger: logger)
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
                let started = ContinuousClock.now
                let done = Flag()
                let list = (0..<transfers).map { (homeTransactionId: "chaos-\($0)-\(UUID().uuidString.prefix(8))", amount: String($0 % 50 + 1)) }
                var kills = 0
                try await withThrowingTaskGroup(of: Int.self) { work in
                    work.addTask {
                        await withTaskGroup(of: Void.self) { senders in
                            for (index, transfer) in list.enumerated() {
                                if index >= concurrency { await senders.next() }
                                senders.addTask {
                                    _ = await topology.postTransfer(homeTransactionId: transfer.homeTransactionId,
                                                                    payee: index % topology.options.payees, amount: transfer.amount)
                                }
                            }
                        }
                        done.value.store(true, ordering: .relaxed)
                        return 0
                    }
                    work.addTask {
                        var kills = 0
                        while !done.value.load(ordering: .relaxed) {
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
                let reconciliation = try await topology.reconcile(list)
                let elapsed = ContinuousClock.now - started
                result = Result(transfers: transfers, kills: kills,
                                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                                reconciliation: reconciliation)
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

/// A flag shared by concurrent tasks.
final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}
