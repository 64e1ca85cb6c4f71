import ArgumentParser
import Connector
import EventLog
import FSPIOP
import Foundation
import PMCore
import PaymentManager

/// `pm replay`: the log as the source of truth, for audit.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Prove the log explains every state: run every recorded decision again, or show one transfer's history.",
        subcommands: [Verify.self, Transfer.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide every recorded fact again and compare the events with those recorded; exit 1 on any divergence.",
            discussion: """
                Decisions depend on the connector's settings (DFSP_ID, ILP_SECRET, the auto-accept flags, EXPIRY_SECONDS, \
                PM_HUB_ID): give the same configuration as pm serve, with --config and the environment. The first \
                divergences are printed with their topic, partition and offset.
                """)
        @OptionGroup var log: LogOptions
        @Option(name: .long, help: "The connector's YAML settings, as pm serve reads them (the environment overrides them).")
        var config: String?

        func run() async throws {
            let configuration: ConnectorConfiguration
            do {
                configuration = try ConnectorConfiguration.load(yamlFile: config, environment: ProcessInfo.processInfo.environment, overrides: [:])
            } catch {
                printError("pm replay verify: \(error)")
                throw ExitCode(2)
            }
            let opened = try await log.open()
            let start = ContinuousClock.now
            let outcome: ReplayVerification.Outcome
            do { outcome = try await ReplayVerification.run(log: opened.log, settings: configuration.settings) } catch {
                await opened.log.shutdown()
                printError("pm replay verify: \(error)")
                throw ExitCode(2)
            }
            await opened.log.shutdown()
            let elapsed = ContinuousClock.now - start
            print("facts \(outcome.facts) (decided again: \(outcome.factsDecided), unreadable: \(outcome.unreadableFacts)), events \(outcome.events), compared \(outcome.eventsCompared), in \(elapsed)")
            if outcome.consistent {
                print("consistent: every recorded event is what its fact decides again")
                return
            }
            print("DIVERGENT: \(outcome.divergences.count + outcome.moreDivergences) divergences; the first:")
            for divergence in outcome.divergences { print("  \(divergence)") }
            if outcome.moreDivergences > 0 { print("  ... and \(outcome.moreDivergences) more") }
            throw ExitCode(1)
        }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one transfer's history from the log and its state at a time; verify the hub's signatures again.")
        @Argument(help: "The transfer id.")
        var id: String
        @OptionGroup var log: LogOptions
        @Option(name: .long, help: "The state at this time (a DateTime such as 2026-12-07T10:00:00.000Z); default: after every event.")
        var at: String?
        @Option(name: .customLong("jws-keys"), help: "A folder of JWS public keys, <fspId>.pem: verify every signed message received again.")
        var jwsKeys: String?
        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() async throws {
            var time: Timestamp?
            if let at {
                guard let parsed = Timestamp(dateTime: at) else { throw ValidationError("--at must be a DateTime such as 2026-12-07T10:00:00.000Z") }
                time = parsed
            }
            var keys: [String: VerificationKey]?
            if let jwsKeys {
                var found: [String: VerificationKey] = [:]
                for name in try FileManager.default.contentsOfDirectory(atPath: jwsKeys) where name.hasSuffix(".pem") {
                    let text = try String(contentsOfFile: jwsKeys + "/" + name, encoding: .utf8)
                    do { found[String(name.dropLast(4))] = try VerificationKey(pem: text) } catch {
                        printError("pm replay transfer: \(name) is not a public key: \(error)")
                    }
                }
                keys = found
            }
            let opened = try await log.open()
            let history: ReplayTransfer.History
            do { history = try await ReplayTransfer.run(log: opened.log, transferId: id, at: time, keys: keys) } catch let error as ReplayTransfer.NotFound {
                await opened.log.shutdown()
                printError("pm replay transfer: \(error)")
                throw ExitCode(1)
            } catch {
                await opened.log.shutdown()
                printError("pm replay transfer: \(error)")
                throw ExitCode(2)
            }
            await opened.log.shutdown()
            if json {
                print(String(decoding: CanonicalJSON.insertionOrderBytes(Self.json(history)), as: UTF8.self))
                return
            }
            print("transfer \(history.transferId) (\(history.direction), aggregate \(history.aggregateId))")
            for entry in history.entries {
                var line = "  \(entry.occurredAt.dateTime)  \(entry.kind.padding(toLength: 5, withPad: " ", startingAt: 0)) \(entry.type)  \(entry.position)"
                if entry.type == "fspiop.received" {
                    line += "  \(entry.payload["method"]?.stringValue ?? "") \(entry.payload["path"]?.stringValue ?? "") from \(entry.payload["source"]?.stringValue ?? "")"
                }
                print(line)
                if let signature = entry.signature { print("      signature \(signature)") }
            }
            print("state \(history.at.map { "at \($0.dateTime)" } ?? "now"): \(history.phase)\(history.state.map { " (\($0))" } ?? "")")
            if history.unreadable > 0 { print("warning: \(history.unreadable) records of the log cannot be read by this build and are not shown") }
        }

        static func json(_ history: ReplayTransfer.History) -> JSONValue {
            .object([
                ("transferId", .string(history.transferId)), ("direction", .string(history.direction)), ("aggregateId", .string(history.aggregateId)),
                ("at", history.at.map { .string($0.dateTime) } ?? .null), ("unreadableRecords", .number(String(history.unreadable))), ("phase", .string(history.phase)), ("state", history.state.map(JSONValue.string) ?? .null),
                ("entries", .array(history.entries.map { entry in
                    .object([("kind", .string(entry.kind)), ("type", .string(entry.type)), ("id", .string(entry.id)),
                             ("occurredAt", .string(entry.occurredAt.dateTime)), ("position", .string(entry.position.description)),
                             ("signature", entry.signature.map(JSONValue.string) ?? .null), ("payload", entry.payload)])
                })),
            ])
        }
    }
}
