import FSPIOP

/// The payee side of one transfer (the SDK's `InboundTransfersModel`): answer the quote with an ILP
/// packet and condition, accept the prepare if it matches, release the fulfilment, learn the outcome.
/// A pure state machine, keyed by the transaction id (the quote's `transactionId`, which the payer
/// uses as the transfer id).
///
/// The fulfilment is made from the ILP secret and the packet when the prepare arrives, and recorded in
/// `transfer.inbound.fulfil-sent` so that a restart sends the same fulfil again; the ILP secret is never recorded.
public struct InboundTransfer: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable, Codable, CaseIterable {
        case new
        /// `POST /quotes` received; the core is asked for its quote.
        case quoteRequested
        /// `PUT /quotes/{id}` sent with the packet and condition.
        case quoted
        /// `POST /transfers` accepted; the core is asked to credit.
        case prepared
        /// `PUT /transfers/{id}` sent with the fulfilment and `RESERVED`: waiting for the hub's PATCH.
        case reserved
        /// The transfer is final and committed (`COMMITTED` fulfil, or a `COMMITTED` PATCH).
        case committed
        /// The quote or the transfer was refused (or came too late), or the hub aborted it.
        case aborted

        public var isTerminal: Bool { self == .committed || self == .aborted }

        /// The SDK's inbound state name (`SDKStateEnum`).
        public var sdkState: String {
            switch self {
            case .new, .quoteRequested: return "QUOTE_REQUEST_RECEIVED"
            case .quoted: return "WAITING_FOR_QUOTE_ACCEPTANCE"
            case .prepared: return "PREPARE_RECEIVED"
            case .reserved: return "RESERVED"
            case .committed: return "COMPLETED"
            case .aborted: return "ABORTED"
            }
        }
    }

    public var transactionId: String
    public var phase: Phase = .new
    public var version: Int64 = 0
    /// The payer FSP (the quote's `FSPIOP-Source`).
    public var payerFsp: String?
    @Indirect public var quoteRequest: QuotesPostRequest?
    @Indirect public var quoteResponse: QuotesIDPutResponse?
    @Indirect public var prepare: TransfersPostRequest?
    @Indirect public var fulfil: TransfersIDPutResponse?
    public var homeTransactionId: String?
    @Indirect public var error: ErrorInformationObject?
    /// When a RESERVED transfer asks the hub for its outcome if no PATCH came (timers are data).
    public var deadline: Timestamp?
    /// How many times the hub was asked (`GET /transfers/{id}`).
    public var statusQueryCount = 0

    public init(transactionId: String) { self.transactionId = transactionId }

    /// The transaction as `PUT /transactions/{ID}` reports it (API Definition v1.1 §6.8): `RECEIVED` while the
    /// core quotes, `PENDING` once quoted and until the transfer is final, then `COMPLETED` (with the time the
    /// fulfil gave) or `REJECTED`.
    public var transactionState: TransactionsIDPutResponse {
        switch phase {
        case .new, .quoteRequested: return TransactionsIDPutResponse(transactionState: TransactionState.received.rawValue)
        case .quoted, .prepared, .reserved: return TransactionsIDPutResponse(transactionState: TransactionState.pending.rawValue)
        case .committed:
            return TransactionsIDPutResponse(completedTimestamp: fulfil?.completedTimestamp, transactionState: TransactionState.completed.rawValue)
        case .aborted: return TransactionsIDPutResponse(transactionState: TransactionState.rejected.rawValue)
        }
    }
}

/// The payee-side settings, with the SDK's names and defaults.
public struct InboundConfiguration: Sendable, Hashable {
    public var dfspId: String
    /// `ILP_SECRET`.
    public var ilpSecret: String
    /// `ILP_VERSION` (1 for FSPIOP 1.x, 4 for 2.0).
    public var ilpVersion: ILPVersion
    /// `EXPIRY_SECONDS`: the quote's expiration when the core names none.
    public var expirySeconds: Int
    /// `RESERVE_NOTIFICATION`: fulfil with `RESERVED` and wait for the hub's PATCH.
    public var reserveNotification: Bool
    /// `CHECK_ILP`: the prepare's condition must be the quote's.
    public var checkILP: Bool
    /// `REJECT_TRANSFERS_ON_EXPIRED_QUOTES`.
    public var rejectTransfersOnExpiredQuotes: Bool
    /// `PATCH_NOTIFICATION_GRACE_TIME_MS` (default 15000): after a RESERVED fulfil, how long past the
    /// prepare's expiration to wait for the PATCH before asking the hub (`GET /transfers/{id}`), and the
    /// first interval between such questions (doubling, up to five minutes).
    public var patchGraceMilliseconds: Int64

