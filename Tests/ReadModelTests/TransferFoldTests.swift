import FSPIOP
import PMCore
import Processing
import ReadModel
import Testing
@testable import PaymentDomain

/// Given a transfer's events, as its deciders make them, then its row: what the portal lists and filters.
struct TransferFoldTests {
    static let start = Timestamp(millisecondsSinceEpoch: 1_795_908_728_000)  // 2026-11-28T23:32:08Z
    static let transferId = "0b5e2fb4-a7c4-4a3e-9d3e-5b0f6f3c9a11"
    static let request = OutboundTransferRequest(
        homeTransactionId: "home-1",
        from: TransferParty(type: "CONSUMER", idType: "MSISDN", idValue: "27713803911", displayName: "Ann Payer", firstName: "Ann", lastName: "Payer"),
        to: TransferParty(idType: "MSISDN", idValue: "27713803912"),
        amountType: "SEND", currency: "USD", amount: "100.5", transactionType: "TRANSFER", note: "rent")
    static let payee = Party(partyIdInfo: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27713803912", fspId: "payeefsp"), name: "Zoë Payee")

    /// The outbound transfer's events for these facts, each fact a second after the last, with their times.
    static func outboundEvents(_ facts: [OutboundTransferFact]) throws -> [(OutboundTransferEvent, Timestamp)] {
        var state = OutboundTransfer(transferId: transferId)
        var events: [(OutboundTransferEvent, Timestamp)] = []
        for (index, fact) in facts.enumerated() {
            let now = start.adding(seconds: Int64(index))
            let decided = try state.decide(fact, DecisionContext(now: now, newID: { "6ec8b1b6-6e1c-4d8b-9a55-6c7bdb2b3f10" },
                                                                 configuration: OutboundConfiguration(dfspId: "payerfsp", checkILP: false)))
            state = decided.reduce(state) { $0.evolve($1) }
            events += decided.map { ($0, now) }
        }
        return events
    }

    static func fold(_ events: [(OutboundTransferEvent, Timestamp)], into row: TransferRow? = nil) -> TransferRow? {
        var row = row
        for (sequence, (event, at)) in events.enumerated() {
            row = TransferFold.apply(.outbound(transferId: transferId, event), sequence: Int64(sequence + 1), occurredAt: at, to: row)
        }
        return row
    }

    static let quote = QuotesIDPutResponse(transferAmount: Money(currency: "USD", amount: "100.5"), payeeFspFee: Money(currency: "USD", amount: "0.5"),
                                           expiration: start.adding(seconds: 60).dateTime, ilpPacket: "AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFE",
                                           condition: "f5sqb7tBTWPd5Y8BDFdMm9BJR_MNI4isf8p8n4D5pHA")

    @Test("a completed outbound transfer: its parties, terms, stage times and success")
    func outboundCompleted() throws {
        let fulfil = TransfersIDPutResponse(fulfilment: "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA", completedTimestamp: Self.start.adding(seconds: 3).dateTime,
                                            transferState: "COMMITTED")
        let events = try Self.outboundEvents([
            .requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyResolved(Self.payee),
            .quoteReceived(Self.quote, source: "payeefsp"), .fulfilReceived(fulfil),
        ])
        let row = try #require(Self.fold(events))
        #expect(row.direction == .outbound)
        #expect(row.displayId == Self.transferId)
        #expect(row.homeTransactionId == "home-1")
        #expect(row.payer == PartyColumns(idType: "MSISDN", idValue: "27713803911", name: "Ann Payer", dfsp: "payerfsp"))
        #expect(row.payee == PartyColumns(idType: "MSISDN", idValue: "27713803912", name: "Zoë Payee", dfsp: "payeefsp"))
        #expect(row.institution == "payeefsp")
        #expect(row.amount == "100.5")
        #expect(row.currency == "USD")
        #expect(row.payeeFspFee == "0.5")
        #expect(row.quoteId == "6ec8b1b6-6e1c-4d8b-9a55-6c7bdb2b3f10")
        #expect(row.status == .success)
        #expect(row.state == "COMMITTED")
        #expect(row.initiatedAt == Self.start.millisecondsSinceEpoch)
        #expect(row.partyResolvedAt == Self.start.adding(seconds: 1).millisecondsSinceEpoch)
        #expect(row.quotedAt == Self.start.adding(seconds: 2).millisecondsSinceEpoch)
        #expect(row.preparedAt == Self.start.adding(seconds: 2).millisecondsSinceEpoch)
        #expect(row.durationMilliseconds == 3000)
        #expect(row.lastSequence == Int64(events.count))
    }

    @Test("an event folded again (a record delivered twice) changes nothing")
    func idempotent() throws {
        let events = try Self.outboundEvents([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyResolved(Self.payee)])
        let row = try #require(Self.fold(events))
        let (first, at) = events[0]
        let again = TransferFold.apply(.outbound(transferId: Self.transferId, first), sequence: 1, occurredAt: at.adding(seconds: 100), to: row)
        #expect(again == row)
    }

    @Test("a failed transfer is an error with the hub's code, and its end is counted once")
    func outboundFailed() throws {
        let error = ErrorInformationObject(errorInformation: ErrorInformation(errorCode: FSPIOPErrorCode("3204")!, errorDescription: "Party not found"))
        let events = try Self.outboundEvents([.requested(Self.request, autoAcceptParty: nil, autoAcceptQuote: nil), .partyLookupFailed(error)])
        let before = Self.fold(Array(events.dropLast()))
        let row = try #require(Self.fold(events))
        #expect(row.status == .error)
        #expect(row.errorCode == "3204")
        #expect(row.errorDescription == "Party not found")
        let completion = try #require(TransferCompletion(before: before, after: row))
        #expect(!completion.succeeded)
        #expect(completion.durationMilliseconds == 1000)
        #expect(completion.minute % 60_000 == 0)
        #expect(TransferCompletion(before: row, after: row) == nil)
    }

    @Test("events of other aggregates make no transfer row")
    func otherAggregates() {
        let event = DomainEvent.party(key: "MSISDN/1", .started(PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "1"), deadline: Self.start))
        #expect(TransferFold.apply(event, sequence: 1, occurredAt: Self.start, to: nil) == nil)
    }

    @Test("durations fall in buckets whose bound is at most 10 % above them")
    func buckets() {
        for milliseconds: Int64 in [0, 1, 2, 7, 99, 100, 101, 1234, 60_000, 3_600_000] {
            let index = DurationBuckets.index(milliseconds: milliseconds)
            let bound = DurationBuckets.upperBound(index) ?? .max
            #expect(bound >= milliseconds)
            #expect(Double(bound) <= max(1, Double(milliseconds) * 1.1) + 1)
        }
        var counts: [Int: Int64] = [:]
        for milliseconds in 1...100 { counts[DurationBuckets.index(milliseconds: Int64(milliseconds)), default: 0] += 1 }
        let p95 = DurationBuckets.percentile(0.95, of: counts, largest: 100)
        #expect(p95.map { $0 >= 95 && $0 <= 105 } == true)
        #expect(DurationBuckets.percentile(0.95, of: [:], largest: 0) == nil)
    }

    @Test("amounts add up exactly in decimal")
    func amounts() {
        #expect(AmountSum.add("0.2", to: AmountSum.add("0.1", to: "0")) == "0.3")
        #expect(AmountSum.add("999999999999999999.9999", to: "0.0001") == "1000000000000000000")
        #expect(AmountSum.add("not a number", to: "12.5") == "12.5")
    }
}
