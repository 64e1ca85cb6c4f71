import ArgumentParser

/// `pm`: Payment Manager's one executable.
@main
struct PM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pm",
        abstract: "Payment Manager: connects a DFSP's core banking system to a Mojaloop hub.",
        subcommands: [ServeCommand.self, DemoCommand.self, HubCommand.self, CoreSimCommand.self, JWSCommand.self, ILPCommand.self, TopicsCommand.self, BenchCommand.self]
    )
}
