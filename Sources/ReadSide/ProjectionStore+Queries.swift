import EventLog
import Foundation
import PMCore
import ReadModel

/// A search of the transfers read model: PM4ML's filters, plus currency, amount range and error code.
/// Text filters match a part of the value (PM4ML's `LIKE '%...%'`), ignoring case.
public struct TransferQuery: Sendable, Hashable {
    public var id: String?
    /// Initiated at or after / before (milliseconds since the Unix epoch).
    public var start: Int64?
    public var end: Int64?
    public var senderIdType: String?
    public var senderIdValue: String?
    public var senderIdSubValue: String?
    public var recipientIdType: String?
    public var recipientIdValue: String?
    public var recipientIdSubValue: String?
    public var direction: TransferDirection?
    public var institution: String?
    public var status: TransferStatus?
    public var currency: String?
    public var minimumAmount: Double?
    public var maximumAmount: Double?
    public var errorCode: String?
    /// PM4ML's batch filter: no transfer belongs to a batch (its `batchId` is empty), so only an empty one matches.
    public var batchId: String?
    public var offset = 0
    public var limit = 100

    public init() {}
}

/// One minute of completed transfers.
public struct MinuteStatistics: Sendable, Hashable {
    public var minute: Int64
    public var completed: Int64
    public var succeeded: Int64
    public var averageMilliseconds: Int64
    public var percentile95Milliseconds: Int64
}

/// One hour's sums of successful transfers in one currency.
public struct HourlyFlow: Sendable, Hashable {
    public var hour: Int64
    public var currency: String
    public var inbound: String
    public var outbound: String
}

/// One entry of a transfer's timeline: a fact or an event, as recorded.
public struct TimelineEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case fact, event }
    public var kind: Kind
    public var id: String
    public var type: String
    public var occurredAt: Int64
    public var causationId: String?
    public var position: RecordPosition
    /// The aggregate's sequence, for events.
    public var sequence: Int64?
    public var payload: JSONValue
}

