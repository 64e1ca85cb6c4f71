import Connector
import FSPIOP
import Foundation
import NIOCore
import NIOHTTP1
import PMCore
import Synchronization

/// Sign-in through an OpenID Connect provider (Keycloak, Azure AD, ...): the authorization code flow with PKCE
/// (S256), a state bound to the browser by a cookie, a nonce bound to the ID token, and the ID token's RS256 signature,
/// issuer, audience, expiry and nonce checked against the provider's published keys.
public struct OIDCSettings: Sendable, Hashable {
    /// The issuer, exactly as the provider's tokens name it; its discovery document is at
    /// `<issuer>/.well-known/openid-configuration`.
    public var issuer: String

    var discoveryURL: String {
        var base = issuer
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/.well-known/openid-configuration"
    }
    public var clientId: String
    /// For a confidential client; a public client sends none (PKCE protects the code either way).
    public var clientSecret: String?
    /// Where the provider sends the browser back: this portal's `/oidc/callback`, as the browser reaches it.
    public var redirectURL: String
    /// The claim that lists the user's roles, as a dotted path (`roles`, `realm_access.roles` for Keycloak); its values
    /// that name a portal role (`business`, `technical`, `admin`) are the user's roles.
    public var rolesClaim: String
    public var scopes: String

    public init(issuer: String, clientId: String, clientSecret: String? = nil, redirectURL: String, rolesClaim: String = "roles",
                scopes: String = "openid profile") {
        self.issuer = issuer
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.redirectURL = redirectURL
        self.rolesClaim = rolesClaim
        self.scopes = scopes
    }
}

/// Why a sign-in through the provider failed: said to the user in general terms, logged in full.
public struct OIDCFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The portal's side of the OpenID Connect flow.
public final class OIDCClient: Sendable {
    let settings: OIDCSettings
    let http: PooledHTTPClient
    let now: @Sendable () -> Int64

    struct Provider: Sendable {
        var authorizationEndpoint: String
        var tokenEndpoint: String
        var jwksURI: String
    }

    struct Pending: Sendable {
        var verifier: String
        var nonce: String
        var next: String
        var created: ContinuousClock.Instant
    }

    private let provider = Mutex<Provider?>(nil)
    private let keys = Mutex<[String: VerificationKey]>([:])
    private let pending = Mutex<[String: Pending]>([:])
    /// How long a started sign-in may take at the provider.
    static let pendingLifetime = Duration.seconds(600)

    public init(settings: OIDCSettings, http: PooledHTTPClient, now: @escaping @Sendable () -> Int64) {
        self.settings = settings
        self.http = http
        self.now = now
    }

    /// Starts a sign-in: the provider's authorization URL to send the browser to, and the state to keep in its cookie.
    func start(next: String) async throws(OIDCFailure) -> (url: String, state: String) {
        let provider = try await discover()
        let state = SessionStore.randomToken(), nonce = SessionStore.randomToken(), verifier = SessionStore.randomToken()
        let challenge = Base64.urlEncoded(Digest.sha256(Array(verifier.utf8)))
        let started = ContinuousClock.now
        pending.withLock { pending in
            pending = pending.filter { started - $0.value.created < Self.pendingLifetime }
            if pending.count >= 10_000, let oldest = pending.min(by: { $0.value.created < $1.value.created })?.key { pending[oldest] = nil }
            pending[state] = Pending(verifier: verifier, nonce: nonce, next: next, created: started)
        }
        let query = HTML.query([
            ("response_type", "code"), ("client_id", settings.clientId), ("redirect_uri", settings.redirectURL), ("scope", settings.scopes),
            ("state", state), ("nonce", nonce), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ])
        let separator = provider.authorizationEndpoint.contains("?") ? "&" : "?"
        return (provider.authorizationEndpoint + separator + query.dropFirst(), state)
    }

