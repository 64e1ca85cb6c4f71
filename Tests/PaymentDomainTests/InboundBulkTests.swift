import FSPIOP
import Foundation
import Testing
@testable import PaymentDomain

/// Given events, when a fact, then events: bulk quotes and bulk transfers another DFSP sends; and how the
/// core's bulk answers become FSPIOP answers (ILP packets, conditions, fulfilments, per-item errors).
struct InboundBulkTests {
    static let now = Timestamp(dateTime: "2026-11-29T10:00:00.000Z")!
    static let configuration = InboundConfiguration(dfspId: "payeefsp", ilpSecret: "payee-secret", expirySeconds: 30)

    static func bulkQuote(payees: [String] = ["27720000001", "27720000002"]) throws -> BulkQuotesPostRequest {
        let items = payees.enumerated().map { index, msisdn in
            """
            {"quoteId":"00000000-0000-4000-8000-00000000000\(index)","transactionId":"00000000-0000-4000-9000-00000000000\(index)",
             "payee":{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"\(msisdn)","fspId":"payeefsp"}},
             "amountType":"SEND","amount":{"currency":"XXX","amount":"\(index + 2)"},
             "transactionType":{"scenario":"TRANSFER","initiator":"PAYER","initiatorType":"CONSUMER"}}
            """
        }
        return try JSONDecoder().decode(BulkQuotesPostRequest.self, from: Data("""
        {"bulkQuoteId":"b1","payer":{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"27710000000","fspId":"payerfsp"}},
         "individualQuotes":[\(items.joined(separator: ","))]}
        """.utf8))
    }

    static func coreAnswer(_ request: BulkQuotesPostRequest) -> BackendBulkQuoteResponse {
        BackendBulkQuoteResponse(individualQuoteResults: request.individualQuotes.map {
            BackendIndividualQuoteResult(quoteId: $0.quoteId, transferAmount: $0.amount.amount, transferAmountCurrency: $0.amount.currency)
        })
    }

    /// The bulk transfer a payer makes of a bulk quote's answer.
    static func bulkTransfer(_ answer: BulkQuotesIDPutResponse, expiration: Timestamp = now.adding(milliseconds: 60_000)) -> BulkTransfersPostRequest {
        let items = (answer.individualQuoteResults ?? []).compactMap { result -> IndividualTransfer? in
            guard let amount = result.transferAmount, let packet = result.ilpPacket, let condition = result.condition else { return nil }
            return IndividualTransfer(transferId: "t-" + result.quoteId, transferAmount: amount, ilpPacket: packet, condition: condition)
        }
        return BulkTransfersPostRequest(bulkTransferId: "bt1", bulkQuoteId: "b1", payerFsp: "payerfsp", payeeFsp: "payeefsp",
                                        individualTransfers: items, expiration: expiration.dateTime)
    }

