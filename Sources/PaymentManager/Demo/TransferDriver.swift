import Connector
import Foundation
import PaymentDomain
import Simulators
import Synchronization

/// Sends transfers from the payer's core simulator through the whole topology, `concurrency` at a time,
/// and counts what happened. Every tenth transfer (with `businessFailures`) goes to a party no DFSP owns,
/// so that the demo also shows failures for business reasons.
public final class TransferDriver: Sendable {
    public struct Options: Sendable {
        /// How many transfers; nil runs until stopped.
        public var transfers: Int?
        public var concurrency: Int
        public var amount: String
        public var businessFailures: Bool

        public init(transfers: Int?, concurrency: Int = 4, amount: String = "1", businessFailures: Bool = true) {
            self.transfers = transfers
            self.concurrency = max(1, concurrency)
            self.amount = amount
            self.businessFailures = businessFailures
        }
    }

    /// What the driver saw so far.
    public struct Tally: Sendable {
        public var completed = 0
        public var failed = 0
        /// Failures by the connector's `statusCode` (FSPIOP error code) or state.
        public var failures: [String: Int] = [:]
        /// Latencies of completed transfers, in milliseconds.
        public var latencies: [Double] = []
        public var sent: Int { completed + failed }
    }

    let topology: Topology
    let options: Options
    private let tally = Mutex(Tally())
    private let next = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    public init(topology: Topology, options: Options) {
        self.topology = topology
        self.options = options
    }

    public var snapshot: Tally { tally.withLock { $0 } }

    /// Transfers answered so far (without copying the latencies).
    public var answered: Int { tally.withLock { $0.sent } }

    /// Starts no more transfers: ``run()`` returns once those in flight are answered.
    public func stop() { stopped.store(true, ordering: .relaxed) }
    /// Whether ``stop()`` was called (Ctrl-C).
    public var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Sends the transfers; returns when all are answered, when ``stop()`` was called and those in flight are
    /// answered, or when the task is cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<options.concurrency {
                group.addTask {
                    while !Task.isCancelled, !self.stopped.load(ordering: .relaxed) {
                        let index = self.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        if let limit = self.options.transfers, index >= limit { return }
                        await self.send(index)
                    }
                }
            }
        }
    }

    func send(_ index: Int) async {
        let accounts = topology.options.accounts
        let failing = options.businessFailures && index % 10 == 9
        let payee = failing ? TransferParty(idType: "MSISDN", idValue: "27799999999") : topology.payeeParty(index % accounts)
        do {
            let outcome = try await topology.payerCore.sendTransfer(from: topology.payerAccount(index % accounts), to: payee,
                                                                    amount: options.amount, currency: topology.options.currency)
            let milliseconds = Double(outcome.latency.components.seconds) * 1000 + Double(outcome.latency.components.attoseconds) / 1e15
            tally.withLock { tally in
                if outcome.isCompleted {
                    tally.completed += 1
                    tally.latencies.append(milliseconds)
                } else {
                    tally.failed += 1
                    tally.failures[outcome.errorCode ?? outcome.state, default: 0] += 1
                }
            }
        } catch {
            tally.withLock { tally in
                tally.failed += 1
                tally.failures["\(error)", default: 0] += 1
            }
        }
    }
}
