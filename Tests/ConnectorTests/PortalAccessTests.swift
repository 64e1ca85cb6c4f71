import Connector
import Foundation
import NIOHTTP1
import PMCore
@testable import PaymentManager
@testable import Portal
import Testing

/// Login, sessions and roles over real sockets: every route of the experience API and every page of the portal is
/// refused without a session (401, or a redirect to the login form) and with the wrong role (403).
@Suite(.serialized)
struct PortalAccessTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every path of the experience API's OpenAPI document, its parameters filled in.
    static func apiPaths() throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent("schemas/experience-api.openapi.yaml"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  /"), line.hasSuffix(":") else { return nil }
            return String(line.dropFirst(2).dropLast()).replacingOccurrences(of: "{kind}", with: "PARTY_LOOKUP")
                .replacingOccurrences(of: "{transferId}", with: "no-such-transfer").replacingOccurrences(of: "{operationId}", with: "MSISDN%2F1")
        }
    }

    func withPortal(_ body: (PortalClient) async throws -> Void) async throws {
        try await withTopology({
            $0.readSide = true
            $0.portalUsers = TestUsers.all
        }) { topology in
            let port = try await #require(topology.payerReadSide).listeningPort()
            try await body(PortalClient(port: port))
        }
    }

    @Test("every experience API route: 401 without a session, 403 with the wrong role, served to its role and to an admin")
    func apiRoutes() async throws {
        let paths = try Self.apiPaths()
        #expect(paths.count >= 15)
        try await withPortal { client in
            for path in paths {
                let access = PortalRoutes.access(for: path)
                guard case let .roles(roles) = access else {
                    #expect(path == "/health")
                    #expect(try await client.request(.GET, path, withSession: false).status == 200)
                    continue
                }
                #expect(try await client.request(.GET, path, withSession: false).status == 401, "\(path) without a session")
                for user in [TestUsers.business, TestUsers.technical] {
                    client.forget()
                    try await client.signIn(user.name)
                    let status = try await client.get(path).status
                    if user.may(roles) { #expect(status != 401 && status != 403, "\(path) as \(user.name): \(status)") } else {
                        #expect(status == 403, "\(path) as \(user.name): \(status)")
                    }
                }
                client.forget()
                try await client.signIn(TestUsers.admin.name)
                let status = try await client.get(path).status
                #expect(status != 401 && status != 403, "\(path) as an admin: \(status)")
            }
            // A path no entry names is an admin's only.
            client.forget()
            try await client.signIn(TestUsers.business.name)
            #expect(try await client.get("/nothing").status == 403)
        }
    }

    @Test("every page: a redirect to the login form without a session, 403 with the wrong role, 200 for its role")
    func pages() async throws {
        try await withPortal { client in
            for (name, access) in PortalRoutes.pages where name != "" {
                let path = "/portal/\(name)"
                let anonymous = try await client.request(.GET, path, withSession: false)
                #expect(anonymous.status == 303, "\(path) without a session")
                #expect(anonymous.headers.first(name: "Location") == "/login?next=%2Fportal%2F\(name)")
                guard case let .roles(roles) = access else { Issue.record("\(path) is open"); continue }
                for user in [TestUsers.business, TestUsers.technical] {
                    client.forget()
                    try await client.signIn(user.name)
                    // The live stream runs for 30 seconds: only its refusal is awaited.
                    if name == "live", user.may(roles) { continue }
                    let page = try await client.get(path)
                    if user.may(roles) {
                        #expect(page.status == 200, "\(path) as \(user.name): \(page.status)")
                        #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
                    } else {
                        #expect(page.status == 403, "\(path) as \(user.name): \(page.status)")
                    }
                }
            }
        }
    }

    @Test("checking the hub now: a change that needs the technical role and the session's token")
    func checkNow() async throws {
        try await withPortal { client in
            #expect(try await client.request(.POST, "/portal/connection/check", form: [("csrf", "x")], withSession: false).status == 303)
            try await client.signIn(TestUsers.business.name)
            #expect(try await client.request(.POST, "/portal/connection/check", form: [("csrf", "x")]).status == 403)
            client.forget()
            try await client.signIn(TestUsers.technical.name)
            #expect(try await client.request(.POST, "/portal/connection/check", form: [("csrf", "forged")]).status == 403)
            let token = try #require(PortalClient.hidden("csrf", in: try await client.get("/portal/connection").text))
            let checked = try await client.request(.POST, "/portal/connection/check", form: [("csrf", token)])
            #expect(checked.status == 303)
            #expect(try await client.get("/portal/connection").text.contains(">Reachable<"))
        }
    }

    @Test("signing in: cookies HttpOnly, Secure and SameSite=Strict; wrong passwords throttled; forms without their token refused; signing out ends the session")
    func signingIn() async throws {
        try await withPortal { client in
            let answer = try await client.signIn(TestUsers.business.name)
            #expect(answer.status == 303)
            #expect(answer.headers.first(name: "Location") == "/portal")
            let cookie = try #require(answer.headers[canonicalForm: "Set-Cookie"].first { $0.hasPrefix("pm-session-payerfsp=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict"))
            #expect(try await client.get("/transfers").status == 200)

            // A login form posted without the token its page set is refused, even with the right password.
            let forged = try await client.request(.POST, "/login", form: [("name", TestUsers.business.name), ("password", TestUsers.password)],
                                                  withSession: false)
            #expect(forged.status == 403)
            #expect(forged.headers[canonicalForm: "Set-Cookie"].allSatisfy { !$0.hasPrefix("pm-session-") })

            // Signing out needs the session's token; then the session is over.
            #expect(try await client.request(.POST, "/logout", form: [("csrf", "wrong")]).status == 403)
            let page = try await client.get("/portal/transfers")
            let token = try #require(PortalClient.hidden("csrf", in: page.text))
            #expect(try await client.request(.POST, "/logout", form: [("csrf", token)]).status == 303)
            #expect(try await client.get("/transfers").status == 401)

            // Five wrong passwords for a name: the sixth attempt is refused, the right password too, with Retry-After.
            let other = PortalClient(port: client.port)
            for _ in 0..<5 { #expect(try await other.signIn(TestUsers.technical.name, password: "wrong").status == 401) }
            let throttled = try await other.signIn(TestUsers.technical.name)
            #expect(throttled.status == 429)
            #expect(throttled.headers.first(name: "Retry-After").flatMap(Int.init).map { $0 > 0 } == true)
            // Another name is not locked out by them, and an unknown name fails as a wrong password does.
            #expect(try await other.signIn("nobody").status == 401)
            #expect(try await other.signIn(TestUsers.admin.name).status == 303)
            // After signing in, `next` goes only to a path of this server.
            #expect(PortalResponder.safeNext("//evil.example/x") == "/portal")
            #expect(PortalResponder.safeNext("https://evil.example/") == "/portal")
            #expect(PortalResponder.safeNext("/portal/errors?status=ERROR") == "/portal/errors?status=ERROR")
        }
    }

    @Test("no page and no route shows a private key or the ILP secret")
    func noSecrets() async throws {
        try await withPortal { client in
            try await client.signIn(TestUsers.admin.name)
            var bodies: [String] = []
            for name in PortalRoutes.pages.keys where name != "live" { bodies.append(try await client.get("/portal/\(name)").text) }
            for path in try Self.apiPaths() { bodies.append(try await client.get(path).text) }
            let credentials = try await client.get("/portal/credentials").text
            #expect(credentials.contains("JWS signing key of payerfsp"))
            #expect(credentials.contains("CN="))
            for body in bodies {
                #expect(!body.contains("PRIVATE KEY"))
                #expect(!body.contains("demo-secret-payerfsp"))
            }
        }
    }
}

/// The service page's rates: from two samples of the process's own metrics.
struct MetricsSamplerTests {
    @Test("rates over the window between samples: requests per second, the failed share, the mean time")
    func rates() throws {
        let metrics = HTTPMetrics()
        let sampler = MetricsSampler(metrics: metrics)
        #expect(sampler.rates() == nil)
        metrics.record(api: "inbound", method: "PUT", route: "transfers", status: 200, since: .now)
        sampler.take()
        for status in [200, 200, 500, 200] { metrics.record(api: "inbound", method: "PUT", route: "transfers", status: status, since: .now) }
        sampler.take()
        let (seconds, routes) = try #require(sampler.rates())
        #expect(seconds > 0)
        let rate = try #require(routes["inbound transfers"])
        #expect(abs(rate.requestsPerSecond * seconds - 4) < 0.001)
        #expect(abs(rate.failedShare - 0.25) < 0.001)
        #expect(rate.meanMilliseconds != nil)
    }
}
