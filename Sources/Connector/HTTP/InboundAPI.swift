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

/// The FSPIOP API the hub calls (API Definition v1.1, and the 2.0 content types): every request is
/// checked at the edge (route, headers and version, JWS signature, body schema), recorded on
/// `pm.fspiop.inbound`, and only then answered: 202 for requests, 200 for callbacks. A request that
/// fails a check is answered with its FSPIOP error (3xxx, with the HTTP status of the catalogue) and
/// recorded as `fspiop.rejected`.
public struct InboundAPI: HTTPResponder {
    public typealias Context = BasicRequestContext

    public struct Settings: Sendable {
        /// This DFSP: a request whose `FSPIOP-Destination` names another is refused.
        public var dfspId: String
        public var topics: ConnectorTopics
        /// `VALIDATE_INBOUND_JWS` with its keys, or nil when validation is off.
        public var jwsKeys: JWSKeyDirectory?
        /// `VALIDATE_INBOUND_PUT_PARTIES_JWS` (default false, as the SDK: `PUT /parties` is often unsigned).
        public var validatePutPartiesJWS: Bool
        public var supportedVersions: [APIVersion]
        public var maximumBodyBytes: Int
        /// `PM_INBOUND_DATE_SKEW_SECONDS` (300): a request whose `Date` is further than this from this server's clock
        /// is refused (a signed message replayed later carries its old date); nil accepts any date.
        public var dateSkewSeconds: Int? = 300

        public init(dfspId: String, topics: ConnectorTopics, jwsKeys: JWSKeyDirectory?, validatePutPartiesJWS: Bool = false,
                    supportedVersions: [APIVersion] = APIVersion.supported, maximumBodyBytes: Int = 1 << 20) {
            self.dfspId = dfspId
            self.topics = topics
            self.jwsKeys = jwsKeys
            self.validatePutPartiesJWS = validatePutPartiesJWS
            self.supportedVersions = supportedVersions
            self.maximumBodyBytes = maximumBodyBytes
        }
    }

    let log: any EventLog
    let settings: Settings
    let logger: Logger
    let metrics: HTTPMetrics
    /// How much this API takes on at once.
    let admission: Admission
    /// Answers the hub's pings (`PUT /ping/{requestId}`); nil answers none.
    let hub: HubClient?
    let clock = WallClock()

    public init(log: any EventLog, settings: Settings, metrics: HTTPMetrics, hub: HubClient? = nil,
                admission: Admission = Admission(limits: AdmissionLimits(), backlog: Backlog()), logger: Logger) {
        self.hub = hub
        self.admission = admission
        self.log = log
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }

    /// A route of the inbound API: which body it carries and which id keys its record.
    enum Route {
        case partiesGet(key: String)
        case partiesPut(key: String, error: Bool)
        case quotesPost
        case quotesPut(id: String, error: Bool)
        case transfersPost
        case transfersPut(id: String, error: Bool)
        case transfersPatch(id: String)
        case transfersGet(id: String)
        case participantsPut(key: String, error: Bool)
        case transactionRequestsPost
        case transactionRequestsPut(id: String, error: Bool)
        case quotesGet(id: String)
        case participantsGet(key: String)
        case authorizationsGet(id: String)
        case authorizationsPut(id: String, error: Bool)
        case bulkQuotesPost
        case bulkQuotesPut(id: String, error: Bool)
        case bulkQuotesGet(id: String)
        case bulkTransfersPost
        case bulkTransfersPut(id: String, error: Bool)
        case bulkTransfersGet(id: String)
        case transactionsGet(id: String)
        case transactionsPut(id: String, error: Bool)

