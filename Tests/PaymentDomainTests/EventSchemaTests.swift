import FSPIOP
import Foundation
import Testing
@testable import PaymentDomain

/// Every event type has a schema; every event the aggregates emit validates against it and decodes back.
struct EventSchemaTests {
    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas")

    static func schema(_ wireName: String) throws -> JSONSchema {
        let url = schemas.appendingPathComponent("events/\(wireName).v1.schema.json")
        return try JSONSchema(bytes: Array(try Data(contentsOf: url)))
    }

    @Test("every outbound transfer event type has a schema", arguments: OutboundTransferEvent.wireNames)
    func schemaExists(wireName: String) throws {
        _ = try Self.schema(wireName)
    }

    /// Events of every kind, from the flows the aggregate tests drive.
    static func emittedEvents() throws -> [OutboundTransferEvent] {
        let tests = OutboundTransferTests()
        var events: [OutboundTransferEvent] = []
        let (state, first) = try tests.run([.requested(OutboundTransferTests.request, autoAcceptParty: false, autoAcceptQuote: false),
                                            .partyResolved(OutboundTransferTests.payee)])
        events += first
        let accepted = try state.decide(.partyDecision(accepted: true), OutboundTransferTests.context())
        events += accepted
        var current = accepted.reduce(state) { $0.evolve($1) }
        guard case let .quoteRequested(quote, _)? = accepted.last else { return events }
        let (response, fulfilment) = try OutboundTransferTests.quoteResponse(for: quote)
        for fact in [OutboundTransferFact.quoteReceived(response, source: "payeefsp"), .quoteDecision(accepted: true)] {
            let more = try current.decide(fact, OutboundTransferTests.context())
            events += more
            current = more.reduce(current) { $0.evolve($1) }
        }
        let late = try current.decide(.deadlinePassed(try #require(current.deadline)), OutboundTransferTests.context())
        events += late
        current = late.reduce(current) { $0.evolve($1) }
        events += try current.decide(.fulfilReceived(TransfersIDPutResponse(fulfilment: fulfilment, completedTimestamp: OutboundTransferTests.now.dateTime,
                                                                            transferState: "COMMITTED")), OutboundTransferTests.context())
        events.append(.aborted(reason: "Payee rejected by backend"))
        events.append(.failed(TransferError(httpStatusCode: 500, mojaloopError: FSPIOPError(.partyNotFound).errorInformation)))
        events.append(.failed(TransferError(FSPIOPError(.serverTimedOut), httpStatusCode: 504)))
        events += try RequestToPayTransferTests.emittedEvents()
        return events
    }

    @Test("the flows emit every event type")
    func coverage() throws {
        #expect(Set(try Self.emittedEvents().map(\.wireName)) == Set(OutboundTransferEvent.wireNames))
    }

    @Test("every emitted event validates against its schema and decodes back to itself")
    func validateAndRoundTrip() throws {
        for event in try Self.emittedEvents() {
            let payload = try event.payload
            let problems = try Self.schema(event.wireName).violations(of: payload)
            #expect(problems.isEmpty, "\(event.wireName): \(problems)")
            #expect(try OutboundTransferEvent(wireName: event.wireName, payload: payload) == event)
        }
    }

    @Test("every inbound transfer event type has a schema", arguments: InboundTransferEvent.wireNames)
    func inboundSchemaExists(wireName: String) throws {
        _ = try Self.schema(wireName)
    }

    /// Inbound events of every kind, from the payee-side flows.
    static func inboundEvents() throws -> [InboundTransferEvent] {
        let tests = InboundTransferTests()
        var configuration = InboundTransferTests.configuration
        configuration.reserveNotification = true
        let (state, quote, response) = try tests.quoted(configuration)
        let prepare = TransfersPostRequest(transferId: state.transactionId, payeeFsp: "payeefsp", payerFsp: "payerfsp",
                                           amount: response.transferAmount, ilpPacket: response.ilpPacket, condition: response.condition,
                                           expiration: InboundTransferTests.now.adding(milliseconds: 30_000).dateTime)
        let context = InboundTransferTests.context(configuration)
        var events: [InboundTransferEvent] = [.quoteRequestReceived(quote, source: "payerfsp"), .quoteSent(response)]
        var current = state
        for fact in [InboundTransferFact.prepareReceived(prepare, source: "payerfsp"), .transferAnswered(BackendTransferResponse(homeTransactionId: "h")),
                     .notified(TransfersIDPatchResponse(completedTimestamp: InboundTransferTests.now.dateTime, transferState: "COMMITTED"))] {
            let more = try current.decide(fact, context)
            events += more
            current = more.reduce(current) { $0.evolve($1) }
        }
        let error = FSPIOPError(.payeeRejectedTxn).errorInformation
        events += [.quoteRejected(error), .transferRejected(error), .prepareRejected(prepare, error),
                   .fulfilSent(TransfersIDPutResponse(transferState: "RESERVED"), homeTransactionId: nil, deadline: nil),
                   .statusRequested(attempt: 1, deadline: InboundTransferTests.now)]
        return events
    }

    @Test("every inbound event type is emitted, validates against its schema and decodes back to itself")
    func inboundRoundTrip() throws {
        let events = try Self.inboundEvents()
        #expect(Set(events.map(\.wireName)) == Set(InboundTransferEvent.wireNames))
        for event in events {
            let payload = try event.payload
            let problems = try Self.schema(event.wireName).violations(of: payload)
            #expect(problems.isEmpty, "\(event.wireName): \(problems)")
            #expect(try InboundTransferEvent(wireName: event.wireName, payload: payload) == event)
        }
    }

    @Test("a payload that breaks its schema is caught")
    func schemaCatchesMistakes() throws {
        let schema = try Self.schema("transfer.outbound.prepare-sent")
        #expect(!schema.violations(of: .object([("prepare", .object([])), ("deadline", .string("soon"))])).isEmpty)
        #expect(throws: EventDecodingFailure.self) {
            try OutboundTransferEvent(wireName: "transfer.outbound.prepare-sent", payload: .object([]))
        }
        #expect(throws: EventDecodingFailure.self) {
            try OutboundTransferEvent(wireName: "transfer.outbound.nope", payload: .object([]))
        }
    }
}
