import FSPIOP

/// `POST /requestToPay` of the SDK's outbound API (`requestToPayRequest`): this DFSP's customer (`from`)
/// asks another DFSP's customer (`to`) to pay them.
public struct RequestToPayRequest: Codable, Sendable, Hashable {
    public var homeR2PTransactionId: String
    public var from: TransferParty
    public var to: TransferParty
    public var amountType: String
    public var currency: String
    public var amount: String
    public var transactionType: String
    public var subScenario: String?
    public var authenticationType: String?

    public init(homeR2PTransactionId: String, from: TransferParty, to: TransferParty, amountType: String, currency: String,
                amount: String, transactionType: String, subScenario: String? = nil, authenticationType: String? = nil) {
        self.homeR2PTransactionId = homeR2PTransactionId
        self.from = from
        self.to = to
        self.amountType = amountType
        self.currency = currency
        self.amount = amount
        self.transactionType = transactionType
        self.subScenario = subScenario
        self.authenticationType = authenticationType
    }
}

/// A request to pay sent by this DFSP for its customer (the SDK's `OutboundRequestToPayModel`): the
/// party asked to pay is looked up (sharing the lookup of transfers to the same party), optionally
/// accepted by the core, then `POST /transactionRequests` goes to that party's DFSP, whose
/// `PUT /transactionRequests/{ID}` ends it. Later `PUT`s (the payer's final decision) are passed to
/// the core as notifications.
public struct RequestToPay: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable {
        case new
        case lookingUpParty
        case waitingForPartyAcceptance
        case requestSent
        case completed
        case errored

        public var isTerminal: Bool { self == .completed || self == .errored }

        /// The outbound API's `requestToPayStatus`, or nil while a synchronous caller keeps waiting.
        public var sdkState: String? {
            switch self {
            case .waitingForPartyAcceptance: return "WAITING_FOR_PARTY_ACCEPTANCE"
            case .completed: return "COMPLETED"
            case .errored: return "ERROR_OCCURRED"
            case .new, .lookingUpParty, .requestSent: return nil
            }
        }
    }

    public var transactionRequestId: String
    @Indirect public var request: RequestToPayRequest?
    public var autoAcceptParty = false
    public var phase: Phase = .new
    @Indirect public var party: Party?
    @Indirect public var transactionRequest: TransactionRequestsPostRequest?
    @Indirect public var response: TransactionRequestsIDPutResponse?
    public var responseSource: String?
    /// The payer DFSP's later answers, passed on to the core.
    public var notifications = 0
    @Indirect public var lastError: TransferError?
    public var deadline: Timestamp?
    public var version: Int64 = 0

    public init(transactionRequestId: String) { self.transactionRequestId = transactionRequestId }
}

public enum RequestToPayFact: Sendable, Hashable {
    /// `POST /requestToPay`, with `AUTO_ACCEPT_R2P_PARTY` or the request's own override.
    case requested(RequestToPayRequest, autoAcceptParty: Bool)
    case partyResolved(Party)
    case partyLookupFailed(ErrorInformationObject)
    /// `PUT /requestToPay/{ID}` with `acceptParty`.
    case partyDecision(accepted: Bool)
    /// `PUT /transactionRequests/{ID}` from the payer's DFSP.
    case answered(TransactionRequestsIDPutResponse, source: String)
    /// `PUT /transactionRequests/{ID}/error`.
    case refused(ErrorInformationObject)
    case hubRequestFailed(ErrorInformationObject)
    case deadlinePassed(Timestamp)
}

public enum RequestToPayEvent: Sendable, Hashable {
    case requested(RequestToPayRequest, autoAcceptParty: Bool)
    /// The lookup of `to`, shared with every other transfer waiting for that party.
    case partyLookupStarted(PartyIdInfo)
    case partyResolved(Party)
    case partyAccepted
    /// Effect: `POST /transactionRequests` to the payer's DFSP.
    case transactionRequestSent(TransactionRequestsPostRequest, destination: String, deadline: Timestamp)
    case answered(TransactionRequestsIDPutResponse, source: String)
    /// Effect: backend `PUT /requestToPay/{ID}` with the payer DFSP's later answer.
    case notified(TransactionRequestsIDPutResponse)
    case failed(TransferError)

    public var wireName: String {
        switch self {
        case .requested: return "r2p.outbound.requested"
        case .partyLookupStarted: return "r2p.outbound.party-lookup-started"
        case .partyResolved: return "r2p.outbound.party-resolved"
        case .partyAccepted: return "r2p.outbound.party-accepted"
        case .transactionRequestSent: return "r2p.outbound.transaction-request-sent"
        case .answered: return "r2p.outbound.answered"
        case .notified: return "r2p.outbound.notified"
        case .failed: return "r2p.outbound.failed"
        }
    }

