import FSPIOP
import PaymentDomain
import Testing
@testable import Processing

/// Resent requests (API Definition v1.1 §3.2.5): the same answer again, or an error callback for a modified one.
@Suite("Resends")
struct ResendTests {
    @Test("a modified resend of POST /quotes is answered with PUT /quotes/{ID}/error and 3106; the quote is unchanged")
    func modifiedQuoteRequest() throws {
        var payer = Side(dfspId: "payerfsp")
        var payee = Side(dfspId: "payeefsp", secret: "payee-secret")
        _ = payer.receive(.transferRequested(transferId: SenderTests.transferId, request: SenderTests.request, autoAcceptParty: nil, autoAcceptQuote: nil))
        let resolved = payer.receive(Side.message("PUT", SenderTests.partyPath, from: "payeefsp", to: "payerfsp", body: try SenderTests.partyBody(fspId: "payeefsp")))
        var quote = try #require(SenderTests.hubRequests(resolved.effects).first { $0.path == "/quotes" })
        _ = payee.receive(Side.forwarded(quote, from: "payerfsp"))
        let before = payee.store.inbound[SenderTests.transferId]
        guard case var .object(members)? = quote.body else { throw SenderTests.Failure("the quote request is not an object") }
        members.removeAll { $0.0 == "note" }
        members.append(("note", .string("another note")))
        quote.body = .object(members)
        let resent = payee.receive(Side.forwarded(quote, from: "payerfsp"))
        let answer = try #require(SenderTests.hubRequests(resent.effects).first)
        let quoteId = try #require(before?.quoteRequest?.quoteId)
        #expect(answer.path == "/quotes/\(quoteId)/error")
        #expect(answer.body?["errorInformation"]?["errorCode"]?.stringValue == "3106")
        #expect(payee.store.inbound[SenderTests.transferId] == before)
    }
}