    @Test("received, the core is asked once; its answer is sent; a resend gets it again; another request under the id is 3106")
    func lifecycle() throws {
        let request = try Self.bulkQuote()
        var bulk = InboundBulkQuote(id: "b1")
        let received = try bulk.decide(.received(request, source: "payerfsp"))
        #expect(received == [.received(request, source: "payerfsp")])
        bulk = received.reduce(bulk) { $0.evolve($1) }
        #expect(try bulk.decide(.received(request, source: "payerfsp")).isEmpty, "a resend while the core is asked is ignored")

        let answer = try InboundBulkAnswers.bulkQuote(request, core: Self.coreAnswer(request), configuration: Self.configuration, now: Self.now)
        let answered = try bulk.decide(.coreAnswered(answer))
        #expect(answered == [.answered(answer)])
        bulk = answered.reduce(bulk) { $0.evolve($1) }
        #expect(bulk.phase == .answered)
        #expect(try bulk.decide(.received(request, source: "payerfsp")) == [.answerRepeated])
        #expect(try bulk.decide(.coreRefused(FSPIOPError(.payeeError).errorInformation)).isEmpty, "a late refusal changes nothing")

        var other = try Self.bulkQuote(payees: ["27720000009"])
        other.bulkQuoteId = "b1"
        #expect(throws: FSPIOPError.self) { try bulk.decide(.received(other, source: "payerfsp")) }
        do { _ = try bulk.decide(.received(other, source: "payerfsp")) } catch { #expect(error.code == .modifiedRequest) }
    }

    @Test("refused by the core, the refusal is sent and repeated for a resend")
    func refused() throws {
        let request = try Self.bulkQuote()
        var bulk = InboundBulkQuote(id: "b1")
        bulk = try bulk.decide(.received(request, source: "payerfsp")).reduce(bulk) { $0.evolve($1) }
        let error = FSPIOPError(.payeeRejectedQuote).errorInformation
        let refused = try bulk.decide(.coreRefused(error))
        #expect(refused == [.refused(error)])
        bulk = refused.reduce(bulk) { $0.evolve($1) }
        #expect(bulk.phase == .refused && bulk.error == error)
        #expect(try bulk.decide(.received(request, source: "payerfsp")) == [.answerRepeated])
        #expect(try InboundBulkTransfer(id: "x").decide(.coreAnswered(BulkTransfersIDPutResponse(bulkTransferState: "COMPLETED"))).isEmpty,
                "an answer for a bulk never received is ignored")
    }

    @Test("each quote gets an ILP packet and condition the transfer's fulfilment hashes to; refused or unanswered items get errors")
    func quoteAnswers() throws {
        let request = try Self.bulkQuote(payees: ["27720000001", "27720000002", "27720000003", "27720000004"])
        var core = Self.coreAnswer(request)
        core.individualQuoteResults[1] = BackendIndividualQuoteResult(quoteId: request.individualQuotes[1].quoteId,
                                                                      errorResponse: BackendErrorResponse(statusCode: "3204", message: "no such party"))
        core.individualQuoteResults[2].transferAmountCurrency = "EUR"
        core.individualQuoteResults.removeLast()
        let answer = try InboundBulkAnswers.bulkQuote(request, core: core, configuration: Self.configuration, now: Self.now)
        let results = try #require(answer.individualQuoteResults)
        #expect(results.map(\.quoteId) == request.individualQuotes.map(\.quoteId), "one result per quote, in order")
        #expect(answer.expiration == Self.now.adding(milliseconds: 30_000).dateTime, "EXPIRY_SECONDS when the core names none")
        #expect(results[0].condition != nil && results[0].ilpPacket != nil && results[0].errorInformation == nil)
        #expect(results[0].payee == request.individualQuotes[0].payee)
        #expect(results[1].errorInformation?.errorCode == .partyNotFound && results[1].condition == nil)
        #expect(results[2].errorInformation?.errorCode == .payeeUnsupportedCurrency)
        #expect(results[3].errorInformation?.errorCode == .internalServerError)

        let transfer = Self.bulkTransfer(answer)
        #expect(transfer.individualTransfers.count == 1)
        let fulfilments = try InboundBulkAnswers.fulfilments(transfer, configuration: Self.configuration, now: Self.now)
        let item = transfer.individualTransfers[0]
        #expect(ILP.fulfils(try #require(fulfilments[item.transferId]), condition: item.condition))

        let core2 = BackendBulkTransferResponse(homeTransactionId: "h1", individualTransferResults: [BackendIndividualTransferResult(transferId: item.transferId)])
        let done = InboundBulkAnswers.bulkTransfer(transfer, core: core2, fulfilments: fulfilments, now: Self.now)
        #expect(done.bulkTransferState == "COMPLETED")
        #expect(done.individualTransferResults?.first?.fulfilment == fulfilments[item.transferId])
        #expect(done.completedTimestamp == Self.now.dateTime)
    }

