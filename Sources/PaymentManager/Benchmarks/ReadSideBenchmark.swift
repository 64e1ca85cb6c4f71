import Connector
import EventLog
import FSPIOP
import Foundation
import PMCore
import PaymentDomain
import Processing
import ReadModel
import ReadSide

/// `pm bench read-side`: the read side against baselines measured in the same run, on a log of synthetic
/// transfers (each the events the outbound decider makes for a committed transfer, with its own ids and times):
///
/// - replay: decoding the records (envelope and event) and folding the events into aggregates, each in events per
///   second on one core;
/// - rebuild: as `pm projections rebuild` (a scratch store without search indexes, swapped into a live one), against inserting the same records into a
///   plain SQLite table with the same durability (records per second, and the ratio);
/// - queries: filtered searches of the transfers read model (milliseconds, median and worst of several runs).
public enum ReadSideBenchmark {
    public struct Options: Sendable {
        /// Transfers in the log (replay and rebuild).
        public var transfers: Int
        /// Transfers in the store the searches run on (written as rows, without a log).
        public var searchedTransfers: Int
        public var directory: String
        public init(transfers: Int, searchedTransfers: Int, directory: String) {
            self.transfers = transfers
            self.searchedTransfers = searchedTransfers
            self.directory = directory
        }
    }

    public struct Query: Sendable {
        public var name: String
        public var matches: Int
        public var medianMilliseconds: Double
        public var worstMilliseconds: Double
    }

    public struct Result: Sendable {
        public var transfers: Int
        public var searchedTransfers: Int
        public var records: Int
        public var decodeEventsPerSecond: Double
        public var foldEventsPerSecond: Double
        public var rawInsertRecordsPerSecond: Double
        public var rebuildRecordsPerSecond: Double
        public var rebuildRatioToRawInsert: Double { rebuildRecordsPerSecond / rawInsertRecordsPerSecond }
        public var queries: [Query]
    }

