import FSPIOP

/// Transaction requests (request to pay): the switch routes them between payee and payer by
/// `FSPIOP-Destination` and keeps nothing (API Definition v1.1 §6.4, the transaction-requests service).
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
        _ = try requireParticipant(message.source)
        if isError {
            _ = try decode(ErrorInformationObject.self, message)
        } else {
            _ = try decode(TransactionRequestsIDPutResponse.self, message)
        }
        route(message, headers, resource: .transactionRequests, about: Self.resourcePath(message.path, isError: isError))
        return .ok
    }

    /// `GET /transactionRequests/{ID}`: forwarded to the `FSPIOP-Destination`.
    func getTransactionRequest(_ message: HubInboundMessage, _ headers: RequestHeaders) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        route(message, headers, resource: .transactionRequests, about: message.path)
        return .accepted
    }

    /// `GET /authorizations/{ID}` (the payee asks the payer for its OTP), and `PUT /authorizations/{ID}`
    /// with its `/error`: forwarded to the `FSPIOP-Destination` (§6.6, the transaction-requests service).
    func routeAuthorization(_ message: HubInboundMessage, _ headers: RequestHeaders, isError: Bool) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        if message.method == "PUT" {
            if isError {
                _ = try decode(ErrorInformationObject.self, message)
            } else {
                _ = try decode(AuthorizationsIDPutResponse.self, message)
            }
        }
        route(message, headers, resource: .authorizations, about: Self.resourcePath(message.path, isError: isError))
        return message.method == "PUT" ? .ok : .accepted
    }

    /// `PUT /participants/{Type}/{ID}[/{SubId}]` and its `/error` from a DFSP that answered a forwarded
    /// participant query: forwarded to the `FSPIOP-Destination`.
    func putParticipant(_ message: HubInboundMessage, _ headers: RequestHeaders, isError: Bool) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        if isError {
            _ = try decode(ErrorInformationObject.self, message)
        } else {
            _ = try decode(ParticipantsTypeIDPutResponse.self, message)
        }
        route(message, headers, resource: .participants, about: Self.resourcePath(message.path, isError: isError))
        return .ok
    }
}
