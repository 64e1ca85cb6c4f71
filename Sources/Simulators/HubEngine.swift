import FSPIOP
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The hub's request handling: checks what arrives, decides with the ``HubLedger``, answers at once,
/// and queues the messages to DFSPs on the ``HubCourier``.
///
/// One value shared by every route; all its state is behind ``HubState`` and the timers.
struct HubEngine: Sendable {
    let switchId: String
    let state: HubState
    let courier: HubCourier
    let timers: HubTimers
    let signer: JWSSigner?
    let supportedVersions: [APIVersion]
    let maximumBodySize: Int
    let logger: Logger
    let clock: @Sendable () -> Timestamp
    let pings: HubPings

    /// The answer to a request that passed its checks: 202 for a request, 200 for a callback
    /// (API Definition v1.1 §3.2.4 and §3.3.3).
    enum Answer {
        case accepted
        case ok
    }

    // MARK: Receiving

    /// Reads an FSPIOP request, checks its headers as the hub does (`RequestHeaders.validate`), then
    /// lets `handle` decide. A failed check is answered synchronously with the FSPIOP error and its
    /// HTTP status, and an `errorInformation` body.
    func receive(_ request: Request, _ resource: FSPIOPResource,
                 _ handle: (HubInboundMessage, RequestHeaders) throws(FSPIOPError) -> Answer) async -> Response {
        let body: [UInt8]
        do {
            let buffer = try await request.body.collect(upTo: maximumBodySize)
            body = Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            return errorResponse(FSPIOPError(.tooLargePayload, "the body exceeds \(maximumBodySize) bytes"), request)
        } catch {
            logger.info("Cannot read a request body", metadata: [HubLogKey.url: "\(request.uri)", HubLogKey.error: "\(error)"])
            return errorResponse(FSPIOPError(.malformedSyntax, "the body cannot be read"), request)
        }
        let headers = HeaderFields(request.headers.map { ($0.name.rawName, $0.value) })
        let method = request.method.rawValue.uppercased()
        do throws(FSPIOPError) {
            // The hub's rule: Content-Type on every method of the API's resources (not on its own ping's answers).
            let checked = try RequestHeaders.validate(method: method, resource: resource.rawValue, headers: headers,
                                                      hasBody: !body.isEmpty, supported: supportedVersions,
                                                      contentType: resource == .ping ? .withBody : .everyMethod)
            let path = request.uri.path
            let message = HubInboundMessage(
                method: method, target: request.uri.query.map { "\(path)?\($0)" } ?? path, path: path,
                headers: headers, body: body, source: checked.source,
                version: checked.contentVersion ?? checked.responseVersion)
            switch try handle(message, checked) {
            case .accepted: return Response(status: .accepted)
            case .ok: return Response(status: .ok)
            }
        } catch {
            return errorResponse(error, request)
        }
    }

    /// The synchronous error answer: the HTTP status of the code and an `errorInformation` body.
    func errorResponse(_ error: FSPIOPError, _ request: Request) -> Response {
        logger.info("Refused a request", metadata: [
            HubLogKey.method: "\(request.method.rawValue)", HubLogKey.url: "\(request.uri.path)",
            HubLogKey.errorCode: "\(error.code)", HubLogKey.error: "\(error.errorDescription)",
        ])
        return Self.json(HubJSON.errorBody(error), status: .init(code: error.httpStatus))
    }

