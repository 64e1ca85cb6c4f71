import ArgumentParser
import Foundation
import Logging
import PaymentManager

/// `pm fuzz`: random and hostile input against a running topology's edges, for as long as one wants.
struct FuzzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Send random and hostile requests to the connectors' inbound and outbound APIs of an in-process topology.",
        discussion: """
            Starts the demo's topology (mutual TLS and JWS on), makes one transfer, then sends REQUESTS requests drawn \
            from SEED: mutations of the messages that transfer exchanged (bodies, headers, paths, methods, senders; signed \
            with a participant's key so that they reach the body checks and the processor, or with headers broken after \
            signing) and of the outbound API's bodies. Passes when every answer has a documented shape, the first \
            transfer is unchanged, a new transfer completes and the payer and the hub agree on how every transfer ended; prints the answers by status. \
            The test suite runs a bounded version of this (EdgeFuzzTests).
            """)

    @Option(name: .long, help: "Requests to send.")
    var requests = 5000
    @Option(name: .long, help: "The seed of the input (the same seed sends the same requests).")
    var seed: UInt64 = UInt64.random(in: 0...UInt64.max)
    @Option(name: .long, help: "Log level of the components.")
    var logLevel = "critical"

    func run() async throws {
        var logger = Logger(label: "pm-fuzz")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .critical
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-fuzz-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        say("pm fuzz: \(requests) requests, seed \(seed)")
        let result = try await Topology.run(Topology.Options(directory: directory), logger: logger) { topology in
            try await EdgeFuzz(topology: topology).run(requests: requests, seed: seed)
        }
        say("answers by status: " + result.statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        say("dead letters: \(result.deadLetters); reference transfer unchanged: \(result.referenceUnchanged); "
            + "a new transfer completed: \(result.afterwardsCompleted); payer and hub disagree on \(result.disagreements.count) transfers")
        for line in result.malformed.prefix(20) { say("malformed answer: \(line)") }
        for line in result.unanswered.prefix(20) { say("no answer: \(line)") }
        say(result.passed ? "PASSED (seed \(seed))" : "FAILED (seed \(seed))")
        if !result.passed { throw ExitCode(1) }
    }
}