    public static let wireNames = ["r2p.outbound.requested", "r2p.outbound.party-lookup-started", "r2p.outbound.party-resolved",
                                   "r2p.outbound.party-accepted", "r2p.outbound.transaction-request-sent", "r2p.outbound.answered",
                                   "r2p.outbound.notified", "r2p.outbound.failed"]
}

extension RequestToPay {
    /// The events a fact causes. Duplicate and late answers cause none, except a later
    /// `PUT /transactionRequests/{ID}` after the first, which is passed to the core.
    public func decide(_ fact: RequestToPayFact, _ context: DecisionContext) throws(FSPIOPError) -> [RequestToPayEvent] {
        switch fact {
        case let .requested(request, autoAcceptParty):
            guard phase == .new else { throw FSPIOPError(.clientError, "request to pay \(transactionRequestId) already exists") }
            return [.requested(request, autoAcceptParty: autoAcceptParty), .partyLookupStarted(request.to.partyIdInfo)]

        case let .partyResolved(party):
            guard phase == .lookingUpParty, let request else { return [] }
            let info = party.partyIdInfo
            guard info.partyIdType == request.to.idType, info.partyIdentifier == request.to.idValue,
                  (info.partySubIdOrType ?? "") == (request.to.idSubValue ?? ""), let fspId = info.fspId, !fspId.isEmpty else {
                return [.failed(TransferError(FSPIOPError(.partyNotFound, "the party returned does not match the party requested, or has no fspId"),
                                              httpStatusCode: 500))]
            }
            guard autoAcceptParty else { return [.partyResolved(party)] }
            var resolved = self
            resolved.party = party
            return [.partyResolved(party), .partyAccepted, resolved.transactionRequestSent(request, context)]

        case let .partyLookupFailed(error):
            guard phase == .lookingUpParty else { return [] }
            return [.failed(TransferError(httpStatusCode: 500, mojaloopError: error))]

        case let .partyDecision(accepted):
            guard phase == .waitingForPartyAcceptance, let request else {
                throw FSPIOPError(.clientError, "the request to pay is not waiting for acceptParty (it is \(phase.sdkState ?? phase.rawValue))")
            }
            guard accepted else {
                return [.failed(TransferError(FSPIOPError(.clientError, "Payee rejected by backend"), httpStatusCode: 500))]
            }
            return [.partyAccepted, transactionRequestSent(request, context)]

        case let .answered(response, source):
            switch phase {
            case .requestSent: return [.answered(response, source: source)]
            case .completed: return [.notified(response)]
            default: return []
            }

        case let .refused(error), let .hubRequestFailed(error):
            guard phase == .requestSent else { return [] }
            return [.failed(TransferError(httpStatusCode: 500, mojaloopError: error))]

        case let .deadlinePassed(time):
            guard phase == .requestSent, let deadline, time >= deadline else { return [] }
            return [.failed(TransferError(FSPIOPError(.serverTimedOut, "no answer to POST /transactionRequests in time"), httpStatusCode: 504))]
        }
    }

    /// `POST /transactionRequests` as the SDK builds it (`_buildTransactionRequest`), to the resolved
    /// party's DFSP. The SDK names this DFSP's customer (`from`) `payer` and the party asked to pay
    /// (`to`) `payee`, and its inbound side reads them the same way; we keep its wire form so that
    /// both ends agree with DFSPs that run it.
    func transactionRequestSent(_ request: RequestToPayRequest, _ context: DecisionContext) -> RequestToPayEvent {
        let info = party?.partyIdInfo
        let names = party?.personalInfo?.complexName
        let first = names?.firstName ?? request.to.firstName, middle = names?.middleName ?? request.to.middleName
        let last = names?.lastName ?? request.to.lastName, birth = party?.personalInfo?.dateOfBirth ?? request.to.dateOfBirth
        let hasName = first != nil || middle != nil || last != nil
        let personal = hasName || birth != nil
            ? PartyPersonalInfo(complexName: hasName ? PartyComplexName(firstName: first, middleName: middle, lastName: last) : nil, dateOfBirth: birth)
            : nil
        let destination = info?.fspId ?? request.to.fspId ?? ""
        let body = TransactionRequestsPostRequest(
            transactionRequestId: transactionRequestId,
            payee: Party(partyIdInfo: PartyIdInfo(partyIdType: request.to.idType, partyIdentifier: request.to.idValue,
                                                  partySubIdOrType: request.to.idSubValue, fspId: destination),
                         personalInfo: personal),
            payer: PartyIdInfo(partyIdType: request.from.idType, partyIdentifier: request.from.idValue,
                               partySubIdOrType: request.from.idSubValue, fspId: context.configuration.dfspId),
            amount: Money(currency: request.currency, amount: request.amount),
            transactionType: TransactionType(scenario: request.transactionType, subScenario: request.subScenario,
                                             initiator: "PAYEE", initiatorType: request.from.type ?? "CONSUMER"),
            authenticationType: request.authenticationType)
        let timeout = Int64(context.configuration.requestTimeoutSeconds) * 1000
        return .transactionRequestSent(body, destination: destination, deadline: context.now.adding(milliseconds: timeout))
    }

