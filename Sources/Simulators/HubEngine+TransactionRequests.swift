import FSPIOP

/// Transaction requests (request to pay) and authorizations: the switch routes them between payee and
/// payer by `FSPIOP-Destination` and keeps nothing (API Definition v1.1 §6.4, §6.6, the
/// transaction-requests service); and the answers of DFSPs to forwarded participant queries.
extension HubEngine {
    /// `POST /transactionRequests`: forwarded to the `FSPIOP-Destination`, or `3201` to the payee.
    func postTransactionRequest(_ message: HubInboundMessage, _ headers: RequestHeaders) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        let request = try decode(TransactionRequestsPostRequest.self, message)
        route(message, headers, resource: .transactionRequests, about: "/transactionRequests/\(request.transactionRequestId)")
        return .accepted
    }

    /// `PUT /transactionRequests/{ID}` and its `/error`: forwarded to the `FSPIOP-Destination`.
    func putTransactionRequest(_ message: HubInboundMessage, _ headers: RequestHeaders, isError: Bool) throws(FSPIOPError) -> Answer {
        try forwardCallback(message, headers, resource: .transactionRequests, isError: isError, TransactionRequestsIDPutResponse.self)
    }

    /// `GET /transactionRequests/{ID}`: forwarded to the `FSPIOP-Destination`.
    func getTransactionRequest(_ message: HubInboundMessage, _ headers: RequestHeaders) throws(FSPIOPError) -> Answer {
        try forwardQuery(message, headers, resource: .transactionRequests)
    }

    /// `GET /authorizations/{ID}` (the payee asks the payer for its OTP): forwarded to the `FSPIOP-Destination`.
    func getAuthorization(_ message: HubInboundMessage, _ headers: RequestHeaders) throws(FSPIOPError) -> Answer {
        try forwardQuery(message, headers, resource: .authorizations)
    }

    /// `PUT /authorizations/{ID}` and its `/error`: forwarded to the `FSPIOP-Destination`.
    func putAuthorization(_ message: HubInboundMessage, _ headers: RequestHeaders, isError: Bool) throws(FSPIOPError) -> Answer {
        try forwardCallback(message, headers, resource: .authorizations, isError: isError, AuthorizationsIDPutResponse.self)
    }

    /// `PUT /participants/{Type}/{ID}[/{SubId}]` and its `/error` from a DFSP that answered a forwarded
    /// participant query: forwarded to the `FSPIOP-Destination`.
    func putParticipant(_ message: HubInboundMessage, _ headers: RequestHeaders, isError: Bool) throws(FSPIOPError) -> Answer {
        try forwardCallback(message, headers, resource: .participants, isError: isError, ParticipantsTypeIDPutResponse.self)
    }

    /// `PUT /ping/{requestId}` and its `/error`: a DFSP's answer to the hub's ping.
    func putPing(_ message: HubInboundMessage, isError: Bool) throws(FSPIOPError) -> Answer {
        let segments = Self.segments(message.path)
        guard segments.count >= 2 else { throw FSPIOPError(.unknownUri, "PUT /ping needs a request id") }
        let outcome: HubPingOutcome = isError ? .failed(try decode(ErrorInformationObject.self, message)) : .success
        guard pings.answer(segments[1], from: message.source, outcome) else {
            throw FSPIOPError(.destinationFspError, "ping \(segments[1]) was not sent to \(message.source)")
        }
        return .ok
    }
}
