import FSPIOP
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Tracing
import PaymentDomain

/// Calls the DFSP's core through the SDK's backend API (`sdk-scheme-adapter-backend-v2_1_0`): plain JSON
/// over HTTP, a timeout per call, retries with backoff when the core cannot be reached or answers 5xx,
/// and the core's errors mapped to FSPIOP errors (its `statusCode` when that is an FSPIOP code).
public struct BackendClient: Sendable {
    public var baseURL: String
    public var timeout: TimeAmount
    public var retries: Int
    let http: PooledHTTPClient
    let metrics: HTTPMetrics?
    let clock = WallClock()

    public init(baseURL: String, http: PooledHTTPClient, timeout: TimeAmount = .seconds(65), retries: Int = 2, metrics: HTTPMetrics? = nil) {
        self.metrics = metrics
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.http = http
        self.timeout = timeout
        self.retries = retries
    }

    /// `GET /parties/{idType}/{idValue}[/{idSubValue}]`: the party, or 3204 when the core does not know it.
    public func party(idType: String, idValue: String, idSubValue: String?) async throws(FSPIOPError) -> TransferParty {
        var path = "/parties/\(Self.escape(idType))/\(Self.escape(idValue))"
        if let idSubValue { path += "/\(Self.escape(idSubValue))" }
        let answer = try await call("GET", path, body: nil, notFound: .partyNotFound)
        return try Self.decode(TransferParty.self, answer, what: "party")
    }

    /// `POST /quoterequests` with the SDK's internal quote form.
    public func quote(_ request: QuotesPostRequest) async throws(FSPIOPError) -> BackendQuoteResponse {
        let answer = try await call("POST", "/quoterequests", body: Self.internalQuoteRequest(request), notFound: .partyNotFound)
        // The core may leave the ids out; they are the request's.
        guard case var .object(members) = answer else { throw FSPIOPError(.payeeError, "the core's quote is not a JSON object") }
        if !members.contains(where: { $0.0 == "quoteId" }) { members.append(("quoteId", .string(request.quoteId))) }
        if !members.contains(where: { $0.0 == "transactionId" }) { members.append(("transactionId", .string(request.transactionId))) }
        return try Self.decode(BackendQuoteResponse.self, .object(members), what: "quote")
    }

    /// `POST /transfers`: the core credits the payee.
    public func transfer(prepare: TransfersPostRequest, quoteRequest: QuotesPostRequest?, quote: QuotesIDPutResponse?) async throws(FSPIOPError) -> BackendTransferResponse {
        let answer = try await call("POST", "/transfers", body: try Self.internalTransferRequest(prepare, quoteRequest, quote), notFound: .partyNotFound)
        return try Self.decode(BackendTransferResponse.self, answer, what: "transfer")
    }

    /// `PUT /transfers/{transferId}`: the final state (`fulfilNotification`).
    public func notify(transferId: String, notification: TransfersIDPatchResponse) async throws(FSPIOPError) {
        let body: JSONValue = .object([
            ("currentState", .string(notification.transferState == "COMMITTED" ? "COMPLETED" : "ERROR_OCCURRED")),
            ("direction", .string("INBOUND")),
            ("finalNotification", .object([("completedTimestamp", .string(notification.completedTimestamp)),
                                           ("transferState", .string(notification.transferState))])),
        ])
        _ = try await call("PUT", "/transfers/\(Self.escape(transferId))", body: body, notFound: .transferIdNotFound)
    }

    /// `POST /transactionrequests` with the SDK's internal form (`mojaloopTransactionRequestToInternal`):
    /// `to` is the payee of the FSPIOP body and `from` its payer, as the SDK maps them.
    public func transactionRequest(_ request: TransactionRequestsPostRequest) async throws(FSPIOPError) -> BackendTransactionRequestResponse {
        var from: [(String, JSONValue)] = [("idType", .string(request.payer.partyIdType)), ("idValue", .string(request.payer.partyIdentifier))]
        if let sub = request.payer.partySubIdOrType { from.append(("idSubValue", .string(sub))) }
        if let fsp = request.payer.fspId { from.append(("fspId", .string(fsp))) }
        var members: [(String, JSONValue)] = [
            ("transactionRequestId", .string(request.transactionRequestId)), ("to", Self.party(request.payee)), ("from", .object(from)),
            ("amount", .string(request.amount.amount)), ("currency", .string(request.amount.currency)),
            ("transactionType", .string(request.transactionType.scenario)),
            ("initiator", .string(request.transactionType.initiator)), ("initiatorType", .string(request.transactionType.initiatorType)),
        ]
        if let sub = request.transactionType.subScenario { members.append(("subScenario", .string(sub))) }
        if let note = request.note { members.append(("note", .string(note))) }
        if let authentication = request.authenticationType { members.append(("authenticationType", .string(authentication))) }
        if let expiration = request.expiration { members.append(("expiration", .string(expiration))) }
        let answer = try await call("POST", "/transactionrequests", body: .object(members), notFound: .partyNotFound)
        return try Self.decode(BackendTransactionRequestResponse.self, answer, what: "transaction request")
    }

