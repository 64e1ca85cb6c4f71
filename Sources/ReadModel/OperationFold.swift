import FSPIOP
import PMCore
import PaymentDomain
import Processing

/// What is not a transfer but a DFSP's people still look for: party lookups, requests to pay both ways,
/// bulk quotes and bulk transfers, and the quotes and transfers the core relays through the connector.
public enum OperationKind: String, Sendable, Hashable, CaseIterable {
    /// A lookup of a party by its identifier (`GET /parties`), shared by the transfers waiting for it.
    case partyLookup = "PARTY_LOOKUP"
    /// A request to pay this DFSP sent for its customer (`POST /transactionRequests` to the payer's DFSP).
    case requestToPay = "REQUEST_TO_PAY"
    /// A request to pay another DFSP sent to this one, answered by the core.
    case transactionRequest = "TRANSACTION_REQUEST"
    /// A bulk quote another DFSP asked this one for.
    case bulkQuote = "BULK_QUOTE"
    /// A bulk transfer another DFSP sent to this one.
    case bulkTransfer = "BULK_TRANSFER"
    /// A quote, transfer, bulk quote or bulk transfer the core wrote and the connector relayed to the hub.
    case relayed = "RELAYED"

    /// The aggregate kind whose events make rows of this kind.
    public var aggregateKind: AggregateKind {
        switch self {
        case .partyLookup: return .party
        case .requestToPay: return .requestToPay
        case .transactionRequest: return .transactionRequest
        case .bulkQuote: return .bulkQuote
        case .bulkTransfer: return .bulkTransfer
        case .relayed: return .relayed
        }
    }

    public init?(aggregateKind: AggregateKind) {
        guard let kind = Self.allCases.first(where: { $0.aggregateKind == aggregateKind }) else { return nil }
        self = kind
    }

    /// Which way it goes, seen from this DFSP: asked by it, or asked of it.
    public var direction: TransferDirection {
        switch self {
        case .partyLookup, .requestToPay, .relayed: return .outbound
        case .transactionRequest, .bulkQuote, .bulkTransfer: return .inbound
        }
    }
}

/// One operation of the operations read model. Made only by ``OperationFold`` from its aggregate's events.
public struct OperationRow: Sendable, Hashable {
    public var kind: OperationKind
    /// The aggregate's id: the party key, the transaction request id, the bulk id, or `resource/id` when relayed.
    public var id: String
    public var state: String
    public var status: TransferStatus = .pending
    /// The DFSP on the other side: the party's, the payer's, the sender's or the destination.
    public var counterparty: String?
    /// The party looked up, or asked to pay, or paying (by its identifier).
    public var party = PartyColumns()
    public var amount: String?
    public var currency: String?
    /// How many individual quotes or transfers a bulk holds; how many transfers a lookup served.
    public var items: Int64?
    /// The core's own id (`homeR2PTransactionId`), or what was relayed (`quotes`, `transfers`, ...).
    public var reference: String?
    public var startedAt: Int64
    public var completedAt: Int64?
    public var errorCode: String?
    public var errorDescription: String?
    public var lastSequence: Int64

    public init(kind: OperationKind, id: String, state: String, startedAt: Int64, lastSequence: Int64 = 0) {
        self.kind = kind
        self.id = id
        self.state = state
        self.startedAt = startedAt
        self.lastSequence = lastSequence
    }

    public var direction: TransferDirection { kind.direction }
}

/// The operations read model's fold: an operation's row from its aggregate's events, one at a time. Pure; an
/// event at or below the row's ``OperationRow/lastSequence`` changes nothing.
public enum OperationFold {
    /// The row after `event`, or nil when the event is a transfer's (the transfers read model's).
    public static func apply(_ event: DomainEvent, sequence: Int64, occurredAt: Timestamp, to current: OperationRow?) -> OperationRow? {
        guard let kind = OperationKind(aggregateKind: event.ref.kind) else { return nil }
        if let current, sequence <= current.lastSequence { return current }
        let at = occurredAt.millisecondsSinceEpoch
        var row = current ?? OperationRow(kind: kind, id: event.ref.id, state: "NEW", startedAt: at)
        switch event {
        case let .party(_, lookup): fold(lookup, at: at, into: &row)
        case let .requestToPay(_, request): fold(request, at: at, into: &row)
        case let .transactionRequest(_, exchange):
            fold(exchange, at: at, into: &row) { request, source, row in
                row.party = PartyColumns(idType: request.payer.partyIdType, idValue: request.payer.partyIdentifier,
                                         idSubValue: request.payer.partySubIdOrType, dfsp: request.payer.fspId ?? row.party.dfsp)
                row.amount = request.amount.amount
                row.currency = request.amount.currency
            } answered: { answer in answer.transactionRequestState }
        case let .bulkQuote(_, exchange):
            fold(exchange, at: at, into: &row) { request, _, row in
                row.party = TransferFold.columns(request.payer)
                row.items = Int64(request.individualQuotes.count)
            } answered: { _ in "ANSWERED" }
        case let .bulkTransfer(_, exchange):
            fold(exchange, at: at, into: &row) { request, _, row in
                row.items = Int64(request.individualTransfers.count)
            } answered: { answer in answer.bulkTransferState }
        case let .relayed(_, relayed): fold(relayed, at: at, into: &row)
        case .outbound, .inbound: return nil
        }
        row.lastSequence = sequence
        return row
    }