    /// Ends a sign-in: checks the state against the browser's cookie, exchanges the code (with the PKCE verifier) for
    /// an ID token, verifies it, and returns the user it names and where to go next.
    func finish(code: String, state: String, cookieState: String?) async throws(OIDCFailure) -> (user: PortalUser, next: String) {
        guard let cookieState, SessionStore.same(state, cookieState) else { throw OIDCFailure("the state does not match this browser's") }
        guard let started = pending.withLock({ $0.removeValue(forKey: state) }), ContinuousClock.now - started.created < Self.pendingLifetime else {
            throw OIDCFailure("no sign-in was started with this state, or it expired")
        }
        let provider = try await discover()
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", settings.redirectURL), ("client_id", settings.clientId),
                    ("code_verifier", started.verifier)]
        if let secret = settings.clientSecret { form.append(("client_secret", secret)) }
        let body = String(HTML.query(form).dropFirst())
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        headers.add(name: "Accept", value: "application/json")
        let answer = try await fetch(.POST, provider.tokenEndpoint, headers: headers, body: body)
        guard let idToken = answer["id_token"]?.stringValue else { throw OIDCFailure("the token endpoint answered no id_token") }
        let claims = try await verify(idToken, nonce: started.nonce)
        let name = claims["preferred_username"]?.stringValue ?? claims["email"]?.stringValue ?? claims["sub"]?.stringValue ?? ""
        guard !name.isEmpty else { throw OIDCFailure("the ID token names no user") }
        var value: JSONValue? = claims
        for part in settings.rolesClaim.split(separator: ".") { value = value?[String(part)] }
        var names: [String] = []
        switch value {
        case let .array(items)?: names = items.compactMap(\.stringValue)
        case let .string(text)?: names = text.split(separator: " ").map(String.init)
        default: break
        }
        let roles = Set(names.compactMap { PortalRole(rawValue: $0.lowercased()) })
        return (PortalUser(name: name, passwordHash: "", roles: roles), started.next)
    }

    /// The ID token's claims, once its signature (RS256, by a key the provider publishes), issuer, audience, times and
    /// nonce are checked.
    func verify(_ token: String, nonce: String) async throws(OIDCFailure) -> JSONValue {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64.urlDecoded(parts[0]), let payloadBytes = Base64.urlDecoded(parts[1]),
              let signature = Base64.urlDecoded(parts[2]), let header = try? JSONParser.parse(headerBytes),
              let claims = try? JSONParser.parse(payloadBytes) else { throw OIDCFailure("the ID token is not a JWS in compact form") }
        guard header["alg"]?.stringValue == "RS256" else { throw OIDCFailure("the ID token is signed with \(header["alg"]?.stringValue ?? "nothing"), not RS256") }
        let kid = header["kid"]?.stringValue ?? ""
        var key = keys.withLock { $0[kid] }
        if key == nil {
            try await loadKeys()
            key = keys.withLock { $0[kid] }
        }
        guard let key else { throw OIDCFailure("the provider publishes no key '\(kid)'") }
        guard key.verify(Array("\(parts[0]).\(parts[1])".utf8), signature: signature) else { throw OIDCFailure("the ID token's signature does not verify") }
        guard claims["iss"]?.stringValue == settings.issuer else { throw OIDCFailure("the ID token's issuer is not \(settings.issuer)") }
        let audiences: [String]
        switch claims["aud"] {
        case let .string(text)?: audiences = [text]
        case let .array(items)?: audiences = items.compactMap(\.stringValue)
        default: audiences = []
        }
        guard audiences.contains(settings.clientId) else { throw OIDCFailure("the ID token is not for client \(settings.clientId)") }
        if audiences.count > 1, let party = claims["azp"]?.stringValue, party != settings.clientId {
            throw OIDCFailure("the ID token was issued to \(party)")
        }
        let seconds = now() / 1000
        guard let expiry = claims["exp"].flatMap(Self.number), expiry + 60 > seconds else { throw OIDCFailure("the ID token expired") }
        if let issued = claims["iat"].flatMap(Self.number), issued - 60 > seconds { throw OIDCFailure("the ID token is issued in the future") }
        guard let tokenNonce = claims["nonce"]?.stringValue, SessionStore.same(tokenNonce, nonce) else { throw OIDCFailure("the ID token's nonce is not this sign-in's") }
        return claims
    }

    static func number(_ value: JSONValue) -> Int64? {
        if case let .number(text) = value { return Int64(text) ?? Double(text).map { Int64($0) } }
        return nil
    }

    private func discover() async throws(OIDCFailure) -> Provider {
        if let known = provider.withLock({ $0 }) { return known }
        let document = try await fetch(.GET, settings.discoveryURL)
        guard document["issuer"]?.stringValue == settings.issuer, let authorization = document["authorization_endpoint"]?.stringValue,
              let token = document["token_endpoint"]?.stringValue, let jwks = document["jwks_uri"]?.stringValue else {
            throw OIDCFailure("the provider's discovery document lacks its issuer or endpoints")
        }
        let found = Provider(authorizationEndpoint: authorization, tokenEndpoint: token, jwksURI: jwks)
        provider.withLock { $0 = found }
        return found
    }

    private func loadKeys() async throws(OIDCFailure) {
        let provider = try await discover()
        let document = try await fetch(.GET, provider.jwksURI)
        guard case let .array(entries)? = document["keys"] else { throw OIDCFailure("the provider's key set has no keys") }
        var loaded: [String: VerificationKey] = [:]
        for entry in entries where entry["kty"]?.stringValue == "RSA" && entry["use"]?.stringValue != "enc" {
            guard let modulus = entry["n"]?.stringValue.flatMap(Base64.urlDecoded), let exponent = entry["e"]?.stringValue.flatMap(Base64.urlDecoded),
                  let key = try? VerificationKey(pem: RSAPublicKeyDER.pem(modulus: modulus, exponent: exponent)) else { continue }
            loaded[entry["kid"]?.stringValue ?? ""] = key
        }
        keys.withLock { $0 = loaded }
    }

    private func fetch(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: String? = nil) async throws(OIDCFailure) -> JSONValue {
        let response: PooledHTTPClient.Response
        do {
            response = try await http.execute(method: method, url: url, headers: headers, body: body.map { ByteBuffer(string: $0) }, timeout: .seconds(10))
        } catch {
            throw OIDCFailure("\(method) \(url): \(error)")
        }
        guard response.status == .ok, let json = try? JSONParser.parse(Array(buffer: response.body)) else {
            throw OIDCFailure("\(method) \(url) answered \(response.status.code)")
        }
        return json
    }
}

/// An RSA public key (PKCS#1 `RSAPublicKey`) from a JWK's modulus and exponent, in DER and PEM.
enum RSAPublicKeyDER {
    static func pem(modulus: [UInt8], exponent: [UInt8]) -> String {
        let der = sequence(integer(modulus) + integer(exponent))
        let base64 = Base64.standardEncoded(der)
        var lines: [String] = []
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        return "-----BEGIN RSA PUBLIC KEY-----\n" + lines.joined(separator: "\n") + "\n-----END RSA PUBLIC KEY-----\n"
    }

    static func integer(_ bytes: [UInt8]) -> [UInt8] {
        var value = Array(bytes.drop { $0 == 0 })
        if value.isEmpty { value = [0] }
        if value[0] & 0x80 != 0 { value.insert(0, at: 0) }
        return [0x02] + length(value.count) + value
    }

    static func sequence(_ content: [UInt8]) -> [UInt8] { [0x30] + length(content.count) + content }

    static func length(_ count: Int) -> [UInt8] {
        guard count >= 0x80 else { return [UInt8(count)] }
        var bytes: [UInt8] = []
        var rest = count
        while rest > 0 {
            bytes.insert(UInt8(rest & 0xff), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }
}