        /// The route the API serves for an FSPIOP route, or nil.
        init?(_ route: FSPIOPRoute) {
            let ids = route.ids, error = route.isError
            let key = ids.joined(separator: "/")
            let party = (2...3).contains(ids.count)
            switch (route.method, route.resource) {
            case (.get, .parties) where party && !error: self = .partiesGet(key: key)
            case (.put, .parties) where party: self = .partiesPut(key: key, error: error)
            case (.put, .participants) where party || ids.count == 1: self = .participantsPut(key: key, error: error)
            case (.post, .quotes) where ids.isEmpty && !error: self = .quotesPost
            case (.put, .quotes) where ids.count == 1: self = .quotesPut(id: ids[0], error: error)
            case (.post, .transfers) where ids.isEmpty && !error: self = .transfersPost
            case (.put, .transfers) where ids.count == 1: self = .transfersPut(id: ids[0], error: error)
            case (.patch, .transfers) where ids.count == 1 && !error: self = .transfersPatch(id: ids[0])
            case (.get, .transfers) where ids.count == 1 && !error: self = .transfersGet(id: ids[0])
            case (.get, .quotes) where ids.count == 1 && !error: self = .quotesGet(id: ids[0])
            case (.get, .participants) where party && !error: self = .participantsGet(key: key)
            case (.get, .authorizations) where ids.count == 1 && !error: self = .authorizationsGet(id: ids[0])
            case (.put, .authorizations) where ids.count == 1: self = .authorizationsPut(id: ids[0], error: error)
            case (.post, .transactionRequests) where ids.isEmpty && !error: self = .transactionRequestsPost
            case (.put, .transactionRequests) where ids.count == 1: self = .transactionRequestsPut(id: ids[0], error: error)
            case (.post, .bulkQuotes) where ids.isEmpty && !error: self = .bulkQuotesPost
            case (.put, .bulkQuotes) where ids.count == 1: self = .bulkQuotesPut(id: ids[0], error: error)
            case (.get, .bulkQuotes) where ids.count == 1 && !error: self = .bulkQuotesGet(id: ids[0])
            case (.post, .bulkTransfers) where ids.isEmpty && !error: self = .bulkTransfersPost
            case (.put, .bulkTransfers) where ids.count == 1: self = .bulkTransfersPut(id: ids[0], error: error)
            case (.get, .bulkTransfers) where ids.count == 1 && !error: self = .bulkTransfersGet(id: ids[0])
            case (.get, .transactions) where ids.count == 1 && !error: self = .transactionsGet(id: ids[0])
            case (.put, .transactions) where ids.count == 1: self = .transactionsPut(id: ids[0], error: error)
            default: return nil
            }
        }

        var isCallback: Bool {
            switch self {
            case .partiesPut, .quotesPut, .transfersPut, .transfersPatch, .participantsPut, .transactionRequestsPut, .authorizationsPut,
                 .bulkQuotesPut, .bulkTransfersPut, .transactionsPut: return true
            default: return false
            }
        }
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let method = request.method.rawValue
        let path = request.uri.path
        let response: Response
        if let refusal = admission.enter(Self.kind(method: method, path: path)) {
            // More than the connector can take at once: 2003, to be tried again, instead of a queue that grows.
            metrics.count("pm_overload_refused_total", labels: ["api": "inbound", "reason": refusal.rawValue])
            var refused = HTTPSupport.fspiopError(FSPIOPError(.serviceCurrentlyUnavailable, "the connector is at capacity (\(refusal.rawValue)); try again"))
            refused.headers[.retryAfter] = "1"
            response = refused
        } else {
            // A server span, continuing the trace the hub propagated (`traceparent`), when tracing is on.
            let route = HTTPMetrics.routeLabel(path, resources: Self.resources)
            response = await withSpan("fspiop \(method) \(route)", context: TraceContext.extract(request.headers), ofKind: .server) { span in
                let response = await handle(request, method: method, path: path)
                span.attributes["http.response.status_code"] = Int(response.status.code)
                return response
            }
            admission.leave()
        }
        metrics.record(api: "inbound", method: method, route: HTTPMetrics.routeLabel(path, resources: Self.resources), status: Int(response.status.code),
                       since: started)
        return response
    }

    /// Requests that start work (a quote, a transfer, a lookup that asks the core); callbacks end work under way.
    static func kind(method: String, path: String) -> Admission.Kind {
        if method == "POST" { return .newWork }
        guard method == "GET" else { return .ongoing }
        let first = path.split(separator: "/").first
        return first == "parties" || first == "participants" || first == "authorizations" ? .newWork : .ongoing
    }

    /// The first path segments this API serves: the only route labels of its metrics besides `other`.
    static let resources: Set<Substring> = Set(FSPIOPResource.allCases.map { Substring($0.rawValue) } + ["health"])