    static func json(_ body: [UInt8], status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Decodes and validates a body by the rules of the message's version.
    func decode<Body: Decodable & FSPIOPValidatable>(_ type: Body.Type, _ message: HubInboundMessage) throws(FSPIOPError) -> Body {
        try FSPIOPBodyDecoder.decode(Body.self, from: Data(message.body), version: message.version)
    }

    /// The sender must be a participant: the hub has nowhere to send its callbacks otherwise.
    func requireParticipant(_ fspId: String) throws(FSPIOPError) -> HubParticipant {
        guard let participant = state.participant(fspId) else {
            throw FSPIOPError(.validationError, "FSPIOP-Source '\(fspId)' is not a participant of this hub")
        }
        return participant
    }

    // MARK: Sending

    /// The headers a forwarded request keeps: the FSPIOP ones, content negotiation and tracing. Host,
    /// Content-Length and connection headers are the new hop's own.
    private static let forwardedHeaders: Set<String> = [
        "content-type", "accept", "date", "fspiop-source", "fspiop-destination", "fspiop-signature",
        "fspiop-uri", "fspiop-http-method", "fspiop-encryption", "fspiop-proxy", "x-forwarded-for",
        "traceparent", "tracestate",
    ]

    /// Forwards a request to a DFSP as received: same method, target, body bytes and FSPIOP headers,
    /// so the sender's JWS still verifies. As the reference switch does (central-services-shared
    /// `headers/transformer.js`), `Accept` is dropped from a callback (PUT), and
    /// `FSPIOP-Destination` is set when the hub chose the destination (`GET /parties`).
    func forward(_ message: HubInboundMessage, to participant: HubParticipant, destination: String? = nil, purpose: String) {
        var fields: [(String, String)] = []
        for field in message.headers {
            let name = field.name.lowercased()
            guard Self.forwardedHeaders.contains(name) else { continue }
            if name == "accept", message.method == "PUT" { continue }
            if name == "fspiop-destination", destination != nil { continue }
            fields.append((field.name, field.value))
        }
        if let destination { fields.append((FSPIOPHeader.destination, destination)) }
        courier.send(HubOutboundMessage(
            destination: participant.fspId, url: participant.endpoint + message.target, method: message.method,
            headers: HeaderFields(fields), body: message.body, purpose: purpose))
    }

    /// Sends a request the hub originates, as the switch: `FSPIOP-Source` is the switch, the
    /// `Content-Type` carries the version of the request that caused it, and it is signed when a
    /// switch key is configured. `Accept` is sent only with a `POST` (the ping): the others are callbacks and
    /// notifications (API Definition v1.1 §3.2.1.3).
    func send(_ method: String, _ target: String, to participant: HubParticipant, resource: FSPIOPResource,
              version: APIVersion, body: [UInt8], purpose: String) {
        var headers = HeaderFields()
        // A request the switch starts itself (its ping) asks for an answer in its version.
        if method == "POST" { headers[FSPIOPHeader.accept] = MediaType.accept(resource.rawValue, major: version.major) }
        headers[FSPIOPHeader.contentType] = MediaType.contentType(resource.rawValue, version)
        headers[FSPIOPHeader.date] = clock().httpDate
        headers[FSPIOPHeader.source] = switchId
        headers[FSPIOPHeader.destination] = participant.fspId
        headers[FSPIOPHeader.uri] = target
        headers[FSPIOPHeader.httpMethod] = method
        if let signer {
            do {
                headers[FSPIOPHeader.signature] = try signer.sign(body: body, headers: headers).headerValue
            } catch {
                logger.error("Cannot sign a message of the switch; it is sent unsigned", metadata: [
                    HubLogKey.purpose: "\(purpose)", HubLogKey.destination: "\(participant.fspId)", HubLogKey.error: "\(error)",
                ])
            }
        }
        courier.send(HubOutboundMessage(destination: participant.fspId, url: participant.endpoint + target,
                                        method: method, headers: headers, body: body, purpose: purpose))
    }

    /// Sends `PUT {resourcePath}/error` with `error` to a DFSP, as the switch.
    func sendError(_ error: FSPIOPError, about resourcePath: String, to fspId: String, resource: FSPIOPResource, version: APIVersion) {
        guard let participant = state.participant(fspId) else {
            logger.warning("Cannot send an error callback: the DFSP is not a participant", metadata: [
                HubLogKey.destination: "\(fspId)", HubLogKey.url: "\(resourcePath)/error", HubLogKey.errorCode: "\(error.code)",
            ])
            return
        }
        send("PUT", resourcePath + "/error", to: participant, resource: resource, version: version,
             body: HubJSON.errorBody(error), purpose: "error \(error.code.rawValue)")
    }

    /// The path segments of a request path (`/parties/MSISDN/123` gives `parties`, `MSISDN`, `123`).
    static func segments(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }
}

/// The JSON bodies the hub writes itself, built as `JSONValue` trees so that writing them cannot fail.
enum HubJSON {
    /// `{"errorInformation":{"errorCode":…,"errorDescription":…[,"extensionList":…]}}`.
    static func errorBody(_ error: FSPIOPError) -> [UInt8] {
        let information = error.errorInformation.errorInformation
        var members: [(String, JSONValue)] = [
            ("errorCode", .string(information.errorCode.rawValue)),
            ("errorDescription", .string(information.errorDescription)),
        ]
        if let list = information.extensionList {
            members.append(("extensionList", .object([("extension", .array(list.extension.map {
                .object([("key", .string($0.key)), ("value", .string($0.value))])
            }))])))
        }
        return CanonicalJSON.insertionOrderBytes(.object([("errorInformation", .object(members))]))
    }

    /// A `PUT /transfers/{ID}` body.
    static func transferBody(_ response: TransfersIDPutResponse) -> [UInt8] {
        var members: [(String, JSONValue)] = []
        if let fulfilment = response.fulfilment { members.append(("fulfilment", .string(fulfilment))) }
        if let completed = response.completedTimestamp { members.append(("completedTimestamp", .string(completed))) }
        members.append(("transferState", .string(response.transferState)))
        return CanonicalJSON.insertionOrderBytes(.object(members))
    }

    /// A body the hub makes from a model (encoding a model of plain values does not fail; if it did, the
    /// body would be an empty object and the receiver would refuse it).
    static func encode(_ value: some Encodable) -> [UInt8] {
        CanonicalJSON.insertionOrderBytes((try? JSONValueEncoder.encode(value)) ?? .object([]))
    }

    /// A `PATCH /transfers/{ID}` body.
    static func patchBody(_ notification: TransfersIDPatchResponse) -> [UInt8] {
        CanonicalJSON.insertionOrderBytes(.object([
            ("completedTimestamp", .string(notification.completedTimestamp)),
            ("transferState", .string(notification.transferState)),
        ]))
    }

    /// `{"fspId":…}`, the body of `PUT /participants/{Type}/{ID}`.
    static func participantBody(fspId: String) -> [UInt8] {
        CanonicalJSON.insertionOrderBytes(.object([("fspId", .string(fspId))]))
    }
}
