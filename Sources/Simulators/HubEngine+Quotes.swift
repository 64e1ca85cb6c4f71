import FSPIOP

/// Quotes: the switch routes them between payer and payee by `FSPIOP-Destination` and keeps nothing
/// (API Definition v1.1 §6.5; the quoting service's pass-through mode).
extension HubEngine {
    /// `POST /quotes`: forwarded to the `FSPIOP-Destination`, or `3201` to the payer.
    func postQuote(_ message: HubInboundMessage, _ headers: RequestHeaders) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        let quote = try decode(QuotesPostRequest.self, message)
        route(message, headers, resource: .quotes, about: "/quotes/\(quote.quoteId)")
        return .accepted
    }

    /// `PUT /quotes/{ID}` and `PUT /quotes/{ID}/error`: forwarded to the `FSPIOP-Destination`.
    func putQuote(_ message: HubInboundMessage, _ headers: RequestHeaders, isError: Bool) throws(FSPIOPError) -> Answer {
        try forwardCallback(message, headers, resource: .quotes, isError: isError, QuotesIDPutResponse.self)
    }

    /// `GET /quotes/{ID}`: forwarded to the `FSPIOP-Destination`.
    func getQuote(_ message: HubInboundMessage, _ headers: RequestHeaders) throws(FSPIOPError) -> Answer {
        try forwardQuery(message, headers, resource: .quotes)
    }
}