    static func fold(_ event: PartyLookupEvent, at: Int64, into row: inout OperationRow) {
        switch event {
        case let .started(party, _):
            // A key is looked up again once its last lookup ended: the row shows the latest.
            row.startedAt = at
            row.completedAt = nil
            row.errorCode = nil
            row.errorDescription = nil
            row.status = .pending
            row.party = PartyColumns(idType: party.partyIdType, idValue: party.partyIdentifier, idSubValue: party.partySubIdOrType)
            row.items = 1
            row.state = "LOOKUP_SENT"
        case .joined:
            row.items = (row.items ?? 0) + 1
        case let .resolved(party, _):
            row.party = TransferFold.columns(party)
            row.counterparty = party.partyIdInfo.fspId
            finish(&row, at: at, state: "RESOLVED", status: .success)
        case let .failed(error, _):
            finish(&row, at: at, state: "FAILED", status: .error, error: error)
        }
    }

    static func fold(_ event: RequestToPayEvent, at: Int64, into row: inout OperationRow) {
        switch event {
        case let .requested(request, _):
            row.startedAt = at
            row.party = TransferFold.columns(request.to)
            row.amount = request.amount
            row.currency = request.currency
            row.reference = request.homeR2PTransactionId
            row.state = "REQUESTED"
        case .partyLookupStarted:
            row.state = "PARTY_LOOKUP"
        case let .partyResolved(party):
            row.party = TransferFold.columns(party)
            row.counterparty = party.partyIdInfo.fspId ?? row.counterparty
            row.state = "WAITING_FOR_PARTY_ACCEPTANCE"
        case .partyAccepted:
            row.state = "PARTY_ACCEPTED"
        case let .transactionRequestSent(_, destination, _):
            row.counterparty = destination
            row.state = "REQUEST_SENT"
        case let .answered(answer, _), let .notified(answer):
            answeredState(answer.transactionRequestState, at: at, into: &row)
        case let .failed(error):
            let information = error.mojaloopError?.errorInformation
            row.completedAt = at
            row.status = .error
            row.state = "ERROR_OCCURRED"
            row.errorCode = information?.errorCode.rawValue ?? String(error.httpStatusCode)
            row.errorDescription = information?.errorDescription
        }
    }

    static func fold<Request: InboundExchangeRequest>(_ event: InboundExchangeEvent<Request>, at: Int64, into row: inout OperationRow,
                              received: (Request, String, inout OperationRow) -> Void, answered: (Request.Answer) -> String) {
        switch event {
        case let .received(request, source):
            row.startedAt = at
            row.counterparty = source
            received(request, source, &row)
            row.state = "RECEIVED"
        case let .answered(answer):
            answeredState(answered(answer), at: at, into: &row)
        case let .refused(error):
            finish(&row, at: at, state: "REFUSED", status: .error, error: error)
        case .answerRepeated:
            break
        }
    }

    static func fold(_ event: RelayedRequestEvent, at: Int64, into row: inout OperationRow) {
        switch event {
        case let .sent(resource, _, destination, _, _):
            row.startedAt = at
            row.counterparty = destination
            row.reference = resource.rawValue
            row.state = "SENT"
        case .answered:
            finish(&row, at: at, state: "ANSWERED", status: .success)
        case let .failed(error):
            finish(&row, at: at, state: "FAILED", status: .error, error: error)
        }
    }

    /// An answer's own state: rejected is an error, received or pending still waits, anything else succeeded.
    private static func answeredState(_ state: String, at: Int64, into row: inout OperationRow) {
        switch state {
        case "REJECTED", "ABORTED": finish(&row, at: at, state: state, status: .error)
        case "RECEIVED", "PENDING", "PROCESSING":
            row.state = state
        default: finish(&row, at: at, state: state, status: .success)
        }
    }

    private static func finish(_ row: inout OperationRow, at: Int64, state: String, status: TransferStatus, error: ErrorInformationObject? = nil) {
        row.state = state
        row.status = status
        row.completedAt = at
        row.errorCode = error?.errorInformation.errorCode.rawValue
        row.errorDescription = error?.errorInformation.errorDescription
    }
}
