import FSPIOP
import Foundation
import Testing
@testable import PaymentDomain

/// Given events, when a fact, then events: the relayed requests of `POST /quotes` and `POST /simpleTransfers`.
struct RelayedRequestTests {
    static let now = OutboundTransferTests.now
    static let body: JSONValue = .object([("quoteId", .string("q1")), ("transactionId", .string("t1"))])
    static let key = RelayedRequest.key(.quotes, "q1")

    func run(_ facts: [RelayedRequestFact], at time: Timestamp = now) throws(FSPIOPError) -> (RelayedRequest, [RelayedRequestEvent]) {
        var state = RelayedRequest(key: Self.key)
        var all: [RelayedRequestEvent] = []
        for fact in facts {
            let events = try state.decide(fact, now: time, timeoutMilliseconds: 30_000)
            all += events
            state = events.reduce(state) { $0.evolve($1) }
        }
        return (state, all)
    }

    static let requested = RelayedRequestFact.requested(.quotes, id: "q1", destination: "payeefsp", body: body)

    @Test("a request is sent with a deadline; its callback ends it COMPLETED, and a duplicate callback changes nothing")
    func answered() throws {
        let answer: JSONValue = .object([("condition", .string("c"))])
        let (state, events) = try run([Self.requested, .answered(body: answer, source: "payeefsp"), .answered(body: .object([]), source: "payeefsp")])
        #expect(events == [.sent(.quotes, id: "q1", destination: "payeefsp", body: Self.body, deadline: Self.now.adding(milliseconds: 30_000)),
                           .answered(body: answer, source: "payeefsp")])
        #expect(state.phase == .answered && state.sdkState == "COMPLETED" && state.deadline == nil)
        #expect(state.answer == answer && state.answerSource == "payeefsp")
    }

    @Test("an error callback is an answer too: the SDK returns it as the callback's body")
    func errorCallback() throws {
        let error = try JSONValueEncoder.encode(FSPIOPError(.destinationFspError).errorInformation)
        let (state, _) = try run([Self.requested, .answered(body: error, source: "switch")])
        #expect(state.phase == .answered && state.answer == error)
    }

    @Test("no callback by the deadline fails it with 2004; a refusal by the hub fails it with the hub's error; late answers change nothing")
    func failures() throws {
        let (early, _) = try run([Self.requested, .deadlinePassed(Self.now.adding(milliseconds: 29_999))])
        #expect(early.phase == .sent)
        let (late, events) = try run([Self.requested, .deadlinePassed(Self.now.adding(milliseconds: 30_000)),
                                      .answered(body: .object([]), source: "payeefsp")])
        #expect(late.phase == .failed && late.sdkState == "ERROR_OCCURRED")
        #expect(late.error?.errorInformation.errorCode == .serverTimedOut)
        #expect(events.count == 2)
        let refusal = FSPIOPError(.destinationCommunicationError).errorInformation
        let (refused, _) = try run([Self.requested, .hubRequestFailed(refusal)])
        #expect(refused.error == refusal)
    }

    @Test("a second request with the same id is refused, whatever state the first is in")
    func duplicate() throws {
        for facts in [[Self.requested], [Self.requested, .answered(body: .object([]), source: "payeefsp")]] {
            let (state, _) = try run(facts)
            #expect(throws: FSPIOPError.self) { try state.decide(Self.requested, now: Self.now, timeoutMilliseconds: 30_000) }
        }
    }

    @Test("every relayed request event has a schema, validates and decodes back")
    func schemas() throws {
        let events: [RelayedRequestEvent] = [
            .sent(.transfers, id: "t1", destination: "payeefsp", body: Self.body, deadline: Self.now),
            .answered(body: .object([("fulfilment", .string("f"))]), source: "payeefsp"),
            .failed(FSPIOPError(.serverTimedOut).errorInformation),
        ]
        #expect(Set(events.map(\.wireName)) == Set(RelayedRequestEvent.wireNames))
        for event in events {
            let payload = try RelayedRequest.payload(event)
            let problems = try EventSchemaTests.schema(event.wireName).violations(of: payload)
            #expect(problems.isEmpty, "\(event.wireName): \(problems)")
            #expect(try RelayedRequest.event(wireName: event.wireName, payload: payload) == event)
        }
    }
}
