import FSPIOP

/// The payer side of one P2P transfer (the SDK's `OutboundTransfersModel`): find the payee, agree a
/// quote, send the prepare, learn the outcome. It also pays a request to pay (the SDK's
/// `OutboundRequestToPayTransferModel`): no lookup (the party that asked is known), a quote that names the
/// transaction request, and optionally the customer's OTP (`GET /authorizations`) before the prepare. A pure state machine: ``OutboundTransfer/decide(_:_:)``
/// turns a fact into events, ``OutboundTransfer/evolve(_:)`` folds an event into the state; no I/O, no
/// clock, no random ids inside (they come in ``DecisionContext``).
public struct OutboundTransfer: Sendable, Hashable {
    /// Where the transfer is. Waiting phases have a deadline (``deadline``): timers are data.
    public enum Phase: String, Sendable, Hashable, Codable, CaseIterable {
        /// Nothing has happened yet.
        case new
        /// `GET /parties` sent; waiting for `PUT /parties`.
        case lookingUpParty
        /// The payee is known; waiting for the core to accept it (`PUT /transfers/{id}` `acceptParty`).
        case waitingForPartyAcceptance
        /// `POST /quotes` sent; waiting for `PUT /quotes/{id}`.
        case requestingQuote
        /// The quote arrived; waiting for the core to accept it (`acceptQuote`).
        case waitingForQuoteAcceptance
        /// A request to pay's quote was accepted: `GET /authorizations/{ID}` sent to the DFSP that asked to
        /// be paid; waiting for `PUT /authorizations/{ID}` with the OTP its customer entered.
        case requestingAuthorization
        /// The OTP arrived; waiting for the core to accept it (`PUT /requestToPayTransfer/{ID}` `acceptOTP`).
        case waitingForAuthorizationAcceptance
        /// `POST /transfers` sent; waiting for `PUT /transfers/{id}`.
        case transferring
        /// The payee fulfilled (`COMMITTED`, or `RESERVED`).
        case completed
        /// The core or the payee said no.
        case aborted
        /// An error: an FSPIOP error callback, a timeout, a failed check.
        case errored

        public var isTerminal: Bool { self == .completed || self == .aborted || self == .errored }

        /// The `currentState` the SDK's outbound API reports for this phase, or nil while the transfer
        /// is working (the SDK answers only at a pause or at the end).
        public var sdkState: String? {
            switch self {
            case .waitingForPartyAcceptance: return "WAITING_FOR_PARTY_ACCEPTANCE"
            case .waitingForQuoteAcceptance: return "WAITING_FOR_QUOTE_ACCEPTANCE"
            case .waitingForAuthorizationAcceptance: return "WAITING_FOR_AUTH_ACCEPTANCE"
            case .completed: return "COMPLETED"
            case .aborted: return "ABORTED"
            case .errored: return "ERROR_OCCURRED"
            case .new, .lookingUpParty, .requestingQuote, .requestingAuthorization, .transferring: return nil
            }
        }
    }

    public var transferId: String
    public var phase: Phase = .new
    /// How many events have been folded in (the next event's sequence is `version + 1`).
    public var version: Int64 = 0
    @Indirect public var request: OutboundTransferRequest?
    /// The request to pay this transfer pays (`POST /requestToPayTransfer`), or nil for a transfer the core
    /// started (`POST /transfers`).
    @Indirect public var paymentRequest: RequestToPayTransferRequest?
    public var autoAcceptParty = false
    public var autoAcceptQuote = false
    /// The payee as the lookup answered (`PUT /parties`).
    @Indirect public var party: Party?
    public var quoteId: String?
    @Indirect public var quoteRequest: QuotesPostRequest?
    @Indirect public var quoteResponse: QuotesIDPutResponse?
    /// The FSP that answered the quote (its `FSPIOP-Source`).
    public var quoteResponseSource: String?
    /// What the DFSP that asked to be paid answered to `GET /authorizations` (the OTP its customer entered).
    @Indirect public var authorizationResponse: AuthorizationsIDPutResponse?
    @Indirect public var prepare: TransfersPostRequest?
    @Indirect public var fulfil: TransfersIDPutResponse?
    /// The last error, as the SDK reports it in `lastError`.
    @Indirect public var lastError: TransferError?
    /// Why it was aborted.
    public var abortReason: String?
    /// The request to pay it was to pay was rejected (`PUT /transactionRequests/{ID}` `REJECTED` sent).
    public var rejectedPaymentRequest = false
    /// When the current wait ends; a ``OutboundTransferFact/deadlinePassed(_:)`` fact at or after it fails the transfer.
    public var deadline: Timestamp?
    /// How many `GET /transfers/{id}` were sent after the fulfil was late.
    public var statusQueryCount = 0

