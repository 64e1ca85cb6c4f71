/// Why an ILP packet could not be built, read or checked.
public enum ILPError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownCurrency(String)
    case invalidAmount(String)
    case amountNotWhole(amount: String, currency: String)
    case amountTooLarge(String)
    case malformedPacket(String)
    case unsupportedPacketType(UInt8)
    case invalidTransaction(String)
    case invalidFulfilment(String)

    public var description: String {
        switch self {
        case let .unknownCurrency(code): return "unknown currency '\(code)'"
        case let .invalidAmount(amount): return "invalid amount '\(amount)'"
        case let .amountNotWhole(amount, currency): return "amount \(amount) \(currency) is not a whole number of minor units"
        case let .amountTooLarge(amount): return "amount \(amount) does not fit in an unsigned 64-bit integer"
        case let .malformedPacket(reason): return "malformed ILP packet: \(reason)"
        case let .unsupportedPacketType(type): return "unsupported ILP packet type \(type)"
        case let .invalidTransaction(reason): return "invalid transaction object: \(reason)"
        case let .invalidFulfilment(reason): return "invalid fulfilment: \(reason)"
        }
    }

    /// The FSPIOP error for an ILP problem found in a received message: 3100 Generic validation error
    /// with the reason (for example an ILP packet that does not decode).
    public var fspiopError: FSPIOPError { FSPIOPError(.validationError, description) }
}
