import FSPIOP
import HTTPTypes
import Hummingbird
import PaymentDomain
import Processing

/// `POST /requestToPayTransfer` and `PUT /requestToPayTransfer/{transactionRequestId}`: the payer's core pays
/// a request to pay another DFSP sent it (the SDK's `OutboundRequestToPayTransferModel`). The quote names the
/// transaction request; the call answers `WAITING_FOR_QUOTE_ACCEPTANCE` (unless the initiator is a business
/// and `AUTO_ACCEPT_R2P_BUSINESS_QUOTES`); `acceptQuote` then asks the requesting DFSP for the OTP its
/// customer entered when `authenticationType` is `OTP` (answering `WAITING_FOR_AUTH_ACCEPTANCE` with it,
/// unless `AUTO_ACCEPT_R2P_DEVICE_OTP`), and `acceptOTP` sends the prepare; `COMPLETED` with the fulfil. A
/// `false` rejects the request to pay: `PUT /transactionRequests/{ID}` `REJECTED` goes to the DFSP that asked.
extension OutboundAPI {
    func postRequestToPayTransfer(_ request: Request) async -> Response {
        guard let body = await HTTPSupport.body(request, limit: settings.maximumBodyBytes) else {
            return Self.error(.contentTooLarge, statusCode: FSPIOPErrorCode.tooLargePayload.rawValue, "the body is too large")
        }
        let payment: RequestToPayTransferRequest
        do {
            payment = try Self.decodePaymentRequest(body)
        } catch {
            return Self.error(.badRequest, statusCode: error.code.rawValue, error.errorDescription)
        }
        let transferId = IDs.make()
        do { try await record(.paymentRequested(transferId: transferId, request: payment), key: transferId) } catch {
            logger.error("cannot record a request to pay transfer", metadata: ["error": "\(error)"])
            return Self.error(.serviceUnavailable, statusCode: FSPIOPErrorCode.serviceCurrentlyUnavailable.rawValue, "the request could not be recorded")
        }
        return await answerPayment(transferId, after: 0, stateKey: "requestToPayTransferState")
    }

    /// The SDK's `requestToPayTransferRequest`, checked: required members, types, amount, currency, parties,
    /// the transaction request's id, initiator and initiator type.
    static func decodePaymentRequest(_ body: [UInt8]) throws(FSPIOPError) -> RequestToPayTransferRequest {
        let (payment, _) = try decodeCoreRequest(RequestToPayTransferRequest.self, body, flags: [], required: [
            "homeR2PTransactionId", "transactionRequestId", "from", "to", "amountType", "currency", "amount", "scenario", "initiator", "initiatorType",
        ])
        try checkPayment(amountType: payment.amountType, currency: payment.currency, amount: payment.amount,
                         parties: [("from", payment.from), ("to", payment.to)])
        guard FSPIOPFormat.correlationId.accepts(payment.transactionRequestId, version: .v2_0) else {
            throw FSPIOPError(.malformedSyntax, "transactionRequestId: must be a CorrelationId")
        }
        guard TransactionInitiator(rawValue: payment.initiator) != nil else { throw FSPIOPError(.malformedSyntax, "initiator: must be PAYER or PAYEE") }
        guard TransactionInitiatorType(rawValue: payment.initiatorType) != nil else {
            throw FSPIOPError(.malformedSyntax, "initiatorType: must be CONSUMER, AGENT, BUSINESS or DEVICE")
        }
        if let type = payment.authenticationType, AuthenticationType(rawValue: type) == nil {
            throw FSPIOPError(.malformedSyntax, "authenticationType: must be OTP, QRCODE or U2F")
        }
        return payment
    }

    /// `{"acceptQuote": bool}` or `{"acceptOTP": bool}`: true goes on; false rejects the request to pay.
    func putRequestToPayTransfer(_ request: Request, transactionRequestId: String) async -> Response {
        let members: [(String, JSONValue)]
        do { members = try await HTTPSupport.jsonObject(request, limit: settings.maximumBodyBytes) } catch { return Self.error(error) }
        guard members.count == 1, ["acceptQuote", "acceptOTP"].contains(members[0].0), case let .bool(accept) = members[0].1 else {
            return Self.error(.badRequest, statusCode: FSPIOPErrorCode.malformedSyntax.rawValue, "body: must be {\"acceptQuote\": true|false} or {\"acceptOTP\": true|false}")
        }
        let isQuote = members[0].0 == "acceptQuote"
        let expected: OutboundTransfer.Phase = isQuote ? .waitingForQuoteAcceptance : .waitingForAuthorizationAcceptance
        guard let current = await settled({ [board] in board.transfer(transactionRequestId: transactionRequestId) }, until: { $0.phase == expected }) else {
            return Self.error(.notFound, statusCode: FSPIOPErrorCode.transferIdNotFound.rawValue, "no transfer pays transaction request \(transactionRequestId)")
        }
        guard current.phase == expected else {
            let detail = "the transfer is not waiting for \(members[0].0) (it is \(current.phase.sdkState ?? current.phase.rawValue))"
            return Self.stateError(current.lastError, status: .internalServerError, FSPIOPError(.clientError, detail),
                                   stateKey: "transferState", state: Self.paymentResponse(current))
        }
        let fact = ConnectorFact.paymentDecided(transferId: current.transferId, acceptQuote: isQuote ? accept : nil, acceptOTP: isQuote ? nil : accept)
        do { try await record(fact, key: current.transferId) } catch {
            return Self.error(.serviceUnavailable, statusCode: FSPIOPErrorCode.serviceCurrentlyUnavailable.rawValue, "the decision could not be recorded")
        }
        return await answerPayment(current.transferId, after: current.version, stateKey: "transferState")
    }

