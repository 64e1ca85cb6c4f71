import ArgumentParser
import Foundation
import Logging
import Connector
import Simulators
import FSPIOP
import PaymentManager
import EventLog

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks, each against a baseline measured in the same run (use a release build).",
        subcommands: [Crypto.self, Log.self, HTTP.self, EndToEnd.self, Overload.self, ReadSide.self, Portal.self]
    )

    struct Crypto: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whole FSPIOP signatures made and verified per second, against OpenSSL's bare operation.",
            discussion: """
                Measures on one core: a whole FSPIOP-Signature (canonical JSON, base64url, protected header, \
                SHA-256, RSA-2048 or P-256 signature, encoding) and a whole validation, against libcrypto's \
                EVP_PKEY_sign / EVP_PKEY_verify on a precomputed digest (what `openssl speed` measures).
                """
        )

        @Option(name: .long, help: "Seconds to run each measurement.")
        var seconds: Double = 2
        @Flag(name: .long, help: "Print one JSON object instead of a table.")
        var json = false

        func run() throws {
            let results = try CryptoBenchmark.run(seconds: seconds)
            if json {
                let rows: [JSONValue] = results.map { result in
                    .object([("operation", .string(result.operation)),
                             ("fspiopPerSecond", .number(String(Int(result.ours.rounded())))),
                             ("openSSLPerSecond", .number(String(Int(result.openSSL.rounded())))),
                             ("ratio", .number(String(format3(result.ratio))))])
                }
                printJSON(.object([("benchmark", .string("crypto")), ("secondsEach", .number(String(seconds))),
                                   ("results", .array(rows))]))
            } else {
                print("operation      FSPIOP/s   OpenSSL/s   ratio")
                for result in results {
                    print("\(result.operation.padding(12))  \(String(Int(result.ours)).leftPad(9))  \(String(Int(result.openSSL)).leftPad(10))   \(format3(result.ratio))")
                }
            }
        }
    }
}

