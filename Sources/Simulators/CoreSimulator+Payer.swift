import AsyncHTTPClient
import Foundation
import FSPIOP
import NIOCore
import PaymentDomain

/// How a payment the core sent through the connector ended, as the connector's outbound API answered.
public struct OutboundTransferOutcome: Sendable, Hashable {
    /// The core's own id of the payment (`homeTransactionId`).
    public var homeTransactionId: String
    /// The transfer id the connector gave, if it answered one.
    public var transferId: String?
    /// The outbound API's `currentState` (`COMPLETED`, `ERROR_OCCURRED`, `ABORTED`, ...), or
    /// `ERROR_OCCURRED` when the answer named none.
    public var state: String
    /// The HTTP status of the connector's last answer.
    public var httpStatus: Int
    /// The Mojaloop error code of the answer's `lastError` (or of an error answer's `statusCode`), if any.
    public var errorCode: String?
    /// The error's description or the error answer's message, if any.
    public var errorMessage: String?
    /// From sending the request to the final answer (including any continuation calls).
    public var latency: Duration

    /// The transfer completed and the payer account was debited.
    public var isCompleted: Bool { (200..<300).contains(httpStatus) && state == "COMPLETED" }

    public init(homeTransactionId: String, transferId: String?, state: String, httpStatus: Int, errorCode: String?,
                errorMessage: String?, latency: Duration) {
        self.homeTransactionId = homeTransactionId
        self.transferId = transferId
        self.state = state
        self.httpStatus = httpStatus
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.latency = latency
    }
}

extension CoreSimulator {
    /// Pays from one of this core's accounts through the connector: `POST /transfers` on its outbound API
    /// with amount type `SEND` and transaction type `TRANSFER`, waiting for the transfer to end.
    ///
    /// The amount is reserved before the call (so concurrent payments cannot overspend), debited when the
    /// connector answers `COMPLETED`, and released on any other answer (`ERROR_OCCURRED`, `ABORTED`, an
    /// HTTP error with `transferState`/`lastError`). When the connector pauses for acceptance (its
    /// `AUTO_ACCEPT_PARTY`/`AUTO_ACCEPT_QUOTES` off) and ``CoreSimulatorConfiguration/acceptPausedTransfers``
    /// is on, the core accepts with `PUT /transfers/{transferId}` and continues.
    ///
    /// - Parameters:
    ///   - from: the local id of the paying account.
    ///   - to: the payee (`idType`, `idValue`, optional `idSubValue` and `fspId`).
    ///   - amount: a positive decimal string with at most four decimals.
    ///   - currency: the paying account's currency.
    ///   - homeTransactionId: the core's id for the payment; a fresh UUID when nil.
    /// - Returns: how the connector answered; the books already reflect it.
    /// - Throws: ``CoreSimulatorError``: `.connectorNotConfigured`, `.notRunning`, `.invalidAmount`,
    ///   `.unknownAccount`, `.currencyMismatch`, `.insufficientFunds` (nothing sent), or
    ///   `.connectorUnreachable` (no answer; the reservation was released).
    public func sendTransfer(from accountId: String, to payee: TransferParty, amount: String, currency: String,
                             homeTransactionId: String? = nil, note: String? = nil) async throws(CoreSimulatorError) -> OutboundTransferOutcome {
        guard let baseURL = configuration.connectorOutboundURL else { throw .connectorNotConfigured }
        guard let client = lifecycle.withLock({ $0.client }) else { throw .notRunning }
        guard let value = CoreAmount(amount), value > .zero else { throw .invalidAmount(amount) }
        let homeId = homeTransactionId ?? Self.makeId()
        let payer = try ledger.withLock { (ledger) throws(CoreSimulatorError) in
            try ledger.reserve(account: accountId, amount: value, currency: currency, homeTransactionId: homeId)
        }
        let request = OutboundTransferRequest(
            homeTransactionId: homeId, from: payer.transferParty, to: payee, amountType: "SEND", currency: currency,
            amount: value.description, transactionType: "TRANSFER", note: note)
        let base = baseURL.absoluteString.hasSuffix("/") ? String(baseURL.absoluteString.dropLast()) : baseURL.absoluteString

        let start = ContinuousClock.now
        do {
            var answer = try await call(client, method: .post, url: base + "/transfers", body: request)
            // Each pause (party, quote, conversion) is accepted at most once; the bound keeps a confused
            // connector from looping the core forever.
            var continuations = 0
            while configuration.acceptPausedTransfers, continuations < 4, (200..<300).contains(answer.httpStatus),
                  let acceptance = Self.acceptance(for: answer.state?.currentState),
                  let transferId = answer.state?.transferId {
                continuations += 1
                let path = transferId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? transferId
                answer = try await call(client, method: .put, url: base + "/transfers/" + path, body: [acceptance: true])
            }
            let outcome = answer.outcome(homeTransactionId: homeId, latency: start.duration(to: .now))
            ledger.withLock {
                $0.finish(homeTransactionId: homeId, completed: outcome.isCompleted, transferId: outcome.transferId, state: outcome.state)
            }
            logger.debug("core simulator payment ended", metadata: [
                "core.homeTransactionId": .string(homeId), "transfer.id": .string(outcome.transferId ?? "-"),
                "transfer.state": .string(outcome.state), "error.code": .string(outcome.errorCode ?? "-"),
            ])
            return outcome
        } catch {
            ledger.withLock { $0.finish(homeTransactionId: homeId, completed: false, transferId: nil, state: nil) }
            logger.warning("core simulator could not reach the connector", metadata: [
                "core.homeTransactionId": .string(homeId), "error": "\(error)",
            ])
            throw .connectorUnreachable(underlying: error)
        }
    }

