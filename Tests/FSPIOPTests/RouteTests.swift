import FSPIOP
import Testing

/// A request's method and path read once into a typed route.
struct RouteTests {
    @Test("the resource, the decoded ids and the error callback of a path", arguments: [
        ("PUT", "/parties/MSISDN/123", FSPIOPRoute(method: .put, resource: .parties, ids: ["MSISDN", "123"])),
        ("PUT", "/parties/MSISDN/123/error", FSPIOPRoute(method: .put, resource: .parties, ids: ["MSISDN", "123"], isError: true)),
        ("GET", "/parties/ALIAS/alice%20smith%2F%2B1/sub", FSPIOPRoute(method: .get, resource: .parties, ids: ["ALIAS", "alice smith/+1", "sub"])),
        ("PUT", "/transfers/abc/error", FSPIOPRoute(method: .put, resource: .transfers, ids: ["abc"], isError: true)),
        ("PUT", "/transfers/error", FSPIOPRoute(method: .put, resource: .transfers, ids: ["error"])),
        ("POST", "/quotes", FSPIOPRoute(method: .post, resource: .quotes, ids: [])),
        ("PATCH", "//transfers//x/", FSPIOPRoute(method: .patch, resource: .transfers, ids: ["x"])),
    ])
    func routes(_ example: (String, String, FSPIOPRoute)) {
        #expect(FSPIOPRoute(method: example.0, path: example.1) == example.2)
    }

    @Test("no route for another method, an unknown resource, an empty path or a broken percent-encoding", arguments: [
        ("BREW", "/transfers/x"), ("get", "/transfers/x"), ("GET", "/coffee/x"), ("GET", "/"), ("GET", "/parties/MSISDN/%G0"),
        ("GET", "/parties/MSISDN/%C3"),
    ])
    func noRoute(_ example: (String, String)) {
        #expect(FSPIOPRoute(method: example.0, path: example.1) == nil)
    }

    @Test("a party route names the party; two or three ids only")
    func party() {
        #expect(FSPIOPRoute(method: "GET", path: "/parties/MSISDN/1/2")?.party == PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "1", partySubIdOrType: "2"))
        #expect(FSPIOPRoute(method: "GET", path: "/parties/MSISDN")?.party == nil)
        #expect(FSPIOPRoute(method: "GET", path: "/parties/a/b/c/d")?.party == nil)
    }
}