extension BenchCommand {
    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append N events in batches, consume them back in a group, and compare with the raw storage.",
            discussion: """
                Rounds alternate the log's appends and the baseline's, each on its own topic; the medians are \
                compared. Baseline: for sqlite:, raw inserts of the same rows with the same batch \
                size and pragmas through one prepared statement; for Kafka, librdkafka's own producer on the same \
                cluster. Prints appended, consumed, lost, duplicates, appendPerSecond, consumePerSecond, the \
                baseline and the memory before and after.
                """
        )

        @OptionGroup var options: LogOptions
        @Option(name: .long, help: "Events to append and consume.")
        var events: Int = 100_000
        @Option(name: .long, help: "Bytes per event value.")
        var payloadBytes: Int = 512
        @Option(name: .long, help: "Events per append call (and per raw-SQLite transaction).")
        var batchSize: Int = 1000
        @Option(name: .long, help: "Concurrent appenders.")
        var appenders: Int = 4
        @Option(name: .long, help: "Partitions of the benchmark topic (librdkafka's mock cluster keeps about 5 MiB per partition).")
        var partitions: Int32 = 8
        @Option(name: .long, help: "Alternating rounds of the log's appends and the baseline's (each to its own topic); the medians are compared.")
        var rounds: Int = 3
        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        func validate() throws {
            guard events >= 1, payloadBytes >= 16, batchSize >= 1, appenders >= 1, partitions >= 1, rounds >= 1 else {
                throw ValidationError("--events, --batch-size, --appenders, --partitions and --rounds need at least 1, --payload-bytes at least 16")
            }
        }

        func run() async throws {
            let open = try await options.open()
            let benchOptions = LogBenchmark.Options(events: events, payloadBytes: payloadBytes, batchSize: batchSize, appenders: appenders,
                                                  partitions: partitions, rounds: rounds)
            let location = open.location
            let servers = open.bootstrapServers
            let report = try await LogBenchmark.run(open, options: benchOptions) { options in
                switch location {
                case let .sqlite(path):
                    return ("raw SQLite inserts, WAL, synchronous=FULL, \(options.batchSize) rows per transaction",
                            try LogBenchmark.rawSQLiteRate(path: path, options: options))
                case .kafka, .kafkaMock:
                    let topic = "pm.bench.baseline.\(UInt32.random(in: 0...UInt32.max))"
                    try await open.ensureTopic(TopicSpec(name: topic, partitions: options.partitions))
                    return ("librdkafka's own producer on the same cluster",
                            try KafkaBaseline.rawProducerRate(bootstrapServers: servers ?? [], topicName: topic, options: options))
                }
            }
            await open.log.shutdown()
            if json {
                printJSON(.object([
                    ("benchmark", .string("log")), ("log", .string(report.log)), ("events", .number(String(events))),
                    ("payloadBytes", .number(String(payloadBytes))), ("batchSize", .number(String(batchSize))),
                    ("appended", .number(String(report.appended))), ("consumed", .number(String(report.consumed))),
                    ("lost", .number(String(report.lost))), ("duplicates", .number(String(report.duplicates))),
                    ("appendPerSecond", .number(String(Int(report.appendPerSecond)))),
                    ("consumePerSecond", .number(String(Int(report.consumePerSecond)))),
                    ("baseline", .object([("name", .string(report.baselineName)),
                                          ("appendPerSecond", .number(String(Int(report.baselinePerSecond))))])),
                    ("appendRatio", .number(format3(report.appendRatio))),
                    ("appendRounds", .array(report.appendRounds.map { .number(String(Int($0))) })),
                    ("baselineRounds", .array(report.baselineRounds.map { .number(String(Int($0))) })),
                    ("residentMegabytesBefore", .number(String(Int(report.residentMegabytesBefore)))),
                    ("residentMegabytesBeforeConsuming", .number(String(Int(report.residentMegabytesBeforeConsuming)))),
                    ("residentMegabytesAfter", .number(String(Int(report.residentMegabytesAfter)))),
                ]))
            } else {
                print("log \(report.log): appended \(report.appended), consumed \(report.consumed), lost \(report.lost), duplicates \(report.duplicates)")
                print("append \(Int(report.appendPerSecond))/s, consume \(Int(report.consumePerSecond))/s")
                print("baseline (\(report.baselineName)): \(Int(report.baselinePerSecond))/s, ratio \(format3(report.appendRatio))")
                print("rounds: log \(report.appendRounds.map { String(Int($0)) }.joined(separator: ", ")); baseline \(report.baselineRounds.map { String(Int($0)) }.joined(separator: ", "))")
                print("resident memory \(Int(report.residentMegabytesBefore)) MiB before, \(Int(report.residentMegabytesBeforeConsuming)) MiB after appending, \(Int(report.residentMegabytesAfter)) MiB after consuming")
            }
        }
    }
}

