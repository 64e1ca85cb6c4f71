import FSPIOP

/// Transfers: the switch's ledger part (API Definition v1.1 §6.7): prepare with a liquidity check and
/// reservation, fulfil with the condition check, commit or abort, commit notifications and expiry.
extension HubEngine {
    /// `POST /transfers` from the payer (§6.7.3.2).
    func postTransfer(_ message: HubInboundMessage) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        let request = try decode(TransfersPostRequest.self, message)
        let path = "/transfers/\(request.transferId)"
        guard request.payerFsp == message.source else {
            sendError(FSPIOPError(.validationError, "FSPIOP-Source '\(message.source)' is not the payerFsp '\(request.payerFsp)'"),
                      about: path, to: message.source, resource: .transfers, version: message.version)
            return .accepted
        }
        let fingerprint = try Self.fingerprint(message.body)
        let now = clock()
        let outcome = state.withLedger { $0.prepare(request, fingerprint: fingerprint, version: message.version, now: now) }
        switch outcome {
        case let .reserved(record, payee):
            timers.schedule(request.transferId, inMilliseconds: record.expiration.millisecondsSinceEpoch - now.millisecondsSinceEpoch) {
                expire(request.transferId)
            }
            forward(message, to: payee, purpose: "forward POST /transfers")
        case let .rejected(error):
            sendError(error, about: path, to: message.source, resource: .transfers, version: message.version)
        case let .resendFinal(record):
            notifyPayer(record)
        case .inProgress:
            logger.info("A resent prepare of a transfer in progress is ignored", metadata: [HubLogKey.transferId: "\(request.transferId)"])
        case .modified:
            sendError(FSPIOPError(.modifiedRequest, "transfer \(request.transferId) was prepared with another body"),
                      about: path, to: message.source, resource: .transfers, version: message.version)
        }
        return .accepted
    }

    /// `PUT /transfers/{ID}` from the payee (§6.7.4.1): the fulfil.
    ///
    /// When the fulfilment matches the condition the transfer commits. A payee that committed has its
    /// callback forwarded to the payer as received (its JWS intact); a payee that reserved asked for a
    /// commit notification (§6.7.2.6): the payer gets the switch's own `PUT` with state COMMITTED and
    /// the payee a `PATCH`. A wrong fulfilment or state aborts the transfer: error callbacks to both.
    func putTransfer(_ message: HubInboundMessage) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        let response = try decode(TransfersIDPutResponse.self, message)
        let transferId = Self.transferId(message.path)
        let path = "/transfers/\(transferId)"
        let fingerprint = try Self.fingerprint(message.body)
        let outcome = state.withLedger {
            $0.fulfil(transferId, response: response, message: message, fingerprint: fingerprint, now: clock())
        }
        switch outcome {
        case .notFound:
            sendError(FSPIOPError(.transferIdNotFound), about: path, to: message.source, resource: .transfers, version: message.version)
        case let .notPayee(record):
            sendError(FSPIOPError(.validationError, "FSPIOP-Source '\(message.source)' is not the payeeFsp '\(record.request.payeeFsp)'"),
                      about: path, to: message.source, resource: .transfers, version: message.version)
        case let .committed(record, payeeReserved):
            timers.cancel(transferId)
            notifyPayer(record)
            if payeeReserved, let payee = state.participant(record.request.payeeFsp) {
                let notification = TransfersIDPatchResponse(completedTimestamp: record.completedTimestamp ?? clock().dateTime,
                                                            transferState: TransferState.committed.rawValue)
                send("PATCH", path, to: payee, resource: .transfers, version: message.version,
                     body: HubJSON.patchBody(notification), purpose: "commit notification")
            }
        case let .invalid(record, error):
            timers.cancel(transferId)
            sendError(error, about: path, to: message.source, resource: .transfers, version: message.version)
            notifyPayer(record)
        case let .expired(record):
            timers.cancel(transferId)
            sendError(record.abortReason ?? FSPIOPError(.transferExpired), about: path, to: message.source,
                      resource: .transfers, version: message.version)
            notifyPayer(record)
        case let .alreadyFinal(_, answer):
            if let answer {
                sendError(answer, about: path, to: message.source, resource: .transfers, version: message.version)
            } else {
                logger.info("A resent fulfil of a committed transfer is ignored", metadata: [HubLogKey.transferId: "\(transferId)"])
            }
        }
        return .ok
    }

    /// `PUT /transfers/{ID}/error` from the payee (§6.7.5.1): aborts the transfer, releases the
    /// payer's reservation, and forwards the error to the payer as received.
    func putTransferError(_ message: HubInboundMessage) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        let body = try decode(ErrorInformationObject.self, message)
        let transferId = Self.transferId(message.path)
        let path = "/transfers/\(transferId)"
        let outcome = state.withLedger {
            $0.abortByPayee(transferId, error: body.errorInformation, message: message, now: clock())
        }
        switch outcome {
        case .notFound:
            sendError(FSPIOPError(.transferIdNotFound), about: path, to: message.source, resource: .transfers, version: message.version)
        case let .notPayee(record):
            sendError(FSPIOPError(.validationError, "FSPIOP-Source '\(message.source)' is not the payeeFsp '\(record.request.payeeFsp)'"),
                      about: path, to: message.source, resource: .transfers, version: message.version)
        case let .aborted(record):
            timers.cancel(transferId)
            notifyPayer(record)
        case let .alreadyFinal(record):
            logger.info("An error callback for a finished transfer is ignored", metadata: [
                HubLogKey.transferId: "\(transferId)", HubLogKey.errorCode: "\(body.errorInformation.errorCode)",
                HubLogKey.source: "\(message.source)", "hub.transfer_state": "\(record.phase.rawValue)",
            ])
        }
        return .ok
    }

    /// `GET /transfers/{ID}` from the payer or the payee (§6.7.3.1): `PUT /transfers/{ID}` with the
    /// hub's view (state, completion time, and the fulfilment once committed), or `3208` when the
    /// transfer is unknown or the requester is not one of its DFSPs.
    func getTransfer(_ message: HubInboundMessage) throws(FSPIOPError) -> Answer {
        let requester = try requireParticipant(message.source)
        let transferId = Self.transferId(message.path)
        let path = "/transfers/\(transferId)"
        guard let record = state.withLedger({ $0.transfer(transferId) }),
              record.request.payerFsp == message.source || record.request.payeeFsp == message.source else {
            sendError(FSPIOPError(.transferIdNotFound), about: path, to: message.source, resource: .transfers, version: message.version)
            return .accepted
        }
        let view = TransfersIDPutResponse(fulfilment: record.phase == .committed ? record.fulfilment : nil,
                                          completedTimestamp: record.isFinal ? record.completedTimestamp : nil,
                                          transferState: record.phase.rawValue)
        send("PUT", path, to: requester, resource: .transfers, version: message.version,
             body: HubJSON.transferBody(view), purpose: "transfer state")
        return .accepted
    }

    /// The expiry timer of a transfer fired: one still reserved is aborted, and payer and payee both
    /// get `3303` (§6.7.2.5, Figure 53).
    func expire(_ transferId: String) {
        timers.cancel(transferId)
        guard let record = state.withLedger({ $0.expire(transferId, now: clock()) }) else { return }
        logger.info("A transfer expired", metadata: [HubLogKey.transferId: "\(transferId)"])
        let error = record.abortReason ?? FSPIOPError(.transferExpired)
        sendError(error, about: "/transfers/\(transferId)", to: record.request.payeeFsp, resource: .transfers, version: record.version)
        notifyPayer(record)
    }

    /// Tells the payer the outcome of a finished transfer (again, for a resent prepare).
    func notifyPayer(_ record: HubTransferRecord) {
        let payerId = record.request.payerFsp
        let path = "/transfers/\(record.request.transferId)"
        switch record.payerNotification {
        case let .forwarded(message)?:
            guard let payer = state.participant(payerId) else { return logMissingPayer(record) }
            forward(message, to: payer, purpose: "forward \(message.method) \(message.path.hasSuffix("/error") ? "/transfers error" : "/transfers")")
        case let .committedBySwitch(body)?:
            guard let payer = state.participant(payerId) else { return logMissingPayer(record) }
            send("PUT", path, to: payer, resource: .transfers, version: record.version,
                 body: HubJSON.transferBody(body), purpose: "committed by the switch")
        case let .error(error)?:
            sendError(error, about: path, to: payerId, resource: .transfers, version: record.version)
        case nil:
            logger.error("A finished transfer has no outcome for its payer", metadata: [HubLogKey.transferId: "\(record.request.transferId)"])
        }
    }

    private func logMissingPayer(_ record: HubTransferRecord) {
        logger.warning("Cannot tell the payer: it is not a participant", metadata: [
            HubLogKey.transferId: "\(record.request.transferId)", HubLogKey.destination: "\(record.request.payerFsp)",
        ])
    }

    /// SHA-256 of the body in canonical JSON (sorted members, no whitespace): a resend that differs
    /// only in member order or spacing is the same request.
    static func fingerprint(_ body: [UInt8]) throws(FSPIOPError) -> [UInt8] {
        do {
            return Digest.sha256(CanonicalJSON.bytes(try JSONParser.parse(body)))
        } catch {
            throw FSPIOPError(.malformedSyntax, "body: is not valid JSON (\(error.reason))")
        }
    }

    /// The `{ID}` of `/transfers/{ID}[/error]`.
    static func transferId(_ path: String) -> String {
        let parts = segments(path)
        return parts.count > 1 ? parts[1] : ""
    }
}
