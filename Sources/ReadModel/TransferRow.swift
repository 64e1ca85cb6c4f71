import PMCore

/// Which way a transfer's money goes, seen from this DFSP (PM4ML's `direction`).
public enum TransferDirection: String, Sendable, Hashable, CaseIterable {
    /// This DFSP's customer pays: the outbound transfer aggregate.
    case outbound = "OUTBOUND"
    /// This DFSP's customer is paid: the inbound transfer aggregate.
    case inbound = "INBOUND"
}

/// The three statuses PM4ML's portal groups transfers by.
public enum TransferStatus: String, Sendable, Hashable, CaseIterable {
    case pending = "PENDING"
    case success = "SUCCESS"
    case error = "ERROR"

    public var isFinal: Bool { self != .pending }
}

/// One party as the transfer list shows it.
public struct PartyColumns: Sendable, Hashable {
    public var idType: String?
    public var idValue: String?
    public var idSubValue: String?
    public var name: String?
    /// The party's DFSP (its FSP id).
    public var dfsp: String?

    public init(idType: String? = nil, idValue: String? = nil, idSubValue: String? = nil, name: String? = nil, dfsp: String? = nil) {
        self.idType = idType
        self.idValue = idValue
        self.idSubValue = idSubValue
        self.name = name
        self.dfsp = dfsp
    }
}

/// One transfer of the transfers read model, in either direction: what the portal lists, filters and
/// details. Made only by ``TransferFold`` from the transfer's events.
///
/// The row's identity is its direction and aggregate id: the transfer id for an outbound transfer, the
/// quote's transaction id for an inbound one (whose transfer id is known only from its prepare).
public struct TransferRow: Sendable, Hashable {
    public var direction: TransferDirection
    public var aggregateId: String
    public var transferId: String?
    /// The core's own id: `homeTransactionId` of the outbound request, or the one the core answered an
    /// inbound transfer with.
    public var homeTransactionId: String?
    public var quoteId: String?
    public var transactionId: String?
    public var transactionRequestId: String?
    public var payer = PartyColumns()
    public var payee = PartyColumns()
    public var amountType: String?
    public var amount: String?
    public var currency: String?
    /// The quote's terms.
    public var transferAmount: String?
    public var payeeReceiveAmount: String?
    public var payeeFspFee: String?
    public var payeeFspCommission: String?
    /// The transaction scenario (`TRANSFER`, `PAYMENT`, ...).
    public var scenario: String?
    public var note: String?
    /// The aggregate's own state, finer than ``status``: `PARTY_LOOKUP`, `QUOTE_RECEIVED`, `COMMITTED`, ...
    public var state: String
    public var status: TransferStatus
    /// When each stage happened (milliseconds since the Unix epoch, from the events' `occurredAt`).
    public var initiatedAt: Int64
    public var partyResolvedAt: Int64?
    public var quotedAt: Int64?
    public var preparedAt: Int64?
    public var completedAt: Int64?
    public var errorCode: String?
    public var errorDescription: String?
    /// The sequence of the last event folded in: an event at or below it is not folded again.
    public var lastSequence: Int64

    public init(direction: TransferDirection, aggregateId: String, state: String, initiatedAt: Int64, lastSequence: Int64 = 0) {
        self.direction = direction
        self.aggregateId = aggregateId
        self.state = state
        status = .pending
        self.initiatedAt = initiatedAt
        self.lastSequence = lastSequence
    }

    /// The id PM4ML's API shows: the transfer id once known, else the aggregate's.
    public var displayId: String { transferId ?? aggregateId }

    /// From initiation to completion, once complete.
    public var durationMilliseconds: Int64? { completedAt.map { max(0, $0 - initiatedAt) } }

    /// The counterparty's DFSP (PM4ML's `institution`).
    public var institution: String? { direction == .outbound ? payee.dfsp : payer.dfsp }
}