private func format3(_ value: Double) -> String {
    let scaled = Int((value * 1000).rounded())
    let whole = scaled / 1000
    let fraction = String(scaled % 1000)
    return "\(whole)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

extension String {
    fileprivate func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    fileprivate func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

/// Amounts in the simulators' ten-thousandths, as text.
enum CoreAmountText {
    static func text(_ units: Int64) -> String { CoreAmount(units: units).description }
}

extension BenchCommand {
    struct EndToEnd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "e2e",
            abstract: "Transfers through a hub simulator and two Payment Managers in one process, with throughput, latency and cost.",
            discussion: """
                The demo's topology with mutual TLS and JWS on (unless turned off), on the embedded log. Reports \
                completed and failed transfers, transfers per second, latency percentiles of the core's POST /transfers, \
                CPU milliseconds per transfer for every component together, peak memory, and cryptoBoundRatio: \
                throughput divided by what the machine's cores could do if they did nothing but the RSA signing and \
                verifying the run needed, at OpenSSL's speed measured in the same run.
                """)

        @Option(name: .long, help: "Transfers to measure (after the warm-up).")
        var transfers = 2000
        @Option(name: .long, help: "Transfers in flight at once.")
        var concurrency = 32
        @Option(name: .long, help: "Transfers sent before measuring.")
        var warmup = 200
        @Flag(name: .customLong("no-tls"), help: "Plain HTTP between the hub and the connectors.")
        var noTLS = false
        @Flag(name: .customLong("no-jws"), help: "No JWS signing or validation.")
        var noJWS = false
        @Option(name: .long, help: "Seconds an ended transfer stays in the connectors' memory (PM_FINISHED_RETENTION_SECONDS).")
        var retention = 300
        @Option(name: .customLong("simulator-keep"), help: "Finished transfers the hub and core simulators keep (in-process runs; memory studies).")
        var simulatorKeep = 10_000
        @Option(name: .long, help: "The embedded logs' durability: full (synchronous=FULL, the default) or normal.")
        var durability = "full"
        @Option(name: .customLong("memory-samples"), help: "How many times the process's resident memory is sampled during the measured transfers (in-process runs).")
        var memorySamples = 10
        @Flag(name: .long, help: "Run the payer and payee as pm serve processes and kill them (SIGKILL) at random moments; reconcile afterwards.")
        var chaos = false
        @Flag(name: .long, help: "Run the payer and payee as pm serve processes (without killing them) and report their peak memory.")
        var processes = false
        @Flag(name: .customLong("read-side"), help: "Keep both DFSPs' projections during the run and report their largest lag (in process only).")
        var readSide = false
        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        func run() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-bench-e2e-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var logger = Logger(label: "pm-bench")
            logger.logLevel = .critical
            if chaos || processes {
                let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
                let r = try await ChaosBenchmark.run(transfers: transfers, concurrency: concurrency, executable: executable,
                                                     directory: directory, kills: chaos, retentionSeconds: retention, logger: logger)
                let c = r.reconciliation
                // Each side's CPU per completed transfer, and what is left of it beyond OpenSSL's time for its signatures
                // and verifications (the "under 1 ms of CPU per transfer per side beyond signing").
                var costs: [(String, JSONValue)] = []
                if r.payerCost != nil || r.payeeCost != nil {
                    let rates = try EndToEndBenchmark.openSSLRates()
                    let completed = Double(max(c.completed, 1))
                    for (side, cost) in [("payer", r.payerCost), ("payee", r.payeeCost)] {
                        guard let cost else { continue }
                        let cpu = cost.cpuSeconds * 1000 / completed
                        let crypto = (cost.signatures / rates.sign + cost.verifications / rates.verify) * 1000 / completed
                        costs += [("\(side)CpuMillisecondsPerTransfer", .number(String(format: "%.3f", cpu))),
                                  ("\(side)CpuMillisecondsPerTransferBeyondCrypto", .number(String(format: "%.3f", cpu - crypto))),
                                  ("\(side)SignaturesPerTransfer", .number(String(format: "%.2f", cost.signatures / completed))),
                                  ("\(side)VerificationsPerTransfer", .number(String(format: "%.2f", cost.verifications / completed)))]
                    }
                    costs += [("openSSLSignPerSecond", .number(String(format: "%.0f", rates.sign))),
                              ("openSSLVerifyPerSecond", .number(String(format: "%.0f", rates.verify)))]
                }
                printJSON(.object([
                    ("benchmark", .string(chaos ? "e2e-chaos" : "e2e-processes")), ("transfers", .number(String(r.transfers))),
                    ("kills", .number(String(r.kills))), ("seconds", .number(String(format: "%.1f", r.seconds))),
                    ("transfersPerSecond", .number(String(format: "%.1f", Double(r.reconciliation.completed) / max(r.seconds, 0.001)))),
                    ("payerPeakMemoryMiB", .number(String(format: "%.1f", r.payerPeakMemoryMiB ?? 0))),
                    ("payeePeakMemoryMiB", .number(String(format: "%.1f", r.payeePeakMemoryMiB ?? 0))),
                ] + costs + [
                    ("completed", .number(String(c.completed))), ("failed", .number(String(c.failed))),
                    ("unrecorded", .number(String(c.unrecorded))), ("disagreements", .array(c.disagreements.map { .string($0) })),
                    ("committed", .string(CoreAmountText.text(c.committedUnits))), ("payeeCredited", .string(CoreAmountText.text(c.creditedUnits))),
                    ("booksAddUp", .bool(c.booksAddUp)), ("consistent", .bool(r.consistent)),
                ]))
                if !r.consistent { throw ExitCode(1) }
                return
            }
            var options = EndToEndBenchmark.Options(transfers: transfers, concurrency: concurrency, warmup: warmup,
                                                    mutualTLS: !noTLS, jws: !noJWS, directory: directory)
            guard let level = SQLiteLogConfiguration.Durability(rawValue: durability) else { throw ValidationError("--durability must be full or normal") }
            options.durability = level
            options.finishedRetentionSeconds = retention
            options.simulatorKeepFinished = simulatorKeep
            options.memorySamples = memorySamples
            options.readSide = readSide
            let r = try await EndToEndBenchmark.run(options, logger: logger)
            func number(_ value: Double, _ digits: Int = 2) -> JSONValue { .number(String(format: "%.\(digits)f", value)) }
            let object: JSONValue = .object([
                ("benchmark", .string("e2e")), ("transfers", .number(String(transfers))), ("concurrency", .number(String(concurrency))),
                ("mutualTLS", .bool(!noTLS)), ("jws", .bool(!noJWS)), ("durability", .string(durability)),
                ("completed", .number(String(r.completed))), ("failed", .number(String(r.failed))),
                ("seconds", number(r.seconds, 3)), ("transfersPerSecond", number(r.transfersPerSecond, 1)),
                ("p50Ms", number(r.p50Ms)), ("p95Ms", number(r.p95Ms)), ("p99Ms", number(r.p99Ms)),
                ("cpuMillisecondsPerTransfer", number(r.cpuMillisecondsPerTransfer, 3)),
                ("cpuMillisecondsPerTransferBeyondCrypto", number(r.cpuMillisecondsPerTransferBeyondCrypto, 3)),
                ("peakMemoryMiB", number(r.peakMemoryMiB, 1)), ("retentionSeconds", .number(String(retention))),
                ("transfersInMemoryAtEnd", .number(String(r.transfersInMemory))),
                ("signaturesPerTransfer", number(r.signaturesPerTransfer)), ("verificationsPerTransfer", number(r.verificationsPerTransfer)),
                ("openSSLSignPerSecond", number(r.openSSLSignPerSecond, 0)), ("openSSLVerifyPerSecond", number(r.openSSLVerifyPerSecond, 0)),
                ("cores", .number(String(r.cores))), ("cryptoBoundTransfersPerSecond", number(r.cryptoBoundTransfersPerSecond, 1)),
                ("cryptoBoundRatio", number(r.cryptoBoundRatio, 3)),
                ("residentMiBAfter", .array(r.residentMemory.map { .object([("transfers", .number(String($0.transfers))), ("MiB", number($0.mebibytes, 1))]) })),
                ("failures", .object(r.failures.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) })),
                ("projectionLagMaximum", r.projectionLagMaximum.map { .number(String($0)) } ?? .null),
                ("projectionLagAtEnd", r.projectionLagAtEnd.map { .number(String($0)) } ?? .null),
            ])
            if json {
                printJSON(object)
            } else {
                print(String(decoding: CanonicalJSON.insertionOrderBytes(object), as: UTF8.self))
            }
        }
    }
}

