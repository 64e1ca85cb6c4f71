import FSPIOP

/// Why the core simulator refused to start, or refused or could not send a payment
/// (`CoreSimulator.sendTransfer`). A payment the connector answered, even with an error, is not one of
/// these: it is an ``OutboundTransferOutcome``.
public enum CoreSimulatorError: Error, Sendable, CustomStringConvertible {
    /// The accounts or settings are unusable (duplicate account id or party, unknown currency,
    /// unreadable accounts file).
    case invalidConfiguration(String)
    /// No account with this local id.
    case unknownAccount(String)
    /// The account holds another currency than the payment's.
    case currencyMismatch(account: String, accountCurrency: String, requested: String)
    /// Not a positive decimal amount with at most four decimals.
    case invalidAmount(String)
    /// The account's available balance (balance minus reservations) does not cover the amount. Nothing
    /// was sent.
    case insufficientFunds(account: String, available: CoreAmount, requested: CoreAmount)
    /// `sendTransfer` needs the connector's outbound base URL in the configuration.
    case connectorNotConfigured
    /// The simulator is not running (``CoreSimulator/run()`` not started yet, or already finished).
    case notRunning
    /// ``CoreSimulator/run()`` was called a second time.
    case alreadyStarted
    /// The connector could not be reached or did not answer in time. The reservation was released, but
    /// the connector may still complete the transfer: the outcome is unknown. Retryable.
    case connectorUnreachable(underlying: any Error)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return "invalid core simulator configuration: \(reason)"
        case .unknownAccount(let id): return "no account \(id)"
        case .currencyMismatch(let account, let accountCurrency, let requested):
            return "account \(account) holds \(accountCurrency), not \(requested)"
        case .invalidAmount(let text): return "not a positive amount with at most \(CoreAmount.scale) decimals: \(text)"
        case .insufficientFunds(let account, let available, let requested):
            return "account \(account) has \(available) available, \(requested) requested"
        case .connectorNotConfigured: return "no connector outbound URL is configured"
        case .notRunning: return "the core simulator is not running"
        case .alreadyStarted: return "the core simulator was already started"
        case .connectorUnreachable(let underlying): return "the connector could not be reached: \(underlying)"
        }
    }

    /// Whether trying the same payment again may succeed.
    public var isRetryable: Bool {
        switch self {
        case .connectorUnreachable, .notRunning, .insufficientFunds: return true
        default: return false
        }
    }
}

/// A refusal of a backend API request, answered as the backend API's `errorResponse`
/// (`{"statusCode": "<FSPIOP error code>", "message": "..."}`): the connector turns `statusCode` into the
/// FSPIOP error it sends to the hub.
struct CoreBackendError: Error, Sendable, Hashable {
    var httpStatus: Int
    var code: FSPIOPErrorCode
    var message: String

    init(httpStatus: Int, _ code: FSPIOPErrorCode, _ message: String) {
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
    }

    static func partyNotFound(_ key: CorePartyKey) -> CoreBackendError {
        CoreBackendError(httpStatus: 404, .partyNotFound, "no party \(key)")
    }

    static func unsupportedCurrency(_ requested: String, accountCurrency: String) -> CoreBackendError {
        CoreBackendError(httpStatus: 400, .payeeUnsupportedCurrency,
                         "the payee account holds \(accountCurrency), not \(requested)")
    }

    static func invalidAmount(_ field: String, _ text: String) -> CoreBackendError {
        CoreBackendError(httpStatus: 400, .validationError,
                         "\(field) is not a positive amount with at most \(CoreAmount.scale) decimals: \(text)")
    }

    static func invalidValue(_ field: String, _ text: String, allowed: [String]) -> CoreBackendError {
        CoreBackendError(httpStatus: 400, .validationError,
                         "\(field) is \(text), expected one of \(allowed.joined(separator: ", "))")
    }

    static func overflow(_ what: String) -> CoreBackendError {
        CoreBackendError(httpStatus: 400, .validationError, "\(what) does not fit this simulator's ledger")
    }

    static func transferNotFound(_ transferId: String) -> CoreBackendError {
        CoreBackendError(httpStatus: 404, .transferIdNotFound, "no transfer \(transferId)")
    }

    /// The body the backend API specifies for errors.
    var body: CoreErrorBody { CoreErrorBody(statusCode: code.rawValue, message: message) }
}

/// The backend API's `errorResponse` (also the outbound API's).
struct CoreErrorBody: Codable, Sendable, Hashable {
    var statusCode: String?
    var message: String?
}

/// Turns a `JSONDecoder` failure into the backend error it deserves and a readable message.
enum CoreDecoding {
    static func backendError(_ error: any Error) -> CoreBackendError {
        switch error {
        case DecodingError.keyNotFound:
            return CoreBackendError(httpStatus: 400, .missingElement, describe(error))
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty:
            return CoreBackendError(httpStatus: 400, .malformedSyntax, "the body is not JSON: \(describe(error))")
        default:
            return CoreBackendError(httpStatus: 400, .malformedSyntax, describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return text.isEmpty ? "the body" : text
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : path(context.codingPath) + "."
            return "missing \(parent)\(key.stringValue)"
        case DecodingError.typeMismatch(let type, let context):
            return "\(path(context.codingPath)) is not a \(type): \(context.debugDescription)"
        case DecodingError.valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null, expected a \(type)"
        case DecodingError.dataCorrupted(let context):
            if let underlying = context.underlyingError {
                return "\(path(context.codingPath)): \(context.debugDescription) (\(underlying))"
            }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