    /// `POST /bulkQuotes` with the SDK's internal form (`mojaloopBulkQuotesRequestToInternal`): the bulk's
    /// payer as `from`, each quote as the internal quote request without its own `from`.
    public func bulkQuote(_ request: BulkQuotesPostRequest) async throws(FSPIOPError) -> BackendBulkQuoteResponse {
        var members: [(String, JSONValue)] = [("bulkQuoteId", .string(request.bulkQuoteId)), ("from", Self.party(request.payer))]
        if let expiration = request.expiration { members.append(("expiration", .string(expiration))) }
        if let geoCode = request.geoCode, let value = try? JSONValueEncoder.encode(geoCode) { members.append(("geoCode", value)) }
        let items: [JSONValue] = request.individualQuotes.map { item in
            guard case let .object(fields) = Self.internalQuoteRequest(InboundBulkAnswers.quoteRequest(item, of: request)) else { return .null }
            return .object(fields.filter { !["from", "expiration", "extensionList"].contains($0.0) })
        }
        members.append(("individualQuotes", .array(items)))
        let answer = try await call("POST", "/bulkQuotes", body: .object(members), notFound: .partyNotFound)
        return try Self.decode(BackendBulkQuoteResponse.self, answer, what: "bulk quote")
    }

    /// `POST /bulkTransfers` with the SDK's internal form: each transfer's payee, type and note from the
    /// transaction in its ILP packet, the payer of the first as `from`.
    public func bulkTransfer(_ request: BulkTransfersPostRequest) async throws(FSPIOPError) -> BackendBulkTransferResponse {
        // The core reads each payee from its packet's transaction: one that cannot be read refuses the bulk here rather
        // than reaching the core as null.
        func party(_ value: JSONValue?, _ path: String) throws(FSPIOPError) -> JSONValue {
            guard let value else { throw FSPIOPError(.validationError, "\(path): is missing from the ILP transaction") }
            do { return Self.party(try JSONValueDecoder.decode(Party.self, from: value)) } catch {
                throw FSPIOPError(.validationError, "\(path): is not a Party (\(error))")
            }
        }
        var items: [JSONValue] = []
        var payer: JSONValue = .null
        for (index, item) in request.individualTransfers.enumerated() {
            let packet: ILPPacket
            do { packet = try ILPPacket(base64URL: item.ilpPacket) } catch {
                throw FSPIOPError(.validationError, "individualTransfers[\(index)].ilpPacket: cannot be decoded (\(error))")
            }
            guard let transaction = packet.transaction else {
                throw FSPIOPError(.validationError, "individualTransfers[\(index)].ilpPacket: holds no transaction")
            }
            if index == 0 { payer = try party(transaction["payer"], "individualTransfers[0].ilpPacket.payer") }
            var fields: [(String, JSONValue)] = [
                ("transferId", .string(item.transferId)), ("amount", .string(item.transferAmount.amount)),
                ("currency", .string(item.transferAmount.currency)), ("to", try party(transaction["payee"], "individualTransfers[\(index)].ilpPacket.payee")),
            ]
            if let type = transaction["transactionType"] {
                for (name, member) in [("transactionType", "scenario"), ("initiator", "initiator"), ("initiatorType", "initiatorType"),
                                       ("subScenario", "subScenario")] {
                    if let text = type[member]?.stringValue { fields.append((name, .string(text))) }
                }
            }
            if let note = transaction["note"]?.stringValue, !note.isEmpty { fields.append(("note", .string(note))) }
            items.append(.object(fields))
        }
        let body: JSONValue = .object([
            ("bulkTransferId", .string(request.bulkTransferId)), ("from", payer), ("individualTransfers", .array(items)),
        ])
        let answer = try await call("POST", "/bulkTransfers", body: body, notFound: .partyNotFound)
        return try Self.decode(BackendBulkTransferResponse.self, answer, what: "bulk transfer")
    }