extension BenchCommand {
    struct HTTP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What one FSPIOP-sized HTTP exchange costs in the connector's HTTP stack alone (Hummingbird server, its pooled client).",
            discussion: """
                A server answering 202 and a client configured as the connector's hub client, in this process, over \
                127.0.0.1: a 1.3 KB transfer body with the headers of a signed FSPIOP request, C requests in flight on \
                pooled keep-alive connections. Reports exchanges per second, CPU microseconds per exchange (client and \
                server together) and latency, with mutual TLS and without it, measured in the same run, against a                 baseline measured first: the same exchanges over SwiftNIO's HTTP/1.1 codec and NIOSSL with no framework                 above them (cpuRatioToBareNIO: the connector's stack's CPU per exchange over the baseline's).
                """)

        @Option(name: .long, help: "Exchanges to measure (after a warm-up).")
        var requests = 20_000
        @Option(name: .long, help: "Requests in flight at once.")
        var concurrency = 32
        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        func run() async throws {
            var logger = Logger(label: "pm-bench")
            logger.logLevel = .critical
            var rows: [JSONValue] = []
            for mutualTLS in [false, true] {
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-bench-http-\(UUID().uuidString.prefix(8))").path
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let r = try await HTTPBenchmark.run(requests: requests, concurrency: concurrency, mutualTLS: mutualTLS, directory: directory, logger: logger)
                rows.append(.object([
                    ("mutualTLS", .bool(r.mutualTLS)), ("exchanges", .number(String(r.requests))), ("failed", .number(String(r.failed))),
                    ("exchangesPerSecond", .number(String(format: "%.0f", r.requestsPerSecond))),
                    ("cpuMicrosecondsPerExchange", .number(String(format: "%.1f", r.cpuMicrosecondsPerExchange))),
                    ("p50Ms", .number(String(format: "%.2f", r.p50Ms))), ("p99Ms", .number(String(format: "%.2f", r.p99Ms))),
                    ("bareNIOExchangesPerSecond", .number(String(format: "%.0f", r.bareNIORequestsPerSecond))),
                    ("bareNIOCpuMicrosecondsPerExchange", .number(String(format: "%.1f", r.bareNIOCpuMicrosecondsPerExchange))),
                    ("cpuRatioToBareNIO", .number(String(format: "%.2f", r.cpuRatioToBareNIO))),
                ]))
            }
            let object: JSONValue = .object([("benchmark", .string("http")), ("concurrency", .number(String(concurrency))), ("results", .array(rows))])
            if json { printJSON(object) } else { print(String(decoding: CanonicalJSON.insertionOrderBytes(object), as: UTF8.self)) }
        }
    }

    struct ReadSide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "read-side",
            abstract: "The read side on a log of synthetic transfers: replay fold speed, rebuild speed and searches, each against a baseline of the same run.",
            discussion: """
                Writes N committed outbound transfers (8 events each, as the decider makes them) to an embedded log, then \
                measures: decoding the records and folding their events into aggregates (events per second on one core; \
                the decoding is the baseline); rebuilding a projection store from the log against inserting the same \
                records into a plain SQLite table with the same durability (rebuildRatioToRawInsert); and filtered searches \
                of the transfers read model (median and worst of 7, milliseconds).
                """)

        @Option(name: .long, help: "Transfers in the log (replay and rebuild).")
        var transfers = 100_000
        @Option(name: .customLong("searched-transfers"), help: "Transfers in the store the searches run on.")
        var searchedTransfers = 1_000_000
        @Option(name: .long, help: "Folder for the log and the stores (default: a new temporary folder, deleted after).")
        var directory: String?
        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        func run() async throws {
            let folder = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("pm-bench-read-side-\(UUID().uuidString.prefix(8))").path
            defer { if directory == nil { try? FileManager.default.removeItem(atPath: folder) } }
            let r = try await ReadSideBenchmark.run(.init(transfers: transfers, searchedTransfers: searchedTransfers, directory: folder)) { line in
                if !json { print(line) }
            }
            let object: JSONValue = .object([
                ("benchmark", .string("read-side")), ("transfers", .number(String(r.transfers))), ("records", .number(String(r.records))),
                ("searchedTransfers", .number(String(r.searchedTransfers))),
                ("decodeEventsPerSecond", .number(String(format: "%.0f", r.decodeEventsPerSecond))),
                ("foldEventsPerSecond", .number(String(format: "%.0f", r.foldEventsPerSecond))),
                ("foldRatioToDecode", .number(String(format: "%.2f", r.foldEventsPerSecond / r.decodeEventsPerSecond))),
                ("rawInsertRecordsPerSecond", .number(String(format: "%.0f", r.rawInsertRecordsPerSecond))),
                ("rebuildRecordsPerSecond", .number(String(format: "%.0f", r.rebuildRecordsPerSecond))),
                ("rebuildRatioToRawInsert", .number(String(format: "%.2f", r.rebuildRatioToRawInsert))),
                ("queries", .array(r.queries.map { query in
                    .object([("query", .string(query.name)), ("matches", .number(String(query.matches))),
                             ("medianMs", .number(String(format: "%.1f", query.medianMilliseconds))),
                             ("worstMs", .number(String(format: "%.1f", query.worstMilliseconds)))])
                })),
            ])
            if json { printJSON(object) } else { print(String(decoding: CanonicalJSON.insertionOrderBytes(object), as: UTF8.self)) }
        }
    }

    struct Overload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The connector offered more than it can take: what it accepts, what it refuses, and that nothing accepted is lost.",
            discussion: """
                The demo's topology in one process (mutual TLS and JWS on). A calibration run at a fixed concurrency \
                measures the rate the topology sustains; then transfers are offered at FACTOR times that rate, open loop, \
                for SECONDS. Reports the accepted and refused rates (refused: 503 with 2003 and Retry-After), the \
                latency of the accepted ones, the process's peak memory, and whether every accepted transfer ended in one \
                state the payer and the hub agree on, nothing refused was recorded, and the books add up.
                """)

        @Option(name: .long, help: "Seconds of overload.")
        var seconds = 60
        @Option(name: .long, help: "The offered rate, as a multiple of the sustainable rate.")
        var factor = 3.0
        @Option(name: .long, help: "Transfers of the calibration run.")
        var calibrationTransfers = 1500
        @Option(name: .long, help: "PM_MAX_IN_FLIGHT of the connectors.")
        var maxInFlight = 512
        @Option(name: .long, help: "PM_MAX_BACKLOG of the connectors.")
        var maxBacklog = 500
        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        func run() async throws {
            var logger = Logger(label: "pm-bench")
            logger.logLevel = .critical
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-bench-overload-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var options = OverloadBenchmark.Options(seconds: seconds, factor: factor, calibrationTransfers: calibrationTransfers, directory: directory)
            options.admissionLimits = AdmissionLimits(maximumInFlight: maxInFlight, maximumBacklog: maxBacklog)
            let r = try await OverloadBenchmark.run(options, logger: logger)
            func number(_ value: Double, _ digits: Int = 1) -> JSONValue { .number(String(format: "%.\(digits)f", value)) }
            let object: JSONValue = .object([
                ("benchmark", .string("overload")), ("seconds", .number(String(seconds))), ("factor", number(factor)),
                ("maxInFlight", .number(String(maxInFlight))), ("maxBacklog", .number(String(maxBacklog))),
                ("sustainablePerSecond", number(r.sustainablePerSecond)), ("offeredPerSecond", number(r.offeredPerSecond)),
                ("offered", .number(String(r.offered))), ("accepted", .number(String(r.accepted))), ("acceptedPerSecond", number(r.acceptedPerSecond)),
                ("completed", .number(String(r.completed))), ("refused", .number(String(r.refused))), ("refusedPerSecond", number(r.refusedPerSecond)),
                ("acceptedRatioToSustainable", number(r.acceptedPerSecond / max(r.sustainablePerSecond, 0.001), 2)),
                ("acceptedP50Ms", number(r.acceptedP50Ms)), ("acceptedP99Ms", number(r.acceptedP99Ms)), ("refusedP99Ms", number(r.refusedP99Ms)),
                ("memoryBeforeMiB", number(r.memoryBeforeMiB)), ("peakMemoryMiB", number(r.peakMemoryMiB)),
                ("failures", .object(r.failures.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) })),
                ("lost", .number(String(r.lost))), ("recordedRefusals", .number(String(r.recordedRefusals))), ("booksAddUp", .bool(r.booksAddUp)),
                ("consistent", .bool(r.consistent)),
            ])
            if json { printJSON(object) } else { print(String(decoding: CanonicalJSON.insertionOrderBytes(object), as: UTF8.self)) }
            if !r.consistent { throw ExitCode(1) }
        }
    }

    struct Portal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "portal",
            abstract: "The portal's pages over HTTP with many transfers in their window, each against /health in the same run.",
            discussion: """
                Fills a projection store with N transfers of the last 50 minutes (with their per-minute statistics and \
                hourly flow), serves the portal on a free port, signs in, and asks for each page in turn (median and \
                worst of 15 after 2 warm-ups, milliseconds from the request to the last byte of the answer).
                """)

        @Option(name: .long, help: "Transfers in the window.")
        var transfers = 10_000
        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        func run() async throws {
            var logger = Logger(label: "pm-bench")
            logger.logLevel = .critical
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pm-bench-portal-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let quiet = json
            let r = try await PortalBenchmark.run(transfers: transfers, directory: folder, logger: logger) { line in if !quiet { print(line) } }
            let baseline = r.pages.first?.medianMilliseconds ?? 1
            var pages: [JSONValue] = []
            for page in r.pages {
                let ratio = page.medianMilliseconds / max(baseline, 0.001)
                let members: [(String, JSONValue)] = [
                    ("page", .string(page.name)), ("path", .string(page.path)), ("medianMs", .number(String(format: "%.1f", page.medianMilliseconds))),
                    ("worstMs", .number(String(format: "%.1f", page.worstMilliseconds))), ("bytes", .number(String(page.bytes))),
                    ("ratioToHealth", .number(String(format: "%.1f", ratio))),
                ]
                pages.append(.object(members))
            }
            let object: JSONValue = .object([("benchmark", .string("portal")), ("transfers", .number(String(r.transfers))), ("pages", .array(pages))])
            if json { printJSON(object) } else { print(String(decoding: CanonicalJSON.insertionOrderBytes(object), as: UTF8.self)) }
        }
    }
}