    public init(transferId: String) { self.transferId = transferId }

    /// The DFSP the quote is asked of (`FSPIOP-Destination` of `POST /quotes`): the resolved payee's, else the
    /// one the core named.
    public var quoteDestination: String? { party?.partyIdInfo.fspId ?? request?.to.fspId }
}

/// An error the outbound API reports in `lastError`: the HTTP status it answers with and the FSPIOP
/// error that came back (or that Payment Manager raised).
public struct TransferError: Codable, Sendable, Hashable {
    public var httpStatusCode: Int
    public var mojaloopError: ErrorInformationObject?

    public init(httpStatusCode: Int, mojaloopError: ErrorInformationObject?) {
        self.httpStatusCode = httpStatusCode
        self.mojaloopError = mojaloopError
    }

    public init(_ error: FSPIOPError, httpStatusCode: Int? = nil) {
        self.init(httpStatusCode: httpStatusCode ?? error.httpStatus, mojaloopError: error.errorInformation)
    }
}

/// What the outbound transfer's decisions need from outside: the time, new ids, and configuration.
public struct DecisionContext: Sendable {
    public var now: Timestamp
    public var newID: @Sendable () -> String
    public var configuration: OutboundConfiguration

    public init(now: Timestamp, newID: @escaping @Sendable () -> String, configuration: OutboundConfiguration) {
        self.now = now
        self.newID = newID
        self.configuration = configuration
    }
}

/// The payer-side settings, with the SDK's names and defaults.
public struct OutboundConfiguration: Sendable, Hashable {
    /// `DFSP_ID`: this DFSP's FSP id.
    public var dfspId: String
    /// `AUTO_ACCEPT_PARTY` (default true).
    public var autoAcceptParty: Bool
    /// `AUTO_ACCEPT_QUOTES` (default true).
    public var autoAcceptQuotes: Bool
    /// `EXPIRY_SECONDS` (default 20, as the SDK): quote and prepare expiration when the request names none.
    public var expirySeconds: Int
    /// `REQUEST_PROCESSING_TIMEOUT_SECONDS` (default 30): how long each wait for the hub lasts.
    public var requestTimeoutSeconds: Int
    /// `CHECK_ILP` (default true): the fulfilment must hash to the quote's condition.
    public var checkILP: Bool
    /// `REJECT_EXPIRED_QUOTE_RESPONSES` (default false).
    public var rejectExpiredQuoteResponses: Bool
    /// `AUTO_ACCEPT_R2P_PARTY` (default false): a request to pay goes on after the party lookup without
    /// waiting for the core's `acceptParty`.
    public var autoAcceptR2PParty: Bool
    /// `AUTO_ACCEPT_R2P_BUSINESS_QUOTES` (default false): paying a request to pay whose initiator is a
    /// business goes on after the quote without the core's `acceptQuote`.
    public var autoAcceptR2PBusinessQuotes: Bool
    /// `AUTO_ACCEPT_R2P_DEVICE_OTP` (default false): paying a request to pay goes on once the customer's OTP
    /// arrives (`ENTERED`), without the core's `acceptOTP`.
    public var autoAcceptR2PDeviceOTP: Bool

    public init(dfspId: String, autoAcceptParty: Bool = true, autoAcceptQuotes: Bool = true, expirySeconds: Int = 20,
                requestTimeoutSeconds: Int = 30, checkILP: Bool = true, rejectExpiredQuoteResponses: Bool = false,
                autoAcceptR2PParty: Bool = false, autoAcceptR2PBusinessQuotes: Bool = false, autoAcceptR2PDeviceOTP: Bool = false) {
        self.autoAcceptR2PParty = autoAcceptR2PParty
        self.autoAcceptR2PBusinessQuotes = autoAcceptR2PBusinessQuotes
        self.autoAcceptR2PDeviceOTP = autoAcceptR2PDeviceOTP
        self.dfspId = dfspId
        self.autoAcceptParty = autoAcceptParty
        self.autoAcceptQuotes = autoAcceptQuotes
        self.expirySeconds = expirySeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.checkILP = checkILP
        self.rejectExpiredQuoteResponses = rejectExpiredQuoteResponses
    }
}
