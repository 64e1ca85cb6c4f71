import Connector
import FSPIOP
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PMCore
@testable import PaymentManager
@testable import Portal
import ServiceLifecycle
import Synchronization
import Testing

/// Single sign-on through an OpenID Connect provider: a provider on 127.0.0.1 that checks what a real one checks
/// (client, redirect URI, PKCE verifier) and signs RS256 ID tokens; the portal's side of the flow over real sockets.
@Suite(.serialized)
struct PortalOIDCTests {
    /// How the provider misbehaves, to show that the portal refuses it.
    enum Tampering: Sendable { case none, wrongAudience, expired, wrongNonce, foreignKey }

    /// A provider with one user whose roles and tokens the test chooses.
    final class Provider: HTTPResponder, Sendable {
        typealias Context = BasicRequestContext
        let key: SigningKey
        let foreignKey: SigningKey
        let clientId = "payment-manager"
        let issuer = Mutex<String>("")
        let roles = Mutex<[String]>(["business"])
        let tampering = Mutex<Tampering>(.none)
        let codes = Mutex<[String: (challenge: String, nonce: String, redirect: String)]>([:])

        init() throws {
            key = try SigningKey.generateRSA()
            foreignKey = try SigningKey.generateRSA()
        }

        func respond(to request: Request, context: Context) async throws -> Response {
            let issuer = issuer.withLock { $0 }
            let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { a, _ in a })
            switch (request.method, request.uri.path) {
            case (.get, "/.well-known/openid-configuration"):
                return Self.json(.object([("issuer", .string(issuer)), ("authorization_endpoint", .string(issuer + "/authorize")),
                                          ("token_endpoint", .string(issuer + "/token")), ("jwks_uri", .string(issuer + "/jwks"))]))
            case (.get, "/authorize"):
                guard query["response_type"] == "code", query["client_id"] == clientId, query["code_challenge_method"] == "S256",
                      let challenge = query["code_challenge"], let nonce = query["nonce"], let redirect = query["redirect_uri"], let state = query["state"]
                else { return Response(status: .badRequest) }
                let code = UUID().uuidString
                codes.withLock { $0[code] = (challenge, nonce, redirect) }
                var headers = HTTPFields()
                headers[.location] = redirect + "?code=\(code)&state=\(state)"
                return Response(status: .seeOther, headers: headers)
            case (.post, "/token"):
                let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
                var form: [String: String] = [:]
                for pair in body.split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
                    if parts.count == 2 { form[parts[0]] = parts[1] }
                }
                guard form["grant_type"] == "authorization_code", form["client_id"] == clientId, let code = form["code"],
                      let issued = codes.withLock({ $0.removeValue(forKey: code) }), form["redirect_uri"] == issued.redirect,
                      let verifier = form["code_verifier"], Base64.urlEncoded(Digest.sha256(Array(verifier.utf8))) == issued.challenge
                else { return Self.json(.object([("error", .string("invalid_grant"))]), status: .badRequest) }
                return Self.json(.object([("id_token", .string(try token(nonce: issued.nonce))), ("token_type", .string("Bearer")),
                                          ("access_token", .string("opaque"))]))
            case (.get, "/jwks"):
                let (modulus, exponent) = try Self.modulusAndExponent(try key.verificationKey.pem)
                return Self.json(.object([("keys", .array([.object([
                    ("kty", .string("RSA")), ("kid", .string("k1")), ("use", .string("sig")), ("alg", .string("RS256")),
                    ("n", .string(Base64.urlEncoded(modulus))), ("e", .string(Base64.urlEncoded(exponent))),
                ])]))]))
            default:
                return Response(status: .notFound)
            }
        }

        func token(nonce: String) throws -> String {
            let tampering = tampering.withLock { $0 }
            let now = Int64(Date().timeIntervalSince1970)
            let header = JSONValue.object([("alg", .string("RS256")), ("typ", .string("JWT")), ("kid", .string("k1"))])
            let claims = JSONValue.object([
                ("iss", .string(issuer.withLock { $0 })), ("sub", .string("user-1")), ("preferred_username", .string("olga")),
                ("aud", .string(tampering == .wrongAudience ? "another-client" : clientId)),
                ("iat", .number(String(now))), ("exp", .number(String(tampering == .expired ? now - 600 : now + 300))),
                ("nonce", .string(tampering == .wrongNonce ? "another-nonce" : nonce)),
                ("roles", .array(roles.withLock { $0 }.map(JSONValue.string))),
            ])
            let signingInput = Base64.urlEncoded(CanonicalJSON.insertionOrderBytes(header)) + "." + Base64.urlEncoded(CanonicalJSON.insertionOrderBytes(claims))
            let signature = try (tampering == .foreignKey ? foreignKey : key).sign(Array(signingInput.utf8))
            return signingInput + "." + Base64.urlEncoded(signature)
        }

        static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: CanonicalJSON.insertionOrderBytes(value))))
        }

        /// The modulus and exponent of an RSA public key in SPKI PEM (SEQUENCE { algorithm, BIT STRING { SEQUENCE { n, e } } }).
        static func modulusAndExponent(_ pem: String) throws -> ([UInt8], [UInt8]) {
            let base64 = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            let der = try #require(Base64.standardDecoded(base64))
            var index = 0
            func header() -> (tag: UInt8, length: Int) {
                let tag = der[index]
                var length = Int(der[index + 1])
                index += 2
                if length & 0x80 != 0 {
                    let count = length & 0x7f
                    length = der[index..<index + count].reduce(0) { $0 << 8 | Int($1) }
                    index += count
                }
                return (tag, length)
            }
            _ = header()                        // SubjectPublicKeyInfo
            let algorithm = header()            // AlgorithmIdentifier
            index += algorithm.length
            _ = header()                        // BIT STRING
            index += 1                          // unused bits
            _ = header()                        // RSAPublicKey
            let modulus = header()
            let n = Array(der[index..<index + modulus.length])
            index += modulus.length
            let exponent = header()
            return (n, Array(der[index..<index + exponent.length]))
        }
    }

    /// Runs the provider on a free port, then a topology whose payer portal signs in through it.
    func withProvider(_ body: (Provider, PortalClient, PortalClient) async throws -> Void) async throws {
        let provider = try Provider()
        let logger = Logger(label: "oidc-provider")
        let server = HTTPServer(name: "provider", host: "127.0.0.1", port: 0, tls: nil, responder: provider, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let providerPort = try await server.listeningPort()
                provider.issuer.withLock { $0 = "http://127.0.0.1:\(providerPort)" }
                let portalPort = try FreePort.allocate()
                try await withTopology({
                    $0.readSide = true
                    $0.payerExperiencePort = portalPort
                    $0.payerPortalOIDC = OIDCSettings(issuer: "http://127.0.0.1:\(providerPort)", clientId: "payment-manager",
                                                      redirectURL: "http://127.0.0.1:\(portalPort)/oidc/callback")
                }) { topology in
                    _ = try await topology.payerReadSide?.listeningPort()
                    try await body(provider, PortalClient(port: portalPort), PortalClient(port: providerPort))
                }
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Goes through the flow as a browser would; returns the callback's answer.
    func signIn(_ portal: PortalClient, _ provider: PortalClient, next: String = "/portal/transfers", keepState: Bool = true) async throws -> PortalClient.Answer {
        let start = try await portal.request(.GET, "/oidc/start?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")", withSession: false)
        #expect(start.status == 303)
        let location = try #require(start.headers.first(name: "Location"))
        let stateCookie = try #require(start.headers[canonicalForm: "Set-Cookie"].first { $0.hasPrefix("pm-oidc-state=") })
        #expect(stateCookie.contains("HttpOnly") && stateCookie.contains("SameSite=Lax"))
        #expect(location.contains("code_challenge_method=S256") && location.contains("nonce="))
        let authorize = try await provider.request(.GET, String(location.dropFirst("http://127.0.0.1:\(provider.port)".count)), withSession: false)
        #expect(authorize.status == 303)
        let callback = try #require(authorize.headers.first(name: "Location"))
        let path = String(callback.dropFirst("http://127.0.0.1:\(portal.port)".count))
        return try await portal.request(.GET, path, headers: keepState ? [("Cookie", String(stateCookie.split(separator: ";")[0]))] : [],
                                        withSession: false)
    }

    @Test("single sign-on: PKCE, state and nonce; the ID token's roles give the session's; a replayed or tampered sign-in is refused")
    func singleSignOn() async throws {
        try await withProvider { provider, portal, idp in
            #expect(try await portal.request(.GET, "/login", withSession: false).text.contains("Sign in with single sign-on"))
            let answer = try await signIn(portal, idp)
            #expect(answer.status == 200)
            #expect(answer.text.contains("url=/portal/transfers"))
            let session = try #require(answer.headers[canonicalForm: "Set-Cookie"].first { $0.hasPrefix("pm-session-payerfsp=") })
            #expect(session.contains("HttpOnly") && session.contains("Secure") && session.contains("SameSite=Strict"))
            let signedIn = String(session.split(separator: ";")[0])
            #expect(try await portal.request(.GET, "/transfers", headers: [("Cookie", signedIn)], withSession: false).status == 200)
            #expect(try await portal.request(.GET, "/status", headers: [("Cookie", signedIn)], withSession: false).status == 403)

            // Without the browser's state cookie, the code is not taken.
            #expect(try await signIn(portal, idp, keepState: false).status == 400)
            // Tokens that must not be taken.
            for tampering in [Tampering.wrongAudience, .expired, .wrongNonce, .foreignKey] {
                provider.tampering.withLock { $0 = tampering }
                let refused = try await signIn(portal, idp)
                #expect(refused.status == 400, "\(tampering)")
                #expect(refused.headers[canonicalForm: "Set-Cookie"].allSatisfy { !$0.hasPrefix("pm-session-") }, "\(tampering)")
            }
            provider.tampering.withLock { $0 = .none }
            // A user the provider gives no portal role.
            provider.roles.withLock { $0 = ["auditor"] }
            #expect(try await signIn(portal, idp).status == 403)
            // An administrator.
            provider.roles.withLock { $0 = ["admin"] }
            let admin = try await signIn(portal, idp)
            let adminCookie = try #require(admin.headers[canonicalForm: "Set-Cookie"].first { $0.hasPrefix("pm-session-payerfsp=") })
            #expect(try await portal.request(.GET, "/status", headers: [("Cookie", String(adminCookie.split(separator: ";")[0]))], withSession: false).status == 200)
        }
    }

    @Test("an RSA key from a JWK's modulus and exponent verifies what its private key signed")
    func jwkKey() throws {
        let key = try SigningKey.generateRSA()
        let (n, e) = try Provider.modulusAndExponent(try key.verificationKey.pem)
        let verifier = try VerificationKey(pem: RSAPublicKeyDER.pem(modulus: n, exponent: e))
        let message = Array("signed".utf8)
        #expect(verifier.verify(message, signature: try key.sign(message)))
        #expect(!verifier.verify(Array("other".utf8), signature: try key.sign(message)))
    }
}