    func handle(_ request: Request, method: String, path: String) async -> Response {
        if method == "GET", path == "/" || path == "/health" {
            return HTTPSupport.json(.ok, .object([("status", .string("OK"))]))
        }
        let fspiopRoute = FSPIOPRoute(method: method, path: path)
        if let fspiopRoute, fspiopRoute.method == .post, fspiopRoute.resource == .ping, fspiopRoute.ids.isEmpty { return await ping(request) }
        guard let fspiopRoute, let route = Route(fspiopRoute) else {
            return refuse(.unknownRoute, FSPIOPError(.unknownUri, "\(method) \(path) is not a resource of this API"), status: 404)
        }
        let resource = fspiopRoute.resource.rawValue
        guard let body = await HTTPSupport.body(request, limit: settings.maximumBodyBytes) else {
            return refuse(.tooLarge, FSPIOPError(.tooLargePayload, "the body exceeds \(settings.maximumBodyBytes) bytes"), status: 413)
        }
        let headers = HTTPSupport.headerFields(request.headers)
        let checked: RequestHeaders
        do {
            checked = try RequestHeaders.validate(method: method, resource: resource, headers: headers, hasBody: !body.isEmpty,
                                                  supported: settings.supportedVersions)
        } catch {
            return refuse(.headers, error)
        }
        if let skew = settings.dateSkewSeconds {
            let now = clock.now
            guard checked.date >= now.adding(seconds: Int64(-skew)), checked.date <= now.adding(seconds: Int64(skew)) else {
                return refuse(.headers, FSPIOPError(.validationError, "the Date header is more than \(skew) s from this server's clock"))
            }
        }
        var jws = settings.jwsKeys == nil ? JWSCheck.validationOff : .notRequired
        if let keys = settings.jwsKeys, !body.isEmpty {
            let isPutParties: Bool
            if case .partiesPut = route { isPutParties = true } else { isPutParties = false }
            if !isPutParties || settings.validatePutPartiesJWS {
                do { try keys.validate(body: body, headers: headers) } catch {
                    metrics.count("pm_jws_verifications_total", labels: ["outcome": "invalid"])
                    return refuse(.signature, error.fspiopError)
                }
                // The signature covers FSPIOP-URI and FSPIOP-HTTP-Method as the sender wrote them: they must be this request's,
                // or a message signed for one resource could be replayed against another.
                let target = request.uri.query.map { "\(path)?\($0)" } ?? path
                let uri = headers[FSPIOPHeader.uri]
                guard uri == target || (uri != nil && uri == FSPIOPURI.from(url: target)), headers[FSPIOPHeader.httpMethod] == method else {
                    metrics.count("pm_jws_verifications_total", labels: ["outcome": "invalid"])
                    return refuse(.signature, FSPIOPError(.invalidSignature, "FSPIOP-URI and FSPIOP-HTTP-Method must be this request's \(method) \(target)"))
                }
                metrics.count("pm_jws_verifications_total", labels: ["outcome": "valid"])
                jws = .verified
            }
        }
        // Sent to another DFSP: not ours to act on (API Definition v1.1 §3.2.3.6: the hub routes by FSPIOP-Destination).
        if let destination = checked.destination, destination != settings.dfspId {
            return await reject(method, path, source: checked.source,
                                FSPIOPError(.validationError, "FSPIOP-Destination '\(destination)' is not this DFSP ('\(settings.dfspId)')"))
        }
        // Parsed once, for the record; a body a Node hub would read differently (a member named twice: which value
        // counts?) is refused, as is one the parser refuses.
        var json: JSONValue?
        if !body.isEmpty {
            do { json = try JSONParser.parse(body) } catch {
                return await reject(method, path, source: checked.source, FSPIOPError(.malformedSyntax, "body: is not valid JSON (\(error))"))
            }
            if json?.hasDuplicateMemberNames == true {
                return await reject(method, path, source: checked.source, FSPIOPError(.malformedSyntax, "body: an object names the same member twice"))
            }
        }
        let version = checked.contentVersion ?? checked.responseVersion
        let key: String
        do {
            key = try validateBody(route, body, version: version)
        } catch {
            return await reject(method, path, source: checked.source, error)
        }
        let message = HubMessage(method: method, path: path, source: checked.source, destination: checked.destination,
                                 version: version.description, signature: headers[FSPIOPHeader.signature], body: json,
                                 headers: HeaderFields(headers.fields.filter { !HubMessage.unrecordedHeaders.contains($0.name.lowercased()) }
                                     .map { ($0.name, $0.value) }),
                                 jws: jws)
        do {
            try await record(.hubMessage(message), key: key)
        } catch {
            logger.error("cannot record a request from the hub", metadata: ["path": "\(path)", "error": "\(error)"])
            return HTTPSupport.fspiopError(FSPIOPError(.serviceCurrentlyUnavailable, "the request could not be recorded"), status: 503)
        }
        return HTTPSupport.empty(route.isCallback ? .ok : .accepted)
    }

