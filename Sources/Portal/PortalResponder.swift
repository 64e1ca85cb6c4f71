import Connector
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PMCore
import ReadModel
import ReadSide

/// Everything the experience port serves, behind login and roles: the portal's pages, the login and logout forms, a
/// stream of live counts, and the experience API. Every request is checked against ``PortalRoutes``: without a session a
/// page redirects to the login form and an API route answers 401; with a session whose user lacks the role, 403.
public struct PortalResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    public struct Settings: Sendable {
        public var dfspId: String
        public var users: PortalUsers
        /// Whether cookies carry `Secure` (browsers send them over HTTPS, and to `localhost` and 127.0.0.1 over HTTP).
        public var secureCookies: Bool
        public var sessionIdle: Duration
        public var sessionLifetime: Duration
        /// Sign-in through an OpenID Connect provider, beside the local users.
        public var oidc: OIDCSettings?

        public init(dfspId: String, users: PortalUsers, secureCookies: Bool = true, sessionIdle: Duration = .seconds(30 * 60),
                    sessionLifetime: Duration = .seconds(12 * 3600), oidc: OIDCSettings? = nil) {
            self.dfspId = dfspId
            self.users = users
            self.secureCookies = secureCookies
            self.sessionIdle = sessionIdle
            self.sessionLifetime = sessionLifetime
            self.oidc = oidc
        }
    }

    let settings: Settings
    let api: ExperienceAPI
    let store: ProjectionStore
    let sessions: SessionStore
    let throttle: LoginThrottle
    let business: BusinessPages
    let technical: TechnicalPages
    let snapshot: @Sendable () async -> TechnicalSnapshot
    let checkHub: @Sendable () async -> Void
    let oidc: OIDCClient?
    let logger: Logger

    public init(settings: Settings, api: ExperienceAPI, store: ProjectionStore, service: ProjectionService?, metrics: HTTPMetrics?,
                now: @escaping @Sendable () -> Int64, snapshot: @escaping @Sendable () async -> TechnicalSnapshot,
                checkHub: @escaping @Sendable () async -> Void = {}, sampler: MetricsSampler? = nil, logger: Logger,
                throttle: LoginThrottle = LoginThrottle()) {
        self.settings = settings
        self.api = api
        self.store = store
        sessions = SessionStore(idle: settings.sessionIdle, lifetime: settings.sessionLifetime)
        self.throttle = throttle
        business = BusinessPages(store: store, now: now)
        technical = TechnicalPages(metrics: metrics, sampler: sampler, service: service, now: now)
        self.snapshot = snapshot
        self.checkHub = checkHub
        self.logger = logger
        if let oidcSettings = settings.oidc {
            do {
                oidc = OIDCClient(settings: oidcSettings, http: try PooledHTTPClient(configuration: .init()), now: now)
            } catch {
                logger.error("single sign-on is off: no HTTP client for the provider", metadata: ["error": "\(error)"])
                oidc = nil
            }
        } else {
            oidc = nil
        }
    }

    /// The session cookie's name: one per DFSP, so that the portals of two DFSPs on one host do not sign each other out.
    var cookieName: String { "pm-session-" + settings.dfspId.filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } }
    static let loginCookie = "pm-login"

    public func respond(to request: Request, context: Context) async throws -> Response {
        var response = try await route(request, context: context)
        Self.secure(&response)
        return response
    }

    private func route(_ request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        switch (request.method, path) {
        case (.get, "/assets/portal.css"): return Self.asset(PortalAssets.css, type: "text/css; charset=utf-8")
        case (.get, "/assets/portal.js"): return Self.asset(PortalAssets.js, type: "text/javascript; charset=utf-8")
        case (.get, "/login"): return loginForm(message: nil, name: "", next: Self.safeNext(request.uri.queryParameters["next"].map(String.init)))
        case (.post, "/login"): return await login(request)
        case (.post, "/logout"): return await logout(request)
        case (.get, "/oidc/start"): return await oidcStart(next: Self.safeNext(request.uri.queryParameters["next"].map(String.init)))
        case (.get, "/oidc/callback"): return await oidcCallback(request)
        case (.get, "/"): return Self.redirect("/portal")
        default: break
        }
        let access = PortalRoutes.access(for: path)
        let isPage = path == "/portal" || path.hasPrefix("/portal/")
        var session: PortalSession?
        if case let .roles(roles) = access {
            guard let current = currentSession(request) else {
                if isPage { return Self.redirect("/login" + HTML.query([("next", path + (request.uri.query.map { "?" + $0 } ?? ""))])) }
                return ExperienceAPI.json(.unauthorized, .object([("message", .string("sign in first: POST /login"))]))
            }
            guard current.user.may(roles) else {
                if isPage { return Self.html(.forbidden, Layout.page(title: "Not for your role", current: "", session: current, dfspId: settings.dfspId,
                                                                    body: "<p>This page needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or ")).</p>")) }
                return ExperienceAPI.json(.forbidden, .object([("message", .string("this needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or "))"))]))
            }
            session = current
        }
        guard isPage, let session else { return try await api.respond(to: request, context: context) }
        if request.method == .post, path == "/portal/connection/check" {
            // A change: it must carry the session's token.
            let form = await Self.form(request) ?? [:]
            guard let token = form["csrf"], SessionStore.same(token, session.csrfToken) else {
                return Self.html(.forbidden, Layout.problem(title: "Not done", message: "The form did not carry this session's token."))
            }
            await checkHub()
            return Self.redirect("/portal/connection")
        }
        guard request.method == .get else { return Self.html(.methodNotAllowed, Layout.problem(title: "Not allowed", message: "Pages are read with GET.")) }
        do {
            return try await page(path, request: request, session: session)
        } catch let error as ExperienceError {
            return Self.html(HTTPResponse.Status(code: error.status), Layout.page(title: "Cannot show this", current: "", session: session,
                                                                                   dfspId: settings.dfspId, body: "<p class=\"problem\" role=\"alert\">\(HTML.h(error.message))</p>"))
        } catch {
            logger.error("a portal page failed", metadata: ["path": "\(path)", "error": "\(error)"])
            return Self.html(.serviceUnavailable, Layout.page(title: "Cannot show this", current: "", session: session, dfspId: settings.dfspId,
                                                              body: "<p class=\"problem\" role=\"alert\">The read models cannot be read now.</p>"))
        }
    }

    private func page(_ path: String, request: Request, session: PortalSession) async throws -> Response {
        let segments = path.split(separator: "/").map(String.init)
        let values = Self.values(request.uri.queryParameters)
        func show(_ title: String, _ current: String, _ body: String) -> Response {
            Self.html(.ok, Layout.page(title: title, current: current, session: session, dfspId: settings.dfspId, body: body))
        }
        switch segments.count > 1 ? segments[1] : "" {
        case "":
            return Self.redirect(session.user.may([.business]) ? "/portal/dashboard" : "/portal/connection")
        case "dashboard" where segments.count == 2:
            return show("Dashboard", "/portal/dashboard", try await business.dashboard(window: values["window"]))
        case "transfers" where segments.count == 2:
            return show("Transfers", "/portal/transfers", try await business.transfers(values, errorsOnly: false))
        case "transfers" where segments.count == 3:
            let id = segments[2].removingPercentEncoding ?? segments[2]
            guard let (title, body) = try await business.transfer(id) else {
                return Self.html(.notFound, Layout.page(title: "No such transfer", current: "/portal/transfers", session: session, dfspId: settings.dfspId,
                                                        body: "<p>No transfer has the id \(HTML.h(id)).</p>"))
            }
            return show(title, "/portal/transfers", body)
        case "errors" where segments.count == 2:
            return show("Errors", "/portal/errors", try await business.transfers(values, errorsOnly: true))
        case "operations" where segments.count == 2:
            return show("Lookups & requests", "/portal/operations", try await business.operations(values))
        case "live" where segments.count == 2:
            return live(window: values["window"])
        case "connection" where segments.count == 2:
            return show("Connection", "/portal/connection", technical.connection(await snapshot(), csrf: session.csrfToken))
        case "service" where segments.count == 2:
            return show("Service", "/portal/service", await technical.service(await snapshot()))
        case "credentials" where segments.count == 2:
            return show("Credentials", "/portal/credentials", technical.credentials(await snapshot()))
        default:
            return Self.html(.notFound, Layout.page(title: "No such page", current: "", session: session, dfspId: settings.dfspId, body: "<p>Nothing is here.</p>"))
        }
    }

    // MARK: Live counts

    /// Server-sent events: the status counts of the window every two seconds, for 30 seconds (the browser reconnects).
    private func live(window: String?) -> Response {
        let minutes = Int64(BusinessPages.windows.first { String($0.minutes) == window }?.minutes ?? 60)
        let store = store
        let now = business.now
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            for _ in 0..<15 {
                let end = now()
                let counts = try await store.statusSummary(start: end - minutes * 60_000, end: end)
                let data = CanonicalJSON.insertionOrderBytes(.object(TransferStatus.allCases.map { ($0.rawValue, .number(String(counts[$0] ?? 0))) }))
                try await writer.write(ByteBuffer(string: "event: counts\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                try await Task.sleep(for: .seconds(2))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    // MARK: Login and logout

    private func loginForm(message: String?, name: String, next: String, status: HTTPResponse.Status = .ok) -> Response {
        let token = SessionStore.randomToken()
        let singleSignOn = oidc == nil ? nil : "/oidc/start" + HTML.query([("next", next)])
        var response = Self.html(status, Layout.login(message: message, token: token, name: name, next: next, singleSignOn: singleSignOn))
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.loginCookie, token, path: "/login", maxAge: 3600)))
        return response
    }

    private func login(_ request: Request) async -> Response {
        guard let form = await Self.form(request) else { return loginForm(message: "The form could not be read.", name: "", next: "/portal", status: .badRequest) }
        let name = form["name"] ?? ""
        let next = Self.safeNext(form["next"])
        // The form's token must be the one its page set in a cookie (a double submit): another site cannot read it.
        guard let token = form["csrf"], let expected = Self.cookies(request)[Self.loginCookie], SessionStore.same(token, expected) else {
            return loginForm(message: "The sign-in form expired: please try again.", name: name, next: next, status: .forbidden)
        }
        if let wait = throttle.retryAfter(name) {
            var response = loginForm(message: "Too many failed attempts: try again later.", name: name, next: next, status: .tooManyRequests)
            response.headers[.retryAfter] = String(max(1, wait.components.seconds))
            return response
        }
        let password = form["password"] ?? ""
        let users = settings.users
        // bcrypt takes a quarter of a second on purpose: off the event loop.
        let user = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: users.authenticate(name: name, password: password)) }
        }
        guard let user else {
            throttle.failed(name)
            logger.notice("a portal sign-in failed", metadata: ["user": "\(name)"])
            return loginForm(message: "The user name or the password is wrong.", name: name, next: next, status: .unauthorized)
        }
        throttle.succeeded(name)
        let session = sessions.create(for: user)
        logger.info("signed in to the portal", metadata: ["user": "\(user.name)"])
        var response = Self.redirect(next)
        response.headers.append(HTTPField(name: .setCookie, value: cookie(cookieName, session.id, path: "/", maxAge: Int(settings.sessionLifetime.components.seconds))))
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.loginCookie, "", path: "/login", maxAge: 0)))
        return response
    }

    // MARK: OpenID Connect

    static let oidcCookie = "pm-oidc-state"

    private func oidcStart(next: String) async -> Response {
        guard let oidc else { return Self.html(.notFound, Layout.problem(title: "Not configured", message: "Single sign-on is not configured.")) }
        do {
            let (url, state) = try await oidc.start(next: next)
            var response = Self.redirect(url)
            // Lax, not Strict: the provider sends the browser back by a top-level navigation from its own site.
            response.headers.append(HTTPField(name: .setCookie, value: "\(Self.oidcCookie)=\(state); Path=/oidc; Max-Age=600; HttpOnly; SameSite=Lax"
                                                + (settings.secureCookies ? "; Secure" : "")))
            return response
        } catch {
            logger.error("cannot start a single sign-on", metadata: ["error": "\(error)"])
            return loginForm(message: "The single sign-on provider cannot be reached.", name: "", next: next, status: .serviceUnavailable)
        }
    }

    private func oidcCallback(_ request: Request) async -> Response {
        guard let oidc else { return Self.html(.notFound, Layout.problem(title: "Not configured", message: "Single sign-on is not configured.")) }
        let values = Self.values(request.uri.queryParameters)
        guard let code = values["code"], let state = values["state"] else {
            logger.notice("a single sign-on came back without a code", metadata: ["error": "\(values["error"] ?? "none")"])
            return loginForm(message: "The single sign-on did not complete.", name: "", next: "/portal", status: .badRequest)
        }
        let user: PortalUser, next: String
        do {
            (user, next) = try await oidc.finish(code: code, state: state, cookieState: Self.cookies(request)[Self.oidcCookie])
        } catch {
            logger.notice("a single sign-on was refused", metadata: ["error": "\(error)"])
            return loginForm(message: "The single sign-on could not be verified: please try again.", name: "", next: "/portal", status: .badRequest)
        }
        guard !user.roles.isEmpty else {
            logger.notice("a single sign-on named no portal role", metadata: ["user": "\(user.name)"])
            return Self.html(.forbidden, Layout.problem(title: "No portal role", message: "Your account has no portal role (business, technical or admin)."))
        }
        let session = sessions.create(for: user)
        logger.info("signed in to the portal by single sign-on", metadata: ["user": "\(user.name)"])
        // A page, not a redirect: a SameSite=Strict cookie set on the way back from another site is sent only once the
        // browser navigates from this one.
        var response = Self.html(.ok, Layout.continuing(to: next))
        response.headers.append(HTTPField(name: .setCookie, value: cookie(cookieName, session.id, path: "/", maxAge: Int(settings.sessionLifetime.components.seconds))))
        response.headers.append(HTTPField(name: .setCookie, value: "\(Self.oidcCookie)=; Path=/oidc; Max-Age=0; HttpOnly; SameSite=Lax"
                                            + (settings.secureCookies ? "; Secure" : "")))
        return response
    }

    private func logout(_ request: Request) async -> Response {
        let form = await Self.form(request) ?? [:]
        guard let session = currentSession(request) else { return Self.redirect("/login") }
        guard let token = form["csrf"] ?? request.headers[HTTPField.Name("X-CSRF-Token")!], SessionStore.same(token, session.csrfToken) else {
            return Self.html(.forbidden, Layout.problem(title: "Not signed out", message: "The form did not carry this session's token."))
        }
        sessions.end(session.id)
        var response = Self.redirect("/login")
        response.headers.append(HTTPField(name: .setCookie, value: cookie(cookieName, "", path: "/", maxAge: 0)))
        return response
    }

    private func currentSession(_ request: Request) -> PortalSession? {
        Self.cookies(request)[cookieName].flatMap(sessions.session)
    }

    private func cookie(_ name: String, _ value: String, path: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (settings.secureCookies ? "; Secure" : "")
    }

    // MARK: HTTP

    static func cookies(_ request: Request) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if cookies[name] == nil { cookies[name] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return cookies
    }

    /// An `application/x-www-form-urlencoded` body of at most 16 KiB.
    static func form(_ request: Request) async -> [String: String]? {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true,
              let buffer = try? await request.body.collect(upTo: 16 * 1024) else { return nil }
        var values: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let name = parts.first, values[name] == nil { values[name] = parts.count > 1 ? parts[1] : "" }
        }
        return values
    }

    static func values(_ parameters: Hummingbird.Parameters) -> [String: String] {
        var values: [String: String] = [:]
        for (name, value) in parameters where values[String(name)] == nil { values[String(name)] = String(value) }
        return values
    }

    /// Where to go after signing in: a path of this server only (never `//host` or a URL).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), !next.contains("\r"), !next.contains("\n") else { return "/portal" }
        return next
    }

    static func redirect(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func html(_ status: HTTPResponse.Status, _ html: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "max-age=300"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Headers every answer carries: no framing, no sniffing, no referrer, scripts and styles from this server only,
    /// and nothing cached but the static assets.
    static func secure(_ response: inout Response) {
        response.headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
    }
}
