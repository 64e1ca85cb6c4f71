import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PMCore
import PaymentManager
import Synchronization

/// A failure reported by chromedriver (its W3C error code and message), or by this client.
struct WebDriverError: Error, CustomStringConvertible {
    /// The HTTP status of the response, 0 when no response is involved.
    let status: Int
    /// The W3C error code, such as `no such element` or `timeout`.
    let error: String
    let message: String
    var description: String { "WebDriver \(error) (\(status)): \(message)" }
}

/// A cookie as the browser holds it.
struct WebDriverCookie: Sendable, Equatable {
    let name: String
    let value: String
    let httpOnly: Bool
    let secure: Bool
    /// `Strict`, `Lax` or `None`, when the browser reports it.
    let sameSite: String?
}

/// A chromedriver process listening on 127.0.0.1, from which browser sessions are created.
final class ChromeDriver: Sendable {
    /// The chromedriver binary: `/usr/bin/chromedriver`, else the first one on `PATH`.
    static let executablePath: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = ["/usr/bin/chromedriver"] + path.split(separator: ":").map { "\($0)/chromedriver" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The browser binary passed to chromedriver; when nil, chromedriver looks for Chrome itself.
    static let browserPath: String? = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") ? "/usr/bin/chromium" : nil

    /// Whether a chromedriver binary is installed.
    static var isAvailable: Bool { executablePath != nil }

    /// The port chromedriver listens on.
    let port: Int
    private struct State {
        let process: Process
        /// The browsers' process ids and profile directories, for cleaning up after sessions left open.
        var browsers: [(pid: Int32?, profile: String)] = []
    }
    private let state: Mutex<State>

    private init(executable: String, port: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port=\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.port = port
        state = Mutex(State(process: process))
    }

    /// Starts chromedriver on a free port and waits until its `/status` reports ready.
    static func start(timeout: Duration = .seconds(20)) async throws -> ChromeDriver {
        guard let executable = executablePath else {
            throw WebDriverError(status: 0, error: "unavailable", message: "chromedriver not found at /usr/bin/chromedriver or on PATH")
        }
        let driver = try ChromeDriver(executable: executable, port: try FreePort.allocate())
        let deadline = ContinuousClock.now + timeout
        while true {
            let status = try? await WebDriverHTTP.send(port: driver.port, .GET, "/status", timeout: .seconds(2))
            if status?["ready"] == .bool(true) { return driver }
            guard driver.isRunning, ContinuousClock.now < deadline else {
                await driver.shutdown()
                throw WebDriverError(status: 0, error: "unavailable", message: "chromedriver on port \(driver.port) not ready within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Whether the chromedriver process is still running.
    var isRunning: Bool { state.withLock { $0.process.isRunning } }

    /// Opens a headless Chromium with a fresh profile directory.
    func newSession() async throws -> WebDriverSession {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: profile, withIntermediateDirectories: true)
        // `--no-sandbox` is required when running as root (in containers): without it Chromium exits at once.
        var options: [String: Any] = ["args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                                "--window-size=1280,900", "--user-data-dir=\(profile)"]]
        if let browser = Self.browserPath { options["binary"] = browser }
        let body = try WebDriverHTTP.json(["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options] as [String: Any]]])
        let value: JSONValue
        do { value = try await WebDriverHTTP.send(port: port, .POST, "/session", body) } catch {
            try? FileManager.default.removeItem(atPath: profile)
            throw error
        }
        guard let id = value["sessionId"]?.stringValue else { throw WebDriverHTTP.unexpected(value) }
        var pid: Int32? = nil
        if case let .number(text)? = value["capabilities"]?["goog:processID"] { pid = Int32(text) }
        state.withLock { $0.browsers.append((pid, profile)) }
        return WebDriverSession(port: port, id: id, profileDirectory: profile)
    }

    /// Quits every browser session and stops chromedriver (a SIGTERM alone would leave the browsers running).
    func shutdown() async {
        _ = try? await WebDriverHTTP.send(port: port, .GET, "/shutdown", timeout: .seconds(10))
        let deadline = ContinuousClock.now + .seconds(5)
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        let browsers = state.withLock { state in
            if state.process.isRunning { state.process.terminate() }
            let browsers = state.browsers
            state.browsers = []
            return browsers
        }
        for browser in browsers {
            if let pid = browser.pid, kill(pid, 0) == 0 { kill(pid, SIGTERM) }
            try? FileManager.default.removeItem(atPath: browser.profile)
        }
    }

    /// Starts chromedriver and one session, runs `body`, then deletes the session and stops chromedriver,
    /// whether `body` throws or not.
    static func withSession(_ body: (WebDriverSession) async throws -> Void) async throws {
        let driver = try await start()
        do {
            let session = try await driver.newSession()
            do { try await body(session) } catch {
                try? await session.delete()
                throw error
            }
            try await session.delete()
        } catch {
            await driver.shutdown()
            throw error
        }
        await driver.shutdown()
    }
}

/// One browser session of a ``ChromeDriver``, driven through the W3C WebDriver protocol.
struct WebDriverSession: Sendable {
    /// The member naming an element reference in W3C WebDriver JSON.
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    /// The port of the chromedriver that owns the session.
    let port: Int
    /// The session id chromedriver assigned.
    let id: String
    /// The browser's `--user-data-dir`, removed by ``delete()``.
    let profileDirectory: String

    /// The JSON that passes an element id to ``executeScript(_:args:)``.
    static func reference(_ element: String) -> [String: String] { [elementKey: element] }

    /// Loads `url` and waits for the page load to complete.
    func navigate(to url: String) async throws { _ = try await call(.POST, "/url", WebDriverHTTP.json(["url": url])) }

    /// The URL of the current page.
    func currentURL() async throws -> String { try await string(.GET, "/url") }

    /// The current page's title.
    func title() async throws -> String { try await string(.GET, "/title") }

    /// The id of the first element matching the CSS selector; throws `no such element` when none does.
    func findElement(css: String) async throws -> String {
        let value = try await call(.POST, "/element", WebDriverHTTP.json(["using": "css selector", "value": css]))
        guard let element = value[Self.elementKey]?.stringValue else { throw WebDriverHTTP.unexpected(value) }
        return element
    }

    /// The ids of all elements matching the CSS selector, in document order.
    func findElements(css: String) async throws -> [String] {
        let value = try await call(.POST, "/elements", WebDriverHTTP.json(["using": "css selector", "value": css]))
        guard case let .array(elements) = value else { throw WebDriverHTTP.unexpected(value) }
        return try elements.map { element in
            guard let id = element[Self.elementKey]?.stringValue else { throw WebDriverHTTP.unexpected(value) }
            return id
        }
    }

    /// Clicks the element (scrolling it into view first), as a user would.
    func click(_ element: String) async throws { _ = try await call(.POST, "/element/\(element)/click", WebDriverHTTP.json([:])) }

    /// Types `text` into the element; `"\u{E007}"` is the Enter key.
    func sendKeys(_ element: String, _ text: String) async throws {
        _ = try await call(.POST, "/element/\(element)/value", WebDriverHTTP.json(["text": text]))
    }

    /// Empties an input or textarea.
    func clear(_ element: String) async throws { _ = try await call(.POST, "/element/\(element)/clear", WebDriverHTTP.json([:])) }

    /// The element's rendered text.
    func text(of element: String) async throws -> String { try await string(.GET, "/element/\(element)/text") }

    /// The element's attribute as written in the markup (an input's `value` does not follow typing), nil when absent.
    func attribute(_ element: String, _ name: String) async throws -> String? {
        try await call(.GET, "/element/\(element)/attribute/\(WebDriverHTTP.escape(name))").stringValue
    }

    /// The element's DOM property, such as an input's current `value` or `checked`.
    func property(_ element: String, _ name: String) async throws -> JSONValue {
        try await call(.GET, "/element/\(element)/property/\(WebDriverHTTP.escape(name))")
    }

    /// The current DOM serialised as HTML.
    func pageSource() async throws -> String { try await string(.GET, "/source") }

    /// Runs `script` as a function body (`return` gives the result; `arguments[i]` are `args`) and returns its result;
    /// pass elements as ``reference(_:)``; elements in the result come back as `{elementKey: id}` objects.
    @discardableResult
    func executeScript(_ script: String, args: [any Sendable] = []) async throws -> JSONValue {
        try await call(.POST, "/execute/sync", WebDriverHTTP.json(["script": script, "args": args.map { $0 as Any }]))
    }

    /// Writes a PNG of the viewport to `path`, creating its directory.
    func screenshot(to path: String) async throws {
        let value = try await call(.GET, "/screenshot")
        guard let text = value.stringValue, let png = Data(base64Encoded: text) else { throw WebDriverHTTP.unexpected(value) }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try png.write(to: url)
    }

    /// Resizes the browser window.
    func setWindowSize(width: Int, height: Int) async throws {
        _ = try await call(.POST, "/window/rect", WebDriverHTTP.json(["width": width, "height": height]))
    }

    /// The id of the first element matching the CSS selector once one exists, or a `timeout` error.
    func waitFor(css: String, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            do { return try await findElement(css: css) } catch let error as WebDriverError where error.error == "no such element" {
                guard ContinuousClock.now < deadline else {
                    throw WebDriverError(status: 0, error: "timeout", message: "no element matched \(css) within \(timeout)")
                }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Returns once `condition` holds, checking every 50 ms, or throws a `timeout` error naming `what`.
    func waitUntil(timeout: Duration = .seconds(10), what: String = "the condition",
                   _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                throw WebDriverError(status: 0, error: "timeout", message: "\(what) did not hold within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The cookies visible to the current page.
    func cookies() async throws -> [WebDriverCookie] {
        let value = try await call(.GET, "/cookie")
        guard case let .array(cookies) = value else { throw WebDriverHTTP.unexpected(value) }
        return try cookies.map { cookie in
            guard let name = cookie["name"]?.stringValue, let text = cookie["value"]?.stringValue else {
                throw WebDriverHTTP.unexpected(value)
            }
            return WebDriverCookie(name: name, value: text, httpOnly: cookie["httpOnly"] == .bool(true),
                                   secure: cookie["secure"] == .bool(true), sameSite: cookie["sameSite"]?.stringValue)
        }
    }

    /// Closes the browser and removes its profile directory.
    func delete() async throws {
        defer { try? FileManager.default.removeItem(atPath: profileDirectory) }
        _ = try await WebDriverHTTP.send(port: port, .DELETE, "/session/\(id)")
    }

    private func call(_ method: HTTPMethod, _ path: String, _ body: Data? = nil) async throws -> JSONValue {
        try await WebDriverHTTP.send(port: port, method, "/session/\(id)\(path)", body)
    }

    private func string(_ method: HTTPMethod, _ path: String) async throws -> String {
        let value = try await call(method, path)
        guard let text = value.stringValue else { throw WebDriverHTTP.unexpected(value) }
        return text
    }
}

/// The HTTP exchange with chromedriver: JSON in, the response's `value` member out.
private enum WebDriverHTTP {
    /// Sends a request and returns the `value` member; throws the WebDriver error when the status is not 2xx.
    static func send(port: Int, _ method: HTTPMethod, _ path: String, _ body: Data? = nil,
                     timeout: TimeAmount = .seconds(120)) async throws -> JSONValue {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let received = try await response.body.collect(upTo: 64 << 20)
        let json = try? JSONParser.parse(Array(buffer: received))
        let value = json?["value"] ?? .null
        guard (200..<300).contains(response.status.code) else {
            throw WebDriverError(status: Int(response.status.code), error: value["error"]?.stringValue ?? "unknown error",
                                 message: value["message"]?.stringValue ?? String(buffer: received))
        }
        guard json != nil else { throw WebDriverError(status: Int(response.status.code), error: "unexpected response",
                                                      message: String(buffer: received)) }
        return value
    }

    /// A JSON request body.
    static func json(_ object: [String: Any]) throws -> Data {
        guard JSONSerialization.isValidJSONObject(object) else {
            throw WebDriverError(status: 0, error: "invalid argument", message: "not JSON: \(object)")
        }
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// A path segment with reserved characters percent-encoded.
    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? segment
    }

    /// The error for a response whose `value` does not have the expected shape.
    static func unexpected(_ value: JSONValue) -> WebDriverError {
        WebDriverError(status: 200, error: "unexpected response", message: CanonicalJSON.string(value))
    }
}