    /// Decodes and validates the body of the route; returns the id its record is keyed by.
    func validateBody(_ route: Route, _ body: [UInt8], version: APIVersion) throws(FSPIOPError) -> String {
        let data = Data(body)
        func require() throws(FSPIOPError) {
            if body.isEmpty { throw FSPIOPError(.missingElement, "body: is required") }
        }
        switch route {
        case let .partiesGet(key), let .transfersGet(key), let .quotesGet(key), let .participantsGet(key), let .authorizationsGet(key),
             let .bulkQuotesGet(key), let .bulkTransfersGet(key), let .transactionsGet(key):
            return key
        case let .transactionsPut(id, error):
            try require()
            if error { _ = try FSPIOPBodyDecoder.decode(ErrorInformationObject.self, from: data, version: version) }
            else { _ = try FSPIOPBodyDecoder.decode(TransactionsIDPutResponse.self, from: data, version: version) }
            return id
        case .bulkQuotesPost:
            try require()
            return try FSPIOPBodyDecoder.decode(BulkQuotesPostRequest.self, from: data, version: version).bulkQuoteId
        case let .bulkQuotesPut(id, error):
            try require()
            if error { _ = try FSPIOPBodyDecoder.decode(ErrorInformationObject.self, from: data, version: version) }
            else { _ = try FSPIOPBodyDecoder.decode(BulkQuotesIDPutResponse.self, from: data, version: version) }
            return id
        case .bulkTransfersPost:
            try require()
            return try FSPIOPBodyDecoder.decode(BulkTransfersPostRequest.self, from: data, version: version).bulkTransferId
        case let .bulkTransfersPut(id, error):
            try require()
            if error { _ = try FSPIOPBodyDecoder.decode(ErrorInformationObject.self, from: data, version: version) }
            else { _ = try FSPIOPBodyDecoder.decode(BulkTransfersIDPutResponse.self, from: data, version: version) }
            return id
        case let .authorizationsPut(id, error):
            try require()
            if error { _ = try FSPIOPBodyDecoder.decode(ErrorInformationObject.self, from: data, version: version) }
            else { _ = try FSPIOPBodyDecoder.decode(AuthorizationsIDPutResponse.self, from: data, version: version) }
            return id
        case let .partiesPut(key, error):
            try require()
            if error { _ = try FSPIOPBodyDecoder.decode(ErrorInformationObject.self, from: data, version: version) }
            else { _ = try FSPIOPBodyDecoder.decode(PartiesTypeIDPutResponse.self, from: data, version: version) }
            return key
        case let .participantsPut(key, _):
            return key
        case .quotesPost:
            try require()
            return try FSPIOPBodyDecoder.decode(QuotesPostRequest.self, from: data, version: version).transactionId
        case let .quotesPut(id, error):
            try require()
            if error { _ = try FSPIOPBodyDecoder.decode(ErrorInformationObject.self, from: data, version: version) }
            else { _ = try FSPIOPBodyDecoder.decode(QuotesIDPutResponse.self, from: data, version: version) }
            return id
        case .transfersPost:
            try require()
            return try FSPIOPBodyDecoder.decode(TransfersPostRequest.self, from: data, version: version).transferId
        case let .transfersPut(id, error):
            try require()
            if error { _ = try FSPIOPBodyDecoder.decode(ErrorInformationObject.self, from: data, version: version) }
            else { _ = try FSPIOPBodyDecoder.decode(TransfersIDPutResponse.self, from: data, version: version) }
            return id
        case .transactionRequestsPost:
            try require()
            return try FSPIOPBodyDecoder.decode(TransactionRequestsPostRequest.self, from: data, version: version).transactionRequestId
        case let .transactionRequestsPut(id, error):
            try require()
            if error { _ = try FSPIOPBodyDecoder.decode(ErrorInformationObject.self, from: data, version: version) }
            else { _ = try FSPIOPBodyDecoder.decode(TransactionRequestsIDPutResponse.self, from: data, version: version) }
            return id
        case let .transfersPatch(id):
            try require()
            _ = try FSPIOPBodyDecoder.decode(TransfersIDPatchResponse.self, from: data, version: version)
            return id
        }
    }

