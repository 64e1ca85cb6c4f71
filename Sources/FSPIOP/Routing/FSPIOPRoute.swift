/// An FSPIOP request's method and path, read once: the resource, the ids after it (decoded), and whether it is an
/// error callback (`PUT /{resource}/{ID}/error`). API Definition v1.1 §3.3 gives the paths.
public struct FSPIOPRoute: Sendable, Hashable {
    /// The methods of the API; any other has no route.
    public enum Method: String, Sendable, Hashable {
        case get = "GET", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE"
    }

    public var method: Method
    public var resource: FSPIOPResource
    /// The path's segments after the resource, percent-decoded, without a final `error`: a party's type, id and sub-id,
    /// a transfer's id.
    public var ids: [String]
    /// A `PUT /{resource}/{...}/error` callback.
    public var isError: Bool

    public init(method: Method, resource: FSPIOPResource, ids: [String], isError: Bool = false) {
        self.method = method
        self.resource = resource
        self.ids = ids
        self.isError = isError
    }

    /// The route of `method` and `path` (the path without its query); nil when the method is not one of the API's, the
    /// first segment is not a resource, or a segment's percent-encoding is invalid.
    public init?(method: String, path: String) {
        guard let method = Method(rawValue: method), let segments = FSPIOPPath.segments(of: Substring(path)),
              let first = segments.first, let resource = FSPIOPResource(rawValue: first) else { return nil }
        let isError = segments.count > 2 && segments.last == "error"
        self.init(method: method, resource: resource, ids: Array(segments.dropFirst().dropLast(isError ? 1 : 0)), isError: isError)
    }

    /// The first id (a transfer's, a quote's), or nil.
    public var id: String? { ids.first }

    /// The party of `/parties/{Type}/{ID}[/{SubId}]` or `/participants/{Type}/{ID}[/{SubId}]`: two or three ids.
    public var party: PartyIdInfo? {
        guard ids.count == 2 || ids.count == 3 else { return nil }
        return PartyIdInfo(partyIdType: ids[0], partyIdentifier: ids[1], partySubIdOrType: ids.count == 3 ? ids[2] : nil)
    }
}