    @Test("a bulk transfer for another DFSP, expired, or with a condition not its packet's is refused before the core is asked")
    func transferChecks() throws {
        let request = try Self.bulkQuote()
        let answer = try InboundBulkAnswers.bulkQuote(request, core: Self.coreAnswer(request), configuration: Self.configuration, now: Self.now)
        let transfer = Self.bulkTransfer(answer)
        #expect(try InboundBulkAnswers.fulfilments(transfer, configuration: Self.configuration, now: Self.now).count == 2)

        func code(_ transfer: BulkTransfersPostRequest, now: Timestamp? = InboundBulkTests.now) -> FSPIOPErrorCode? {
            do { _ = try InboundBulkAnswers.fulfilments(transfer, configuration: Self.configuration, now: now) } catch { return error.code }
            return nil
        }
        var elsewhere = transfer
        elsewhere.payeeFsp = "otherfsp"
        #expect(code(elsewhere) == .payeeFspIdNotFound)
        let expired = Self.bulkTransfer(answer, expiration: Self.now.adding(milliseconds: -1))
        #expect(code(expired) == .transferExpired)
        #expect(code(expired, now: nil) == nil, "without a time (the core's answer came), expiry is not checked again")
        var swapped = transfer
        swapped.individualTransfers[0].condition = transfer.individualTransfers[1].condition
        #expect(code(swapped) == .modifiedRequest)
        var unchecked = Self.configuration
        unchecked.checkILP = false
        #expect(throws: Never.self) { try InboundBulkAnswers.fulfilments(swapped, configuration: unchecked, now: Self.now) }

        // The core's per-item errors: an FSPIOP code as it is, anything else 2001.
        let core = BackendBulkTransferResponse(homeTransactionId: "h1", individualTransferResults: [
            BackendIndividualTransferResult(transferId: transfer.individualTransfers[0].transferId, errorResponse: BackendErrorResponse(statusCode: "4001")),
            BackendIndividualTransferResult(transferId: transfer.individualTransfers[1].transferId, errorResponse: BackendErrorResponse(statusCode: "oops")),
        ])
        let done = InboundBulkAnswers.bulkTransfer(transfer, core: core, fulfilments: [:], now: Self.now)
        #expect(done.individualTransferResults?.map { $0.errorInformation?.errorCode } == [FSPIOPErrorCode("4001"), .internalServerError])
        #expect(done.individualTransferResults?.allSatisfy { $0.fulfilment == nil } == true)

        // A list that does not name a transfer: not credited, so no fulfilment; no list: every one was taken.
        let fulfilments = try InboundBulkAnswers.fulfilments(transfer, configuration: Self.configuration, now: Self.now)
        let partial = BackendBulkTransferResponse(homeTransactionId: "h2", individualTransferResults: [
            BackendIndividualTransferResult(transferId: transfer.individualTransfers[0].transferId)])
        let some = InboundBulkAnswers.bulkTransfer(transfer, core: partial, fulfilments: fulfilments, now: Self.now)
        #expect(some.individualTransferResults?[0].fulfilment != nil)
        #expect(some.individualTransferResults?[1].fulfilment == nil && some.individualTransferResults?[1].errorInformation?.errorCode == .internalServerError)
        let all = InboundBulkAnswers.bulkTransfer(transfer, core: BackendBulkTransferResponse(homeTransactionId: "h3"), fulfilments: fulfilments, now: Self.now)
        #expect(all.individualTransferResults?.allSatisfy { $0.fulfilment != nil } == true)
    }

    @Test("events round-trip through their wire names and payloads")
    func codec() throws {
        let request = try Self.bulkQuote()
        let answer = try InboundBulkAnswers.bulkQuote(request, core: Self.coreAnswer(request), configuration: Self.configuration, now: Self.now)
        let events: [InboundBulkQuoteEvent] = [.received(request, source: "payerfsp"), .answered(answer),
                                               .refused(FSPIOPError(.payeeError).errorInformation), .answerRepeated]
        for event in events {
            #expect(try InboundBulkQuoteEvent(wireName: event.wireName, payload: try event.payload) == event)
        }
        #expect(Set(events.map(\.wireName)) == Set(InboundBulkQuoteEvent.wireNames))
        #expect(throws: EventDecodingFailure.self) { try InboundBulkTransferEvent(wireName: "bulk-quote.inbound.answered", payload: .object([])) }
    }
}
