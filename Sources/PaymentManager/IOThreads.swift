import Foundation
import NIOCore

/// How many SwiftNIO event loop threads the process runs its sockets, TLS and HTTP framing on (`PM_IO_THREADS`).
///
/// The rest of the work (handlers, the processor, the embedded log) runs on Swift's cooperative pool, one
/// thread per core, and on the log's own threads. SwiftNIO's default of one event loop per core as well puts
/// two busy threads on every core and hands each request from one to the other across cores; half as many
/// event loops as cores (at least one) keeps the cores busy with less switching: on 2 cores, `pm bench e2e`
/// ran 8–10% more transfers per second with one event loop than with two (README, Performance).
public enum IOThreads {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// The number of event loops for `cores` cores, or the one `PM_IO_THREADS` names.
    public static func count(environment: [String: String], cores: Int) throws(Invalid) -> Int {
        guard let text = environment["PM_IO_THREADS"] else { return max(1, cores / 2) }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), (1...1024).contains(value) else {
            throw Invalid(description: "PM_IO_THREADS: '\(text)' is not a whole number from 1 to 1024")
        }
        return value
    }

    /// The event loops of SwiftNIO's shared group (as configured, or SwiftNIO's default).
    public static var current: Int { NIOSingletons.groupLoopCountSuggestion }

    /// Sizes SwiftNIO's shared event loop group; call before anything opens a socket.
    public static func configure(environment: [String: String]) throws(Invalid) {
        NIOSingletons.groupLoopCountSuggestion = try count(environment: environment, cores: System.coreCount)
    }
}
