import ArgumentParser
import Foundation
import PaymentManager

/// `pm`: Payment Manager's one executable.
@main
struct PM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pm",
        abstract: "Payment Manager: connects a DFSP's core banking system to a Mojaloop hub.",
        subcommands: [ServeCommand.self, DemoCommand.self, HubCommand.self, CoreSimCommand.self, JWSCommand.self, ILPCommand.self, TopicsCommand.self, ProjectionsCommand.self, ReplayCommand.self, PortalCommand.self, BenchCommand.self, FuzzCommand.self]
    )

    /// Sizes SwiftNIO's event loops (`PM_IO_THREADS`) before any command opens a socket, then runs the command.
    static func main() async {
        do {
            try IOThreads.configure(environment: ProcessInfo.processInfo.environment)
        } catch {
            // As a configuration error of `pm serve`: exit code 2, the variable and the reason.
            FileHandle.standardError.write(Data("pm: invalid configuration: \(error.description)\n".utf8))
            exit(withError: ExitCode(2))
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
