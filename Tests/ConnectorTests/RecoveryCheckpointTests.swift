@testable import Connector
import EventLog
import FSPIOP
import Foundation
import Logging
import PaymentDomain
import Testing
import Processing

/// A restart folds the log from the last checkpoint: the first event of the oldest aggregate that was in
/// memory. What ended and was evicted before it is not read again; what was still going is folded whole,
/// and its effects without an outcome are performed again.
@Suite("Recovery checkpoints: a restart reads the log from the oldest aggregate in memory")
struct RecoveryCheckpointTests {
    static let router = FactRouter(outboundConfiguration: OutboundConfiguration(dfspId: "payerfsp"),
                                   inboundConfiguration: InboundConfiguration(dfspId: "payerfsp", ilpSecret: "secret"))
    static let body: JSONValue = .object([("quoteId", .string("q"))])

    /// Appends events as the processor does: each with its aggregate's sequence number (`first` for the first given).
    static func append(_ events: [DomainEvent], first: Int64 = 1, to log: any EventLog, topics: ConnectorTopics) async throws {
        let clock = WallClock()
        let records = try events.enumerated().map { index, event in
            Envelope(id: IDs.make(), type: event.wireName, schemaVersion: 1, aggregateID: event.ref.id, sequence: first + Int64(index), occurredAt: clock.now,
                         correlationID: event.ref.id, causationID: IDs.make(), payload: try event.payload).record(topic: topics.transfers)
        }
        _ = try await log.append(records)
    }

    static func sent(_ id: String) -> DomainEvent {
        .relayed(key: RelayedRequest.key(.quotes, id), .sent(.quotes, id: id, destination: "payeefsp", body: body,
                                                              deadline: WallClock().now.adding(milliseconds: 60_000)))
    }

