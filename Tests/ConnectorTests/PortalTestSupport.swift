import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PMCore
import Portal
import Synchronization

/// The portal users of the tests: one per role, their passwords hashed at bcrypt's lowest cost so that signing in
/// is quick (the product's default is 12).
enum TestUsers {
    static let password = "correct horse battery staple"
    static let business = PortalUser(name: "bea", passwordHash: PortalUsers.hash(password, cost: 4), roles: [.business])
    static let technical = PortalUser(name: "tom", passwordHash: PortalUsers.hash(password, cost: 4), roles: [.technical])
    static let admin = PortalUser(name: "ada", passwordHash: PortalUsers.hash(password, cost: 4), roles: [.admin])
    static let all = [business, technical, admin]
}

/// Calls the portal and the experience API over HTTP as a browser would, keeping its session cookie; redirects are
/// answered, not followed.
final class PortalClient: Sendable {
    let port: Int
    let client: HTTPClient
    private let cookie = Mutex<String?>(nil)

    init(port: Int) {
        self.port = port
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var text: String
        var json: JSONValue { (try? JSONParser.parse(Array(text.utf8))) ?? .null }
        var total: Int? { headers.first(name: "X-Total-Count").flatMap(Int.init) }
    }

    var sessionCookie: String? { cookie.withLock { $0 } }

    func request(_ method: HTTPMethod = .GET, _ path: String, form: [(String, String)]? = nil, headers: [(String, String)] = [],
                 withSession: Bool = true) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if withSession, let cookie = sessionCookie { request.headers.add(name: "Cookie", value: cookie) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            request.body = .bytes(ByteBuffer(string: form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
                .joined(separator: "&")))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 32 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, text: String(buffer: body))
    }

    func get(_ path: String) async throws -> Answer { try await request(.GET, path) }

    /// Signs in as `name`: reads the form's token and its cookie, posts them with the password, keeps the session
    /// cookie. Returns the answer to the post.
    @discardableResult
    func signIn(_ name: String, password: String = TestUsers.password) async throws -> Answer {
        let form = try await request(.GET, "/login", withSession: false)
        let token = Self.hidden("csrf", in: form.text) ?? ""
        let loginCookie = form.headers[canonicalForm: "Set-Cookie"].first { $0.hasPrefix("pm-login=") }.map { String($0.split(separator: ";")[0]) } ?? ""
        let answer = try await request(.POST, "/login", form: [("csrf", token), ("next", "/portal"), ("name", name), ("password", password)],
                                       headers: [("Cookie", loginCookie)], withSession: false)
        if let session = answer.headers[canonicalForm: "Set-Cookie"].first(where: { $0.hasPrefix("pm-session-") }) {
            cookie.withLock { $0 = String(session.split(separator: ";")[0]) }
        }
        return answer
    }

    func forget() { cookie.withLock { $0 = nil } }

    /// The value of a hidden input of a page.
    static func hidden(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