    /// `GET /otp/{transactionRequestId}`: the OTP the payer entered for a request to pay.
    public func otp(transactionRequestId: String) async throws(FSPIOPError) -> String {
        let answer = try await call("GET", "/otp/\(Self.escape(transactionRequestId))", body: nil, notFound: .txnRequestIdNotFound)
        guard let value = answer["otpValue"]?.stringValue else { throw FSPIOPError(.payerError, "the core's OTP has no otpValue") }
        return value
    }

    /// `PUT /requestToPay/{transactionRequestId}` (`requestToPayCallback`): what the payer's DFSP answered.
    public func notifyRequestToPay(transactionRequestId: String, homeR2PTransactionId: String?, state: String) async throws(FSPIOPError) {
        var members: [(String, JSONValue)] = []
        if let homeR2PTransactionId { members.append(("homeR2PTransactionId", .string(homeR2PTransactionId))) }
        members.append(("transactionRequestState", .string(state)))
        _ = try await call("PUT", "/requestToPay/\(Self.escape(transactionRequestId))", body: .object(members), notFound: .transferIdNotFound)
    }

    // MARK: - The calls

    func call(_ method: String, _ path: String, body: JSONValue?, notFound: FSPIOPErrorCode) async throws(FSPIOPError) -> JSONValue {
        var attempt = 0
        let resource = path.split(separator: "/").first.map(String.init) ?? ""
        while true {
            let started = ContinuousClock.now
            do {
                let answer = try await callOnce(method, path, body: body, notFound: notFound)
                metrics?.recordCall(peer: "core", method: method, resource: resource, outcome: "ok", since: started)
                return answer
            } catch {
                metrics?.recordCall(peer: "core", method: method, resource: resource, outcome: error.retryable ? "unreachable" : "refused", since: started)
                attempt += 1
                guard error.retryable, attempt <= retries else { throw error.error }
                try? await Task.sleep(for: .milliseconds(50 << (2 * (attempt - 1))))
            }
        }
    }

    struct Failure: Error {
        var error: FSPIOPError
        var retryable: Bool
    }