    /// `POST /ping` (the hub's connectivity check, as the SDK's `InboundPingModel`): headers and body checked
    /// as for any request, answered 202, then `PUT /ping/{requestId}` when the hub's JWS signature verifies, or
    /// `PUT /ping/{requestId}/error` with 3100 when it does not (or when `VALIDATE_INBOUND_JWS` is off: the
    /// ping is how the hub learns that JWS works). A health check: counted (`pm_pings_total`), not recorded.
    func ping(_ request: Request) async -> Response {
        guard let body = await HTTPSupport.body(request, limit: settings.maximumBodyBytes) else {
            return HTTPSupport.fspiopError(FSPIOPError(.tooLargePayload, "the body exceeds \(settings.maximumBodyBytes) bytes"), status: 413)
        }
        let headers = HTTPSupport.headerFields(request.headers)
        // The SDK does not require `Accept` on the ping: one is assumed when it is missing.
        var checkedHeaders = headers
        if checkedHeaders[FSPIOPHeader.accept] == nil {
            checkedHeaders[FSPIOPHeader.accept] = MediaType.accept(FSPIOPResource.ping.rawValue, major: 2)
        }
        let checked: RequestHeaders
        do {
            checked = try RequestHeaders.validate(method: "POST", resource: FSPIOPResource.ping.rawValue, headers: checkedHeaders, hasBody: !body.isEmpty,
                                                  supported: settings.supportedVersions)
        } catch {
            return HTTPSupport.fspiopError(error)
        }
        let members: [(String, JSONValue)]
        do { members = try HTTPSupport.jsonObject(body) } catch { return HTTPSupport.fspiopError(error) }
        guard case let .string(requestId)? = members.first(where: { $0.0 == "requestId" })?.1 else {
            return HTTPSupport.fspiopError(FSPIOPError(.missingElement, "requestId: is required"))
        }
        // It goes into the callback's path: letters, digits, `-` and `_` only (a UUID, a ULID, a timestamp).
        guard (1...128).contains(requestId.utf8.count),
              requestId.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }) else {
            return HTTPSupport.fspiopError(FSPIOPError(.malformedSyntax, "requestId: must be 1 to 128 letters, digits, '-' or '_'"))
        }
        var failure: FSPIOPError?
        if let keys = settings.jwsKeys {
            do { try keys.validate(body: body, headers: headers) } catch {
                failure = FSPIOPError(.validationError, "error on JWS ping validation: \(error.fspiopError.errorInformation.errorInformation.errorDescription)")
            }
        } else {
            failure = FSPIOPError(.validationError, "error on JWS ping validation: JWS validation is off (VALIDATE_INBOUND_JWS)")
        }
        metrics.count("pm_pings_total", labels: ["outcome": failure == nil ? "valid" : "invalid"])
        if let hub {
            let callback: HubRequest
            if let failure {
                callback = HubRequest(method: "PUT", resource: .ping, path: "/ping/\(requestId)/error", destination: checked.source,
                                      body: try? JSONValueEncoder.encode(failure.errorInformation))
            } else {
                callback = HubRequest(method: "PUT", resource: .ping, path: "/ping/\(requestId)", destination: checked.source,
                                      body: .object([("requestId", .string(requestId))]))
            }
            let logger = self.logger
            Task {
                do { _ = try await hub.send(callback, logger: logger) } catch {
                    logger.warning("cannot answer the hub's ping", metadata: ["requestId": "\(requestId)", "error": "\(error)"])
                }
            }
        }
        return HTTPSupport.empty(.accepted)
    }

    func record(_ fact: ConnectorFact, key: String) async throws {
        let envelope = Envelope(id: IDs.make(), type: fact.wireName, schemaVersion: fact.schemaVersion, aggregateID: key, sequence: 0,
                                occurredAt: clock.now, correlationID: key, causationID: nil, payload: try fact.payload)
        var record = envelope.record(topic: settings.topics.fspiopInbound)
        // The fact carries the request's trace, for the processor to continue it.
        record.headers += TraceContext.logHeaders()
        try await withSpan("log.append") { _ in _ = try await log.append([record]) }
    }

    /// Why a request was refused before its sender was authenticated.
    enum Refusal: String {
        case unknownRoute = "unknown-route"
        case tooLarge = "too-large"
        case headers
        case signature
    }

    /// Answers a request refused before its sender was authenticated (its route, size, headers or signature):
    /// counted in `pm_inbound_refused_total` by reason, not recorded on the log, so that whoever can reach the
    /// port cannot fill the log.
    func refuse(_ reason: Refusal, _ error: FSPIOPError, status: Int? = nil) -> Response {
        metrics.count("pm_inbound_refused_total", labels: ["reason": reason.rawValue])
        logger.debug("request refused before its sender was authenticated", metadata: ["reason": "\(reason.rawValue)", "error": "\(error)"])
        return HTTPSupport.fspiopError(error, status: status)
    }

    /// Answers with the error and records the rejection (a failure to record is logged, not hidden).
    func reject(_ method: String, _ path: String, source: String?, _ error: FSPIOPError, status: Int? = nil) async -> Response {
        logger.info("request from the hub rejected", metadata: ["method": "\(method)", "path": "\(path)", "error": "\(error)"])
        do {
            try await record(.hubMessageRejected(method: method, path: path, source: source, error: error.errorInformation), key: path)
        } catch {
            logger.error("cannot record a rejected request", metadata: ["path": "\(path)", "error": "\(error)"])
        }
        return HTTPSupport.fspiopError(error, status: status)
    }
}
