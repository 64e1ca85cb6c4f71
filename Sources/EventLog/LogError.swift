/// Why a log operation failed: what kind of failure, whether trying again can succeed, and the cause.
public struct LogError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The topic does not exist (and was not created).
        case unknownTopic
        /// Bad arguments: an empty topic name, a partition out of range, a limit below 1.
        case invalidArgument
        /// The storage or broker could not be reached or refused the operation; retrying may help.
        case unavailable
        /// The operation timed out; it may or may not have taken effect.
        case timedOut
        /// The log is closed or shutting down.
        case closed
        /// The consumer lost its partitions (a rebalance) before it could commit.
        case rebalanced
        /// The backend reported an error that is not one of the above.
        case backend
    }

    public var code: Code
    public var retryable: Bool
    public var message: String

    public init(_ code: Code, _ message: String, retryable: Bool = false) {
        self.code = code
        self.message = message
        self.retryable = retryable
    }

    public var description: String { "log error (\(code.rawValue)\(retryable ? ", retryable" : "")): \(message)" }
}
