import EventLog
import FSPIOP
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PaymentDomain
import Tracing
import Processing
import ServiceLifecycle

/// The simplified outbound API the core calls (`sdk-scheme-adapter-outbound-v2_1_0`): synchronous
/// calls that record the core's request on `pm.core.inbound`, then wait for the transfer to reach a
/// state the SDK would answer with (`WAITING_FOR_PARTY_ACCEPTANCE`, `WAITING_FOR_QUOTE_ACCEPTANCE`,
/// `COMPLETED`, `ERROR_OCCURRED`) and answer with the same bodies and error shapes as the SDK.
public struct OutboundAPI: HTTPResponder {
    public typealias Context = BasicRequestContext

    public struct Settings: Sendable {
        public var topics: ConnectorTopics
        public var configuration: OutboundConfiguration
        public var maximumBodyBytes: Int
        /// False in a process without the edge role: only `/health`, `/ready` and `/metrics` are served.
        public var servesAPI = true
        /// The token every call but `/health` and `/ready` must carry as `Authorization: Bearer ...`, or nil.
        public var bearerToken: [UInt8]?
        /// True when the board follows a processor in another process (``BoardFeeder``): a continuation may reach
        /// this edge before the state another edge answered with, so it waits a little for it.
        public var followsLog = false

        public init(topics: ConnectorTopics, configuration: OutboundConfiguration, maximumBodyBytes: Int = 1 << 20) {
            self.topics = topics
            self.configuration = configuration
            self.maximumBodyBytes = maximumBodyBytes
        }

        /// How long a synchronous call waits: every stage may take the request timeout, the prepare
        /// its expiry on top, and the status queries after it (the SDK's stages, end to end).
        var waitLimit: Duration {
            let stage = configuration.requestTimeoutSeconds
            return .seconds(stage * (3 + OutboundTransfer.statusQueries) + configuration.expirySeconds + 5)
        }
    }

    let log: any EventLog
    let settings: Settings
    let board: OutboundBoard
    let metrics: HTTPMetrics
    /// How much this API takes on at once.
    let admission: Admission
    let ready: @Sendable () -> Bool
    let logger: Logger
    let clock = WallClock()

