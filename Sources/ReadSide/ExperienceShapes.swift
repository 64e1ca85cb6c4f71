import Foundation
import EventLog
import PMCore
import ReadModel

/// The JSON and CSV the experience API answers with: PM4ML's shapes, filled from the read models.
enum ExperienceShapes {
    static func time(_ milliseconds: Int64?) -> JSONValue {
        milliseconds.map { .string(Timestamp(millisecondsSinceEpoch: $0).dateTime) } ?? .null
    }

    static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// An amount as a JSON number (PM4ML's shape), its decimal text kept exact.
    static func amount(_ value: String?) -> JSONValue {
        guard let value else { return .null }
        return Double(value) != nil && value.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) ? .number(value) : .string(value)
    }

    static func transactionType(_ row: TransferRow) -> String {
        switch row.scenario {
        case nil, "TRANSFER": return "P2P"
        case let scenario?: return scenario
        }
    }

    static func party(_ party: PartyColumns) -> JSONValue {
        .object([("idType", text(party.idType)), ("idValue", text(party.idValue)), ("idSubValue", text(party.idSubValue)),
                 ("displayName", text(party.name)), ("fspId", text(party.dfsp))])
    }

    /// One item of `/transfers` (PM4ML's `Transfer` shape).
    static func item(_ row: TransferRow) -> JSONValue {
        .object([
            ("id", .string(row.displayId)), ("batchId", .string("")), ("institution", text(row.institution)),
            ("direction", .string(row.direction.rawValue)), ("currency", text(row.currency)), ("amount", amount(row.amount)),
            ("type", .string(transactionType(row))), ("status", .string(row.status.rawValue)),
            ("initiatedTimestamp", time(row.initiatedAt)), ("confirmationNumber", .number("0")),
            ("sender", text(row.payer.name)), ("senderIdType", text(row.payer.idType)), ("senderIdValue", text(row.payer.idValue)),
            ("senderIdSubValue", text(row.payer.idSubValue)),
            ("recipient", text(row.payee.name)), ("recipientIdType", text(row.payee.idType)), ("recipientIdValue", text(row.payee.idValue)),
            ("recipientIdSubValue", text(row.payee.idSubValue)),
            ("homeTransferId", text(row.homeTransactionId)), ("details", text(row.note)),
            ("errorType", text(row.errorDescription)), ("errorCode", text(row.errorCode)),
            ("state", .string(row.state)), ("completedTimestamp", time(row.completedAt)),
        ])
    }

    /// `/transfers/{id}/details` (PM4ML's `TransferDetail` shape, FX members empty: no conversion is made here).
    static func details(_ row: TransferRow, timeline: [TimelineEntry]) -> JSONValue {
        let messages = TechnicalMessages(timeline)
        let lastError: JSONValue = row.status == .error
            ? .object([("errorCode", text(row.errorCode)), ("errorDescription", text(row.errorDescription))]) : .null
        return .object([
            ("needFx", .bool(false)), ("transferId", .string(row.displayId)), ("transferState", .string(row.state)),
            ("direction", .string(row.direction.rawValue)), ("transactionType", .string(transactionType(row))),
            ("sendAmount", amount(row.amount)), ("sendCurrency", text(row.currency)), ("dateSubmitted", time(row.initiatedAt)),
            ("receiveAmount", amount(row.payeeReceiveAmount ?? row.amount)), ("receiveCurrency", text(row.currency)),
            ("senderDetails", .object([("idType", text(row.payer.idType)), ("idValue", text(row.payer.idValue))])),
            ("recipientDetails", .object([("idType", text(row.payee.idType)), ("idValue", text(row.payee.idValue))])),
            ("recipientCurrencies", .array(row.currency.map { [.string($0)] } ?? [])), ("recipientInstitution", text(row.payee.dfsp)),
            ("initiatedTimestamp", time(row.initiatedAt)),
            ("transferTerms", .object([
                ("transferId", .string(row.displayId)), ("quoteAmount", amount(row.amount)), ("quoteAmountType", text(row.amountType)),
                ("transferAmount", amount(row.transferAmount)), ("payeeReceiveAmount", amount(row.payeeReceiveAmount)),
                ("payeeDfspFee", amount(row.payeeFspFee)), ("payeeDfspCommision", amount(row.payeeFspCommission)),
                ("expiryDate", text(messages.quoteExpiration)),
            ])),
            ("transferParties", .object([("payerParty", party(row.payer)), ("payeeParty", party(row.payee))])),
            ("technicalDetails", .object([
                ("schemeTransferId", text(row.transferId)), ("transactionId", text(row.transactionId)), ("quoteId", text(row.quoteId)),
                ("homeTransferId", text(row.homeTransactionId)), ("transactionRequestId", text(row.transactionRequestId)),
                ("payerParty", party(row.payer)), ("payeeParty", party(row.payee)), ("transferState", .string(row.state)),
                ("getPartiesResponse", messages.partyResponse ?? .null), ("quoteRequest", messages.quoteRequest ?? .null),
                ("quoteResponse", messages.quoteResponse ?? .null), ("transferPrepare", messages.transferPrepare ?? .null),
                ("transferFulfilment", messages.transferFulfilment ?? .null), ("lastError", lastError),
            ])),
            ("stages", .object([
                ("initiated", time(row.initiatedAt)), ("partyResolved", time(row.partyResolvedAt)), ("quoted", time(row.quotedAt)),
                ("prepared", time(row.preparedAt)), ("completed", time(row.completedAt)),
                ("durationMilliseconds", row.durationMilliseconds.map { .number(String($0)) } ?? .null),
            ])),
        ])
    }

    /// `/transfers/{id}/timeline`: every fact and event, with the FSPIOP message each received fact carries.
    static func timeline(_ row: TransferRow, _ entries: [TimelineEntry]) -> JSONValue {
        .object([
            ("transferId", .string(row.displayId)), ("direction", .string(row.direction.rawValue)), ("aggregateId", .string(row.aggregateId)),
            ("entries", .array(entries.map(entry))),
        ])
    }

    static func entry(_ entry: TimelineEntry) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("kind", .string(entry.kind.rawValue)), ("id", .string(entry.id)), ("type", .string(entry.type)),
            ("occurredAt", time(entry.occurredAt)),
            ("position", .object([("topic", .string(entry.position.topic)), ("partition", .number(String(entry.position.partition))),
                                  ("offset", .number(String(entry.position.offset)))])),
        ]
        if let sequence = entry.sequence { members.append(("sequence", .number(String(sequence)))) }
        if let cause = entry.causationId { members.append(("causationId", .string(cause))) }
        if let message = received(entry) { members.append(("received", message)) }
        if let message = sent(entry) { members.append(("sent", message)) }
        members.append(("payload", entry.payload))
        return .object(members)
    }

    /// For a `fspiop.received` fact: the message as the hub sent it, its headers and body, and what the edge checked
    /// of its signature. Records of version 1 kept no headers: those the record implies are shown.
    static func received(_ entry: TimelineEntry) -> JSONValue? {
        guard entry.kind == .fact, entry.type == "fspiop.received" else { return nil }
        let payload = entry.payload
        let headers: JSONValue
        if let recorded = payload["headers"], case .object = recorded { headers = recorded } else {
            var implied: [(String, JSONValue)] = []
            if let source = payload["source"] { implied.append(("FSPIOP-Source", source)) }
            if let destination = payload["destination"] { implied.append(("FSPIOP-Destination", destination)) }
            if let version = payload["version"]?.stringValue {
                implied.append(("Content-Type", .string("application/vnd.interoperability.\(resource(payload["path"]?.stringValue))+json;version=\(version)")))
            }
            if let signature = payload["signature"] { implied.append(("FSPIOP-Signature", signature)) }
            headers = .object(implied)
        }
        return .object([
            ("method", payload["method"] ?? .null), ("path", payload["path"] ?? .null), ("headers", headers),
            ("body", payload["body"] ?? .null), ("signed", .bool(payload["signature"] != nil)), ("jws", payload["jws"] ?? .null),
        ])
    }

    /// For an `effect.completed` fact: the request sent, its headers and body, and the status answered.
    static func sent(_ entry: TimelineEntry) -> JSONValue? {
        guard entry.kind == .fact, entry.type == "effect.completed" else { return nil }
        let payload = entry.payload
        return .object([
            ("method", payload["method"] ?? .null), ("url", payload["url"] ?? .null), ("headers", payload["headers"] ?? .object([])),
            ("body", payload["body"] ?? .null), ("status", payload["status"] ?? .null), ("error", payload["error"] ?? .null),
        ])
    }

    private static func resource(_ path: String?) -> String {
        path.flatMap { $0.split(separator: "/").first.map(String.init) } ?? "unknown"
    }

    /// One row of `/operations`.
    static func operation(_ row: OperationRow) -> JSONValue {
        return .object([
            ("kind", .string(row.kind.rawValue)), ("id", .string(row.id)), ("direction", .string(row.direction.rawValue)),
            ("state", .string(row.state)), ("status", .string(row.status.rawValue)), ("counterparty", text(row.counterparty)),
            ("party", .object([("idType", text(row.party.idType)), ("idValue", text(row.party.idValue)), ("idSubValue", text(row.party.idSubValue)),
                               ("name", text(row.party.name)), ("dfsp", text(row.party.dfsp))])),
            ("amount", amount(row.amount)), ("currency", text(row.currency)),
            ("items", row.items.map { .number(String($0)) } ?? .null), ("reference", text(row.reference)),
            ("startedAt", time(row.startedAt)), ("completedAt", time(row.completedAt)),
            ("errorCode", text(row.errorCode)), ("errorDescription", text(row.errorDescription)),
        ])
    }

    static func successPercentage(_ minute: MinuteStatistics) -> JSONValue {
        let percentage = minute.completed > 0 ? (minute.succeeded * 100) / minute.completed : 0
        return .object([("timestamp", .number(String(minute.minute))), ("percentage", .number(String(percentage)))])
    }

    static func responseTime(_ minute: MinuteStatistics) -> JSONValue {
        .object([("timestamp", .number(String(minute.minute))), ("averageResponseTime", .number(String(minute.averageMilliseconds))),
                 ("percentile95ResponseTime", .number(String(minute.percentile95Milliseconds))), ("count", .number(String(minute.completed)))])
    }

    static func flow(_ flow: HourlyFlow) -> JSONValue {
        .object([("timestamp", .number(String(flow.hour))), ("currency", .string(flow.currency)),
                 ("inbound", amount(flow.inbound)), ("outbound", amount(flow.outbound))])
    }

    static func statusCount(_ status: TransferStatus, _ count: Int) -> JSONValue {
        .object([("status", .string(status.rawValue)), ("count", .number(String(count)))])
    }

    static func projection(_ name: ProjectionName, lag: Int64, rows: [String: Int64]) -> JSONValue {
        let tables: [(String, JSONValue)] = ProjectionStore.tables(of: name).map { ($0, .number(String(rows[$0] ?? 0))) }
        return .object([("name", .string(name.rawValue)), ("lag", .number(String(lag))), ("tables", .object(tables))])
    }

    // MARK: CSV

    static let csvColumns = [
        "id", "direction", "status", "state", "currency", "amount", "institution", "initiatedTimestamp", "completedTimestamp",
        "senderIdType", "senderIdValue", "senderIdSubValue", "sender", "recipientIdType", "recipientIdValue", "recipientIdSubValue",
        "recipient", "homeTransferId", "quoteId", "transactionId", "errorCode", "errorType", "details",
    ]

    static var csvHeader: String { csvColumns.joined(separator: ",") + "\r\n" }

    static func csvLine(_ row: TransferRow) -> String {
        let cells: [String?] = [
            row.displayId, row.direction.rawValue, row.status.rawValue, row.state, row.currency, row.amount, row.institution,
            Timestamp(millisecondsSinceEpoch: row.initiatedAt).dateTime, row.completedAt.map { Timestamp(millisecondsSinceEpoch: $0).dateTime },
            row.payer.idType, row.payer.idValue, row.payer.idSubValue, row.payer.name, row.payee.idType, row.payee.idValue,
            row.payee.idSubValue, row.payee.name, row.homeTransactionId, row.quoteId, row.transactionId, row.errorCode,
            row.errorDescription, row.note,
        ]
        return cells.map { csvCell($0 ?? "") }.joined(separator: ",") + "\r\n"
    }

    /// One CSV cell (RFC 4180), quoted when needed. A cell a spreadsheet would read as a formula (starting with
    /// `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`, so that an exported note cannot run in it.
    static func csvCell(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first), Double(value) == nil { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The FSPIOP messages of a transfer's timeline, by their role (PM4ML's technical details).
struct TechnicalMessages {
    var partyResponse: JSONValue?
    var quoteRequest: JSONValue?
    var quoteResponse: JSONValue?
    var transferPrepare: JSONValue?
    var transferFulfilment: JSONValue?
    var quoteExpiration: String?

    init(_ timeline: [TimelineEntry]) {
        for entry in timeline {
            let payload = entry.payload
            switch (entry.kind, entry.type) {
            case (.event, "transfer.outbound.party-resolved"): partyResponse = payload["party"]
            case (.event, "transfer.outbound.quote-requested"), (.event, "transfer.inbound.quote-request-received"):
                quoteRequest = payload["quoteRequest"]
            case (.event, "transfer.outbound.quote-received"), (.event, "transfer.inbound.quote-sent"):
                quoteResponse = payload["quoteResponse"]
                quoteExpiration = payload["quoteResponse"]?["expiration"]?.stringValue
            case (.event, "transfer.outbound.prepare-sent"), (.event, "transfer.inbound.prepare-accepted"):
                transferPrepare = payload["prepare"]
            case (.event, "transfer.outbound.fulfilled"), (.event, "transfer.inbound.fulfil-sent"):
                transferFulfilment = payload["fulfil"]
            default: break
            }
        }
    }
}
