import Connector
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PMCore
import ReadModel

/// The experience API: the read models for people and portals, on PM4ML's paths and shapes (so that its
/// portal could point here), with newest-first paging and a total (`X-Total-Count`), date filters that
/// work, CSV export of any transfer search, and each transfer's timeline.
public struct ExperienceAPI: HTTPResponder {
    public typealias Context = BasicRequestContext

    let store: ProjectionStore
    let service: ProjectionService?
    let metrics: HTTPMetrics?
    /// The wall clock in milliseconds, for "the last N minutes".
    let now: @Sendable () -> Int64
    let logger: Logger

    /// The largest page of `/transfers` and `/transferErrors`; CSV exports page through every match.
    public static let maximumLimit = 1000

    public init(store: ProjectionStore, service: ProjectionService?, metrics: HTTPMetrics?, now: @escaping @Sendable () -> Int64, logger: Logger) {
        self.store = store
        self.service = service
        self.metrics = metrics
        self.now = now
        self.logger = logger
    }

    static let resources: Set<Substring> = [
        "health", "status", "metrics", "transfers", "transferErrors", "errors", "transferStatusSummary", "minuteSuccessfulTransferPerc",
        "minuteAverageTransferResponseTime", "hourlyFlow",
    ]

    public func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        let response: Response
        do throws(ExperienceError) {
            response = try await route(request, path: path)
        } catch {
            response = Self.json(HTTPResponse.Status(code: error.status), .object([("message", .string(error.message))]))
        }
        metrics?.record(api: "experience", method: request.method.rawValue, route: HTTPMetrics.routeLabel(path, resources: Self.resources),
                        status: response.status.code, since: start)
        return response
    }

    private func route(_ request: Request, path: String) async throws(ExperienceError) -> Response {
        guard request.method == .get else { throw ExperienceError(405, "only GET is served") }
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let query = Query(request.uri.queryParameters)
        switch (segments.first ?? "", segments.count) {
        case ("", 0), ("health", 1):
            return Self.json(.ok, .object([("status", .string("OK"))]))
        case ("status", 1):
            return try await status()
        case ("metrics", 1):
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: metrics?.render() ?? "")))
        case ("transfers", 1):
            let search = try TransferQuery(query)
            if query["format"] == "csv" || request.headers[.accept]?.contains("text/csv") == true { return csv(search) }
            return try await transfers(search)
        case ("transfers", 2):
            return Self.json(.ok, ExperienceShapes.item(try await transfer(segments[1])))
        case ("transfers", 3) where segments[2] == "details":
            let row = try await transfer(segments[1])
            return Self.json(.ok, ExperienceShapes.details(row, timeline: try await read { try await store.timeline(of: row) }))
        case ("transfers", 3) where segments[2] == "timeline":
            let row = try await transfer(segments[1])
            return Self.json(.ok, ExperienceShapes.timeline(row, try await read { try await store.timeline(of: row) }))
        case ("transferErrors", 1), ("errors", 1):
            var search = try TransferQuery(query)
            search.status = .error
            return try await transfers(search)
        case ("transferStatusSummary", 1):
            let counts = try await read { try await store.statusSummary(start: try query.time("startTimestamp"), end: try query.time("endTimestamp")) }
            return Self.json(.ok, .array(TransferStatus.allCases.map { ExperienceShapes.statusCount($0, counts[$0] ?? 0) }))
        case ("minuteSuccessfulTransferPerc", 1), ("minuteAverageTransferResponseTime", 1):
            let minutes = try query.integer("minutePrevious", default: 10, range: 1...1440)
            let since = now() - Int64(minutes) * 60_000
            let stats = try await read { try await store.minuteStatistics(since: since - since % 60_000) }
            if segments[0] == "minuteSuccessfulTransferPerc" {
                return Self.json(.ok, .array(stats.map(ExperienceShapes.successPercentage)))
            }
            return Self.json(.ok, .array(stats.map(ExperienceShapes.responseTime)))
        case ("hourlyFlow", 1):
            let hours = try query.integer("hoursPrevious", default: 10, range: 1...720)
            let since = now() - Int64(hours) * 3_600_000
            let flows = try await read { try await store.hourlyFlow(since: since - since % 3_600_000) }
            return Self.json(.ok, .array(flows.map(ExperienceShapes.flow)))
        default:
            throw ExperienceError(404, "no such resource: \(path)")
        }
    }

    private func transfers(_ search: TransferQuery) async throws(ExperienceError) -> Response {
        let (rows, total) = try await read { try await store.transfers(search) }
        var response = Self.json(.ok, .array(rows.map(ExperienceShapes.item)))
        response.headers[HTTPField.Name("X-Total-Count")!] = String(total)
        return response
    }

    private func transfer(_ id: String) async throws(ExperienceError) -> TransferRow {
        guard let row = try await read({ try await store.transfer(id: id) }) else { throw ExperienceError(404, "no transfer \(id)") }
        return row
    }

    private func status() async throws(ExperienceError) -> Response {
        let rows = try await read { try await store.rowCounts() }
        var members: [(String, JSONValue)] = [("status", .string("OK")), ("store", .string(store.path)), ("group", .string(store.group))]
        if let service {
            let lag = try await read { try await service.lag() }
            members.append(("projections", .array(ProjectionName.allCases.map { ExperienceShapes.projection($0, lag: lag[$0] ?? 0, rows: rows) })))
        }
        return Self.json(.ok, .object(members))
    }

    /// Streams every transfer of a search as CSV, a page at a time (the search's own offset and limit are
    /// ignored: an export is of every match).
    private func csv(_ search: TransferQuery) -> Response {
        let store = store
        let logger = logger
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"transfers.csv\""
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ExperienceShapes.csvHeader))
            var page = search
            page.offset = 0
            page.limit = 5000
            while true {
                let rows: [TransferRow]
                do { rows = try await store.transfers(page).rows } catch {
                    logger.error("a CSV export stopped", metadata: ["error": "\(error)"])
                    throw error
                }
                if rows.isEmpty { break }
                try await writer.write(ByteBuffer(string: rows.map(ExperienceShapes.csvLine).joined()))
                page.offset += rows.count
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private func read<T>(_ body: () async throws -> T) async throws(ExperienceError) -> T {
        do { return try await body() } catch let error as ExperienceError { throw error } catch {
            logger.error("the read models cannot be read", metadata: ["error": "\(error)"])
            throw ExperienceError(503, "the read models cannot be read: \(error)")
        }
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: CanonicalJSON.insertionOrderBytes(value))))
    }
}