extension ProjectionStore {
    /// The transfers matching `query`, newest first, and how many match in all.
    public func transfers(_ query: TransferQuery) async throws(LogError) -> (rows: [TransferRow], total: Int) {
        try await reader.run { connection throws(LogError) in
            var clauses: [String] = []
            var texts: [String] = []
            var numbers: [(Int32, Double)] = []
            var integers: [(Int32, Int64)] = []
            var index: Int32 = 0
            func next() -> Int32 {
                index += 1
                return index
            }
            /// A part of the value in one of `columns` (ignoring case). With `indexed` (the columns of `transfers_text`
            /// holding the same values) and three characters or more, the trigram index finds the candidates first.
            func like(_ columns: [String], _ value: String?, indexed: [String] = []) {
                guard let value, !value.isEmpty else { return }
                let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_")
                let slot = next()
                texts.append("%\(escaped)%")
                var clause = "(" + columns.map { "\($0) LIKE ?\(slot) ESCAPE '\\'" }.joined(separator: " OR ") + ")"
                if !indexed.isEmpty, value.count >= 3 {
                    let candidates = next()
                    texts.append("%\(value)%")
                    let select = indexed.map { "SELECT rowid FROM transfers_text WHERE \($0) LIKE ?\(candidates)" }.joined(separator: " UNION ")
                    clause = "rowid IN (\(select)) AND " + clause
                }
                clauses.append(clause)
            }
            func equal(_ column: String, _ value: String?) {
                guard let value, !value.isEmpty else { return }
                let slot = next()
                texts.append(value)
                clauses.append("\(column) = ?\(slot)")
            }
            // Text bindings first, in order: their slots are 1...n.
            like(["transfer_id", "aggregate_id"], query.id, indexed: ["id"])
            like(["payer_id_type"], query.senderIdType)
            like(["payer_id_value"], query.senderIdValue, indexed: ["payer_id_value"])
            like(["payer_id_sub_value"], query.senderIdSubValue)
            like(["payee_id_type"], query.recipientIdType)
            like(["payee_id_value"], query.recipientIdValue, indexed: ["payee_id_value"])
            like(["payee_id_sub_value"], query.recipientIdSubValue)
            // DFSPs are few: the institutions that match are found first, then their transfers through an index.
            if let institution = query.institution, !institution.isEmpty {
                let escaped = institution.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_")
                let slot = next()
                texts.append("%\(escaped)%")
                let matching = "(SELECT dfsp FROM institutions WHERE dfsp LIKE ?\(slot) ESCAPE '\\')"
                switch query.direction {
                case .outbound?: clauses.append("payee_dfsp IN \(matching)")
                case .inbound?: clauses.append("payer_dfsp IN \(matching)")
                case nil:
                    clauses.append("((direction = 'OUTBOUND' AND payee_dfsp IN \(matching)) OR (direction = 'INBOUND' AND payer_dfsp IN \(matching)))")
                }
            }
            equal("direction", query.direction?.rawValue)
            equal("status", query.status?.rawValue)
            equal("currency", query.currency)
            equal("error_code", query.errorCode)
            if let batchId = query.batchId {
                let slot = next()
                texts.append(batchId)
                clauses.append("'' = ?\(slot)")
            }
            func compare(_ column: String, _ operation: String, _ value: Int64?) {
                guard let value else { return }
                let slot = next()
                integers.append((slot, value))
                clauses.append("\(column) \(operation) ?\(slot)")
            }
            func compare(_ column: String, _ operation: String, _ value: Double?) {
                guard let value else { return }
                let slot = next()
                numbers.append((slot, value))
                clauses.append("\(column) \(operation) ?\(slot)")
            }
            compare("initiated_at", ">=", query.start)
            compare("initiated_at", "<=", query.end)
            compare("amount_value", ">=", query.minimumAmount)
            compare("amount_value", "<=", query.maximumAmount)
            let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            func bind(_ statement: SQLiteConnection.Statement) {
                for (offset, text) in texts.enumerated() { statement.bind(Int32(offset + 1), text) }
                for (slot, value) in integers { statement.bind(slot, value) }
                for (slot, value) in numbers { statement.bind(slot, value) }
            }
            let count = try connection.statement("SELECT count(*) FROM transfers\(filter)")
            bind(count)
            let total = try count.step() ? Int(count.int64(0)) : 0
            count.reset()
            let limitSlot = next()
            let offsetSlot = next()
            // The page is chosen by rowid first (in an index, when one covers the filter), then only its rows are read:
            // sorting every match's whole row would cost more than the search.
            let order = "ORDER BY initiated_at DESC, aggregate_id DESC"
            let select = try connection.statement("""
                SELECT \(TransferRowCodec.columns) FROM transfers WHERE rowid IN (
                    SELECT rowid FROM transfers\(filter) \(order) LIMIT ?\(limitSlot) OFFSET ?\(offsetSlot)) \(order)
                """)
            bind(select)
            select.bind(limitSlot, Int64(max(0, query.limit)))
            select.bind(offsetSlot, Int64(max(0, query.offset)))
            var rows: [TransferRow] = []
            while try select.step() {
                if let row = TransferRowCodec.row(select) { rows.append(row) }
            }
            return (rows, total)
        }
    }

    /// The transfer with this transfer id (or, for an inbound transfer not prepared yet, this transaction id).
    public func transfer(id: String) async throws(LogError) -> TransferRow? {
        try await reader.run { connection throws(LogError) in
            let select = try connection.statement("""
                SELECT \(TransferRowCodec.columns) FROM transfers WHERE transfer_id = ?1 OR aggregate_id = ?1
                ORDER BY (transfer_id = ?1) DESC LIMIT 1
                """)
            select.bind(1, id)
            return try select.step() ? TransferRowCodec.row(select) : nil
        }
    }

    /// How many transfers initiated in the window have each status.
    public func statusSummary(start: Int64?, end: Int64?) async throws(LogError) -> [TransferStatus: Int] {
        try await reader.run { connection throws(LogError) in
            let select = try connection.statement(
                "SELECT status, count(*) FROM transfers WHERE initiated_at >= ?1 AND initiated_at <= ?2 GROUP BY status")
            select.bind(1, start ?? Int64.min)
            select.bind(2, end ?? Int64.max)
            var counts: [TransferStatus: Int] = [:]
            while try select.step() {
                if let status = TransferStatus(rawValue: select.text(0)) { counts[status] = Int(select.int64(1)) }
            }
            return counts
        }
    }

