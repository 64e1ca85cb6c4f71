import Connector
import EventLog
import FSPIOP
import Foundation
import Logging
import ServiceLifecycle
import Simulators
#if canImport(Glibc)
import Glibc
#endif

/// `pm bench e2e`: the demo's topology in one process (hub simulator, payer and payee Payment Managers,
/// core simulators, the traffic driver), N transfers at a concurrency, and what they cost. The crypto
/// bound is what this machine would reach doing nothing but the RSA signatures and verifications the
/// run needed, at OpenSSL's own speed measured in the same run, on every core.
public enum EndToEndBenchmark {
    public struct Options: Sendable {
        public var transfers: Int
        public var concurrency: Int
        public var warmup: Int
        public var mutualTLS: Bool
        public var jws: Bool
        public var directory: String
        public var durability: SQLiteLogConfiguration.Durability = .full
        public var finishedRetentionSeconds = 300
        /// How many finished transfers the hub and core simulators keep.
        public var simulatorKeepFinished = 10_000
        /// How many times during the measured transfers the process's resident memory is sampled.
        public var memorySamples = 10
        /// Whether both DFSPs keep their projections during the run (their lag is then sampled).
        public var readSide = false

        public init(transfers: Int, concurrency: Int, warmup: Int = 200, mutualTLS: Bool = true, jws: Bool = true, directory: String) {
            self.transfers = transfers
            self.concurrency = concurrency
            self.warmup = warmup
            self.mutualTLS = mutualTLS
            self.jws = jws
            self.directory = directory
        }
    }

    public struct Result: Sendable {
        public var completed: Int
        public var failed: Int
        public var seconds: Double
        public var transfersPerSecond: Double
        public var p50Ms: Double
        public var p95Ms: Double
        public var p99Ms: Double
        /// CPU time of the whole process (every component) per completed transfer.
        public var cpuMillisecondsPerTransfer: Double
        /// The same, less the time OpenSSL alone needs for the run's signatures and verifications.
        public var cpuMillisecondsPerTransferBeyondCrypto: Double
        public var peakMemoryMiB: Double
        public var signaturesPerTransfer: Double
        public var verificationsPerTransfer: Double
        public var openSSLSignPerSecond: Double
        public var openSSLVerifyPerSecond: Double
        public var cores: Int
        public var cryptoBoundTransfersPerSecond: Double
        public var cryptoBoundRatio: Double
        public var failures: [String: Int]
        /// Transfers held in memory by the payer's and the payee's processor at the end (ended ones are
        /// evicted after the retention).
        public var transfersInMemory: Int = 0
        /// The process's resident memory (MiB) after so many measured transfers, at evenly spaced points of the run.
        public var residentMemory: [(transfers: Int, mebibytes: Double)] = []
        /// With the read side: the largest lag of any projection of either DFSP sampled every 250 ms during the run
        /// (records not applied yet), and the lag when the last transfer was answered.
        public var projectionLagMaximum: Int64?
        public var projectionLagAtEnd: Int64?
    }

    /// The largest lag of the payer's and the payee's projections (0 without a read side).
    static func projectionLag(_ topology: Topology) async -> Int64 {
        var largest: Int64 = 0
        for side in [topology.payerReadSide, topology.payeeReadSide].compactMap({ $0 }) {
            if let lag = try? await side.projections.lag() { largest = max(largest, lag.values.max() ?? 0) }
        }
        return largest
    }