    /// Waits for the transfer to pause or end after `version`, and answers as the SDK does; a rejected
    /// request to pay is answered as the SDK's `rejectRequestToPay` (`{"status": "<ID> has been REJECTED"}`).
    func answerPayment(_ transferId: String, after version: Int64, stateKey: String) async -> Response {
        let update = await board.wait(for: transferId, timeout: settings.waitLimit) { $0.version > version && $0.phase.sdkState != nil }
        switch update {
        case let .state(transfer)?:
            if transfer.phase == .errored {
                let timedOut = transfer.lastError?.httpStatusCode == 504 || transfer.lastError?.mojaloopError?.errorInformation.errorCode == .serverTimedOut
                return Self.stateError(transfer.lastError, status: HTTPResponse.Status(code: timedOut ? 504 : 500), nil,
                                       stateKey: stateKey, state: Self.paymentResponse(transfer))
            }
            if transfer.phase == .aborted, transfer.rejectedPaymentRequest, let id = transfer.paymentRequest?.transactionRequestId {
                return HTTPSupport.json(.ok, .object([("status", .string("\(id) has been REJECTED"))]))
            }
            return HTTPSupport.json(.ok, Self.paymentResponse(transfer))
        case let .refused(error)?:
            return Self.error(.badRequest, statusCode: error.code.rawValue, error.errorDescription)
        case nil:
            if Task.isCancelled { return Self.stopping() }
            let transfer = board.transfer(transferId) ?? OutboundTransfer(transferId: transferId)
            return Self.stateError(transfer.lastError, status: .gatewayTimeout, FSPIOPError(.serverTimedOut, "the transfer did not reach a state to report in time"),
                                   stateKey: stateKey, state: Self.paymentResponse(transfer))
        }
    }

    /// The SDK's `requestToPayTransferResponse`: the request as the core sent it, the transfer's id and state,
    /// and what came back at each stage.
    static func paymentResponse(_ transfer: OutboundTransfer) -> JSONValue {
        var members: [(String, JSONValue)] = [("transferId", .string(transfer.transferId))]
        if let payment = transfer.paymentRequest, case let .object(requestMembers)? = try? JSONValueEncoder.encode(payment) {
            members += requestMembers
            members.append(("transactionType", .string(payment.scenario)))
        }
        members.append(("currentState", .string(transfer.phase.sdkState ?? "WAITING")))
        let source = transfer.paymentRequest?.to.fspId
        if let quoteId = transfer.quoteId { members.append(("quoteId", .string(quoteId))) }
        if let quote = transfer.quoteResponse, let value = try? JSONValueEncoder.encode(quote) {
            members.append(("quoteResponse", .object([("body", value), ("headers", .object([]))])))
        }
        if let quoteSource = transfer.quoteResponseSource { members.append(("quoteResponseSource", .string(quoteSource))) }
        if let authorization = transfer.authorizationResponse, let value = try? JSONValueEncoder.encode(authorization) {
            let headers = callbackHeaders(resource: "authorizations", source: source, destination: transfer.quoteRequest?.payer.partyIdInfo.fspId ?? "")
            members.append(("authorizationResponse", .object([("body", value), ("headers", headers)])))
        }
        if let fulfil = transfer.fulfil, let value = try? JSONValueEncoder.encode(fulfil) {
            members.append(("fulfil", .object([("body", value), ("headers", .object([]))])))
        }
        if let error = transfer.lastError, let value = try? JSONValueEncoder.encode(error) { members.append(("lastError", value)) }
        return .object(members)
    }

    /// The SDK's `handleError` shape: the FSPIOP code as `statusCode`, a message, and the state under `stateKey`.
    static func stateError(_ lastError: TransferError?, status: HTTPResponse.Status, _ override: FSPIOPError?, stateKey: String, state: JSONValue) -> Response {
        let info = override?.errorInformation.errorInformation ?? lastError?.mojaloopError?.errorInformation
        return HTTPSupport.json(status, .object([
            ("statusCode", .string(info?.errorCode.rawValue ?? String(status.code))),
            ("message", .string(info?.errorDescription ?? "the transfer failed")),
            (stateKey, state),
        ]))
    }
}