    /// The DFSP asked to pay (`FSPIOP-Destination` of `POST /transactionRequests`), once the request is sent.
    public var destination: String? { transactionRequest?.payee.partyIdInfo.fspId }

    public func evolve(_ event: RequestToPayEvent) -> RequestToPay {
        var next = self
        next.version += 1
        switch event {
        case let .requested(request, autoAcceptParty):
            next.request = request
            next.autoAcceptParty = autoAcceptParty
        case .partyLookupStarted:
            next.phase = .lookingUpParty
        case let .partyResolved(party):
            next.party = party
            next.phase = .waitingForPartyAcceptance
        case .partyAccepted:
            break
        case let .transactionRequestSent(body, _, deadline):
            next.transactionRequest = body
            next.deadline = deadline
            next.phase = .requestSent
        case let .answered(response, source):
            next.response = response
            next.responseSource = source
            next.deadline = nil
            next.phase = .completed
        case .notified:
            next.notifications += 1
        case let .failed(error):
            next.lastError = error
            next.deadline = nil
            next.phase = .errored
        }
        return next
    }
}

extension RequestToPayEvent {
    /// The event's payload (`schemas/events/<wireName>.v1.schema.json`).
    public var payload: JSONValue {
        get throws {
            switch self {
            case let .requested(request, autoAcceptParty):
                return .object([("request", try JSONValueEncoder.encode(request)), ("autoAcceptParty", .bool(autoAcceptParty))])
            case let .partyLookupStarted(party):
                return .object([("partyIdInfo", try JSONValueEncoder.encode(party))])
            case let .partyResolved(party):
                return .object([("party", try JSONValueEncoder.encode(party))])
            case .partyAccepted:
                return .object([])
            case let .transactionRequestSent(body, destination, deadline):
                return .object([("transactionRequest", try JSONValueEncoder.encode(body)), ("destination", .string(destination)),
                                ("deadline", .string(deadline.dateTime))])
            case let .answered(response, source):
                return .object([("response", try JSONValueEncoder.encode(response)), ("source", .string(source))])
            case let .notified(response):
                return .object([("response", try JSONValueEncoder.encode(response))])
            case let .failed(error):
                return .object([("lastError", try JSONValueEncoder.encode(error))])
            }
        }
    }

    /// The event of this wire type with this payload.
    public init(wireName: String, payload: JSONValue) throws(EventDecodingFailure) {
        let reader = EventPayload(wireName: wireName, payload: payload)
        switch wireName {
        case "r2p.outbound.requested":
            self = .requested(try reader.decode(RequestToPayRequest.self, "request"), autoAcceptParty: try reader.bool("autoAcceptParty"))
        case "r2p.outbound.party-lookup-started": self = .partyLookupStarted(try reader.decode(PartyIdInfo.self, "partyIdInfo"))
        case "r2p.outbound.party-resolved": self = .partyResolved(try reader.decode(Party.self, "party"))
        case "r2p.outbound.party-accepted": self = .partyAccepted
        case "r2p.outbound.transaction-request-sent":
            self = .transactionRequestSent(try reader.decode(TransactionRequestsPostRequest.self, "transactionRequest"),
                                           destination: try reader.string("destination"), deadline: try reader.timestamp("deadline"))
        case "r2p.outbound.answered":
            self = .answered(try reader.decode(TransactionRequestsIDPutResponse.self, "response"), source: try reader.string("source"))
        case "r2p.outbound.notified": self = .notified(try reader.decode(TransactionRequestsIDPutResponse.self, "response"))
        case "r2p.outbound.failed": self = .failed(try reader.decode(TransferError.self, "lastError"))
        default: throw EventDecodingFailure("unknown request to pay event '\(wireName)'")
        }
    }
}
