import FSPIOP
import Foundation
import Hummingbird
import PaymentDomain

// `POST /bulkQuotes` and `POST /bulkTransfers` of the outbound API: the SDK's legacy synchronous bulk
// (`OutboundBulkQuotesModel`, `OutboundBulkTransfersModel`). The FSPIOP bulk request made from the core's
// is relayed to the DFSP of its payees; the call answers with the callback as the SDK's
// `bulkQuoteResponse` / `bulkTransferResponse` (`currentState` `COMPLETED`, each item with its `lastError`
// when the payee's DFSP refused it), or with `{statusCode, message, bulkQuoteState|bulkTransferState}`:
// 500 for an error callback or a refusal by the hub, 504 when none came in time.
extension OutboundAPI {
    func postBulkQuotes(_ request: Request) async -> Response {
        let configuration = settings.configuration
        return await relayBulk(request, .bulkQuotes, stateMember: "bulkQuoteState",
                               required: ["homeTransactionId", "from", "individualQuotes"]) { (core: OutboundBulkQuoteRequest) in
            let id = core.bulkQuoteId ?? IDs.make()
            let (destination, body) = try OutboundBulk.bulkQuote(core, dfspId: configuration.dfspId, bulkQuoteId: id, newID: IDs.make,
                                                                 now: clock.now, expirySeconds: configuration.expirySeconds)
            return (destination, id, try JSONValueEncoder.encode(body), core.homeTransactionId)
        } answer: { core, id, body in
            OutboundBulk.bulkQuoteResponse(try JSONValueDecoder.decode(BulkQuotesIDPutResponse.self, from: body), bulkQuoteId: id,
                                           homeTransactionId: core.homeTransactionId)
        }
    }

    func postBulkTransfers(_ request: Request) async -> Response {
        let configuration = settings.configuration
        return await relayBulk(request, .bulkTransfers, stateMember: "bulkTransferState",
                               required: ["homeTransactionId", "bulkTransferId", "bulkQuoteId", "from", "individualTransfers"]) {
            (core: OutboundBulkTransferRequest) in
            let (destination, body) = try OutboundBulk.bulkTransfer(core, dfspId: configuration.dfspId, now: clock.now,
                                                                    expirySeconds: configuration.expirySeconds)
            return (destination, core.bulkTransferId, try JSONValueEncoder.encode(body), core.homeTransactionId)
        } answer: { core, _, body in
            OutboundBulk.bulkTransferResponse(try JSONValueDecoder.decode(BulkTransfersIDPutResponse.self, from: body), request: core)
        }
    }

    /// Decodes the core's bulk request, makes the FSPIOP one (checked as the hub checks it), relays it and
    /// answers with `answer` made from the callback.
    private func relayBulk<Core: Decodable>(
        _ request: Request, _ resource: RelayedRequest.Resource, stateMember: String, required: [String],
        make: (Core) throws -> (destination: String, id: String, body: JSONValue, home: String),
        answer: (Core, String, JSONValue) throws -> JSONValue
    ) async -> Response {
        guard let bytes = await HTTPSupport.body(request, limit: settings.maximumBodyBytes) else {
            return Self.error(.contentTooLarge, statusCode: FSPIOPErrorCode.tooLargePayload.rawValue, "the body is too large")
        }
        let core: Core
        let made: (destination: String, id: String, body: JSONValue, home: String)
        do {
            core = try Self.decodeCoreRequest(Core.self, bytes, flags: [], required: required).0
            made = try make(core)
            let data = Data(CanonicalJSON.insertionOrderBytes(made.body))
            switch resource {
            case .bulkQuotes: _ = try FSPIOPBodyDecoder.decode(BulkQuotesPostRequest.self, from: data, version: APIVersion(major: 1, minor: 1))
            default: _ = try FSPIOPBodyDecoder.decode(BulkTransfersPostRequest.self, from: data, version: APIVersion(major: 1, minor: 1))
            }
        } catch let error as FSPIOPError {
            return Self.error(.badRequest, statusCode: error.code.rawValue, error.errorDescription)
        } catch {
            return Self.error(.badRequest, statusCode: FSPIOPErrorCode.malformedSyntax.rawValue, "\(error)")
        }
        func failure(_ status: HTTPResponse.Status, _ error: ErrorInformation?) -> Response {
            let info = error ?? FSPIOPError(.internalServerError).errorInformation.errorInformation
            var state: [(String, JSONValue)] = [(resource.idMember, .string(made.id)), ("homeTransactionId", .string(made.home)),
                                                ("currentState", .string("ERROR_OCCURRED"))]
            if let error { state.append(("lastError", .object([("mojaloopError", (try? JSONValueEncoder.encode(ErrorInformationObject(errorInformation: error))) ?? .null)]))) }
            return HTTPSupport.json(status, .object([("statusCode", .string(info.errorCode.rawValue)), ("message", .string(info.errorDescription)),
                                                     (stateMember, .object(state))]))
        }
        switch await relayAndWait(resource, id: made.id, destination: made.destination, body: made.body) {
        case let .failed(response):
            return response
        case let .ended(relayed):
            guard relayed.phase == .answered, let body = relayed.answer else {
                let info = relayed.error?.errorInformation
                return failure(info?.errorCode == .serverTimedOut ? .gatewayTimeout : .internalServerError, info)
            }
            if let error = try? JSONValueDecoder.decode(ErrorInformationObject.self, from: body) {
                return failure(.internalServerError, error.errorInformation)
            }
            do { return HTTPSupport.json(.ok, try answer(core, made.id, body)) } catch {
                return failure(.internalServerError, FSPIOPError(.payeeError, "the callback does not fit the FSPIOP model: \(error)").errorInformation.errorInformation)
            }
        }
    }
}