    /// The minutes from `start` (inclusive) in which transfers completed, both directions together, oldest first.
    public func minuteStatistics(since start: Int64) async throws(LogError) -> [MinuteStatistics] {
        try await reader.run { connection throws(LogError) in
            let select = try connection.statement("""
                SELECT minute, sum(completed), sum(succeeded), sum(duration_sum), max(duration_max) FROM minute_stats
                WHERE minute >= ?1 GROUP BY minute ORDER BY minute
                """)
            select.bind(1, start)
            var minutes: [MinuteStatistics] = []
            var largest: [Int64: Int64] = [:]
            while try select.step() {
                let completed = select.int64(1)
                largest[select.int64(0)] = select.int64(4)
                minutes.append(MinuteStatistics(minute: select.int64(0), completed: completed, succeeded: select.int64(2),
                                                averageMilliseconds: completed > 0 ? select.int64(3) / completed : 0, percentile95Milliseconds: 0))
            }
            select.reset()
            let buckets = try connection.statement("""
                SELECT minute, bucket, sum(count) FROM minute_durations WHERE minute >= ?1 GROUP BY minute, bucket
                """)
            buckets.bind(1, start)
            var counts: [Int64: [Int: Int64]] = [:]
            while try buckets.step() { counts[buckets.int64(0), default: [:]][Int(buckets.int64(1))] = buckets.int64(2) }
            for index in minutes.indices {
                let minute = minutes[index].minute
                minutes[index].percentile95Milliseconds = DurationBuckets.percentile(0.95, of: counts[minute] ?? [:], largest: largest[minute] ?? 0) ?? 0
            }
            return minutes
        }
    }

    /// The hours from `start` (inclusive) with successful transfers, per currency, oldest first.
    public func hourlyFlow(since start: Int64) async throws(LogError) -> [HourlyFlow] {
        try await reader.run { connection throws(LogError) in
            let select = try connection.statement("SELECT hour, currency, direction, amount FROM hourly_flow WHERE hour >= ?1 ORDER BY hour, currency")
            select.bind(1, start)
            var flows: [HourlyFlow] = []
            while try select.step() {
                let hour = select.int64(0), currency = select.text(1)
                if flows.last?.hour != hour || flows.last?.currency != currency {
                    flows.append(HourlyFlow(hour: hour, currency: currency, inbound: "0", outbound: "0"))
                }
                if select.text(2) == TransferDirection.inbound.rawValue { flows[flows.count - 1].inbound = select.text(3) } else {
                    flows[flows.count - 1].outbound = select.text(3)
                }
            }
            return flows
        }
    }

    /// Every fact and event of one transfer, in order: each event of its aggregate preceded by the fact that
    /// caused it and followed by the outcomes of the effects it asked for.
    public func timeline(of row: TransferRow) async throws(LogError) -> [TimelineEntry] {
        try await timeline(aggregate: row.direction == .outbound ? "outbound" : "inbound", id: row.aggregateId)
    }

    /// Every fact and event of one operation, in the order of ``timeline(of:)``.
    public func timeline(of row: OperationRow) async throws(LogError) -> [TimelineEntry] {
        try await timeline(aggregate: row.kind.aggregateKind.rawValue, id: row.id)
    }

    func timeline(aggregate kind: String, id: String) async throws(LogError) -> [TimelineEntry] {
        try await reader.run { connection throws(LogError) in
            let events = try connection.statement("""
                SELECT event_id, type, occurred_at, causation_id, topic, partition, offset, sequence, envelope FROM events
                WHERE aggregate_id = ?1 AND aggregate_kind = ?2 ORDER BY sequence
                """)
            events.bind(1, id)
            events.bind(2, kind)
            var ordered: [TimelineEntry] = []
            while try events.step() {
                guard let entry = Self.entry(events, kind: .event, sequence: events.int64(7), payloadColumn: 8) else { continue }
                ordered.append(entry)
            }
            events.reset()
            let byId = try connection.statement("""
                SELECT event_id, type, occurred_at, causation_id, topic, partition, offset, envelope FROM facts WHERE event_id = ?1
                """)
            let byCause = try connection.statement("""
                SELECT event_id, type, occurred_at, causation_id, topic, partition, offset, envelope FROM facts WHERE causation_id = ?1
                ORDER BY occurred_at, offset
                """)
            var timeline: [TimelineEntry] = []
            var shown: Set<String> = []
            for event in ordered {
                if let cause = event.causationId, !shown.contains(cause) {
                    byId.reset()
                    byId.bind(1, cause)
                    if try byId.step(), let fact = Self.entry(byId, kind: .fact, sequence: nil, payloadColumn: 7) {
                        timeline.append(fact)
                        shown.insert(fact.id)
                    }
                }
                timeline.append(event)
                byCause.reset()
                byCause.bind(1, event.id)
                while try byCause.step() {
                    guard let fact = Self.entry(byCause, kind: .fact, sequence: nil, payloadColumn: 7), shown.insert(fact.id).inserted else { continue }
                    timeline.append(fact)
                }
            }
            return timeline
        }
    }