/// A request the experience API refuses: its HTTP status and why.
struct ExperienceError: Error {
    let status: Int
    let message: String
    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// A request's query parameters, read with clear errors.
struct Query {
    let values: [String: String]

    init(_ parameters: Hummingbird.Parameters) {
        var values: [String: String] = [:]
        for (name, value) in parameters where values[String(name)] == nil { values[String(name)] = String(value) }
        self.values = values
    }

    subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// A time: an FSPIOP/ISO 8601 `DateTime` (`2026-12-07T10:00:00.000Z`) or milliseconds since the Unix epoch.
    func time(_ name: String) throws(ExperienceError) -> Int64? {
        guard let text = self[name] else { return nil }
        if let milliseconds = Int64(text) { return milliseconds }
        if let timestamp = Timestamp(dateTime: text) { return timestamp.millisecondsSinceEpoch }
        // ISO 8601 without milliseconds, as some clients write it.
        if text.hasSuffix("Z"), let timestamp = Timestamp(dateTime: String(text.dropLast()) + ".000Z") { return timestamp.millisecondsSinceEpoch }
        throw ExperienceError(400, "'\(name)' must be a date and time (2026-12-07T10:00:00.000Z) or milliseconds since 1970")
    }

    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(ExperienceError) -> Int {
        guard let text = self[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ExperienceError(400, "'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func amount(_ name: String) throws(ExperienceError) -> Double? {
        guard let text = self[name] else { return nil }
        guard let value = Double(text), value.isFinite else { throw ExperienceError(400, "'\(name)' must be a number") }
        return value
    }
}

extension TransferQuery {
    /// A search from PM4ML's query parameters, plus `currency`, `minAmount`, `maxAmount` and `errorCode`.
    init(_ query: Query) throws(ExperienceError) {
        self.init()
        id = query["id"]
        start = try query.time("startTimestamp")
        end = try query.time("endTimestamp")
        senderIdType = query["senderIdType"]
        senderIdValue = query["senderIdValue"]
        senderIdSubValue = query["senderIdSubValue"]
        recipientIdType = query["recipientIdType"]
        recipientIdValue = query["recipientIdValue"]
        recipientIdSubValue = query["recipientIdSubValue"]
        if let text = query["direction"] {
            guard let value = TransferDirection(rawValue: text.uppercased()) else { throw ExperienceError(400, "'direction' must be INBOUND or OUTBOUND") }
            direction = value
        }
        institution = query["institution"]
        if let text = query["status"] {
            guard let value = TransferStatus(rawValue: text.uppercased()) else { throw ExperienceError(400, "'status' must be PENDING, SUCCESS or ERROR") }
            status = value
        }
        currency = query["currency"]?.uppercased()
        minimumAmount = try query.amount("minAmount")
        maximumAmount = try query.amount("maxAmount")
        errorCode = query["errorCode"]
        offset = try query.integer("offset", default: 0, range: 0...Int(Int32.max))
        limit = try query.integer("limit", default: 100, range: 1...ExperienceAPI.maximumLimit)
        batchId = query["batchId"]
    }
}
