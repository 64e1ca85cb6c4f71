import FSPIOP
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Tracing
import Processing

/// Why a request to the hub failed: its FSPIOP error, and whether trying again could help.
public struct HubRequestError: Error, Sendable, CustomStringConvertible {
    public var error: FSPIOPError
    public var retryable: Bool
    public var description: String { error.description }
}

/// Where the hub's services are (`PEER_ENDPOINT`, `ALS_ENDPOINT`, ...), as base URLs.
public struct HubEndpoints: Sendable, Hashable {
    public var peer: String
    public var als: String
    public var quotes: String
    public var transfers: String
    public var transactionRequests: String
    /// `BULK_QUOTES_ENDPOINT` and `BULK_TRANSFERS_ENDPOINT`: as in the SDK, the peer's unless set (not the
    /// quotes' and transfers').
    public var bulkQuotes: String
    public var bulkTransfers: String

    public init(peer: String, als: String? = nil, quotes: String? = nil, transfers: String? = nil, transactionRequests: String? = nil,
                bulkQuotes: String? = nil, bulkTransfers: String? = nil) {
        self.peer = peer
        self.als = als ?? peer
        self.quotes = quotes ?? peer
        self.transfers = transfers ?? peer
        self.transactionRequests = transactionRequests ?? peer
        self.bulkQuotes = bulkQuotes ?? peer
        self.bulkTransfers = bulkTransfers ?? peer
    }

    func base(for resource: FSPIOPResource) -> String {
        switch resource {
        case .parties, .participants: return als
        case .quotes: return quotes
        case .transfers: return transfers
        case .bulkQuotes: return bulkQuotes
        case .bulkTransfers: return bulkTransfers
        case .transactionRequests, .authorizations: return transactionRequests
        default: return peer
        }
    }
}

/// Sends FSPIOP requests to the hub: `Date` and `FSPIOP-*` headers, the JWS signature over the exact
/// body bytes (`JWS_SIGN`; `PUT /parties` only with `JWS_SIGN_PUT_PARTIES`), per-resource endpoints,
/// pooled keep-alive connections (one shared ``PooledHTTPClient``), and retries with backoff when the hub
/// cannot be reached or answers 5xx.
public struct HubClient: Sendable {
    public var dfspId: String
    public var endpoints: HubEndpoints
    public var signer: JWSSigner?
    public var signPutParties: Bool
    public var resourceVersions: [String: APIVersion]
    public var timeout: TimeAmount
    public var retries: Int
    let http: PooledHTTPClient
    let metrics: HTTPMetrics?
    let clock = WallClock()

    public init(dfspId: String, endpoints: HubEndpoints, signer: JWSSigner?, signPutParties: Bool,
                resourceVersions: [String: APIVersion] = [:], http: PooledHTTPClient, timeout: TimeAmount = .seconds(30), retries: Int = 3,
                metrics: HTTPMetrics? = nil) {
        self.metrics = metrics
        self.dfspId = dfspId
        self.endpoints = endpoints
        self.signer = signer
        self.signPutParties = signPutParties
        self.resourceVersions = resourceVersions
        self.http = http
        self.timeout = timeout
        self.retries = retries
    }

    /// The URL a request goes to.
    public func url(for request: HubRequest) -> String {
        var base = endpoints.base(for: request.resource)
        while base.hasSuffix("/") { base.removeLast() }
        return base + request.path
    }

    /// Sends the request, retrying what can be retried; returns the outcome to record.
    public func send(_ request: HubRequest, logger: Logger) async throws(HubRequestError) -> EffectOutcome {
        var attempt = 0
        while true {
            let started = ContinuousClock.now
            do {
                let outcome = try await sendOnce(request)
                metrics?.recordCall(peer: "hub", method: request.method, resource: request.resource.rawValue, outcome: "ok", since: started)
                return outcome
            } catch {
                metrics?.recordCall(peer: "hub", method: request.method, resource: request.resource.rawValue,
                                    outcome: error.retryable ? "unreachable" : "refused", since: started)
                attempt += 1
                guard error.retryable, attempt <= retries else {
                    logger.warning("request to the hub failed", metadata: [
                        "method": "\(request.method)", "path": "\(request.path)", "attempts": "\(attempt)", "error": "\(error)"])
                    throw error
                }
                // 100 ms, 400 ms, 1.6 s: long enough for a restarting hub, short against the request timeout.
                try? await Task.sleep(for: .milliseconds(100 << (2 * (attempt - 1))))
            }
        }
    }

