import Connector
import Foundation
import Logging
import PaymentDomain
import Simulators
import Synchronization

/// `pm bench overload`: the demo's topology in one process, first driven at a fixed concurrency to measure the rate it
/// sustains, then offered `factor` times that rate, open loop (a new transfer is sent on schedule whether or not the
/// earlier ones were answered), for a while. It reports what the payer's connector accepted and refused, the latency of
/// what it accepted, and the process's peak memory; then it checks that nothing accepted was lost: every accepted
/// transfer ended in one state that the payer and the hub agree on, nothing refused was recorded, and the books add up.
public enum OverloadBenchmark {
    public struct Options: Sendable {
        public var seconds: Int
        public var factor: Double
        /// Transfers of the calibration run, at ``calibrationConcurrency``.
        public var calibrationTransfers: Int
        public var calibrationConcurrency: Int
        public var directory: String
        public var admissionLimits = AdmissionLimits()

        public init(seconds: Int = 60, factor: Double = 3, calibrationTransfers: Int = 1500, calibrationConcurrency: Int = 32, directory: String) {
            self.seconds = seconds
            self.factor = factor
            self.calibrationTransfers = calibrationTransfers
            self.calibrationConcurrency = calibrationConcurrency
            self.directory = directory
        }
    }

    public struct Result: Sendable {
        /// Completed transfers per second at the calibration's concurrency: the rate taken as sustainable.
        public var sustainablePerSecond: Double
        public var offeredPerSecond: Double
        public var offered: Int
        /// Answered other than with the overload refusal (2003): completed, or failed for a reason of their own.
        public var accepted: Int
        public var acceptedPerSecond: Double
        public var completed: Int
        /// Refused at once with 503 / 2003.
        public var refused: Int
        public var refusedPerSecond: Double
        public var acceptedP50Ms: Double
        public var acceptedP99Ms: Double
        public var refusedP99Ms: Double
        public var peakMemoryMiB: Double
        public var memoryBeforeMiB: Double
        public var failures: [String: Int]
        /// Accepted transfers whose final state at the payer is not terminal, or that the hub saw otherwise.
        public var lost: Int
        /// Refused requests the payer recorded anyway.
        public var recordedRefusals: Int
        public var booksAddUp: Bool
        public var consistent: Bool { lost == 0 && recordedRefusals == 0 && booksAddUp }
    }

    /// The answers of the offered load, gathered by concurrent senders.
    final class Answers: Sendable {
        let all = Mutex<[Answer]>([])
    }

    /// One answer of the offered load.
    struct Answer: Sendable {
        var outcome: OutboundTransferOutcome
        var refused: Bool { outcome.httpStatus == 503 && outcome.errorCode == "2003" }
    }

    public static func run(_ options: Options, logger: Logger) async throws -> Result {
        var topologyOptions = Topology.Options(directory: options.directory)
        topologyOptions.admissionLimits = options.admissionLimits
        topologyOptions.simulatorKeepFinished = 200_000
        topologyOptions.accounts = 64
        topologyOptions.openingBalance = "100000000"
        topologyOptions.payerCoreConnections = 4096
        return try await Topology.run(topologyOptions, logger: logger) { topology in
            await TransferDriver(topology: topology, options: .init(transfers: 200, concurrency: options.calibrationConcurrency, businessFailures: false)).run()
            let calibration = TransferDriver(topology: topology, options: .init(transfers: options.calibrationTransfers,
                                                                                 concurrency: options.calibrationConcurrency, businessFailures: false))
            let calibrationStart = ContinuousClock.now
            await calibration.run()
            let sustainable = Double(calibration.snapshot.completed) / Measure.seconds(ContinuousClock.now - calibrationStart)
            let rate = sustainable * options.factor
            let memoryBefore = EndToEndBenchmark.residentMebibytes() ?? 0
            let answers = Answers()
            let started = ContinuousClock.now
            var offered = 0
            await withDiscardingTaskGroup { senders in
                let duration = Duration.seconds(options.seconds)
                while ContinuousClock.now - started < duration {
                    let due = Int(Measure.seconds(ContinuousClock.now - started) * rate)
                    while offered < due {
                        let index = offered
                        offered += 1
                        senders.addTask {
                            let accounts = topology.options.accounts
                            do {
                                let outcome = try await topology.payerCore.sendTransfer(
                                    from: topology.payerAccount(index % accounts), to: topology.payeeParty(index % accounts), amount: "1",
                                    currency: topology.options.currency, homeTransactionId: "overload-\(index)")
                                answers.all.withLock { $0.append(Answer(outcome: outcome)) }
                            } catch {
                                answers.all.withLock { $0.append(Answer(outcome: OutboundTransferOutcome(
                                    homeTransactionId: "overload-\(index)", transferId: nil, state: "NO_ANSWER", httpStatus: 0,
                                    errorCode: "\(error)", errorMessage: nil, latency: .zero))) }
                            }
                        }
                    }
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
            let elapsed = Measure.seconds(ContinuousClock.now - started)
            let all = answers.all.withLock { $0 }
            let accepted = all.filter { !$0.refused }
            let refused = all.filter(\.refused)
            func milliseconds(_ duration: Duration) -> Double { Measure.seconds(duration) * 1000 }
            let acceptedLatencies = accepted.filter { $0.outcome.isCompleted }.map { milliseconds($0.outcome.latency) }.sorted()
            let refusedLatencies = refused.map { milliseconds($0.outcome.latency) }.sorted()
            var failures: [String: Int] = [:]
            for answer in accepted where !answer.outcome.isCompleted { failures[answer.outcome.errorCode ?? answer.outcome.state, default: 0] += 1 }
            // Nothing accepted lost: every accepted transfer ended at the payer, as the hub saw it.
            try await waitForQuiet(topology)
            var lost = 0
            for answer in accepted {
                guard let transfer = topology.payer.board.transfer(homeTransactionId: answer.outcome.homeTransactionId) else {
                    // Refused by the processor before it had an aggregate (counted as a failure above), or never recorded.
                    if answer.outcome.httpStatus == 0 { lost += 1 }
                    continue
                }
                let hub = topology.hub.transfer(id: transfer.transferId)?.transferState
                let agrees = transfer.phase == .completed ? hub == "COMMITTED" : transfer.phase.isTerminal && hub != "COMMITTED"
                if !agrees { lost += 1 }
            }
            let recordedRefusals = refused.filter { topology.payer.board.transfer(homeTransactionId: $0.outcome.homeTransactionId) != nil }.count
            return Result(
                sustainablePerSecond: sustainable, offeredPerSecond: Double(offered) / elapsed, offered: offered,
                accepted: accepted.count, acceptedPerSecond: Double(accepted.count) / elapsed,
                completed: accepted.filter { $0.outcome.isCompleted }.count,
                refused: refused.count, refusedPerSecond: Double(refused.count) / elapsed,
                acceptedP50Ms: Measure.percentile(acceptedLatencies, 0.5), acceptedP99Ms: Measure.percentile(acceptedLatencies, 0.99),
                refusedP99Ms: Measure.percentile(refusedLatencies, 0.99),
                peakMemoryMiB: EndToEndBenchmark.peakMemoryMiB(), memoryBeforeMiB: memoryBefore, failures: failures,
                lost: lost, recordedRefusals: recordedRefusals, booksAddUp: topology.books().addUp)
        }
    }

    /// Waits until both processors have nothing left to process and no transfer of the payer is under way.
    static func waitForQuiet(_ topology: Topology) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let backlog = topology.payer.backlog.current + topology.payee.backlog.current
            if backlog == 0 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
