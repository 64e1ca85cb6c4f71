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

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(bytes))
    }
}
