import FSPIOP
import Foundation
import Testing
@testable import PaymentDomain

struct PartyLookupTests {
    static let now = OutboundTransferTests.now
    static let party = PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27713803912")

    func run(_ facts: [PartyLookupFact], at time: Timestamp = now) -> (PartyLookup, [PartyLookupEvent]) {
        var state = PartyLookup(key: PartyLookup.key(for: Self.party))
        var all: [PartyLookupEvent] = []
        for fact in facts {
            let events = state.decide(fact, now: time, timeoutMilliseconds: 30_000)
            all += events
            state = events.reduce(state) { $0.evolve($1) }
        }
        return (state, all)
    }

    @Test("concurrent transfers to one party share one GET /parties, and all get the answer")
    func shared() {
        let payee = OutboundTransferTests.payee
        let (state, events) = run([.requested(transferId: "t1", party: Self.party), .requested(transferId: "t2", party: Self.party),
                                   .requested(transferId: "t1", party: Self.party), .resolved(payee)])
        #expect(events == [.started(Self.party, deadline: Self.now.adding(milliseconds: 30_000)), .joined(transferId: "t1"),
                           .joined(transferId: "t2"), .resolved(payee, transfers: ["t1", "t2"])])
        #expect(!state.inFlight && state.waiting.isEmpty)
        // A duplicate answer afterwards reaches nobody; the next request starts a new lookup.
        #expect(state.decide(.resolved(payee), now: Self.now, timeoutMilliseconds: 30_000).isEmpty)
        #expect(state.decide(.requested(transferId: "t3", party: Self.party), now: Self.now, timeoutMilliseconds: 30_000).first
                == .started(Self.party, deadline: Self.now.adding(milliseconds: 30_000)))
    }

    @Test("an error callback or a timeout fails every waiting transfer")
    func failures() {
        let error = FSPIOPError(.partyNotFound).errorInformation
        #expect(run([.requested(transferId: "t1", party: Self.party), .failed(error)]).1.last == .failed(error, transfers: ["t1"]))
        let (_, early) = run([.requested(transferId: "t1", party: Self.party), .deadlinePassed(Self.now.adding(milliseconds: 29_999))])
        #expect(early.count == 2)
        let (state, late) = run([.requested(transferId: "t1", party: Self.party), .requested(transferId: "t2", party: Self.party),
                                 .deadlinePassed(Self.now.adding(milliseconds: 30_000))])
        guard case let .failed(timeout, transfers)? = late.last else { Issue.record("no timeout"); return }
        #expect(transfers == ["t1", "t2"])
        #expect(timeout.errorInformation.errorCode == .serverTimedOut)
        #expect(!state.inFlight)
    }

    @Test("the key is the party's path", arguments: [
        (PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "123"), "MSISDN/123"),
        (PartyIdInfo(partyIdType: "ACCOUNT_ID", partyIdentifier: "9", partySubIdOrType: "SAVINGS"), "ACCOUNT_ID/9/SAVINGS"),
    ])
    func keys(party: PartyIdInfo, key: String) {
        #expect(PartyLookup.key(for: party) == key)
    }

    @Test("every party lookup event has a schema, validates and decodes back")
    func schemas() throws {
        let error = FSPIOPError(.partyNotFound).errorInformation
        let events: [PartyLookupEvent] = [.started(Self.party, deadline: Self.now), .joined(transferId: "t1"),
                                          .resolved(OutboundTransferTests.payee, transfers: ["t1", "t2"]), .failed(error, transfers: ["t1"])]
        #expect(Set(events.map(\.wireName)) == Set(PartyLookupEvent.wireNames))
        for event in events {
            let payload = try PartyLookup.payload(event)
            let problems = try EventSchemaTests.schema(event.wireName).violations(of: payload)
            #expect(problems.isEmpty, "\(event.wireName): \(problems)")
            #expect(try PartyLookup.event(wireName: event.wireName, payload: payload) == event)
        }
    }
}
