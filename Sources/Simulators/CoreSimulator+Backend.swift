import Foundation
import FSPIOP
import Hummingbird
import Logging
import NIOCore
import PaymentDomain

// The backend API server: the SDK backend API (sdk-scheme-adapter-backend v2.1.0) as a payee's (and a
// request-to-pay payer's) core answers it, plus `GET /health` and `GET /accounts`.

extension CoreSimulator {
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: CoreErrorMiddleware())
        router.get("/") { _, _ in Response(status: .ok) }
        router.get("/health") { _, _ in CoreHTTP.json(.ok, ["status": "OK"]) }
        router.get("/accounts") { _, _ in CoreHTTP.json(.ok, self.accountBalances()) }
        router.get("/parties/:idType/:idValue") { _, context in self.getParty(context) }
        router.get("/parties/:idType/:idValue/:idSubValue") { _, context in self.getParty(context) }
        router.post("/quoterequests") { request, _ in await self.postQuoteRequest(request) }
        router.post("/transfers") { request, _ in await self.postTransfer(request) }
        router.post("/bulkQuotes") { request, _ in await self.postBulkQuote(request) }
        router.post("/bulkTransfers") { request, _ in await self.postBulkTransfer(request) }
        router.get("/transfers/:transferId") { _, context in self.getTransfer(context) }
        router.put("/transfers/:transferId") { request, context in await self.putTransfer(request, context) }
        router.post("/transactionrequests") { request, _ in await self.postTransactionRequest(request) }
        router.put("/requestToPay/:transactionRequestId") { request, context in await self.putRequestToPay(request, context) }
        router.get("/otp/:transactionRequestId") { _, context in self.getOTP(context) }
        return router
    }

    // MARK: Handlers

    func getParty(_ context: BasicRequestContext) -> Response {
        answer("GET /parties") { () throws(CoreBackendError) in
            let key = CorePartyKey(idType: try parameter("idType", context), idValue: try parameter("idValue", context),
                                   idSubValue: try optionalParameter("idSubValue", context))
            return try ledger.withLock { (ledger) throws(CoreBackendError) in try ledger.party(key) }
        }
    }

    func postQuoteRequest(_ request: Request) async -> Response {
        let expiration = Self.now().adding(seconds: Int64(configuration.quoteExpirySeconds)).dateTime
        return await answer("POST /quoterequests", request, as: CoreQuoteRequest.self) { (body) throws(CoreBackendError) in
            try ledger.withLock { (ledger) throws(CoreBackendError) in
                try ledger.quote(body, fees: configuration.fees, expiration: expiration)
            }
        }
    }

    func postTransfer(_ request: Request) async -> Response {
        let homeTransactionId = Self.makeId()
        let now = Self.now()
        return await answer("POST /transfers", request, as: CoreTransferRequest.self) { (body) throws(CoreBackendError) in
            let response = try ledger.withLock { (ledger) throws(CoreBackendError) in
                try ledger.credit(body, homeTransactionId: homeTransactionId,
                                  reportedState: configuration.payeeTransferState, now: now)
            }
            logger.debug("core simulator credited", metadata: [
                "transfer.id": .string(body.transferId), "core.homeTransactionId": .string(response.homeTransactionId),
            ])
            return response
        }
    }

    func getTransfer(_ context: BasicRequestContext) -> Response {
        answer("GET /transfers") { () throws(CoreBackendError) in
            let transferId = try parameter("transferId", context)
            return try ledger.withLock { (ledger) throws(CoreBackendError) in try ledger.details(transferId: transferId) }
        }
    }

    func putTransfer(_ request: Request, _ context: BasicRequestContext) async -> Response {
        let transferId: String
        do {
            transferId = try parameter("transferId", context)
        } catch {
            return refuse("PUT /transfers", error)
        }
        let body: CoreTransferNotification
        do {
            body = try await decode(request, as: CoreTransferNotification.self)
        } catch {
            return refuse("PUT /transfers", error)
        }
        do {
            let state = try ledger.withLock { (ledger) throws(CoreBackendError) in try ledger.notify(transferId: transferId, body) }
            logger.debug("core simulator notified", metadata: [
                "transfer.id": .string(transferId), "core.transferState": .string(state),
            ])
            return Response(status: .ok)
        } catch {
            return refuse("PUT /transfers", error)
        }
    }

    func postTransactionRequest(_ request: Request) async -> Response {
        let homeId = Self.makeId()
        let transactionId = Self.makeId()
        let otp = String(Int.random(in: 100_000...999_999))
        return await answer("POST /transactionrequests", request, as: CoreTransactionRequest.self) { (body) throws(CoreBackendError) in
            try ledger.withLock { (ledger) throws(CoreBackendError) in
                try ledger.receive(body, homeR2PTransactionId: homeId, transactionId: transactionId, otp: otp)
            }
        }
    }

    func getOTP(_ context: BasicRequestContext) -> Response {
        answer("GET /otp") { () throws(CoreBackendError) in
            let id = try parameter("transactionRequestId", context)
            return try ledger.withLock { (ledger) throws(CoreBackendError) in try ledger.otp(id) }
        }
    }

    func putRequestToPay(_ request: Request, _ context: BasicRequestContext) async -> Response {
        do {
            let id = try parameter("transactionRequestId", context)
            let body = try await decode(request, as: CoreRequestToPayCallback.self)
            try ledger.withLock { (ledger) throws(CoreBackendError) in try ledger.notified(id, body) }
            return Response(status: .ok)
        } catch {
            return refuse("PUT /requestToPay", error)
        }
    }

    // MARK: Plumbing

    /// Answers 200 with the handler's value as JSON, or the refusal it throws.
    private func answer(_ operation: String, _ handler: () throws(CoreBackendError) -> some Encodable) -> Response {
        do {
            return CoreHTTP.json(.ok, try handler())
        } catch {
            return refuse(operation, error)
        }
    }

    /// Reads and decodes the body, then answers as ``answer(_:_:)`` does.
    func answer<Body: Decodable>(_ operation: String, _ request: Request, as type: Body.Type,
                                         _ handler: (Body) throws(CoreBackendError) -> some Encodable) async -> Response {
        let body: Body
        do {
            body = try await decode(request, as: type)
        } catch {
            return refuse(operation, error)
        }
        do {
            return CoreHTTP.json(.ok, try handler(body))
        } catch {
            return refuse(operation, error)
        }
    }

    private func refuse(_ operation: String, _ error: CoreBackendError) -> Response {
        logger.notice("core simulator refused a request", metadata: [
            "core.operation": .string(operation), "error.code": .string(error.code.rawValue),
            "error.message": .string(error.message),
        ])
        return CoreHTTP.error(error)
    }

    private func decode<Body: Decodable>(_ request: Request, as type: Body.Type) async throws(CoreBackendError) -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch {
            throw CoreBackendError(httpStatus: 400, .tooLargePayload,
                                   "the body could not be read within \(configuration.maxBodyBytes) bytes: \(error)")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
        } catch {
            throw CoreDecoding.backendError(error)
        }
    }

    private func parameter(_ name: String, _ context: BasicRequestContext) throws(CoreBackendError) -> String {
        guard let value = try optionalParameter(name, context), !value.isEmpty else {
            throw CoreBackendError(httpStatus: 400, .missingElement, "the path has no \(name)")
        }
        return value
    }

    /// A path parameter, percent-decoded (an e-mail address arrives as `a%40b.example`).
    private func optionalParameter(_ name: String, _ context: BasicRequestContext) throws(CoreBackendError) -> String? {
        guard let raw = context.parameters.get(name) else { return nil }
        guard let decoded = raw.removingPercentEncoding else {
            throw CoreBackendError(httpStatus: 400, .malformedSyntax, "the path's \(name) is not valid percent-encoding: \(raw)")
        }
        return decoded
    }
}

/// JSON responses of the backend API.
enum CoreHTTP {
    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return bytes(status, try encoder.encode(value))
        } catch {
            // Only reachable if a model cannot encode itself; answered, not trapped.
            return self.error(CoreBackendError(httpStatus: 500, .internalServerError, "the answer could not be encoded: \(error)"))
        }
    }

    /// The backend API's `errorResponse`.
    static func error(_ error: CoreBackendError) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(error.body)) ?? Data(#"{"statusCode":"2001","message":"internal error"}"#.utf8)
        return bytes(HTTPResponse.Status(code: error.httpStatus), data)
    }

    private static func bytes(_ status: HTTPResponse.Status, _ data: Data) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Answers what the router itself refuses (an unknown path: 404 with 3002; a wrong method: 405 with
/// 3000) in the backend API's error shape instead of an empty body.
struct CoreErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPResponseError {
            let status = error.status
            let code: FSPIOPErrorCode = status == .notFound ? .unknownUri : .clientError
            return CoreHTTP.error(CoreBackendError(httpStatus: status.code, code, "\(request.method) \(request.uri.path): \(status.reasonPhrase)"))
        }
    }
}