    public static func run(_ options: Options, progress: (String) -> Void = { _ in }) async throws -> Result {
        try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
        let topics = ConnectorTopics()
        let log = try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: options.directory + "/log.sqlite", durability: .normal))
        for spec in topics.specs { try await log.ensureTopic(spec) }
        progress("writing \(options.transfers) synthetic transfers to the log")
        let templates = try templateEvents()
        var pending: [ProducerRecord] = []
        var records = 0
        for index in 0..<options.transfers {
            pending += try transferRecords(index: index, templates: templates, topic: topics.transfers)
            if pending.count >= 4000 {
                records += try await log.append(pending).count
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { records += try await log.append(pending).count }

        // Replay: decode, then fold, every record (in memory, one core).
        progress("replay: decoding and folding \(records) events")
        var envelopes: [Envelope] = []
        envelopes.reserveCapacity(records)
        var raw: [ConsumerRecord] = []
        raw.reserveCapacity(records)
        try await ReplayVerification.readAll(log, topics.transfers) { raw.append($0) }
        let decodeStart = ContinuousClock.now
        var events: [(DomainEvent, Envelope)] = []
        events.reserveCapacity(records)
        for record in raw {
            let envelope = try Envelope(bytes: record.value)
            events.append((try DomainEvent(envelope: envelope), envelope))
            envelopes.append(envelope)
        }
        let decodeSeconds = Measure.seconds(ContinuousClock.now - decodeStart)
        var foldRounds = 0
        let foldStart = ContinuousClock.now
        repeat {
            var store = AggregateStore()
            for (event, envelope) in events { store.apply(event, causation: envelope.causationID, at: envelope.occurredAt) }
            foldRounds += 1
        } while Measure.seconds(ContinuousClock.now - foldStart) < 1
        let foldSeconds = Measure.seconds(ContinuousClock.now - foldStart)

        // The baseline: the same records inserted into a plain table, as raw as SQLite goes.
        progress("baseline: inserting \(records) records into a plain SQLite table")
        let rawSeconds = try insertRaw(raw, path: options.directory + "/raw.sqlite")

        // As `pm projections rebuild` does: the log into a scratch store without the search indexes, then every
        // projection swapped into the (here empty) live store, whose indexes are written by the swap.
        progress("rebuild: projecting \(records) records into a scratch store and swapping them into a live one")
        let projectionTopics = ProjectionTopics(events: topics.transfers,
                                                facts: [topics.fspiopInbound, topics.coreInbound, topics.fspiopOutbound, topics.refusals])
        let live = try ProjectionStore(path: options.directory + "/projections.sqlite", topics: projectionTopics)
        let rebuildStart = ContinuousClock.now
        let scratch = try ProjectionStore(path: options.directory + "/scratch.sqlite", topics: projectionTopics, indexed: false)
        try await scratch.catchUp(from: log, pageSize: 4000)
        for projection in ProjectionName.allCases { try await live.swap(projection, from: scratch.path) }
        let rebuildSeconds = Measure.seconds(ContinuousClock.now - rebuildStart)
        await log.shutdown()

        progress("searches: writing \(options.searchedTransfers) transfer rows")
        let searched = try ProjectionStore(path: options.directory + "/searched.sqlite", topics: live.topics)
        let base = templates.start.millisecondsSinceEpoch
        for start in stride(from: 0, to: options.searchedTransfers, by: 100_000) {
            try await searched.save((start..<min(start + 100_000, options.searchedTransfers)).map { searchedRow($0, base: base) })
        }
        progress("searches over \(options.searchedTransfers) transfers")
        var searches: [(String, TransferQuery)] = []
        var query = TransferQuery()
        searches.append(("newest 100", query))
        query.status = .error
        searches.append(("status ERROR", query))
        query = TransferQuery()
        query.status = .success
        query.currency = "EUR"
        searches.append(("status and currency", query))
        query = TransferQuery()
        query.direction = .outbound
        query.institution = "dfsp-8"
        searches.append(("direction and institution (part)", query))
        query.direction = nil
        searches.append(("institution (part), both directions", query))
        query = TransferQuery()
        query.minimumAmount = 100
        query.maximumAmount = 101
        searches.append(("amount range", query))
        query = TransferQuery()
        query.start = base + Int64(options.searchedTransfers / 2) * 3000
        query.end = query.start.map { $0 + 3_600_000 }
        searches.append(("one hour", query))
        query = TransferQuery()
        query.senderIdValue = "2771" + String(format: "%07d", 4242)
        searches.append(("sender id", query))
        query = TransferQuery()
        query.id = String(format: "%08x", 123_456)
        searches.append(("transfer id (part)", query))
        query = TransferQuery()
        query.errorCode = "3204"
        query.direction = .outbound
        searches.append(("error code and direction", query))
        var measured: [Query] = []
        for (name, search) in searches {
            var times: [Double] = []
            var matches = 0
            for _ in 0..<7 {
                let start = ContinuousClock.now
                matches = try await searched.transfers(search).total
                times.append(Measure.milliseconds(ContinuousClock.now - start))
            }
            times.sort()
            measured.append(Query(name: name, matches: matches, medianMilliseconds: times[times.count / 2], worstMilliseconds: times.last ?? 0))
        }
        return Result(transfers: options.transfers, searchedTransfers: options.searchedTransfers, records: records,
                      decodeEventsPerSecond: Double(records) / decodeSeconds, foldEventsPerSecond: Double(records * foldRounds) / foldSeconds,
                      rawInsertRecordsPerSecond: Double(records) / rawSeconds, rebuildRecordsPerSecond: Double(records) / rebuildSeconds,
                      queries: measured)
    }

    /// Searched transfer `index`: both directions, mostly successful, three currencies, forty DFSPs, a transfer every
    /// three seconds.
    static func searchedRow(_ index: Int, base: Int64, spacing: Int64 = 3000) -> TransferRow {
        let direction: TransferDirection = index % 2 == 0 ? .outbound : .inbound
        var row = TransferRow(direction: direction, aggregateId: String(format: "%08x", index) + "-5d1a-4c6e-9b7f-0a1b2c3d4e5f", state: "COMMITTED",
                              initiatedAt: base + Int64(index) * spacing, lastSequence: 8)
        row.transferId = row.aggregateId
        row.payer = PartyColumns(idType: "MSISDN", idValue: "2771" + String(format: "%07d", index % 1_000_000), name: "Payer \(index)",
                                 dfsp: direction == .outbound ? "payerfsp" : "dfsp-\(index % 40)")
        row.payee = PartyColumns(idType: "MSISDN", idValue: "2772" + String(format: "%07d", index % 1_000_000), name: "Payee \(index)",
                                 dfsp: direction == .outbound ? "dfsp-\(index % 40)" : "payeefsp")
        row.amountType = "SEND"
        row.amount = "\(1 + index % 1000).25"
        row.currency = ["XXX", "USD", "EUR"][index % 3]
        row.scenario = "TRANSFER"
        row.quotedAt = row.initiatedAt + 100
        row.preparedAt = row.initiatedAt + 200
        switch index % 50 {
        case 0, 1, 2, 3:
            row.status = .error
            row.state = "ERROR_OCCURRED"
            row.errorCode = index % 50 == 0 ? "3204" : "5104"
            row.errorDescription = "failed"
            row.completedAt = row.initiatedAt + 300
        case 4:
            row.status = .pending
            row.state = "PREPARE_SENT"
        default:
            row.status = .success
            row.completedAt = row.initiatedAt + 400
        }
        return row
    }

    struct Templates {
        let start: Timestamp
        let events: [(OutboundTransferEvent, Int64)]
    }

    /// One committed transfer's events, as the outbound decider makes them, with each one's offset in time.
    static func templateEvents() throws -> Templates {
        let start = Timestamp(millisecondsSinceEpoch: 1_796_000_000_000)
        let request = OutboundTransferRequest(
            homeTransactionId: "home", from: TransferParty(idType: "MSISDN", idValue: "27710000000", displayName: "Payer"),
            to: TransferParty(idType: "MSISDN", idValue: "27720000000"), amountType: "SEND", currency: "USD", amount: "100.5",
            transactionType: "TRANSFER")
        let payee = Party(partyIdInfo: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27720000000", fspId: "payeefsp"), name: "Payee")
        let quote = QuotesIDPutResponse(transferAmount: Money(currency: "USD", amount: "100.5"), expiration: start.adding(seconds: 60).dateTime,
                                        ilpPacket: "AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFE",
                                        condition: "f5sqb7tBTWPd5Y8BDFdMm9BJR_MNI4isf8p8n4D5pHA")
        let fulfil = TransfersIDPutResponse(fulfilment: "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA",
                                            completedTimestamp: start.adding(seconds: 1).dateTime, transferState: "COMMITTED")
        var state = OutboundTransfer(transferId: "template")
        var events: [(OutboundTransferEvent, Int64)] = []
        let facts: [OutboundTransferFact] = [.requested(request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyResolved(payee),
                                             .quoteReceived(quote, source: "payeefsp"), .fulfilReceived(fulfil)]
        for (index, fact) in facts.enumerated() {
            let decided = try state.decide(fact, DecisionContext(now: start.adding(milliseconds: Int64(index) * 150), newID: RandomUUID.make,
                                                                 configuration: OutboundConfiguration(dfspId: "payerfsp", checkILP: false)))
            state = decided.reduce(state) { $0.evolve($1) }
            events += decided.map { ($0, Int64(index) * 150) }
        }
        return Templates(start: start, events: events)
    }

    /// Transfer `index`: the template's events under a new transfer id, a second after the previous transfer, its
    /// payer and amount varied so that searches select.
    static func transferRecords(index: Int, templates: Templates, topic: String) throws -> [ProducerRecord] {
        let transferId = RandomUUID.make()
        let factId = RandomUUID.make()
        let start = templates.start.adding(seconds: Int64(index))
        var records: [ProducerRecord] = []
        for (sequence, (event, offset)) in templates.events.enumerated() {
            let payload = try event.payload.replacing("27710000000", with: "2771" + String(format: "%07d", index % 10_000))
                .replacing("100.5", with: "\(100 + index % 1000).5")
            let envelope = Envelope(id: RandomUUID.make(), type: event.wireName, schemaVersion: 1, aggregateID: transferId,
                                    sequence: Int64(sequence + 1), occurredAt: start.adding(milliseconds: offset), correlationID: transferId,
                                    causationID: factId, payload: payload)
            records.append(envelope.record(topic: topic))
        }
        return records
    }

    /// Inserts the records into a plain table of a new SQLite file (WAL, `synchronous=NORMAL`, 4,000 a
    /// transaction); returns the seconds it took.
    static func insertRaw(_ records: [ConsumerRecord], path: String) throws -> Double {
        let connection = try SQLiteConnection(path: path, label: "pm.bench.raw")
        return try connection.runSynchronously { connection throws(LogError) in
            try connection.execute("""
                PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
                CREATE TABLE IF NOT EXISTS raw(id INTEGER PRIMARY KEY, topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
                    key BLOB NOT NULL, value BLOB NOT NULL);
                """)
            let start = ContinuousClock.now
            var index = 0
            while index < records.count {
                try connection.execute("BEGIN")
                let insert = try connection.statement("INSERT INTO raw(topic, partition, offset, key, value) VALUES (?1, ?2, ?3, ?4, ?5)")
                for record in records[index..<min(index + 4000, records.count)] {
                    insert.reset()
                    insert.bind(1, record.topic)
                    insert.bind(2, Int64(record.partition))
                    insert.bind(3, record.offset)
                    insert.bind(4, record.key)
                    insert.bind(5, record.value)
                    try insert.run()
                }
                try connection.execute("COMMIT")
                index += 4000
            }
            return Measure.seconds(ContinuousClock.now - start)
        }
    }
}

extension JSONValue {
    /// This value with every string equal to `old` replaced by `new`.
    func replacing(_ old: String, with new: String) -> JSONValue {
        switch self {
        case let .string(text): return text == old ? .string(new) : self
        case let .array(items): return .array(items.map { $0.replacing(old, with: new) })
        case let .object(members): return .object(members.map { ($0.0, $0.1.replacing(old, with: new)) })
        default: return self
        }
    }
}