    /// Runs `body` with a fresh embedded log with the connector's topics and a recoverer of group `g` on it.
    static func withLog(_ body: (SQLiteEventLog, ConnectorTopics, Recoverer) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-recovery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: directory.appendingPathComponent("log.sqlite").path))
        let topics = ConnectorTopics()
        for spec in topics.specs { try await log.ensureTopic(spec) }
        let recoverer = Recoverer(log: log, topics: topics, group: "g", router: router, marginMilliseconds: 0, logger: Logger(label: "test"))
        do { try await body(log, topics, recoverer) } catch {
            await log.shutdown()
            throw error
        }
        await log.shutdown()
    }

    @Test("events before the checkpoint are not folded again; those after are, with their pending effects; without a checkpoint, everything")
    func foldsFromTheCheckpoint() async throws {
        try await Self.withLog { log, topics, recoverer in
            // A relayed quote that was answered long ago (and evicted), one sent long ago and answered after the
            // checkpoint's time (then evicted), then one still waiting for its callback.
            try await Self.append([Self.sent("old"), .relayed(key: RelayedRequest.key(.quotes, "old"), .answered(body: Self.body, source: "payeefsp"))],
                                  to: log, topics: topics)
            try await Self.append([Self.sent("mid")], to: log, topics: topics)
            let between = WallClock().now
            try await eventually("the clock to move on") { WallClock().now > between }
            try await Self.append([.relayed(key: RelayedRequest.key(.quotes, "mid"), .answered(body: Self.body, source: "payeefsp"))], first: 2,
                                  to: log, topics: topics)
            // The processor's memory at the checkpoint: only the waiting one, since the fact that started it.
            let started = WallClock().now
            try await Self.append([Self.sent("new")], to: log, topics: topics)
            var memory = AggregateStore()
            memory.apply(Self.sent("new"), causation: nil, at: started)
            try await recoverer.writeCheckpoint(memory, now: WallClock().now.adding(milliseconds: 10))
            let checkpoint = try #require(try await recoverer.lastCheckpoint())
            #expect(checkpoint > between)

            let (store, work, recovery) = try await recoverer.recover()
            #expect(recovery.foldedFrom == checkpoint)
            #expect(recovery.eventsFolded == 1)
            #expect(store.relayed[RelayedRequest.key(.quotes, "old")] == nil)
            #expect(store.relayed[RelayedRequest.key(.quotes, "mid")] == nil, "the tail of an aggregate evicted before the checkpoint is not folded back")
            #expect(store.relayed[RelayedRequest.key(.quotes, "new")]?.phase == .sent)
            #expect(work.count == 1, "the waiting request is sent again")

            // Another group has no checkpoint: it folds everything.
            let other = Recoverer(log: log, topics: topics, group: "other", router: Self.router, marginMilliseconds: 0, logger: Logger(label: "test"))
            let (all, _, whole) = try await other.recover()
            #expect(whole.foldedFrom == nil && whole.eventsFolded == 5)
            #expect(all.relayed[RelayedRequest.key(.quotes, "mid")]?.phase == .answered)
            #expect(all.relayed[RelayedRequest.key(.quotes, "old")]?.phase == .answered)
        }
    }

    @Test("paying a request to pay: a restart sends again the rejection of an aborted payment, and the OTP request only while it waits for it")
    func requestToPayEffects() async throws {
        try await Self.withLog { log, topics, recoverer in
            let now = WallClock().now
            let payment = RequestToPayTransferRequest(
                homeR2PTransactionId: "h", transactionRequestId: "b51ec534-ee48-4575-b6a9-ead2955b8069",
                from: TransferParty(idType: "MSISDN", idValue: "1"), to: TransferParty(idType: "MSISDN", idValue: "2", fspId: "payeefsp"),
                amountType: "RECEIVE", currency: "USD", amount: "5", scenario: "PAYMENT", initiator: "PAYEE", initiatorType: "CONSUMER",
                authenticationType: "OTP")
            let quote = QuotesIDPutResponse(transferAmount: Money(currency: "USD", amount: "5"), expiration: now.adding(milliseconds: 60_000).dateTime,
                                            ilpPacket: "AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFGCAUBQU0svMS4wCk5vbmNlOiB1SXlweUYzY3pYSXBFdzVVc05TYWh3CkVuY3J5cHRpb246IG5vbmUKUGF5bWVudC1JZDogMTMyMzZhM2ItOGZhOC00MTYzLTg0NDctNGMzZWQzZGE5OGE3CgpDb250ZW50LUxlbmd0aDogMTM1CkNvbnRlbnQtVHlwZTogYXBwbGljYXRpb24vanNvbgpTZW5kZXItSWRlbnRpZmllcjogOTI4MDYzOTEKCiJ7XCJmZWVcIjowLFwidHJhbnNmZXJDb2RlXCI6XCJpbnZvaWNlXCIsXCJkZWJpdE5hbWVcIjpcImFsaWNlIGNvb3BlclwiLFwiY3JlZGl0TmFtZVwiOlwibWVyIGNoYW50XCIsXCJkZWJpdElkZW50aWZpZXJcIjpcIjkyODA2MzkxXCJ9IgA",
                                            condition: "f5sqb7tBTWPd5Y8BDFdMm9BJR_MNI4isf8p8n4D5pHA")
            func events(_ id: String, rejected: Bool) -> [DomainEvent] {
                var list: [OutboundTransferEvent] = [
                    .paymentRequested(payment, autoAcceptQuote: false), .partyResolved(Party(partyIdInfo: payment.to.partyIdInfo)), .partyAccepted,
                    .quoteRequested(QuotesPostRequest(quoteId: IDs.make(), transactionId: id, payee: Party(partyIdInfo: payment.to.partyIdInfo),
                                                      payer: Party(partyIdInfo: payment.from.partyIdInfo), amountType: "RECEIVE",
                                                      amount: Money(currency: "USD", amount: "5"),
                                                      transactionType: TransactionType(scenario: "PAYMENT", initiator: "PAYEE", initiatorType: "CONSUMER")),
                                    deadline: now.adding(milliseconds: 30_000)),
                    .quoteReceived(quote, source: "payeefsp"), .quoteAccepted,
                    .authorizationRequested(payment.authorizationQuery, deadline: now.adding(milliseconds: 30_000)),
                ]
                if rejected { list += [.authorizationReceived(AuthorizationsIDPutResponse(responseType: "ENTERED")), .paymentRequestRejected(reason: "OTP rejected by backend")] }
                return list.map { .outbound(transferId: id, $0) }
            }
            try await Self.append(events("waiting", rejected: false), to: log, topics: topics)
            try await Self.append(events("rejected", rejected: true), to: log, topics: topics)
            let (store, work, _) = try await recoverer.recover()
            #expect(store.outbound["rejected"]?.phase == .aborted)
            #expect(store.outboundByTransactionRequest[payment.transactionRequestId] == "rejected")
            let requests = work.compactMap { item -> String? in
                guard case let .hub(request, ref) = item.effect else { return nil }
                return "\(ref.id) \(request.method) \(request.path.split(separator: "?").first ?? "")"
            }
            #expect(requests.contains("waiting GET /authorizations/\(payment.transactionRequestId)"))
            #expect(requests.contains("rejected PUT /transactionRequests/\(payment.transactionRequestId)"), "\(requests)")
            #expect(!requests.contains("rejected GET /authorizations/\(payment.transactionRequestId)"), "the OTP came: not asked for again")
        }
    }

    @Test("an effect still under way keeps the checkpoint at its aggregate's start, even after the aggregate is evicted")
    func effectsInFlight() async throws {
        try await Self.withLog { _, _, recoverer in
            let now = WallClock().now
            let started = now.adding(milliseconds: -120_000)
            try await recoverer.writeCheckpoint(AggregateStore(), inFlightSince: started, now: now)
            #expect(try await recoverer.lastCheckpoint() == started)
            try await recoverer.writeCheckpoint(AggregateStore(), now: now)
            #expect(try await recoverer.lastCheckpoint() == now, "with nothing in memory or under way, the checkpoint is now")
        }
    }

    @Test("the checkpoint names the oldest aggregate in memory, and now once everything is evicted")
    func checkpointTime() {
        var store = AggregateStore()
        let t0 = Timestamp(millisecondsSinceEpoch: 1_000_000)
        #expect(store.oldestInMemory == nil)
        store.apply(Self.sent("a"), causation: nil, at: t0)
        store.apply(Self.sent("b"), causation: nil, at: t0.adding(milliseconds: 500))
        store.apply(.relayed(key: RelayedRequest.key(.quotes, "a"), .answered(body: Self.body, source: "payeefsp")), causation: nil,
                    at: t0.adding(milliseconds: 600))
        #expect(store.oldestInMemory == t0, "an aggregate's later events do not move its first")
        _ = store.evict(endedBefore: t0.adding(milliseconds: 700))
        #expect(store.oldestInMemory == t0.adding(milliseconds: 500), "the evicted one no longer counts")
    }
}
