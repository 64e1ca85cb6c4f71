import FSPIOP

/// One FSPIOP request to the hub: method, resource path, destination and body.
public struct HubRequest: Sendable, Hashable {
    public var method: String
    public var resource: FSPIOPResource
    /// The path from the resource on (`/transfers/{id}/error`); it is also the `FSPIOP-URI`.
    public var path: String
    public var destination: String?
    public var body: JSONValue?

    public init(method: String, resource: FSPIOPResource, path: String, destination: String?, body: JSONValue?) {
        self.method = method
        self.resource = resource
        self.path = path
        self.destination = destination
        self.body = body
    }
}