    func callOnce(_ method: String, _ path: String, body: JSONValue?, notFound: FSPIOPErrorCode) async throws(Failure) -> JSONValue {
        // A client span per attempt, propagated to the core (`traceparent`), when tracing is on.
        let span = startSpan("core \(method) /\(path.split(separator: "/").first ?? "")", ofKind: .client)
        defer { span.end() }
        var headers = HTTPHeaders()
        TraceContext.inject(span.context, into: &headers)
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "Date", value: clock.now.httpDate)
        var bodyBuffer: ByteBuffer?
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            bodyBuffer = ByteBuffer(bytes: CanonicalJSON.insertionOrderBytes(body))
        }
        let response: PooledHTTPClient.Response
        let bytes: ByteBuffer
        do {
            response = try await http.execute(method: HTTPMethod(rawValue: method), url: baseURL + path, headers: headers, body: bodyBuffer,
                                              timeout: timeout)
            bytes = response.body
        } catch {
            throw Failure(error: FSPIOPError(.payeeError, "the core did not answer \(method) \(path): \(error)"), retryable: true)
        }
        let status = Int(response.status.code)
        let json = bytes.readableBytes == 0 ? nil : try? JSONParser.parse(Array(buffer: bytes))
        if (200..<300).contains(status) { return json ?? .object([]) }
        // The backend error shape: {statusCode, message}; statusCode is an FSPIOP code when the core can.
        let message = json?["message"]?.stringValue ?? String(buffer: bytes).prefix(200).description
        if let text = json?["statusCode"]?.stringValue, let code = FSPIOPErrorCode(text) {
            throw Failure(error: FSPIOPError(code, message), retryable: false)
        }
        if status == 404 { throw Failure(error: FSPIOPError(notFound, message), retryable: false) }
        if status >= 500 { throw Failure(error: FSPIOPError(.payeeError, "the core answered \(status): \(message)"), retryable: true) }
        throw Failure(error: FSPIOPError(.payeeRejectedTxn, "the core answered \(status): \(message)"), retryable: false)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue, what: String) throws(FSPIOPError) -> T {
        do { return try JSONValueDecoder.decode(T.self, from: value) } catch {
            throw FSPIOPError(.payeeError, "the core's \(what) does not fit the backend API: \(error)")
        }
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    // MARK: - The SDK's internal forms (sdk-scheme-adapter `shared.js`)

    static func party(_ party: Party?) -> JSONValue {
        guard let party else { return .null }
        var members: [(String, JSONValue)] = [
            ("idType", .string(party.partyIdInfo.partyIdType)), ("idValue", .string(party.partyIdInfo.partyIdentifier)),
        ]
        if let sub = party.partyIdInfo.partySubIdOrType { members.append(("idSubValue", .string(sub))) }
        if let fsp = party.partyIdInfo.fspId { members.append(("fspId", .string(fsp))) }
        if let name = party.name { members.append(("displayName", .string(name))) }
        if let complex = party.personalInfo?.complexName {
            if let first = complex.firstName { members.append(("firstName", .string(first))) }
            if let middle = complex.middleName { members.append(("middleName", .string(middle))) }
            if let last = complex.lastName { members.append(("lastName", .string(last))) }
        }
        if let birth = party.personalInfo?.dateOfBirth { members.append(("dateOfBirth", .string(birth))) }
        if let code = party.merchantClassificationCode { members.append(("merchantClassificationCode", .string(code))) }
        return .object(members)
    }

    static func internalQuoteRequest(_ request: QuotesPostRequest) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("quoteId", .string(request.quoteId)), ("transactionId", .string(request.transactionId)),
            ("to", party(request.payee)), ("from", party(request.payer)),
            ("amountType", .string(request.amountType)), ("amount", .string(request.amount.amount)),
            ("currency", .string(request.amount.currency)),
            ("transactionType", .string(request.transactionType.scenario)),
            ("initiator", .string(request.transactionType.initiator)), ("initiatorType", .string(request.transactionType.initiatorType)),
        ]
        if let fees = request.fees { members += [("feesAmount", .string(fees.amount)), ("feesCurrency", .string(fees.currency))] }
        if let sub = request.transactionType.subScenario { members.append(("subScenario", .string(sub))) }
        if let note = request.note { members.append(("note", .string(note))) }
        if let expiration = request.expiration { members.append(("expiration", .string(expiration))) }
        if let extensions = request.extensionList, let value = try? JSONValueEncoder.encode(extensions.extension) {
            members.append(("extensionList", value))
        }
        return .object(members)
    }

    static func internalTransferRequest(_ prepare: TransfersPostRequest, _ quoteRequest: QuotesPostRequest?,
                                        _ quote: QuotesIDPutResponse?) throws(FSPIOPError) -> JSONValue {
        var quoteMembers: [(String, JSONValue)] = [
            ("quoteId", .string(quoteRequest?.quoteId ?? prepare.transferId)),
            ("transactionId", .string(quoteRequest?.transactionId ?? prepare.transferId)),
            ("transferAmount", .string((quote?.transferAmount ?? prepare.amount).amount)),
            ("transferAmountCurrency", .string((quote?.transferAmount ?? prepare.amount).currency)),
        ]
        if let quote {
            if let receive = quote.payeeReceiveAmount { quoteMembers += [("payeeReceiveAmount", .string(receive.amount)), ("payeeReceiveAmountCurrency", .string(receive.currency))] }
            if let fee = quote.payeeFspFee { quoteMembers += [("payeeFspFeeAmount", .string(fee.amount)), ("payeeFspFeeAmountCurrency", .string(fee.currency))] }
            if let commission = quote.payeeFspCommission { quoteMembers += [("payeeFspCommissionAmount", .string(commission.amount)), ("payeeFspCommissionAmountCurrency", .string(commission.currency))] }
            quoteMembers.append(("expiration", .string(quote.expiration)))
        }
        // The core reads the payee, the amounts and the note from the packet's transaction: one that cannot be read is
        // refused here rather than sent as an empty object.
        let packet: ILPPacket
        do { packet = try ILPPacket(base64URL: prepare.ilpPacket) } catch {
            throw FSPIOPError(.validationError, "ilpPacket: cannot be decoded (\(error))")
        }
        guard let transaction = packet.transaction else { throw FSPIOPError(.validationError, "ilpPacket: holds no transaction") }
        var members: [(String, JSONValue)] = [
            ("transferId", .string(prepare.transferId)),
            ("quote", .object(quoteMembers)),
            ("from", party(quoteRequest?.payer)), ("to", party(quoteRequest?.payee)),
            ("amountType", .string(quoteRequest?.amountType ?? "SEND")),
            ("currency", .string(prepare.amount.currency)), ("amount", .string(prepare.amount.amount)),
            ("transactionType", .string(quoteRequest?.transactionType.scenario ?? "TRANSFER")),
            ("ilpPacket", .object([("data", transaction)])),
        ]
        if let note = quoteRequest?.note { members.append(("note", .string(note))) }
        if let sub = quoteRequest?.transactionType.subScenario { members.append(("subScenario", .string(sub))) }
        return .object(members)
    }
}