    public init(dfspId: String, ilpSecret: String, ilpVersion: ILPVersion = .v1, expirySeconds: Int = 20,
                reserveNotification: Bool = false, checkILP: Bool = true, rejectTransfersOnExpiredQuotes: Bool = false,
                patchGraceMilliseconds: Int64 = 15_000) {
        self.dfspId = dfspId
        self.ilpSecret = ilpSecret
        self.ilpVersion = ilpVersion
        self.expirySeconds = expirySeconds
        self.reserveNotification = reserveNotification
        self.checkILP = checkILP
        self.rejectTransfersOnExpiredQuotes = rejectTransfersOnExpiredQuotes
        self.patchGraceMilliseconds = patchGraceMilliseconds
    }
}

/// What can happen to an inbound transfer.
public enum InboundTransferFact: Sendable, Hashable {
    /// `POST /quotes` from the payer FSP.
    case quoteRequested(QuotesPostRequest, source: String)
    /// The core's quote (`POST /quoterequests` answered).
    case quoteAnswered(BackendQuoteResponse)
    /// The core refused to quote, or could not be reached (the error to send back).
    case quoteRefused(FSPIOPError)
    /// `POST /transfers` from the payer FSP.
    case prepareReceived(TransfersPostRequest, source: String)
    /// The core credited (`POST /transfers` answered).
    case transferAnswered(BackendTransferResponse)
    /// The core refused the transfer, or could not be reached.
    case transferRefused(FSPIOPError)
    /// `PATCH /transfers/{id}` from the hub: the final state of a RESERVED transfer.
    case notified(TransfersIDPatchResponse)
    /// `PUT /transfers/{id}` from the hub answering this payee's `GET /transfers/{id}`.
    case statusReceived(TransfersIDPutResponse)
    /// The clock reached this time.
    case deadlinePassed(Timestamp)
}

/// What happened to an inbound transfer. Events marked "effect" make the processor call the core or the hub.
public enum InboundTransferEvent: Sendable, Hashable {
    /// Effect: backend `POST /quoterequests`.
    case quoteRequestReceived(QuotesPostRequest, source: String)
    /// Effect: `PUT /quotes/{id}` to the payer FSP.
    case quoteSent(QuotesIDPutResponse)
    /// Effect: `PUT /quotes/{id}/error`.
    case quoteRejected(ErrorInformationObject)
    /// Effect: backend `POST /transfers`.
    case prepareAccepted(TransfersPostRequest)
    /// Effect: `PUT /transfers/{id}/error` (a prepare that does not match its quote, or came too late).
    case prepareRejected(TransfersPostRequest, ErrorInformationObject)
    /// Effect: `PUT /transfers/{id}` with the fulfilment. A RESERVED fulfil sets the deadline for the PATCH.
    case fulfilSent(TransfersIDPutResponse, homeTransactionId: String?, deadline: Timestamp?)
    /// Effect: `GET /transfers/{id}` to the hub: the PATCH is late, so ask for the outcome.
    case statusRequested(attempt: Int, deadline: Timestamp)
    /// Effect: `PUT /transfers/{id}/error` (the core refused).
    case transferRejected(ErrorInformationObject)
    /// Effect: backend `PUT /transfers/{id}` with the final state.
    case outcomeNotified(TransfersIDPatchResponse)

    public var wireName: String {
        switch self {
        case .quoteRequestReceived: return "transfer.inbound.quote-request-received"
        case .quoteSent: return "transfer.inbound.quote-sent"
        case .quoteRejected: return "transfer.inbound.quote-rejected"
        case .prepareAccepted: return "transfer.inbound.prepare-accepted"
        case .prepareRejected: return "transfer.inbound.prepare-rejected"
        case .fulfilSent: return "transfer.inbound.fulfil-sent"
        case .transferRejected: return "transfer.inbound.transfer-rejected"
        case .outcomeNotified: return "transfer.inbound.outcome-notified"
        case .statusRequested: return "transfer.inbound.status-requested"
        }
    }
}

/// Why an inbound fact was refused at the edge (answered synchronously, not as an event).
public enum InboundTransferRejection: Error, Sendable, Hashable {
    /// A second `POST /quotes` with another body for the same transaction (a resend of the same body is
    /// answered again, as the specification's duplicate handling asks).
    case conflictingQuoteRequest
    /// A prepare for a transaction that was never quoted here.
    case unknownTransaction

    public var fspiopError: FSPIOPError {
        switch self {
        case .conflictingQuoteRequest: return FSPIOPError(.modifiedRequest, "a different quote request with this transaction id was received before")
        case .unknownTransaction: return FSPIOPError(.txnIdNotFound, "no quote for this transfer")
        }
    }
}
