import FSPIOP

/// What can happen to an outbound transfer: a request or decision from the core, a callback from the
/// hub, a timer. The processor turns each received message into one of these.
public enum OutboundTransferFact: Sendable, Hashable {
    /// `POST /transfers` from the core; the auto-accept flags override the configuration when set.
    case requested(OutboundTransferRequest, autoAcceptParty: Bool?, autoAcceptQuote: Bool?)
    /// `POST /requestToPayTransfer` from the core: pay a request to pay.
    case paymentRequested(RequestToPayTransferRequest)
    /// `PUT /parties/{Type}/{ID}[/{SubId}]` for the payee.
    case partyResolved(Party)
    /// `PUT /parties/.../error`.
    case partyLookupFailed(ErrorInformationObject)
    /// `PUT /transfers/{id}` from the core with `acceptParty`.
    case partyDecision(accepted: Bool)
    /// `PUT /quotes/{id}`, with the FSP that sent it.
    case quoteReceived(QuotesIDPutResponse, source: String)
    /// `PUT /quotes/{id}/error`.
    case quoteFailed(ErrorInformationObject)
    /// `PUT /transfers/{id}` from the core with `acceptQuote`.
    case quoteDecision(accepted: Bool)
    /// `PUT /authorizations/{ID}`: the OTP the customer entered at the DFSP that asked to be paid.
    case authorizationReceived(AuthorizationsIDPutResponse)
    /// `PUT /authorizations/{ID}/error`.
    case authorizationFailed(ErrorInformationObject)
    /// `PUT /requestToPayTransfer/{ID}` from the core with `acceptOTP`.
    case authorizationDecision(accepted: Bool)
    /// `PUT /transfers/{id}` from the hub: the fulfil (or the answer to `GET /transfers/{id}`).
    case fulfilReceived(TransfersIDPutResponse)
    /// `PUT /transfers/{id}/error`.
    case transferFailed(ErrorInformationObject)
    /// A request to the hub could not be delivered (after its retries).
    case hubRequestFailed(FSPIOPError)
    /// The clock reached this time (a timer); fails or re-drives a wait whose deadline passed.
    case deadlinePassed(Timestamp)
}

/// What happened to an outbound transfer: the events of its history on `pm.transfers`.
///
/// Events marked "effect" make the processor send a request to the hub.
public enum OutboundTransferEvent: Sendable, Hashable {
    case requested(OutboundTransferRequest, autoAcceptParty: Bool, autoAcceptQuote: Bool)
    /// A request to pay is to be paid (its party is known: no lookup).
    case paymentRequested(RequestToPayTransferRequest, autoAcceptQuote: Bool)
    /// Effect: `GET /parties/{Type}/{ID}[/{SubId}]`.
    case partyLookupStarted(PartyIdInfo, deadline: Timestamp)
    case partyResolved(Party)
    case partyAccepted
    /// Effect: `POST /quotes`.
    case quoteRequested(QuotesPostRequest, deadline: Timestamp)
    case quoteReceived(QuotesIDPutResponse, source: String)
    case quoteAccepted
    /// Effect: `GET /authorizations/{transactionRequestId}?{query}` to the DFSP that asked to be paid.
    case authorizationRequested(AuthorizationsIDGetQuery, deadline: Timestamp)
    case authorizationReceived(AuthorizationsIDPutResponse)
    case authorizationAccepted
    /// Effect: `PUT /transactionRequests/{ID}` `REJECTED` to the DFSP that asked to be paid; the transfer is aborted.
    case paymentRequestRejected(reason: String)
    /// Effect: `POST /transfers`.
    case prepareSent(TransfersPostRequest, deadline: Timestamp)
    /// Effect: `GET /transfers/{id}`: the fulfil did not come in time, so ask the hub for the outcome.
    case statusRequested(attempt: Int, deadline: Timestamp)
    case fulfilled(TransfersIDPutResponse)
    case aborted(reason: String)
    case failed(TransferError)

    /// The explicit wire name of the event type (`schemas/events/<name>.v1.schema.json`).
    public var wireName: String {
        switch self {
        case .requested: return "transfer.outbound.requested"
        case .paymentRequested: return "transfer.outbound.r2p-requested"
        case .authorizationRequested: return "transfer.outbound.authorization-requested"
        case .authorizationReceived: return "transfer.outbound.authorization-received"
        case .authorizationAccepted: return "transfer.outbound.authorization-accepted"
        case .paymentRequestRejected: return "transfer.outbound.r2p-rejected"
        case .partyLookupStarted: return "transfer.outbound.party-lookup-started"
        case .partyResolved: return "transfer.outbound.party-resolved"
        case .partyAccepted: return "transfer.outbound.party-accepted"
        case .quoteRequested: return "transfer.outbound.quote-requested"
        case .quoteReceived: return "transfer.outbound.quote-received"
        case .quoteAccepted: return "transfer.outbound.quote-accepted"
        case .prepareSent: return "transfer.outbound.prepare-sent"
        case .statusRequested: return "transfer.outbound.status-requested"
        case .fulfilled: return "transfer.outbound.fulfilled"
        case .aborted: return "transfer.outbound.aborted"
        case .failed: return "transfer.outbound.failed"
        }
    }

    /// Every wire name, for the schema registry.
    public static let wireNames = [
        "transfer.outbound.requested", "transfer.outbound.party-lookup-started", "transfer.outbound.party-resolved",
        "transfer.outbound.party-accepted", "transfer.outbound.quote-requested", "transfer.outbound.quote-received",
        "transfer.outbound.quote-accepted", "transfer.outbound.prepare-sent", "transfer.outbound.status-requested",
        "transfer.outbound.fulfilled", "transfer.outbound.aborted", "transfer.outbound.failed", "transfer.outbound.r2p-requested",
        "transfer.outbound.authorization-requested", "transfer.outbound.authorization-received", "transfer.outbound.authorization-accepted",
        "transfer.outbound.r2p-rejected",
    ]
}

/// Why a fact was refused: it does not fit the transfer's state. The edge maps these to FSPIOP codes.
public enum OutboundTransferRejection: Error, Sendable, Hashable {
    /// A second `POST /transfers` with the same transfer id.
    case duplicateRequest
    /// A fact for a transfer that was never requested.
    case unknownTransfer
    /// A decision from the core while the transfer is not waiting for one.
    case notWaitingForDecision(OutboundTransfer.Phase)
    /// The request cannot be carried out (the reason says why).
    case invalidRequest(String)

    /// The FSPIOP error that describes the rejection at the edge.
    public var fspiopError: FSPIOPError {
        switch self {
        case .duplicateRequest: return FSPIOPError(.validationError, "a transfer with this id was already requested")
        case .unknownTransfer: return FSPIOPError(.transferIdNotFound)
        case let .notWaitingForDecision(phase): return FSPIOPError(.clientError, "the transfer is not waiting for a decision (it is \(phase.rawValue))")
        case let .invalidRequest(reason): return FSPIOPError(.validationError, reason)
        }
    }
}
