import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Checks that the hub answers: every `interval`, a `GET /health` to each distinct hub origin, over the same TLS
/// (client certificate included) as the connector's requests. Any HTTP answer means the hub is reachable and took
/// this DFSP's certificate; no answer before the timeout, or a refused connection or handshake, means it is not.
/// The last `historyLimit` checks are kept in memory, for the portal's connection page.
public final class HubProbe: Service, Sendable {
    /// One check of one origin.
    public struct Check: Sendable, Hashable {
        public var origin: String
        /// Milliseconds since 1970.
        public var at: Int64
        public var status: Int?
        public var milliseconds: Int64
        public var error: String?
        public var reachable: Bool { status != nil }
    }

    let origins: [String]
    let http: PooledHTTPClient
    let interval: Duration
    let timeout: TimeAmount
    let historyLimit: Int
    let logger: Logger
    private let checks = Mutex<[Check]>([])

    public init(endpoints: HubEndpoints, http: PooledHTTPClient, interval: Duration = .seconds(30), timeout: TimeAmount = .seconds(5),
                historyLimit: Int = 200, logger: Logger) {
        var seen: Set<String> = []
        origins = [endpoints.peer, endpoints.als, endpoints.quotes, endpoints.transfers, endpoints.transactionRequests, endpoints.bulkQuotes,
                   endpoints.bulkTransfers].map(Self.origin).filter { seen.insert($0).inserted }
        self.http = http
        self.interval = interval
        self.timeout = timeout
        self.historyLimit = historyLimit
        self.logger = logger
    }

    /// The newest checks first.
    public var history: [Check] { checks.withLock { $0.reversed() } }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await checkAll()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        await http.shutdown()
    }

    /// Checks every origin once, now.
    public func checkAll() async {
        for origin in origins {
            let started = ContinuousClock.now
            let at = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
            var check = Check(origin: origin, at: at, status: nil, milliseconds: 0, error: nil)
            do {
                let response = try await http.execute(method: .GET, url: origin + "/health", timeout: timeout)
                check.status = Int(response.status.code)
            } catch {
                check.error = "\(error)"
            }
            let elapsed = ContinuousClock.now - started
            check.milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            let previous = history.first { $0.origin == origin }
            if previous?.reachable != check.reachable {
                if check.reachable { logger.info("the hub answers", metadata: ["origin": "\(origin)"]) } else {
                    logger.warning("the hub does not answer", metadata: ["origin": "\(origin)", "error": "\(check.error ?? "")"])
                }
            }
            checks.withLock { checks in
                checks.append(check)
                if checks.count > historyLimit { checks.removeFirst(checks.count - historyLimit) }
            }
        }
    }

    /// `scheme://host:port` of a URL.
    static func origin(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let host = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? String(rest)
        return String(url[..<schemeEnd.upperBound]) + host
    }
}
