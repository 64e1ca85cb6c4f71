import FSPIOP
import PMCore
import PaymentDomain
import Processing

/// The transfers read model's fold: a transfer's row from its events, one event at a time.
///
/// Pure: the same events give the same row. Only the events of transfer aggregates change a row; an event
/// at or below the row's ``TransferRow/lastSequence`` changes nothing, so a record delivered again is
/// harmless.
public enum TransferFold {
    /// The row after `event`, or nil when the event is not about a transfer (a party lookup, a relayed
    /// request, ...). `occurredAt` is the event's time; `sequence` its place in its aggregate's history.
    public static func apply(_ event: DomainEvent, sequence: Int64, occurredAt: Timestamp, to current: TransferRow?) -> TransferRow? {
        let at = occurredAt.millisecondsSinceEpoch
        switch event {
        case let .outbound(transferId, outbound):
            if let current, sequence <= current.lastSequence { return current }
            var row = current ?? TransferRow(direction: .outbound, aggregateId: transferId, state: "NEW", initiatedAt: at)
            row.transferId = transferId
            fold(outbound, at: at, into: &row)
            row.lastSequence = sequence
            return row
        case let .inbound(transactionId, inbound):
            if let current, sequence <= current.lastSequence { return current }
            var row = current ?? TransferRow(direction: .inbound, aggregateId: transactionId, state: "NEW", initiatedAt: at)
            row.transactionId = transactionId
            fold(inbound, at: at, into: &row)
            row.lastSequence = sequence
            return row
        default:
            return nil
        }
    }

    static func fold(_ event: OutboundTransferEvent, at: Int64, into row: inout TransferRow) {
        switch event {
        case let .requested(request, _, _):
            row.initiatedAt = at
            row.homeTransactionId = request.homeTransactionId
            row.payer = columns(request.from)
            row.payee = columns(request.to)
            row.amountType = request.amountType
            row.amount = request.amount
            row.currency = request.currency
            row.scenario = request.transactionType
            row.note = request.note
            row.state = "REQUESTED"
        case let .paymentRequested(request, _):
            row.initiatedAt = at
            row.homeTransactionId = request.homeR2PTransactionId
            row.transactionRequestId = request.transactionRequestId
            row.payer = columns(request.from)
            row.payee = columns(request.to)
            row.amountType = request.amountType
            row.amount = request.amount
            row.currency = request.currency
            row.scenario = request.scenario
            row.note = request.note
            row.state = "REQUESTED"
        case .partyLookupStarted:
            row.state = "PARTY_LOOKUP"
        case let .partyResolved(party):
            row.partyResolvedAt = at
            row.payee.idType = party.partyIdInfo.partyIdType
            row.payee.idValue = party.partyIdInfo.partyIdentifier
            row.payee.idSubValue = party.partyIdInfo.partySubIdOrType ?? row.payee.idSubValue
            row.payee.dfsp = party.partyIdInfo.fspId ?? row.payee.dfsp
            row.payee.name = name(of: party) ?? row.payee.name
            row.state = "WAITING_FOR_PARTY_ACCEPTANCE"
        case .partyAccepted:
            row.state = "PARTY_ACCEPTED"
        case let .quoteRequested(quote, _):
            row.quoteId = quote.quoteId
            row.transactionId = quote.transactionId
            row.transactionRequestId = quote.transactionRequestId ?? row.transactionRequestId
            row.payee.dfsp = row.payee.dfsp ?? quote.payee.partyIdInfo.fspId
            row.payer.dfsp = quote.payer.partyIdInfo.fspId ?? row.payer.dfsp
            row.state = "QUOTE_REQUESTED"
        case let .quoteReceived(quote, source):
            row.quotedAt = at
            terms(quote, into: &row)
            row.payee.dfsp = row.payee.dfsp ?? source
            row.state = "WAITING_FOR_QUOTE_ACCEPTANCE"
        case .quoteAccepted:
            row.state = "QUOTE_ACCEPTED"
        case .authorizationRequested:
            row.state = "AUTHORIZATION_REQUESTED"
        case .authorizationReceived:
            row.state = "WAITING_FOR_AUTH_ACCEPTANCE"
        case .authorizationAccepted:
            row.state = "AUTHORIZATION_ACCEPTED"
        case let .paymentRequestRejected(reason):
            finish(&row, at: at, state: "ABORTED", status: .error, code: nil, description: reason)
        case let .prepareSent(prepare, _):
            row.preparedAt = at
            row.payer.dfsp = prepare.payerFsp
            row.payee.dfsp = prepare.payeeFsp
            row.state = "PREPARE_SENT"
        case .statusRequested:
            row.state = "STATUS_REQUESTED"
        case let .fulfilled(fulfil):
            if fulfil.transferState == "COMMITTED" {
                finish(&row, at: at, state: "COMMITTED", status: .success, code: nil, description: nil)
            } else {
                finish(&row, at: at, state: fulfil.transferState, status: .error, code: nil, description: "the transfer ended \(fulfil.transferState)")
            }
        case let .aborted(reason):
            finish(&row, at: at, state: "ABORTED", status: .error, code: nil, description: reason)
        case let .failed(error):
            let information = error.mojaloopError?.errorInformation
            finish(&row, at: at, state: "ERROR_OCCURRED", status: .error, code: information?.errorCode.rawValue,
                   description: information?.errorDescription ?? "HTTP \(error.httpStatusCode)")
        }
    }