    /// The entry at the statement's current row; its last column holds the record's value (the envelope) as recorded.
    private static func entry(_ s: SQLiteConnection.Statement, kind: TimelineEntry.Kind, sequence: Int64?, payloadColumn: Int32) -> TimelineEntry? {
        guard let payload = (try? JSONParser.parse(s.blob(payloadColumn)))?["payload"] else { return nil }
        return TimelineEntry(kind: kind, id: s.text(0), type: s.text(1), occurredAt: s.int64(2), causationId: s.optionalText(3),
                             position: RecordPosition(topic: s.text(4), partition: Int32(s.int64(5)), offset: s.int64(6)),
                             sequence: sequence, payload: payload)
    }
}

/// A search of the operations read model: by kind, status, time started, party identifier and counterparty.
public struct OperationQuery: Sendable, Hashable {
    public var kind: OperationKind?
    public var status: TransferStatus?
    /// Started at or after / before (milliseconds since the Unix epoch).
    public var start: Int64?
    public var end: Int64?
    /// A part of the party's identifier, ignoring case.
    public var partyIdValue: String?
    public var counterparty: String?
    public var offset = 0
    public var limit = 100

    public init() {}
}

extension ProjectionStore {
    /// The operations matching `query`, newest first, and how many match in all.
    public func operations(_ query: OperationQuery) async throws(LogError) -> (rows: [OperationRow], total: Int) {
        try await reader.run { connection throws(LogError) in
            var clauses: [String] = []
            var texts: [String] = []
            func add(_ clause: (Int) -> String, _ value: String?) {
                guard let value else { return }
                texts.append(value)
                clauses.append(clause(texts.count))
            }
            add({ "kind = ?\($0)" }, query.kind?.rawValue)
            add({ "status = ?\($0)" }, query.status?.rawValue)
            add({ "counterparty = ?\($0)" }, query.counterparty)
            add({ "party_id_value LIKE ?\($0) ESCAPE '\\'" }, query.partyIdValue.map {
                "%" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
            })
            var integers: [(Int32, Int64)] = []
            if let start = query.start {
                integers.append((Int32(texts.count + integers.count + 1), start))
                clauses.append("started_at >= ?\(texts.count + integers.count)")
            }
            if let end = query.end {
                integers.append((Int32(texts.count + integers.count + 1), end))
                clauses.append("started_at < ?\(texts.count + integers.count)")
            }
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            func bind(_ statement: SQLiteConnection.Statement) {
                for (index, text) in texts.enumerated() { statement.bind(Int32(index + 1), text) }
                for (slot, value) in integers { statement.bind(slot, value) }
            }
            let count = try connection.statement("SELECT count(*) FROM operations \(filter)")
            bind(count)
            let total = try count.step() ? Int(count.int64(0)) : 0
            let select = try connection.statement(
                "SELECT \(OperationRowCodec.columns) FROM operations \(filter) ORDER BY started_at DESC, id LIMIT \(query.limit) OFFSET \(query.offset)")
            bind(select)
            var rows: [OperationRow] = []
            while try select.step() {
                if let row = OperationRowCodec.row(select) { rows.append(row) }
            }
            return (rows, total)
        }
    }

    /// One operation by its kind and id.
    public func operation(kind: OperationKind, id: String) async throws(LogError) -> OperationRow? {
        try await reader.run { connection throws(LogError) in try OperationRowCodec.load(kind: kind, id: id, connection: connection) }
    }
}

extension ProjectionStore {
    /// Failed transfers initiated in the window, by error code and text, most frequent first.
    public func errorCounts(start: Int64?, end: Int64?, limit: Int = 10) async throws(LogError) -> [(code: String, description: String, count: Int)] {
        try await reader.run { connection throws(LogError) in
            let select = try connection.statement("""
                SELECT error_code, min(error_description), count(*) FROM transfers
                WHERE error_code IS NOT NULL AND initiated_at >= ?1 AND initiated_at <= ?2
                GROUP BY error_code ORDER BY count(*) DESC, error_code LIMIT ?3
                """)
            select.bind(1, start ?? Int64.min)
            select.bind(2, end ?? Int64.max)
            select.bind(3, Int64(limit))
            var counts: [(code: String, description: String, count: Int)] = []
            while try select.step() { counts.append((select.text(0), select.optionalText(1) ?? "", Int(select.int64(2)))) }
            return counts
        }
    }
}
