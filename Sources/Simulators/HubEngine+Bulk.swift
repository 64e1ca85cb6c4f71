import FSPIOP

/// Bulk quotes and bulk transfers (API Definition v1.1 §6.9, §6.10): routed between the payer's and the
/// payee's DFSP by `FSPIOP-Destination`, bodies checked, JWS passed through. The simulator keeps no
/// positions for bulk transfers (the individual transfers are not reserved or committed here).
extension HubEngine {
    /// `POST /bulkQuotes`: forwarded to the `FSPIOP-Destination`, or `3201` to the payer.
    func postBulkQuote(_ message: HubInboundMessage, _ headers: RequestHeaders) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        let request = try decode(BulkQuotesPostRequest.self, message)
        route(message, headers, resource: .bulkQuotes, about: "/bulkQuotes/\(request.bulkQuoteId)")
        return .accepted
    }

    /// `PUT /bulkQuotes/{ID}` and its `/error`: forwarded to the `FSPIOP-Destination`.
    func putBulkQuote(_ message: HubInboundMessage, _ headers: RequestHeaders, isError: Bool) throws(FSPIOPError) -> Answer {
        try forwardCallback(message, headers, resource: .bulkQuotes, isError: isError, BulkQuotesIDPutResponse.self)
    }

    /// `POST /bulkTransfers`: forwarded to the `FSPIOP-Destination` (its `payeeFsp`), or `3201` to the payer.
    func postBulkTransfer(_ message: HubInboundMessage, _ headers: RequestHeaders) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        let request = try decode(BulkTransfersPostRequest.self, message)
        route(message, headers, resource: .bulkTransfers, about: "/bulkTransfers/\(request.bulkTransferId)")
        return .accepted
    }

    /// `PUT /bulkTransfers/{ID}` and its `/error`: forwarded to the `FSPIOP-Destination`.
    func putBulkTransfer(_ message: HubInboundMessage, _ headers: RequestHeaders, isError: Bool) throws(FSPIOPError) -> Answer {
        try forwardCallback(message, headers, resource: .bulkTransfers, isError: isError, BulkTransfersIDPutResponse.self)
    }
}
