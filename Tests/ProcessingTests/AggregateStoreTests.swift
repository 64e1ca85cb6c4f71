import FSPIOP
import PaymentDomain
import Testing
@testable import Processing

@Suite("The processor's store")
struct AggregateStoreTests {
    static let request = OutboundTransferRequest(
        homeTransactionId: "h1", from: TransferParty(idType: "MSISDN", idValue: "1"), to: TransferParty(idType: "MSISDN", idValue: "2"),
        amountType: "SEND", currency: "XXX", amount: "1", transactionType: "TRANSFER")

    @Test("ended transfers are evicted after the retention, with their index entries; those still running stay")
    func eviction() {
        var store = AggregateStore()
        let t0 = Timestamp(millisecondsSinceEpoch: 1_000_000)
        let deadline = t0.adding(milliseconds: 30_000)
        let party = PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "2")
        store.apply(.outbound(transferId: "ended", .requested(Self.request, autoAcceptParty: true, autoAcceptQuote: true)), causation: "f1", at: t0)
        store.apply(.outbound(transferId: "ended", .partyLookupStarted(party, deadline: deadline)), causation: "f1", at: t0)
        store.apply(.outbound(transferId: "ended", .failed(TransferError(FSPIOPError(.partyNotFound)))), causation: "f2", at: t0)
        store.apply(.outbound(transferId: "running", .requested(Self.request, autoAcceptParty: true, autoAcceptQuote: true)), causation: "f3", at: t0)
        store.apply(.outbound(transferId: "running", .partyLookupStarted(party, deadline: deadline)), causation: "f3", at: t0)
        #expect(store.decidedFacts == ["f1", "f2", "f3"])

        #expect(store.evict(endedBefore: t0).isEmpty, "nothing ended before t0")
        let evicted = store.evict(endedBefore: t0.adding(milliseconds: 1))
        #expect(evicted == [AggregateRef(.outbound, "ended")])
        #expect(store.outbound["ended"] == nil)
        #expect(store.outbound["running"]?.phase == .lookingUpParty)
        #expect(store.deadlines[AggregateRef(.outbound, "running")] == deadline)
        #expect(store.evict(endedBefore: t0.adding(milliseconds: 10_000)).isEmpty, "evicted once")
    }
}

/// New ids derived from the fact that needed them.
struct DerivedIDsTests {
    @Test("the same fact gives the same ids, another fact others; each is a lower-case version 4 UUID the hub accepts")
    func derived() {
        let first = DerivedIDs(seed: "3f0e2b8c-5d1a-4c6e-9b7f-0a1b2c3d4e5f")
        let again = DerivedIDs(seed: "3f0e2b8c-5d1a-4c6e-9b7f-0a1b2c3d4e5f")
        let other = DerivedIDs(seed: "9a0e2b8c-5d1a-4c6e-9b7f-0a1b2c3d4e5f")
        let ids = (0..<3).map { _ in first.next() }
        #expect(ids == (0..<3).map { _ in again.next() })
        #expect(Set(ids).count == 3)
        #expect(Set(ids).isDisjoint(with: (0..<3).map { _ in other.next() }))
        for id in ids { #expect(FSPIOPFormat.isCorrelationIdV1(id) && FSPIOPFormat.isCorrelationIdV2(id), "\(id)") }
    }
}