    func sendOnce(_ request: HubRequest) async throws(HubRequestError) -> EffectOutcome {
        // A client span per attempt, propagated to the hub (`traceparent`, which the hub forwards), when tracing is on.
        let span = startSpan("hub \(request.method) /\(request.resource.rawValue)", ofKind: .client)
        defer { span.end() }
        let url = url(for: request)
        // The ping exists only in version 2.0 (the SDK's PingRequests); the API's resources default to 1.1.
        let version = resourceVersions[request.resource.rawValue] ?? (request.resource == .ping ? .v2_0 : .v1_1)
        var headers = HeaderFields()
        var fields: [(String, String)] = []
        fields.append((FSPIOPHeader.date, clock.now.httpDate))
        fields.append((FSPIOPHeader.source, dfspId))
        if let destination = request.destination { fields.append((FSPIOPHeader.destination, destination)) }
        fields.append((FSPIOPHeader.uri, request.path))
        fields.append((FSPIOPHeader.httpMethod, request.method))
        headers = HeaderFields(fields)
        var bodyBytes: [UInt8]?
        if let body = request.body {
            let bytes = CanonicalJSON.insertionOrderBytes(body)
            bodyBytes = bytes
            let skipSignature = request.method == "PUT" && request.resource == .parties && !signPutParties
            if let signer, !skipSignature {
                do {
                    let signature = try signer.sign(body: bytes, headers: headers)
                    fields.append((FSPIOPHeader.signature, signature.headerValue))
                    metrics?.count("pm_jws_signatures_total")
                } catch {
                    throw HubRequestError(error: FSPIOPError(.internalServerError, "cannot sign: \(error)"), retryable: false)
                }
            }
        }
        var httpHeaders = HTTPHeaders()
        TraceContext.inject(span.context, into: &httpHeaders)
        httpHeaders.reserveCapacity(fields.count + 2)
        for (name, value) in fields { httpHeaders.add(name: name, value: value) }
        let resource = request.resource.rawValue
        // Every method, GET included: the hub refuses a request without it (3102), body or not.
        httpHeaders.add(name: FSPIOPHeader.contentType, value: MediaType.contentType(resource, version))
        if request.method == "GET" || request.method == "POST" || request.method == "DELETE" {
            httpHeaders.add(name: FSPIOPHeader.accept, value: MediaType.accept(resource, major: version.major))
        }

        let response: PooledHTTPClient.Response
        do {
            response = try await self.http.execute(method: HTTPMethod(rawValue: request.method), url: url, headers: httpHeaders,
                                                   body: bodyBytes.map { ByteBuffer(bytes: $0) }, timeout: timeout)
        } catch {
            throw HubRequestError(error: FSPIOPError(.destinationCommunicationError, "\(request.method) \(url): \(error)"), retryable: true)
        }
        let status = Int(response.status.code)
        let answer: ByteBuffer? = response.body
        if (200..<300).contains(status) {
            var sent = HeaderFields(fields)
            sent[FSPIOPHeader.contentType] = httpHeaders.first(name: FSPIOPHeader.contentType)
            sent[FSPIOPHeader.accept] = httpHeaders.first(name: FSPIOPHeader.accept)
            return EffectOutcome(method: request.method, url: url, status: status, error: nil, headers: sent, body: request.body)
        }
        let text = answer.map { String(buffer: $0) } ?? ""
        // The hub's own FSPIOP error, when it sent one, says best what went wrong.
        var error = FSPIOPError(.destinationCommunicationError, "\(request.method) \(url) answered \(status) \(text.prefix(200))")
        if let answer, let object = try? JSONDecoder().decode(ErrorInformationObject.self, from: Data(Array(buffer: answer))) {
            error = FSPIOPError(object.errorInformation.errorCode, object.errorInformation.errorDescription)
        }
        throw HubRequestError(error: error, retryable: status >= 500)
    }
}
