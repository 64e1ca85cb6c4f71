import Foundation
import Logging
import PaymentManager
import ServiceLifecycle
import Synchronization
import Testing

/// The requests that were answered, shared by concurrent tasks.
final class Acknowledged: Sendable {
    let ids = Mutex<Set<String>>([])
}

/// A counter shared by concurrent tasks.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

@Suite("Crash recovery: pm serve killed with SIGKILL in the middle of a batch of transfers")
struct CrashRecoveryTests {
    @Test("killing the payee and then the payer mid-batch loses no acknowledged transfer; every one ends in one state agreed by payer, hub and payee")
    func killAndRestart() async throws {
        let scratch = try Scratch()
        var logger = Logger(label: "crash-test")
        logger.logLevel = .critical
        var options = ProcessTopology.Options(directory: scratch.url.path, executable: try PMProcess.executable)
        // Checkpoints every 200 ms, so that the restarts fold the log from one rather than from the start.
        options.checkpointIntervalMilliseconds = 200
        let topology = try ProcessTopology(options: options, logger: logger)
        defer {
            topology.payer.stop()
            topology.payee.stop()
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: topology.services.map { .init(service: $0) }, logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await topology.startServers()

            // A batch of transfers, 16 at a time; their answers are not needed: the state is asked for afterwards.
            let transfers = (0..<60).map { (homeTransactionId: "crash-\($0)", amount: String($0 + 1)) }
            let acknowledged = Acknowledged()
            let answered = Counter()
            try await withThrowingTaskGroup(of: Void.self) { senders in
                senders.addTask {
                    await withTaskGroup(of: Void.self) { batch in
                        for (index, transfer) in transfers.enumerated() {
                            if index >= 16 { await batch.next() }
                            batch.addTask {
                                let answer = await topology.postTransfer(homeTransactionId: transfer.homeTransactionId,
                                                                         payee: index % topology.options.payees, amount: transfer.amount)
                                if answer != nil { acknowledged.ids.withLock { _ = $0.insert(transfer.homeTransactionId) } }
                                answered.value.add(1, ordering: .relaxed)
                            }
                        }
                    }
                }
                // Mid-batch: kill the payee and bring it back; then the payer.
                try await ProcessTopology.await("some transfers to commit", timeout: .seconds(60)) {
                    topology.hub.participantStates().first { $0.fspId == "payerfsp" }.map { $0.position != "0" } ?? false
                }
                topology.payee.kill()
                try topology.payee.start()
                try await topology.payee.ready()
                try await ProcessTopology.await("more transfers to be answered", timeout: .seconds(60)) { answered.value.load(ordering: .relaxed) >= 20 }
                topology.payer.kill()
                try topology.payer.start()
                try await topology.payer.ready()
                try await senders.waitForAll()
            }

            let result = try await topology.reconcile(transfers)
            #expect(result.disagreements.isEmpty, "\(result.disagreements)")
            #expect(result.booksAddUp, "the hub committed \(result.committedUnits), the payee's core holds \(result.creditedUnits)")
            #expect(result.completed > 0)
            // Every request the payer answered was recorded before the answer: none is unknown to it.
            for home in acknowledged.ids.withLock({ $0 }) {
                #expect(try await topology.payerState(homeTransactionId: home) != nil, "\(home) was answered but is not recorded")
            }
            #expect(result.completed + result.failed + result.unrecorded == transfers.count)
            #expect(topology.payer.stop(), "the payer's pm serve stops within its grace on SIGTERM")
            #expect(topology.payee.stop(), "the payee's pm serve stops within its grace on SIGTERM")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