    /// The continuation body member that accepts a paused outbound transfer.
    static func acceptance(for state: String?) -> String? {
        switch state {
        case "WAITING_FOR_PARTY_ACCEPTANCE": return "acceptParty"
        case "WAITING_FOR_QUOTE_ACCEPTANCE": return "acceptQuote"
        case "WAITING_FOR_CONVERSION_ACCEPTANCE": return "acceptConversion"
        default: return nil
        }
    }

    /// One call to the connector's outbound API. Throws only when no HTTP answer came.
    private func call(_ client: HTTPClient, method: CoreOutboundMethod, url: String, body: some Encodable) async throws -> CoreConnectorAnswer {
        var request = HTTPClientRequest(url: url)
        switch method {
        case .post: request.method = .POST
        case .put: request.method = .PUT
        }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let token = configuration.connectorToken { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        let response = try await client.execute(request, timeout: CoreSimulatorConfiguration.timeAmount(configuration.outboundTimeout))
        let buffer = try await response.body.collect(upTo: 8 << 20)
        return CoreConnectorAnswer(httpStatus: Int(response.status.code), body: Data(buffer.readableBytesView))
    }
}

/// The methods the core uses on the outbound API.
enum CoreOutboundMethod: Sendable { case post, put }

/// The connector's answer to `POST /transfers` or `PUT /transfers/{id}`, as far as the core reads it.
struct CoreConnectorAnswer: Sendable {
    var httpStatus: Int
    /// `transferResponse` (success) or `errorTransferResponse.transferState` (error).
    var state: CoreOutboundTransferState?
    /// The error answer's `statusCode` and `message`.
    var statusCode: String?
    var message: String?

    init(httpStatus: Int, body: Data) {
        self.httpStatus = httpStatus
        let decoder = JSONDecoder()
        if (200..<300).contains(httpStatus) {
            state = try? decoder.decode(CoreOutboundTransferState.self, from: body)
        } else if let error = try? decoder.decode(CoreOutboundErrorResponse.self, from: body) {
            state = error.transferState
            statusCode = error.statusCode
            message = error.message
        }
    }

    func outcome(homeTransactionId: String, latency: Duration) -> OutboundTransferOutcome {
        // The outbound API puts the Mojaloop error code in `statusCode` too; an HTTP status number there
        // (three digits) is not one.
        let statusCodeAsMojaloop = statusCode.flatMap { FSPIOPErrorCode($0)?.rawValue }
        return OutboundTransferOutcome(
            homeTransactionId: homeTransactionId, transferId: state?.transferId,
            state: state?.currentState ?? "ERROR_OCCURRED", httpStatus: httpStatus,
            errorCode: state?.mojaloopErrorCode ?? statusCodeAsMojaloop,
            errorMessage: state?.mojaloopErrorDescription ?? message, latency: latency)
    }
}