    public init(log: any EventLog, settings: Settings, board: OutboundBoard, metrics: HTTPMetrics,
                admission: Admission = Admission(limits: AdmissionLimits(), backlog: Backlog()),
                ready: @escaping @Sendable () -> Bool, logger: Logger) {
        self.admission = admission
        self.log = log
        self.settings = settings
        self.board = board
        self.metrics = metrics
        self.ready = ready
        self.logger = logger
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let method = request.method.rawValue
        let path = request.uri.path
        let response: Response
        if let token = settings.bearerToken, !Self.isOpen(method: method, path: path), !Self.authorizes(request.headers[.authorization], token: token) {
            metrics.count("pm_outbound_unauthorized_total")
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer"
            headers[.contentType] = "application/json"
            let body = CanonicalJSON.insertionOrderBytes(.object([("statusCode", .string("401")),
                                                                  ("message", .string("a valid bearer token is required"))]))
            response = Response(status: .unauthorized, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        } else if !Self.isOpen(method: method, path: path), path != "/metrics",
                  let refusal = admission.enter(method == "POST" ? .newWork : .ongoing) {
            // More than the connector can take at once: refused now, to be tried again, instead of a queue that grows.
            metrics.count("pm_overload_refused_total", labels: ["api": "outbound", "reason": refusal.rawValue])
            var refused = Self.error(.serviceUnavailable, statusCode: FSPIOPErrorCode.serviceCurrentlyUnavailable.rawValue,
                                     "the connector is at capacity (\(refusal.rawValue)); try again")
            refused.headers[.retryAfter] = "1"
            response = refused
        } else {
            // A synchronous call waits for the processor, which stops with the connector: on graceful shutdown the wait
            // ends at once (``stopping()``) instead of holding the server open until its timeout.
            let route = HTTPMetrics.routeLabel(path, resources: Self.resources)
            response = await withSpan("outbound \(method) \(route)", context: TraceContext.extract(request.headers), ofKind: .server) { span in
                let response = await cancelWhenGracefulShutdown { await self.handle(request, method: method, path: path) }
                span.attributes["http.response.status_code"] = Int(response.status.code)
                return response
            }
            if !Self.isOpen(method: method, path: path), path != "/metrics" { admission.leave() }
        }
        if path != "/metrics" {
            metrics.record(api: "outbound", method: method, route: HTTPMetrics.routeLabel(path, resources: Self.resources),
                           status: Int(response.status.code), since: started)
        }
        return response
    }

    /// The probes an orchestrator calls without credentials: they tell whether the process is up, nothing more.
    static func isOpen(method: String, path: String) -> Bool {
        method == "GET" && (path == "/" || path == "/health" || path == "/ready")
    }

    /// Whether an `Authorization` value is `Bearer <token>`, compared in constant time.
    static func authorizes(_ value: String?, token: [UInt8]) -> Bool {
        guard let value, value.count > 7, value.prefix(7).lowercased() == "bearer " else { return false }
        let given = Array(value.utf8.dropFirst(7))
        guard given.count == token.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<token.count { difference |= given[index] ^ token[index] }
        return difference == 0
    }

    /// The first path segments this API serves: the only route labels of its metrics besides `other`.
    static let resources: Set<Substring> = ["health", "ready", "parties", "transfers", "requestToPay", "requestToPayTransfer", "quotes",
                                            "simpleTransfers", "bulkQuotes", "bulkTransfers"]

    func handle(_ request: Request, method: String, path: String) async -> Response {
        // Decoded, so that an id the core percent-encoded in the path is the id it means.
        guard let segments = FSPIOPPath.segments(of: Substring(path)) else {
            return Self.error(.badRequest, statusCode: FSPIOPErrorCode.malformedSyntax.rawValue, "the path is not validly percent-encoded")
        }
        switch (method, segments.first ?? "", segments.count) {
        case ("GET", "", 0), ("GET", "health", 1):
            return HTTPSupport.json(.ok, .object([("status", .string("OK"))]))
        case ("GET", "ready", 1):
            return ready() ? HTTPSupport.json(.ok, .object([("status", .string("READY"))]))
                : HTTPSupport.json(.serviceUnavailable, .object([("status", .string("STARTING"))]))
        case ("GET", "metrics", 1):
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        case _ where !settings.servesAPI:
            return Self.error(.notFound, statusCode: "404", "this Payment Manager runs the processor role only (PM_ROLES): call one with the edge role")
        case ("GET", "parties", 3), ("GET", "parties", 4):
            return await getParty(segments)
        case ("POST", "transfers", 1):
            return await postTransfer(request)
        case ("POST", "requestToPay", 1):
            return await postRequestToPay(request)
        case ("PUT", "requestToPay", 2):
            return await putRequestToPay(request, id: segments[1])
        case ("GET", "requestToPay", 2):
            // Not in the SDK: the state of a request to pay, as the POST answered it.
            guard let current = board.requestToPay(segments[1]) else {
                return Self.error(.notFound, statusCode: FSPIOPErrorCode.clientError.rawValue, "no request to pay \(segments[1])")
            }
            return HTTPSupport.json(.ok, Self.requestToPayResponse(current, dfspId: settings.configuration.dfspId))
        case ("POST", "requestToPayTransfer", 1):
            return await postRequestToPayTransfer(request)
        case ("PUT", "requestToPayTransfer", 2):
            return await putRequestToPayTransfer(request, transactionRequestId: segments[1])
        case ("GET", "requestToPayTransfer", 2):
            // Not in the SDK: the transfer paying a request to pay, as the POST answered it.
            guard let transfer = board.transfer(transactionRequestId: segments[1]) else {
                return Self.error(.notFound, statusCode: FSPIOPErrorCode.transferIdNotFound.rawValue, "no transfer pays transaction request \(segments[1])")
            }
            return HTTPSupport.json(.ok, Self.paymentResponse(transfer))
        case ("POST", "quotes", 1):
            return await relay(request, .quotes)
        case ("POST", "simpleTransfers", 1):
            return await relay(request, .transfers)
        case ("POST", "bulkQuotes", 1):
            return await postBulkQuotes(request)
        case ("POST", "bulkTransfers", 1):
            return await postBulkTransfers(request)
        case ("PUT", "transfers", 2):
            return await putTransfer(request, id: segments[1])
        case ("GET", "transfers", 2):
            return getTransfer(id: segments[1])
        case ("GET", "transfers", 1):
            // Not in the SDK: a core that lost its connection finds its transfer by its own id.
            guard let home = request.uri.queryParameters.get("homeTransactionId"), let transfer = board.transfer(homeTransactionId: home) else {
                return Self.error(.notFound, statusCode: FSPIOPErrorCode.transferIdNotFound.rawValue, "no transfer with that homeTransactionId")
            }
            return HTTPSupport.json(.ok, Self.transferResponse(transfer))
        default:
            return Self.error(.notFound, statusCode: "404", "\(method) \(path) is not supported by this connector")
        }
    }

    // MARK: - POST /transfers

    func postTransfer(_ request: Request) async -> Response {
        guard let body = await HTTPSupport.body(request, limit: settings.maximumBodyBytes) else {
            return Self.error(.contentTooLarge, statusCode: FSPIOPErrorCode.tooLargePayload.rawValue, "the body is too large")
        }
        let transferRequest: OutboundTransferRequest
        let overrides: (party: Bool?, quote: Bool?)
        do {
            (transferRequest, overrides) = try Self.decodeTransferRequest(body)
        } catch {
            return Self.error(.badRequest, statusCode: error.code.rawValue, error.errorDescription)
        }
        let transferId = IDs.make()
        let fact = ConnectorFact.transferRequested(transferId: transferId, request: transferRequest,
                                                   autoAcceptParty: overrides.party, autoAcceptQuote: overrides.quote)
        do { try await record(fact, key: transferId) } catch {
            logger.error("cannot record a transfer request", metadata: ["error": "\(error)"])
            return Self.error(.serviceUnavailable, statusCode: FSPIOPErrorCode.serviceCurrentlyUnavailable.rawValue, "the request could not be recorded")
        }
        return await answer(transferId, after: 0)
    }

    /// The SDK's request body, checked: required members, types, amounts and currencies; the per-request
    /// auto-accept overrides the SDK reads (`options.autoAcceptParty`/`autoAcceptQuote`... are global in the
    /// SDK; here a request may carry `autoAcceptParty` / `autoAcceptQuote` at its root too).
    static func decodeTransferRequest(_ body: [UInt8]) throws(FSPIOPError) -> (OutboundTransferRequest, (party: Bool?, quote: Bool?)) {
        let (request, flags) = try decodeCoreRequest(OutboundTransferRequest.self, body, flags: ["autoAcceptParty", "autoAcceptQuote"],
                                                     required: ["homeTransactionId", "from", "to", "amountType", "currency", "amount", "transactionType"])
        try checkPayment(amountType: request.amountType, currency: request.currency, amount: request.amount, parties: [("from", request.from), ("to", request.to)])
        if let problem = request.expiryProblem { throw FSPIOPError(.malformedSyntax, problem) }
        return (request, (flags["autoAcceptParty"], flags["autoAcceptQuote"]))
    }

    /// A core request body: JSON, an object with the `required` members, decoded as `T`; the boolean
    /// `flags` at its root (our per-request overrides) are taken out first.
    static func decodeCoreRequest<T: Decodable>(_ type: T.Type, _ body: [UInt8], flags: [String], required: [String]) throws(FSPIOPError) -> (T, [String: Bool]) {
        var members = try HTTPSupport.jsonObject(body)
        var values: [String: Bool] = [:]
        for name in flags {
            guard let index = members.firstIndex(where: { $0.0 == name }) else { continue }
            guard case let .bool(value) = members[index].1 else { throw FSPIOPError(.malformedSyntax, "\(name): must be a boolean") }
            members.remove(at: index)
            values[name] = value
        }
        for name in required where !members.contains(where: { $0.0 == name }) {
            throw FSPIOPError(.missingElement, "\(name): is required")
        }
        do {
            return (try JSONValueDecoder.decode(T.self, from: .object(members)), values)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw FSPIOPError(.malformedSyntax, "\(context.codingPath.map(\.stringValue).joined(separator: ".")): has the wrong type")
        } catch let DecodingError.keyNotFound(key, context) {
            throw FSPIOPError(.missingElement, "\((context.codingPath + [key]).map(\.stringValue).joined(separator: ".")): is required")
        } catch {
            throw FSPIOPError(.malformedSyntax, "body: \(error)")
        }
    }

    /// The checks every payment request of the core passes: amount type, currency, amount, parties.
    static func checkPayment(amountType: String, currency: String, amount: String, parties: [(String, TransferParty)]) throws(FSPIOPError) {
        guard ["SEND", "RECEIVE"].contains(amountType) else { throw FSPIOPError(.malformedSyntax, "amountType: must be SEND or RECEIVE") }
        guard currency.count == 3, currency.allSatisfy({ $0.isUppercase && $0.isASCII }) else {
            throw FSPIOPError(.malformedSyntax, "currency: must be an ISO 4217 code")
        }
        guard Self.isAmount(amount) else { throw FSPIOPError(.malformedSyntax, "amount: is not an FSPIOP amount") }
        for (name, party) in parties {
            guard !party.idType.isEmpty, !party.idValue.isEmpty else { throw FSPIOPError(.missingElement, "\(name).idType and \(name).idValue: are required") }
            // The FSPIOP rules of a PartyIdInfo: the type, the identifier's length, and an fspId that can travel in a header.
            do { try party.partyIdInfo.validate(version: .v1_1) } catch {
                throw FSPIOPError(error.code, "\(name).\(error.detail ?? error.code.name)")
            }
        }
    }

    /// `^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$` (API Definition v1.1 §7.2.2).
    static func isAmount(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 18, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        if whole.count > 1, whole.first == "0" { return false }
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...4).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber }), fraction.last != "0" else { return false }
        }
        return true
    }

    // MARK: - GET /parties/{Type}/{ID}[/{SubId}]

    /// A party lookup on its own (the SDK's `PartiesModel`): 200 `{party: {body, headers}, currentState}`,
    /// or the FSPIOP error that came back (404 for an unknown party, 504 for no answer in time).
    func getParty(_ segments: [String]) async -> Response {
        let info = PartyIdInfo(partyIdType: segments[1], partyIdentifier: segments[2], partySubIdOrType: segments.count == 4 ? segments[3] : nil)
        do { try info.validate(version: .v1_1) } catch {
            return Self.error(.badRequest, statusCode: error.code.rawValue, error.errorDescription)
        }
        let requestId = IDs.make()
        do { try await record(.partyLookupRequested(requestId: requestId, party: info), key: requestId) } catch {
            return Self.error(.serviceUnavailable, statusCode: FSPIOPErrorCode.serviceCurrentlyUnavailable.rawValue, "the request could not be recorded")
        }
        let timeout = Duration.seconds(settings.configuration.requestTimeoutSeconds + 5)
        switch await board.waitForLookup(requestId, timeout: timeout) {
        case let .resolved(party)?:
            let body = (try? JSONValueEncoder.encode(PartiesTypeIDPutResponse(party: party))) ?? .null
            return HTTPSupport.json(.ok, .object([("party", .object([("body", body), ("headers", .object([]))])),
                                                  ("currentState", .string("COMPLETED"))]))
        case let .failed(error)?:
            let code = error.errorInformation.errorCode
            let status: HTTPResponse.Status = code == .serverTimedOut ? .gatewayTimeout : code == .partyNotFound ? .notFound : .internalServerError
            return HTTPSupport.json(status, (try? JSONValueEncoder.encode(error)) ?? .null)
        case nil:
            if Task.isCancelled { return Self.stopping() }
            return HTTPSupport.fspiopError(FSPIOPError(.serverTimedOut, "no answer to GET /parties in time"), status: 504)
        }
    }

    // MARK: - POST /requestToPay, PUT /requestToPay/{id}

    /// A request to pay for this DFSP's customer (`from`) to another DFSP's customer (`to`): answered
    /// once the party is resolved and waits for `acceptParty` (unless `AUTO_ACCEPT_R2P_PARTY`, or
    /// `autoAcceptParty` at the body's root), or when the payer's DFSP answered, or failed.
    func postRequestToPay(_ request: Request) async -> Response {
        guard let body = await HTTPSupport.body(request, limit: settings.maximumBodyBytes) else {
            return Self.error(.contentTooLarge, statusCode: FSPIOPErrorCode.tooLargePayload.rawValue, "the body is too large")
        }
        let payment: RequestToPayRequest
        let flags: [String: Bool]
        do {
            (payment, flags) = try Self.decodeCoreRequest(RequestToPayRequest.self, body, flags: ["autoAcceptParty"],
                                                          required: ["homeR2PTransactionId", "from", "to", "amountType", "currency", "amount", "transactionType"])
            try Self.checkPayment(amountType: payment.amountType, currency: payment.currency, amount: payment.amount,
                                  parties: [("from", payment.from), ("to", payment.to)])
        } catch {
            return Self.error(.badRequest, statusCode: error.code.rawValue, error.errorDescription)
        }
        let id = IDs.make()
        do {
            try await record(.requestToPayRequested(transactionRequestId: id, request: payment, autoAcceptParty: flags["autoAcceptParty"]), key: id)
        } catch {
            logger.error("cannot record a request to pay", metadata: ["error": "\(error)"])
            return Self.error(.serviceUnavailable, statusCode: FSPIOPErrorCode.serviceCurrentlyUnavailable.rawValue, "the request could not be recorded")
        }
        return await answerRequestToPay(id, after: 0)
    }

    /// `{"acceptParty": true}` goes on; `false` ends it (the SDK rejects anything but true).
    func putRequestToPay(_ request: Request, id: String) async -> Response {
        guard let current = board.requestToPay(id) else {
            return Self.error(.notFound, statusCode: FSPIOPErrorCode.clientError.rawValue, "no request to pay \(id)")
        }
        let members: [(String, JSONValue)]
        do { members = try await HTTPSupport.jsonObject(request, limit: settings.maximumBodyBytes) } catch { return Self.error(error) }
        guard members.count == 1, members[0].0 == "acceptParty", case let .bool(accept) = members[0].1 else {
            return Self.error(.badRequest, statusCode: FSPIOPErrorCode.malformedSyntax.rawValue, "body: must be {\"acceptParty\": true|false}")
        }
        guard current.phase == .waitingForPartyAcceptance else {
            return Self.requestToPayError(current, status: .internalServerError, dfspId: settings.configuration.dfspId,
                                          FSPIOPError(.clientError, "the request to pay is not waiting for acceptParty (it is \(current.phase.sdkState ?? current.phase.rawValue))"))
        }
        do { try await record(.requestToPayDecided(transactionRequestId: id, acceptParty: accept), key: id) } catch {
            return Self.error(.serviceUnavailable, statusCode: FSPIOPErrorCode.serviceCurrentlyUnavailable.rawValue, "the decision could not be recorded")
        }
        return await answerRequestToPay(id, after: current.version)
    }

    func answerRequestToPay(_ id: String, after version: Int64) async -> Response {
        let dfspId = settings.configuration.dfspId
        let update = await board.waitForRequestToPay(id, timeout: settings.waitLimit) { $0.version > version && $0.phase.sdkState != nil }
        switch update {
        case let .state(current)?:
            if current.phase == .errored {
                let timedOut = current.lastError?.httpStatusCode == 504
                return Self.requestToPayError(current, status: HTTPResponse.Status(code: timedOut ? 504 : 500), dfspId: dfspId, nil)
            }
            return HTTPSupport.json(.ok, Self.requestToPayResponse(current, dfspId: dfspId))
        case let .refused(error)?:
            return Self.error(.badRequest, statusCode: error.code.rawValue, error.errorDescription)
        case nil:
            if Task.isCancelled { return Self.stopping() }
            let current = board.requestToPay(id) ?? RequestToPay(transactionRequestId: id)
            return Self.requestToPayError(current, status: .gatewayTimeout, dfspId: dfspId,
                                          FSPIOPError(.serverTimedOut, "the request to pay did not reach a state to report in time"))
        }
    }

    /// The SDK's error shape for a request to pay: the FSPIOP code as `statusCode`, and the request's state.
    static func requestToPayError(_ current: RequestToPay, status: HTTPResponse.Status, dfspId: String, _ override: FSPIOPError?) -> Response {
        let info = override?.errorInformation.errorInformation ?? current.lastError?.mojaloopError?.errorInformation
        return HTTPSupport.json(status, .object([
            ("statusCode", .string(info?.errorCode.rawValue ?? String(status.code))),
            ("message", .string(info?.errorDescription ?? "the request to pay failed")),
            ("requestToPayState", requestToPayResponse(current, dfspId: dfspId)),
        ]))
    }

    /// The SDK's `requestToPayResponse`.
    static func requestToPayResponse(_ current: RequestToPay, dfspId: String) -> JSONValue {
        var members: [(String, JSONValue)] = [("transactionRequestId", .string(current.transactionRequestId))]
        if let request = current.request {
            var from = request.from
            from.fspId = dfspId
            if let value = try? JSONValueEncoder.encode(from) { members.append(("from", value)) }
            if let value = try? JSONValueEncoder.encode(request.to.resolved(as: current.party)) { members.append(("to", value)) }
            members += [("amountType", .string(request.amountType)), ("currency", .string(request.currency)), ("amount", .string(request.amount)),
                        ("transactionType", .string(request.transactionType))]
            if let sub = request.subScenario { members.append(("subScenario", .string(sub))) }
        }
        members.append(("currentState", .string(current.phase.sdkState ?? "WAITING")))
        if let party = current.party, let value = try? JSONValueEncoder.encode(PartiesTypeIDPutResponse(party: party)) {
            members.append(("getPartiesResponse", .object([("body", value), ("headers", .object([]))])))
        }
        if let response = current.response, let value = try? JSONValueEncoder.encode(response) {
            let headers = callbackHeaders(resource: "transactionRequests", source: current.responseSource, destination: dfspId)
            members.append(("transactionRequestResponse", .object([("body", value), ("headers", headers)])))
        }
        if let error = current.lastError, let value = try? JSONValueEncoder.encode(error) { members.append(("lastError", value)) }
        return .object(members)
    }

    // MARK: - POST /quotes, POST /simpleTransfers

    /// Relays the core's own FSPIOP body to `fspId` and answers with the callback, as the SDK's
    /// Async2Sync models do: 200 `{quotes|transfer: {body, headers}, currentState: "COMPLETED"}` for the
    /// callback, whether a success or an `errorInformation` (`PUT .../error`); 504 when none came in
    /// time; 500 when the hub refused the request.
    func relay(_ request: Request, _ resource: RelayedRequest.Resource) async -> Response {
        guard let bytes = await HTTPSupport.body(request, limit: settings.maximumBodyBytes) else {
            return Self.error(.contentTooLarge, statusCode: FSPIOPErrorCode.tooLargePayload.rawValue, "the body is too large")
        }
        let (destination, body, id): (String, JSONValue, String)
        do {
            (destination, body, id) = try Self.decodeRelayRequest(bytes, resource)
        } catch {
            return Self.error(.badRequest, statusCode: error.code.rawValue, error.errorDescription)
        }
        let member = resource == .quotes ? "quotes" : "transfer"
        switch await relayAndWait(resource, id: id, destination: destination, body: body) {
        case let .ended(relayed):
            if relayed.phase == .answered, let answer = relayed.answer {
                let headers = Self.callbackHeaders(resource: resource.rawValue, source: relayed.answerSource, destination: settings.configuration.dfspId)
                return HTTPSupport.json(.ok, .object([(member, .object([("body", answer), ("headers", headers)])),
                                                      ("currentState", .string(relayed.sdkState))]))
            }
            let info = relayed.error?.errorInformation
            let timedOut = info?.errorCode == .serverTimedOut
            return HTTPSupport.json(timedOut ? .gatewayTimeout : .internalServerError, .object([
                ("statusCode", .string(info?.errorCode.rawValue ?? FSPIOPErrorCode.internalServerError.rawValue)),
                ("message", .string(info?.errorDescription ?? "the request failed")),
                (member, .object([("currentState", .string(relayed.sdkState))])),
            ]))
        case let .failed(response):
            return response
        }
    }

    enum RelayWait {
        /// The relayed request ended: answered, or failed (refused by the hub, or no callback in time).
        case ended(RelayedRequest)
        /// Not relayed: the answer to give.
        case failed(Response)
    }

    /// Records the request to relay and waits for its end (`REQUEST_PROCESSING_TIMEOUT_SECONDS`, and some).
    func relayAndWait(_ resource: RelayedRequest.Resource, id: String, destination: String, body: JSONValue) async -> RelayWait {
        let key = RelayedRequest.key(resource, id)
        do { try await record(.relayRequested(resource, id: id, destination: destination, body: body), key: key) } catch {
            logger.error("cannot record a relayed request", metadata: ["error": "\(error)"])
            return .failed(Self.error(.serviceUnavailable, statusCode: FSPIOPErrorCode.serviceCurrentlyUnavailable.rawValue, "the request could not be recorded"))
        }
        switch await board.waitForRelayed(key, timeout: .seconds(settings.configuration.requestTimeoutSeconds + 5)) {
        case let .ended(relayed)?: return .ended(relayed)
        case let .refused(error)?: return .failed(Self.error(.badRequest, statusCode: error.code.rawValue, error.errorDescription))
        case nil:
            if Task.isCancelled { return .failed(Self.stopping()) }
            return .failed(Self.error(.gatewayTimeout, statusCode: FSPIOPErrorCode.serverTimedOut.rawValue, "no callback in time"))
        }
    }

    /// `{fspId, quotesPostRequest}` or `{fspId, transfersPostRequest}`: the destination, the FSPIOP body
    /// (checked as the hub would check it) and its id.
    static func decodeRelayRequest(_ bytes: [UInt8], _ resource: RelayedRequest.Resource) throws(FSPIOPError) -> (String, JSONValue, String) {
        let members = try HTTPSupport.jsonObject(bytes)
        let json = JSONValue.object(members)
        let inner = resource == .quotes ? "quotesPostRequest" : "transfersPostRequest"
        for (name, _) in members where name != "fspId" && name != inner {
            throw FSPIOPError(.malformedSyntax, "\(name): is not a member of the request")
        }
        guard let fspValue = json["fspId"] else { throw FSPIOPError(.missingElement, "fspId: is required") }
        guard let fspId = fspValue.stringValue, FSPIOPFormat.isHeaderSafeFspId(fspId) else {
            throw FSPIOPError(.malformedSyntax, "fspId: must be a string of 1 to 32 visible ASCII characters (it is sent in FSPIOP-Destination)")
        }
        guard let body = json[inner] else { throw FSPIOPError(.missingElement, "\(inner): is required") }
        guard case .object = body else { throw FSPIOPError(.malformedSyntax, "\(inner): must be an object") }
        let data = Data(CanonicalJSON.insertionOrderBytes(body))
        let version = APIVersion(major: 1, minor: 1)
        let id: String
        do {
            switch resource {
            case .quotes: id = try FSPIOPBodyDecoder.decode(QuotesPostRequest.self, from: data, version: version).quoteId
            case .transfers: id = try FSPIOPBodyDecoder.decode(TransfersPostRequest.self, from: data, version: version).transferId
            case .bulkQuotes: id = try FSPIOPBodyDecoder.decode(BulkQuotesPostRequest.self, from: data, version: version).bulkQuoteId
            case .bulkTransfers: id = try FSPIOPBodyDecoder.decode(BulkTransfersPostRequest.self, from: data, version: version).bulkTransferId
            }
        } catch {
            throw FSPIOPError(error.code, "\(inner).\(error.detail ?? error.code.name)")
        }
        return (fspId, body, id)
    }

    /// The FSPIOP headers of a callback, as the outbound API reports them (`{body, headers}`).
    static func callbackHeaders(resource: String, source: String?, destination: String) -> JSONValue {
        var members: [(String, JSONValue)] = [("content-type", .string("application/vnd.interoperability.\(resource)+json;version=1.1"))]
        if let source { members.append(("fspiop-source", .string(source))) }
        members.append(("fspiop-destination", .string(destination)))
        return .object(members)
    }

    // MARK: - PUT /transfers/{id}

    func putTransfer(_ request: Request, id: String) async -> Response {
        let members: [(String, JSONValue)]
        do { members = try await HTTPSupport.jsonObject(request, limit: settings.maximumBodyBytes) } catch { return Self.error(error) }
        var acceptParty: Bool?
        var acceptQuote: Bool?
        for (name, value) in members {
            switch (name, value) {
            case let ("acceptParty", .bool(flag)): acceptParty = flag
            case let ("acceptQuote", .bool(flag)): acceptQuote = flag
            case ("acceptParty", _), ("acceptQuote", _):
                return Self.error(.badRequest, statusCode: FSPIOPErrorCode.malformedSyntax.rawValue, "\(name): must be a boolean")
            default:
                return Self.error(.badRequest, statusCode: FSPIOPErrorCode.malformedSyntax.rawValue, "\(name): is not a supported continuation")
            }
        }
        guard (acceptParty == nil) != (acceptQuote == nil) else {
            return Self.error(.badRequest, statusCode: FSPIOPErrorCode.missingElement.rawValue, "body: needs exactly one of acceptParty, acceptQuote")
        }
        let expected: OutboundTransfer.Phase = acceptParty != nil ? .waitingForPartyAcceptance : .waitingForQuoteAcceptance
        guard let current = await settled({ [board] in board.transfer(id) }, until: { $0.phase == expected }) else {
            return Self.error(.notFound, statusCode: FSPIOPErrorCode.transferIdNotFound.rawValue, "no transfer \(id)")
        }
        guard current.phase == expected else {
            return Self.transferError(current, status: .internalServerError,
                                      FSPIOPError(.clientError, "the transfer is not waiting for \(acceptParty != nil ? "acceptParty" : "acceptQuote") (it is \(current.phase.sdkState ?? current.phase.rawValue))"))
        }
        do { try await record(.transferDecided(transferId: id, acceptParty: acceptParty, acceptQuote: acceptQuote), key: id) } catch {
            return Self.error(.serviceUnavailable, statusCode: FSPIOPErrorCode.serviceCurrentlyUnavailable.rawValue, "the decision could not be recorded")
        }
        return await answer(id, after: current.version)
    }

    /// The transfer `lookup` finds; with the processor in another process, waits up to two seconds for it to be
    /// there and ready (this edge may fold the processor's events after another edge answered with them).
    func settled(_ lookup: @Sendable () -> OutboundTransfer?, until ready: (OutboundTransfer) -> Bool) async -> OutboundTransfer? {
        var current = lookup()
        guard settings.followsLog else { return current }
        let deadline = ContinuousClock.now + .seconds(2)
        while current.map(ready) != true, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
            current = lookup()
        }
        return current
    }

    // MARK: - GET /transfers/{id}

    func getTransfer(id: String) -> Response {
        guard let transfer = board.transfer(id) else {
            return Self.error(.notFound, statusCode: FSPIOPErrorCode.transferIdNotFound.rawValue, "no transfer \(id)")
        }
        return HTTPSupport.json(.ok, Self.transferResponse(transfer))
    }

    // MARK: - Answers

    /// Waits for the transfer to pause or end after `version`, and answers as the SDK does.
    func answer(_ id: String, after version: Int64) async -> Response {
        let update = await board.wait(for: id, timeout: settings.waitLimit) { transfer in
            transfer.version > version && transfer.phase.sdkState != nil
        }
        switch update {
        case let .state(transfer)?:
            if transfer.phase == .errored, let error = transfer.lastError {
                // Timeouts answer 504, other failures 500 (the SDK's `handleError`).
                let timedOut = error.httpStatusCode == 504 || error.mojaloopError?.errorInformation.errorCode == .serverTimedOut
                let status = HTTPResponse.Status(code: timedOut ? 504 : 500)
                return Self.transferError(transfer, status: status, nil)
            }
            return HTTPSupport.json(.ok, Self.transferResponse(transfer))
        case let .refused(error)?:
            return Self.error(.badRequest, statusCode: error.code.rawValue, error.errorDescription)
        case nil:
            if Task.isCancelled { return Self.stopping() }
            let transfer = board.transfer(id) ?? OutboundTransfer(transferId: id)
            return Self.transferError(transfer, status: .gatewayTimeout, FSPIOPError(.serverTimedOut, "the transfer did not reach a state to report in time"))
        }
    }

    func record(_ fact: ConnectorFact, key: String) async throws {
        let envelope = Envelope(id: IDs.make(), type: fact.wireName, schemaVersion: fact.schemaVersion, aggregateID: key, sequence: 0,
                                occurredAt: clock.now, correlationID: key, causationID: nil, payload: try fact.payload)
        var record = envelope.record(topic: settings.topics.coreInbound)
        // The fact carries the request's trace, for the processor to continue it.
        record.headers += TraceContext.logHeaders()
        try await withSpan("log.append") { _ in _ = try await log.append([record]) }
    }

    /// The answer to a call whose wait the connector's shutdown ended: 503 with `Retry-After`. What was recorded
    /// goes on after the restart; `GET /transfers?homeTransactionId=` finds it.
    static func stopping() -> Response {
        var response = error(.serviceUnavailable, statusCode: FSPIOPErrorCode.serviceCurrentlyUnavailable.rawValue,
                             "the connector is stopping: what was recorded goes on after it restarts")
        response.headers[.retryAfter] = "5"
        return response
    }

    /// The SDK's `errorResponse` for a request refused at the edge: 413 for a body too large, else 400.
    static func error(_ refusal: FSPIOPError) -> Response {
        error(refusal.code == .tooLargePayload ? .contentTooLarge : .badRequest, statusCode: refusal.code.rawValue, refusal.errorDescription)
    }

    /// The SDK's `errorResponse`.
    static func error(_ status: HTTPResponse.Status, statusCode: String, _ message: String) -> Response {
        HTTPSupport.json(status, .object([("statusCode", .string(statusCode)), ("message", .string(message))]))
    }

    /// The SDK's `errorTransferResponse`: the FSPIOP error code as `statusCode`, and the transfer.
    static func transferError(_ transfer: OutboundTransfer, status: HTTPResponse.Status, _ override: FSPIOPError?) -> Response {
        stateError(transfer.lastError, status: status, override, stateKey: "transferState", state: transferResponse(transfer))
    }

    /// The SDK's `transferResponse`: the request, the state, and what the hub answered at each stage.
    static func transferResponse(_ transfer: OutboundTransfer) -> JSONValue {
        var members: [(String, JSONValue)] = [("transferId", .string(transfer.transferId))]
        if let request = transfer.request, case let .object(requestMembers)? = try? JSONValueEncoder.encode(request) {
            for (name, value) in requestMembers where name != "to" { members.append((name, value)) }
            if let value = try? JSONValueEncoder.encode(request.to.resolved(as: transfer.party)) { members.append(("to", value)) }
        }
        members.append(("currentState", .string(transfer.phase.sdkState ?? "WAITING")))
        if let quoteId = transfer.quoteId { members.append(("quoteId", .string(quoteId))) }
        if let party = transfer.party, let value = try? JSONValueEncoder.encode(PartiesTypeIDPutResponse(party: party)) {
            members.append(("getPartiesResponse", .object([("body", value), ("headers", .object([]))])))
        }
        if let quote = transfer.quoteResponse, let value = try? JSONValueEncoder.encode(quote) {
            members.append(("quoteResponse", .object([("body", value), ("headers", .object([]))])))
        }
        if let source = transfer.quoteResponseSource { members.append(("quoteResponseSource", .string(source))) }
        if let fulfil = transfer.fulfil, let value = try? JSONValueEncoder.encode(fulfil) {
            members.append(("fulfil", .object([("body", value), ("headers", .object([]))])))
        }
        if let error = transfer.lastError, let value = try? JSONValueEncoder.encode(error) { members.append(("lastError", value)) }
        return .object(members)
    }
}
