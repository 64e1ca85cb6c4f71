import FSPIOP
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Small helpers shared by the connector's HTTP edges.
enum HTTPSupport {
    /// The request's headers as FSPIOP header fields (names as sent; lookups ignore case).
    static func headerFields(_ fields: HTTPFields) -> HeaderFields {
        HeaderFields(fields.map { ($0.name.rawName, $0.value) })
    }

    /// A JSON response.
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue, contentType: String = "application/json") -> Response {
        let bytes = CanonicalJSON.insertionOrderBytes(value)
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// An FSPIOP error answered synchronously: its HTTP status and the `errorInformation` body.
    static func fspiopError(_ error: FSPIOPError, status: Int? = nil) -> Response {
        let body = (try? JSONValueEncoder.encode(error.errorInformation)) ?? .object([])
        return json(HTTPResponse.Status(code: status ?? error.httpStatus), body)
    }

    static func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [:], body: ResponseBody())
    }

    /// Collects a request body up to `limit` bytes; nil when it is larger.
    static func body(_ request: Request, limit: Int) async -> [UInt8]? {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: limit) else { return nil }
        return Array(buffer: buffer)
    }

    /// A request body as a JSON object's members.
    /// - Throws: 3101 when it is not JSON, not an object, or names a member twice in one object (which value a
    ///   reader takes would then depend on the reader).
    static func jsonObject(_ body: [UInt8]) throws(FSPIOPError) -> [(String, JSONValue)] {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { throw FSPIOPError(.malformedSyntax, "body: is not valid JSON (\(error))") }
        guard case let .object(members) = json else { throw FSPIOPError(.malformedSyntax, "body: must be a JSON object") }
        if json.hasDuplicateMemberNames { throw FSPIOPError(.malformedSyntax, "body: an object names the same member twice") }
        return members
    }

    /// Collects a body up to `limit` bytes and reads it as a JSON object (``jsonObject(_:)``).
    /// - Throws: 3101 as ``jsonObject(_:)``; 3103 (answered 413) when the body is larger than `limit`.
    static func jsonObject(_ request: Request, limit: Int) async throws(FSPIOPError) -> [(String, JSONValue)] {
        guard let body = await body(request, limit: limit) else { throw FSPIOPError(.tooLargePayload, "the body exceeds \(limit) bytes") }
        return try jsonObject(body)
    }
}
