import ArgumentParser
import EventLog
import Foundation
import PaymentManager
import ReadSide

/// `pm projections`: the read models' store.
struct ProjectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Rebuild the read models from the log, or show where they are.",
        subcommands: [Rebuild.self, Status.self]
    )

    struct StoreOptions: ParsableArguments {
        @Option(name: .long, help: "The projection store (default: $PM_PROJECTIONS_PATH, else pm-projections.sqlite beside an SQLite log, else data/pm-projections.sqlite).")
        var store: String?

        func path(for log: LogLocation) -> String {
            if let store { return store }
            if let path = ProcessInfo.processInfo.environment["PM_PROJECTIONS_PATH"], !path.isEmpty { return path }
            if case let .sqlite(logPath) = log {
                let folder = (logPath as NSString).deletingLastPathComponent
                return (folder.isEmpty ? "" : folder + "/") + "pm-projections.sqlite"
            }
            return "data/pm-projections.sqlite"
        }
    }

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay the log into a fresh store and swap a projection's tables into the live store atomically (it may be serving).")
        @Argument(help: "transfers, timeline, or all.")
        var name: String
        @OptionGroup var log: LogOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let projections: [ProjectionName]
            if name == "all" { projections = ProjectionName.allCases } else {
                guard let projection = ProjectionName(rawValue: name) else {
                    throw ValidationError("'\(name)' is not a projection: \(ProjectionName.allCases.map(\.rawValue).joined(separator: ", ")) or all")
                }
                projections = [projection]
            }
            let opened = try await log.open()
            let path = store.path(for: try log.location())
            let start = ContinuousClock.now
            do {
                let outcome = try await ProjectionRebuild.run(log: opened.log, storePath: path, projections: projections)
                await opened.log.shutdown()
                let seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
                print("rebuilt \(projections.map(\.rawValue).joined(separator: ", ")) in \(path) from \(outcome.recordsRead) records "
                      + String(format: "in %.1f s", seconds))
                for (table, rows) in outcome.rows.sorted(by: { $0.key < $1.key }) { print("  \(table): \(rows) rows") }
            } catch {
                await opened.log.shutdown()
                printError("pm projections rebuild: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each projection's position and lag on the log, and its tables' rows.")
        @OptionGroup var log: LogOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let opened = try await log.open()
            let path = store.path(for: try log.location())
            guard FileManager.default.fileExists(atPath: path) else {
                await opened.log.shutdown()
                printError("pm projections status: no projection store at \(path)")
                throw ExitCode(2)
            }
            do {
                let outcome = try await ProjectionStatus.read(log: opened.log, storePath: path)
                await opened.log.shutdown()
                print("store \(path)")
                for line in outcome { print(line) }
            } catch {
                await opened.log.shutdown()
                printError("pm projections status: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