    static func fold(_ event: InboundTransferEvent, at: Int64, into row: inout TransferRow) {
        switch event {
        case let .quoteRequestReceived(quote, source):
            row.initiatedAt = at
            row.quoteId = quote.quoteId
            row.transactionRequestId = quote.transactionRequestId
            row.payer = columns(quote.payer)
            row.payer.dfsp = quote.payer.partyIdInfo.fspId ?? source
            row.payee = columns(quote.payee)
            row.amountType = quote.amountType
            row.amount = quote.amount.amount
            row.currency = quote.amount.currency
            row.scenario = quote.transactionType.scenario
            row.note = quote.note
            row.state = "QUOTE_REQUEST_RECEIVED"
        case let .quoteSent(quote):
            row.quotedAt = at
            terms(quote, into: &row)
            row.state = "QUOTE_SENT"
        case let .quoteRejected(error):
            finish(&row, at: at, state: "QUOTE_REJECTED", status: .error, error)
        case let .prepareAccepted(prepare):
            row.preparedAt = at
            row.transferId = prepare.transferId
            row.amount = row.amount ?? prepare.amount.amount
            row.currency = row.currency ?? prepare.amount.currency
            row.payer.dfsp = prepare.payerFsp
            row.payee.dfsp = prepare.payeeFsp
            row.state = "PREPARE_RECEIVED"
        case let .prepareRejected(prepare, error):
            row.transferId = row.transferId ?? prepare.transferId
            finish(&row, at: at, state: "PREPARE_REJECTED", status: .error, error)
        case let .fulfilSent(fulfil, homeTransactionId, _):
            row.homeTransactionId = homeTransactionId ?? row.homeTransactionId
            if fulfil.transferState == "COMMITTED" {
                finish(&row, at: at, state: "COMMITTED", status: .success, code: nil, description: nil)
            } else {
                row.state = fulfil.transferState
            }
        case .statusRequested:
            row.state = "STATUS_REQUESTED"
        case let .transferRejected(error):
            finish(&row, at: at, state: "ABORTED", status: .error, error)
        case let .outcomeNotified(outcome):
            if row.status.isFinal { return }
            if outcome.transferState == "COMMITTED" {
                finish(&row, at: at, state: "COMMITTED", status: .success, code: nil, description: nil)
            } else {
                finish(&row, at: at, state: outcome.transferState, status: .error, code: nil, description: "the hub ended the transfer \(outcome.transferState)")
            }
        }
    }

    private static func finish(_ row: inout TransferRow, at: Int64, state: String, status: TransferStatus, _ error: ErrorInformationObject) {
        finish(&row, at: at, state: state, status: status, code: error.errorInformation.errorCode.rawValue, description: error.errorInformation.errorDescription)
    }

    /// Ends the row: its state, status, completion time and error. A row already final keeps its first end.
    private static func finish(_ row: inout TransferRow, at: Int64, state: String, status: TransferStatus, code: String?, description: String?) {
        guard !row.status.isFinal else { return }
        row.state = state
        row.status = status
        row.completedAt = at
        row.errorCode = code
        row.errorDescription = description
    }

    private static func terms(_ quote: QuotesIDPutResponse, into row: inout TransferRow) {
        row.transferAmount = quote.transferAmount.amount
        row.payeeReceiveAmount = quote.payeeReceiveAmount?.amount
        row.payeeFspFee = quote.payeeFspFee?.amount
        row.payeeFspCommission = quote.payeeFspCommission?.amount
    }

    static func columns(_ party: TransferParty) -> PartyColumns {
        let parts = [party.firstName, party.middleName, party.lastName].compactMap { $0 }.filter { !$0.isEmpty }
        return PartyColumns(idType: party.idType, idValue: party.idValue, idSubValue: party.idSubValue,
                            name: party.displayName ?? (parts.isEmpty ? nil : parts.joined(separator: " ")), dfsp: party.fspId)
    }

    static func columns(_ party: Party) -> PartyColumns {
        PartyColumns(idType: party.partyIdInfo.partyIdType, idValue: party.partyIdInfo.partyIdentifier,
                     idSubValue: party.partyIdInfo.partySubIdOrType, name: name(of: party), dfsp: party.partyIdInfo.fspId)
    }

    static func name(of party: Party) -> String? {
        if let name = party.name, !name.isEmpty { return name }
        guard let complex = party.personalInfo?.complexName else { return nil }
        let parts = [complex.firstName, complex.middleName, complex.lastName].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}
