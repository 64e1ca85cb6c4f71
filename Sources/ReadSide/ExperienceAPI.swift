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
        "minuteAverageTransferResponseTime", "hourlyFlow", "operations",
    ]

    public func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        let response: Response
        do throws(ExperienceError) {
            response = try await route(request, path: path)
        } catch {
            var refused = Self.json(HTTPResponse.Status(code: error.status), .object([("message", .string(error.message))]))
            // RFC 9110 §15.5.6: a 405 lists the methods the resource supports.
            if error.status == 405 { refused.headers[.allow] = "GET" }
            response = refused
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
            let format = try query.choice("format", among: ["json", "csv"])
            if format == "csv" || (format == nil && request.headers[.accept]?.contains("text/csv") == true) { return csv(search) }
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
        case ("operations", 1):
            let search = try OperationQuery(query)
            let (rows, total) = try await read { try await store.operations(search) }
            var response = Self.json(.ok, .array(rows.map(ExperienceShapes.operation)))
            response.headers[HTTPField.Name("X-Total-Count")!] = String(total)
            return response
        case ("operations", 3):
            return Self.json(.ok, ExperienceShapes.operation(try await operation(segments[1], segments[2])))
        case ("operations", 4) where segments[3] == "timeline":
            let row = try await operation(segments[1], segments[2])
            let entries = try await read { try await store.timeline(of: row) }
            return Self.json(.ok, .object([("kind", .string(row.kind.rawValue)), ("id", .string(row.id)),
                                           ("entries", .array(entries.map(ExperienceShapes.entry)))]))
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

    /// The operation of a kind and a percent-encoded id (party keys and relayed keys hold a `/`: `MSISDN%2F123`).
    private func operation(_ kind: String, _ encodedId: String) async throws(ExperienceError) -> OperationRow {
        guard let kind = OperationKind(rawValue: kind.uppercased()) else {
            throw ExperienceError(404, "no kind of operation \(kind): one of \(OperationKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let id = encodedId.removingPercentEncoding ?? encodedId
        guard let row = try await read({ try await store.operation(kind: kind, id: id) }) else { throw ExperienceError(404, "no \(kind.rawValue) \(id)") }
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

    package static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: CanonicalJSON.insertionOrderBytes(value))))
    }
}

/// A request the experience API refuses: its HTTP status and why.
package struct ExperienceError: Error {
    package let status: Int
    package let message: String
    package init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// A request's query parameters, read with clear errors. A text filter given empty filters nothing; a number,
/// a time or a choice given empty is refused, as any value that is not one.
package struct Query {
    package let values: [String: String]

    package init(_ parameters: Hummingbird.Parameters) {
        var values: [String: String] = [:]
        for (name, value) in parameters where values[String(name)] == nil { values[String(name)] = String(value) }
        self.values = values
    }

    package init(values: [String: String]) { self.values = values }

    /// A text filter: nil when absent or empty.
    package subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// A time: an RFC 3339 date and time (`2026-12-07T10:00:00.000Z`, any fraction of a second, `Z` or an offset) or
    /// milliseconds since the Unix epoch.
    package func time(_ name: String) throws(ExperienceError) -> Int64? {
        guard let text = values[name] else { return nil }
        if let milliseconds = Int64(text), milliseconds >= 0 { return milliseconds }
        if let milliseconds = RFC3339.milliseconds(text) { return milliseconds }
        throw ExperienceError(400, "'\(name)' must be a date and time (2026-12-07T10:00:00.000Z) or milliseconds since 1970")
    }

    package func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(ExperienceError) -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ExperienceError(400, "'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    package func amount(_ name: String) throws(ExperienceError) -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite else { throw ExperienceError(400, "'\(name)' must be a number") }
        return value
    }

    /// One of `choices` (compared without case), or nil when absent.
    package func choice(_ name: String, among choices: [String]) throws(ExperienceError) -> String? {
        guard let text = values[name] else { return nil }
        guard let value = choices.first(where: { $0.caseInsensitiveCompare(text) == .orderedSame }) else {
            throw ExperienceError(400, "'\(name)' must be one of \(choices.joined(separator: ", "))")
        }
        return value
    }
}

/// RFC 3339 date-times (ISO 8601's internet profile), as clients and OpenAPI's `date-time` write them.
enum RFC3339 {
    /// Milliseconds since the Unix epoch, or nil when `text` is not an RFC 3339 date-time.
    static func milliseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, range.allSatisfy({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) }
        }
        func byte(_ index: Int, _ allowed: String) -> Bool { index < bytes.count && allowed.utf8.contains(bytes[index]) }
        guard let year = number(0..<4), byte(4, "-"), let month = number(5..<7), byte(7, "-"), let day = number(8..<10),
              byte(10, "Tt "), let hour = number(11..<13), byte(13, ":"), let minute = number(14..<16), byte(16, ":"),
              let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        var index = 19
        var millisecond = 0
        if byte(index, ".") {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > start else { return nil }
            let digits = Array(bytes[start..<min(index, start + 3)]) + Array(repeating: UInt8(0x30), count: max(0, 3 - (index - start)))
            millisecond = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        var offsetMinutes = 0
        if byte(index, "Zz"), index + 1 == bytes.count {
            offsetMinutes = 0
        } else if byte(index, "+-"), index + 6 == bytes.count, let hours = number(index + 1..<index + 3), byte(index + 3, ":"),
                  let minutes = number(index + 4..<index + 6), hours < 24, minutes < 60 {
            offsetMinutes = (hours * 60 + minutes) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        // A leap second is read as the last second of its minute.
        guard let time = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59), millisecond: millisecond)
        else { return nil }
        return time.millisecondsSinceEpoch - Int64(offsetMinutes) * 60_000
    }
}

extension TransferQuery {
    /// A search from PM4ML's query parameters, plus `currency`, `minAmount`, `maxAmount` and `errorCode`.
    package init(_ query: Query) throws(ExperienceError) {
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
        direction = try query.choice("direction", among: TransferDirection.allCases.map(\.rawValue)).flatMap(TransferDirection.init(rawValue:))
        institution = query["institution"]
        status = try query.choice("status", among: TransferStatus.allCases.map(\.rawValue)).flatMap(TransferStatus.init(rawValue:))
        currency = query["currency"]?.uppercased()
        minimumAmount = try query.amount("minAmount")
        maximumAmount = try query.amount("maxAmount")
        errorCode = query["errorCode"]
        offset = try query.integer("offset", default: 0, range: 0...Int(Int32.max))
        limit = try query.integer("limit", default: 100, range: 1...ExperienceAPI.maximumLimit)
        batchId = query["batchId"]
    }
}

extension OperationQuery {
    package init(_ query: Query) throws(ExperienceError) {
        self.init()
        kind = try query.choice("kind", among: OperationKind.allCases.map(\.rawValue)).flatMap(OperationKind.init(rawValue:))
        status = try query.choice("status", among: TransferStatus.allCases.map(\.rawValue)).flatMap(TransferStatus.init(rawValue:))
        start = try query.time("startTimestamp")
        end = try query.time("endTimestamp")
        partyIdValue = query["partyIdValue"]
        counterparty = query["counterparty"]
        offset = try query.integer("offset", default: 0, range: 0...Int(Int32.max))
        limit = try query.integer("limit", default: 100, range: 1...ExperienceAPI.maximumLimit)
    }
}
