import AsyncHTTPClient
import Connector
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Portal
import ReadModel
import ReadSide
import ServiceLifecycle

/// The portal's pages over HTTP with many transfers in their window: a store holding `transfers` transfers of the last
/// 50 minutes (their per-minute statistics and hourly flow too), served by a portal on a free port, each page asked for
/// in turn by one signed-in client; `/health` (no read model) is the baseline of the same run.
public enum PortalBenchmark {
    public struct Page: Sendable {
        public var name: String
        public var path: String
        public var medianMilliseconds: Double
        public var worstMilliseconds: Double
        public var bytes: Int
    }

    public struct Result: Sendable {
        public var transfers: Int
        public var pages: [Page]
    }

    public static func run(transfers: Int, rounds: Int = 15, directory: String, logger: Logger, progress: @escaping @Sendable (String) -> Void) async throws -> Result {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let spacing = max(1, 50 * 60_000 / Int64(max(transfers, 1)))
        let base = now - Int64(transfers) * spacing
        progress("writing \(transfers) transfers of the last 50 minutes")
        let store = try ProjectionStore(path: directory + "/portal.sqlite", topics: ProjectionTopics(events: "pm.transfers", facts: []))
        try await store.save((0..<transfers).map { ReadSideBenchmark.searchedRow($0, base: base, spacing: spacing) }, statistics: true)

        let metrics = HTTPMetrics()
        let clock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
        let api = ExperienceAPI(store: store, service: nil, metrics: metrics, now: clock, logger: logger)
        let password = "bench-password"
        let users = PortalUsers([PortalUser(name: "bench", passwordHash: PortalUsers.hash(password, cost: 4), roles: [.admin])])
        let portal = PortalResponder(settings: .init(dfspId: "payerfsp", users: users), api: api, store: store, service: nil, metrics: metrics,
                                     now: clock, snapshot: { TechnicalSnapshot(dfspId: "payerfsp") }, logger: logger)
        let server = HTTPServer(name: "portal", host: "127.0.0.1", port: 0, tls: nil, responder: portal, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        return try await withThrowingTaskGroup(of: Result?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            tasks.addTask {
                let port: Int
                do { port = try await server.listeningPort() } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
                var configuration = HTTPClient.Configuration()
                configuration.redirectConfiguration = .disallow
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                do {
                    let cookie = try await signIn(client, port: port, password: password)
                    let pages: [(String, String)] = [
                        ("health (baseline)", "/health"), ("dashboard, 1 hour", "/portal/dashboard?window=60"),
                        ("transfers, newest 100", "/portal/transfers"), ("transfers, successful", "/portal/transfers?status=SUCCESS"),
                        ("errors", "/portal/errors"), ("transfers API, 100 as JSON", "/transfers?limit=100"),
                    ]
                    var measured: [Page] = []
                    for (name, path) in pages {
                        progress("page: \(name)")
                        var times: [Double] = []
                        var bytes = 0
                        for round in 0..<(rounds + 2) {
                            let started = ContinuousClock.now
                            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                            request.headers.add(name: "Cookie", value: cookie)
                            let response = try await client.execute(request, timeout: .seconds(30))
                            let body = try await response.body.collect(upTo: 64 << 20)
                            guard response.status == .ok else { throw BenchmarkFailure("\(path) answered \(response.status.code)") }
                            if round >= 2 { times.append(Measure.milliseconds(ContinuousClock.now - started)) }
                            bytes = body.readableBytes
                        }
                        times.sort()
                        measured.append(Page(name: name, path: path, medianMilliseconds: times[times.count / 2], worstMilliseconds: times.last ?? 0, bytes: bytes))
                    }
                    try await client.shutdown()
                    await group.triggerGracefulShutdown()
                    return Result(transfers: transfers, pages: measured)
                } catch {
                    try? await client.shutdown()
                    await group.triggerGracefulShutdown()
                    throw error
                }
            }
            var result: Result?
            for try await value in tasks { if let value { result = value } }
            guard let result else { throw BenchmarkFailure("the portal benchmark measured nothing") }
            return result
        }
    }

    /// Signs in through the login form; returns the session cookie (`name=value`).
    static func signIn(_ client: HTTPClient, port: Int, password: String) async throws -> String {
        let form = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/login"), timeout: .seconds(10))
        let html = String(buffer: try await form.body.collect(upTo: 1 << 20))
        guard let range = html.range(of: "name=\"csrf\" value=\""), let end = html[range.upperBound...].firstIndex(of: "\""),
              let loginCookie = form.headers["Set-Cookie"].first?.split(separator: ";").first else {
            throw BenchmarkFailure("the login form has no token")
        }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Cookie", value: String(loginCookie))
        request.body = .bytes(ByteBuffer(string: "csrf=\(html[range.upperBound..<end])&name=bench&password=\(password)&next=%2Fportal"))
        let answer = try await client.execute(request, timeout: .seconds(10))
        guard let session = answer.headers["Set-Cookie"].first(where: { $0.hasPrefix("pm-session-") })?.split(separator: ";").first else {
            throw BenchmarkFailure("cannot sign in: \(answer.status.code)")
        }
        return String(session)
    }
}
