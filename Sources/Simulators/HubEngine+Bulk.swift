import FSPIOP

/// Bulk quotes and bulk transfers (API Definition v1.1 §6.9, §6.10): bulk quotes are routed between the
/// payer's and the payee's DFSP by `FSPIOP-Destination`; a bulk transfer's amounts are reserved on the
/// payer, and each transfer commits when its fulfilment hashes to its condition. Bodies checked, JWS
/// passed through.
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

    /// `POST /bulkTransfers` from the payer (§6.10.3.2): the sum of its transfers is reserved on the payer
    /// (or the bulk refused: participants, currency, expiration, net debit cap), then it is forwarded to
    /// the payee as received.
    func postBulkTransfer(_ message: HubInboundMessage, _ headers: RequestHeaders) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        let request = try decode(BulkTransfersPostRequest.self, message)
        let path = "/bulkTransfers/\(request.bulkTransferId)"
        guard request.payerFsp == message.source else {
            sendError(FSPIOPError(.validationError, "FSPIOP-Source '\(message.source)' is not the payerFsp '\(request.payerFsp)'"),
                      about: path, to: message.source, resource: .bulkTransfers, version: message.version)
            return .accepted
        }
        let fingerprint = try Self.fingerprint(message.body)
        let now = clock()
        switch state.withLedger({ $0.prepareBulk(request, fingerprint: fingerprint, version: message.version, now: now) }) {
        case let .reserved(record, payee):
            timers.schedule(Self.bulkTimer(request.bulkTransferId), inMilliseconds: record.expiration.millisecondsSinceEpoch - now.millisecondsSinceEpoch) {
                expireBulk(request.bulkTransferId)
            }
            forward(message, to: payee, purpose: "forward POST /bulkTransfers")
        case let .rejected(error):
            sendError(error, about: path, to: message.source, resource: .bulkTransfers, version: message.version)
        case .resent:
            logger.info("A resent bulk transfer is ignored", metadata: [HubLogKey.transferId: "\(request.bulkTransferId)"])
        case .modified:
            sendError(FSPIOPError(.modifiedRequest, "bulk transfer \(request.bulkTransferId) was prepared with another body"),
                      about: path, to: message.source, resource: .bulkTransfers, version: message.version)
        }
        return .accepted
    }

    /// `PUT /bulkTransfers/{ID}` from the payee (§6.10.4.1): each fulfilled transfer commits, the others
    /// are released. The payer gets the payee's callback as received when every fulfilment was right,
    /// else the switch's own, with an error for each transfer it refused.
    func putBulkTransfer(_ message: HubInboundMessage, _ headers: RequestHeaders, isError: Bool) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        let id = Self.transferId(message.path)
        let path = "/bulkTransfers/\(id)"
        if isError {
            _ = try decode(ErrorInformationObject.self, message)
            guard let record = state.withLedger({ $0.abortBulk(id, source: message.source) }) else {
                sendError(FSPIOPError(.bulkTransferIdNotFound), about: path, to: message.source, resource: .bulkTransfers, version: message.version)
                return .ok
            }
            timers.cancel(Self.bulkTimer(id))
            if let payer = state.participant(record.request.payerFsp) { forward(message, to: payer, purpose: "forward PUT /bulkTransfers error") }
            return .ok
        }
        let response = try decode(BulkTransfersIDPutResponse.self, message)
        switch state.withLedger({ $0.fulfilBulk(id, response: response, source: message.source, now: clock()) }) {
        case .alreadyFinal where headers.destination.flatMap(state.participant) != nil:
            // An answer to a forwarded GET /bulkTransfers/{ID}: passed on to whoever asked.
            if let asker = headers.destination.flatMap(state.participant) { forward(message, to: asker, purpose: "forward PUT /bulkTransfers") }
        case .notFound, .notPayee, .alreadyFinal:
            sendError(FSPIOPError(.bulkTransferIdNotFound, "no bulk transfer \(id) waiting for this DFSP"), about: path, to: message.source,
                      resource: .bulkTransfers, version: message.version)
        case let .expired(record):
            timers.cancel(Self.bulkTimer(id))
            tellBulkExpired(record)
        case let .completed(record, refused):
            timers.cancel(Self.bulkTimer(id))
            guard let payer = state.participant(record.request.payerFsp) else { return .ok }
            if refused.isEmpty {
                forward(message, to: payer, purpose: "forward PUT /bulkTransfers")
            } else {
                var answer = response
                answer.individualTransferResults = record.request.individualTransfers.map { item in
                    if let error = refused[item.transferId] {
                        return IndividualTransferResult(transferId: item.transferId, errorInformation: error.errorInformation.errorInformation)
                    }
                    return (response.individualTransferResults ?? []).first { $0.transferId == item.transferId }
                        ?? IndividualTransferResult(transferId: item.transferId)
                }
                send("PUT", path, to: payer, resource: .bulkTransfers, version: record.version,
                     body: HubJSON.encode(answer), purpose: "bulk transfer results checked by the switch")
            }
        }
        return .ok
    }

    /// The expiry of a bulk transfer still waiting for its payee: every reservation is released and both
    /// DFSPs get `3303`.
    func expireBulk(_ id: String) {
        timers.cancel(Self.bulkTimer(id))
        guard let record = state.withLedger({ $0.abortBulk(id, source: nil) }) else { return }
        tellBulkExpired(record)
    }

    private func tellBulkExpired(_ record: HubBulkTransferRecord) {
        let path = "/bulkTransfers/\(record.request.bulkTransferId)"
        let error = FSPIOPError(.transferExpired, "the bulk transfer expired at \(record.request.expiration)")
        for fspId in [record.request.payerFsp, record.request.payeeFsp] {
            sendError(error, about: path, to: fspId, resource: .bulkTransfers, version: record.version)
        }
    }

    /// The timer key of a bulk transfer (beside those of single transfers).
    static func bulkTimer(_ id: String) -> String { "bulk:" + id }
}