    public static func run(_ options: Options, logger: Logger) async throws -> Result {
        var topologyOptions = Topology.Options(directory: options.directory)
        topologyOptions.mutualTLS = options.mutualTLS
        topologyOptions.jws = options.jws
        topologyOptions.durability = options.durability
        topologyOptions.finishedRetentionSeconds = options.finishedRetentionSeconds
        topologyOptions.readSide = options.readSide
        // The simulators forget finished transfers beyond `simulatorKeepFinished` (10,000) so that the process's memory follows
        // the traffic, not the run's length (the results come from the driver, not from the hub).
        topologyOptions.simulatorKeepFinished = options.simulatorKeepFinished
        topologyOptions.accounts = max(10, options.concurrency * 2)
        topologyOptions.openingBalance = String(options.transfers + options.warmup + 1000)
        let topology = try await Topology(options: topologyOptions, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: topology.services.map { .init(service: $0) }, logger: logger))
        var result: Result?
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await topology.ready()
                if options.warmup > 0 {
                    await TransferDriver(topology: topology, options: .init(transfers: options.warmup, concurrency: options.concurrency, businessFailures: false)).run()
                }
                let signsBefore = topology.payer.metrics.total("pm_jws_signatures_total") + topology.payee.metrics.total("pm_jws_signatures_total")
                let verifiesBefore = topology.payer.metrics.total("pm_jws_verifications_total") + topology.payee.metrics.total("pm_jws_verifications_total")
                let cpuBefore = cpuSeconds()
                let started = ContinuousClock.now
                let driver = TransferDriver(topology: topology, options: .init(transfers: options.transfers, concurrency: options.concurrency, businessFailures: false))
                let sampler = Task { await sampleMemory(of: driver, transfers: options.transfers, samples: options.memorySamples) }
                let lagSampler = Task { () -> Int64 in
                    var largest: Int64 = 0
                    while !Task.isCancelled {
                        largest = max(largest, await projectionLag(topology))
                        try? await Task.sleep(for: .milliseconds(250))
                    }
                    return largest
                }
                await driver.run()
                lagSampler.cancel()
                let lagMaximum = await lagSampler.value
                let lagAtEnd = await projectionLag(topology)
                let elapsed = ContinuousClock.now - started
                sampler.cancel()
                var residentMemory = await sampler.value
                if let last = residentMemory.last, last.transfers < driver.answered, let now = residentMebibytes() {
                    residentMemory.append((driver.answered, now))
                }
                let cpu = cpuSeconds() - cpuBefore
                let signs = topology.payer.metrics.total("pm_jws_signatures_total") + topology.payee.metrics.total("pm_jws_signatures_total") - signsBefore
                let verifies = topology.payer.metrics.total("pm_jws_verifications_total") + topology.payee.metrics.total("pm_jws_verifications_total") - verifiesBefore
                let tally = driver.snapshot
                let seconds = Measure.seconds(elapsed)
                let latencies = tally.latencies.sorted()
                func percentile(_ p: Double) -> Double { Measure.percentile(latencies, p) }
                let completed = max(tally.completed, 1)
                result = Result(
                    completed: tally.completed, failed: tally.failed, seconds: seconds,
                    transfersPerSecond: Double(tally.completed) / seconds,
                    p50Ms: percentile(0.50), p95Ms: percentile(0.95), p99Ms: percentile(0.99),
                    cpuMillisecondsPerTransfer: cpu * 1000 / Double(completed), cpuMillisecondsPerTransferBeyondCrypto: 0,
                    peakMemoryMiB: peakMemoryMiB(),
                    signaturesPerTransfer: signs / Double(completed), verificationsPerTransfer: verifies / Double(completed),
                    openSSLSignPerSecond: 0, openSSLVerifyPerSecond: 0, cores: ProcessInfo.processInfo.activeProcessorCount,
                    cryptoBoundTransfersPerSecond: 0, cryptoBoundRatio: 0, failures: tally.failures,
                    transfersInMemory: Int(topology.payer.metrics.gaugeValue("pm_processor_transfers_in_memory")
                                           + topology.payee.metrics.gaugeValue("pm_processor_transfers_in_memory")),
                    residentMemory: residentMemory)
                if options.readSide {
                    result?.projectionLagMaximum = max(lagMaximum, lagAtEnd)
                    result?.projectionLagAtEnd = lagAtEnd
                }
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                await topology.close()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await topology.close()
        guard var result else { throw TopologyError("the benchmark did not run") }
        // OpenSSL's own speed for the same operations, on a quiet machine (after the run).
        (result.openSSLSignPerSecond, result.openSSLVerifyPerSecond) = try openSSLRates()
        let cryptoSecondsPerTransfer = result.signaturesPerTransfer / result.openSSLSignPerSecond
            + result.verificationsPerTransfer / result.openSSLVerifyPerSecond
        result.cpuMillisecondsPerTransferBeyondCrypto = result.cpuMillisecondsPerTransfer - cryptoSecondsPerTransfer * 1000
        result.cryptoBoundTransfersPerSecond = cryptoSecondsPerTransfer > 0 ? Double(result.cores) / cryptoSecondsPerTransfer : 0
        result.cryptoBoundRatio = result.cryptoBoundTransfersPerSecond > 0 ? result.transfersPerSecond / result.cryptoBoundTransfersPerSecond : 0
        return result
    }

    /// RSA-2048 signatures and verifications per second of OpenSSL alone (`RS256` over a short message), on one core.
    public static func openSSLRates() throws -> (sign: Double, verify: Double) {
        let baseline = try OpenSSLBaseline(key: try SigningKey.generateRSA(bits: 2048))
        return (try CryptoBenchmark.rate(seconds: 1, baseline.signer()), try CryptoBenchmark.rate(seconds: 1, baseline.verifier()))
    }

    /// Samples the resident memory each time the driver has answered another `transfers / samples` transfers.
    static func sampleMemory(of driver: TransferDriver, transfers: Int, samples: Int) async -> [(transfers: Int, mebibytes: Double)] {
        guard samples > 0 else { return [] }
        let step = max(1, transfers / samples)
        var next = step
        var taken: [(transfers: Int, mebibytes: Double)] = []
        while !Task.isCancelled {
            let answered = driver.answered
            if answered >= next, let resident = residentMebibytes() {
                taken.append((answered, resident))
                next = (answered / step + 1) * step
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return taken
    }

    /// The process's resident memory now (`VmRSS`), in MiB; nil where /proc is not available.
    static func residentMebibytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kilobytes / 1024
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func peakMemoryMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
