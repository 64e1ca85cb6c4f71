import FSPIOP
import Foundation
import PaymentDomain

/// What the world must do because of an event or a fact: a request to the hub, a call to the core.
package enum Effect: Sendable, Hashable {
    /// A request to the hub on behalf of an aggregate; its outcome is recorded (`effect.completed`) or
    /// comes back as `effect.hub-request-failed`.
    case hub(HubRequest, for: AggregateRef)
    /// Backend `POST /quoterequests`; the answer comes back as `core.quote-answered` / `core.quote-refused`.
    case backendQuote(transactionId: String, QuotesPostRequest)
    /// Backend `POST /transfers`; the answer comes back as `core.transfer-answered` / `core.transfer-refused`.
    case backendTransfer(transactionId: String, TransfersPostRequest, QuotesPostRequest?, QuotesIDPutResponse?)
    /// Backend `PUT /transfers/{id}` with the final state; recorded as `effect.completed`.
    case backendNotify(transactionId: String, transferId: String, TransfersIDPatchResponse)
    /// Backend `POST /transactionrequests`; the answer comes back as `core.transaction-request-answered` / `-refused`.
    case backendTransactionRequest(TransactionRequestsPostRequest)
    /// Backend `POST /bulkQuotes`; the answer comes back as `core.bulk-quote-answered` / `-refused`.
    case backendBulkQuote(BulkQuotesPostRequest)
    /// Backend `POST /bulkTransfers`; the answer comes back as `core.bulk-transfer-answered` / `-refused`.
    case backendBulkTransfer(BulkTransfersPostRequest)
    /// Backend `PUT /requestToPay/{id}` with what the payer's DFSP answered; recorded as `effect.completed`.
    case backendRequestToPayNotify(transactionRequestId: String, homeR2PTransactionId: String?, state: String)
    /// `GET /participants` from the hub: ask the core whether the party is ours, answer `PUT /participants` (stateless).
    case answerParticipantQuery(idType: String, idValue: String, idSubValue: String?, source: String)
    /// `GET /authorizations/{ID}` from the hub: ask the core for the OTP, answer `PUT /authorizations/{ID}` (stateless).
    case answerAuthorization(transactionRequestId: String, source: String)
    /// `GET /parties` from the hub: ask the core, answer `PUT /parties` (stateless).
    case answerPartyQuery(idType: String, idValue: String, idSubValue: String?, source: String)
    /// A callback answering a request that needs no state change (an error, a status), not recorded.
    case reply(HubRequest)

    /// Whether its outcome is recorded, so that a restart re-drives it when it is missing.
    package var isRecorded: Bool {
        switch self {
        case .answerPartyQuery, .answerParticipantQuery, .answerAuthorization, .reply: return false
        default: return true
        }
    }
}

/// What one fact caused: events to append (in order), replies to send, refusals to report to waiting
/// callers, or the reason it cannot be processed (dead letter).
package struct Routed {
    package var events: [DomainEvent] = []
    package var replies: [Effect] = []
    /// Facts of the core refused by their aggregate, for the caller waiting on that aggregate.
    package var rejections: [(ref: AggregateRef, error: FSPIOPError)] = []
    /// Answers for stand-alone party lookups of the outbound API (`GET /parties`), by request id.
    package var lookups: [(requestId: String, result: PartyLookupResult)] = []
    package var deadLetter: String?
    /// The message came from a party that may not send it: it changed nothing, and is recorded as rejected
    /// with this error.
    package var refusedSender: FSPIOPError?
}

/// How a stand-alone party lookup ended.
public enum PartyLookupResult: Sendable {
    case resolved(Party)
    case failed(ErrorInformationObject)
}

/// Stand-alone lookups wait in a party lookup under this prefix, beside the transfers that wait there.
package let standaloneLookupPrefix = "lookup:"
/// Requests to pay wait in a party lookup under this prefix.
package let requestToPayLookupPrefix = "r2p:"

/// Turns facts into domain facts for the aggregates, runs their deciders in order (a party lookup's
/// answer fans out to every waiting transfer in the same step), and folds the events into the store.
/// Pure: no I/O; the time is a parameter, and new ids are derived from the fact's id (``DerivedIDs``), so that
/// the same fact in the same state always makes the same events.
package struct FactRouter: Sendable {
    package var outboundConfiguration: OutboundConfiguration
    package var inboundConfiguration: InboundConfiguration
    /// The hub's FSP id (`PM_HUB_ID`, `switch` by default): the `FSPIOP-Source` of what the hub originates
    /// (its timeouts, `PATCH` notifications and errors), which may end any wait.
    package var hubId: String

    package init(outboundConfiguration: OutboundConfiguration, inboundConfiguration: InboundConfiguration, hubId: String = "switch") {
        self.outboundConfiguration = outboundConfiguration
        self.inboundConfiguration = inboundConfiguration
        self.hubId = hubId
    }

    /// Whether `source` is the hub (compared without case, as the hub compares its own name).
    package func isHub(_ source: String) -> Bool { source.caseInsensitiveCompare(hubId) == .orderedSame }

    package var dfspId: String { outboundConfiguration.dfspId }

    package func route(_ fact: ConnectorFact, factId: String, now: Timestamp, store: inout AggregateStore) -> Routed {
        var step = Step(router: self, factId: factId, now: now)
        step.route(fact, &store)
        return step.routed
    }

    /// The effects an event asks for, given the aggregate's state (ids and parties do not change once set).
    package func effects(of event: DomainEvent, store: AggregateStore) -> [Effect] {
        switch event {
        case let .party(key, event):
            guard case let .started(party, _) = event else { return [] }
            var segments = ["parties", party.partyIdType, party.partyIdentifier]
            if let sub = party.partySubIdOrType, !sub.isEmpty { segments.append(sub) }
            let path = FSPIOPPath.path(segments)
            return [.hub(HubRequest(method: "GET", resource: .parties, path: path, destination: nil, body: nil), for: AggregateRef(.party, key))]
        case let .requestToPay(id, event):
            switch event {
            case let .transactionRequestSent(body, destination, _):
                return [.hub(HubRequest(method: "POST", resource: .transactionRequests, path: "/transactionRequests", destination: destination,
                                        body: try? JSONValueEncoder.encode(body)), for: AggregateRef(.requestToPay, id))]
            case let .notified(response):
                return [.backendRequestToPayNotify(transactionRequestId: id, homeR2PTransactionId: store.requestsToPay[id]?.request?.homeR2PTransactionId,
                                                   state: response.transactionRequestState)]
            default:
                return []
            }
        case let .transactionRequest(id, event):
            return Self.exchangeEffects(event, resource: .transactionRequests, id: id, ref: AggregateRef(.transactionRequest, id),
                                        exchange: store.transactionRequests[id]) { .backendTransactionRequest($0) }
        case let .bulkQuote(id, event):
            return Self.exchangeEffects(event, resource: .bulkQuotes, id: id, ref: AggregateRef(.bulkQuote, id), exchange: store.bulkQuotes[id]) {
                .backendBulkQuote($0)
            }
        case let .bulkTransfer(id, event):
            return Self.exchangeEffects(event, resource: .bulkTransfers, id: id, ref: AggregateRef(.bulkTransfer, id),
                                        exchange: store.bulkTransfers[id]) { .backendBulkTransfer($0) }
        case let .relayed(key, event):
            guard case let .sent(resource, _, destination, body, _) = event else { return [] }
            let fspiopResource = FSPIOPResource(rawValue: resource.rawValue) ?? .transfers
            return [.hub(HubRequest(method: "POST", resource: fspiopResource, path: "/\(resource.rawValue)", destination: destination, body: body),
                         for: AggregateRef(.relayed, key))]
        case let .outbound(id, event):
            let ref = AggregateRef(.outbound, id)
            let transfer = store.outbound[id]
            switch event {
            case let .quoteRequested(quote, _):
                return [.hub(HubRequest(method: "POST", resource: .quotes, path: "/quotes", destination: transfer?.quoteDestination,
                                        body: try? JSONValueEncoder.encode(quote)), for: ref)]
            case let .prepareSent(prepare, _):
                return [.hub(HubRequest(method: "POST", resource: .transfers, path: "/transfers", destination: prepare.payeeFsp,
                                        body: try? JSONValueEncoder.encode(prepare)), for: ref)]
            case .statusRequested:
                return [.hub(HubRequest(method: "GET", resource: .transfers, path: "/transfers/\(id)", destination: nil, body: nil), for: ref)]
            case let .authorizationRequested(query, _):
                guard let payment = transfer?.paymentRequest else { return [] }
                return [.hub(HubRequest(method: "GET", resource: .authorizations, path: "/authorizations/\(payment.transactionRequestId)?\(query.queryString)",
                                        destination: payment.to.fspId, body: nil), for: ref)]
            case .paymentRequestRejected:
                guard let payment = transfer?.paymentRequest else { return [] }
                return [.hub(HubRequest(method: "PUT", resource: .transactionRequests, path: "/transactionRequests/\(payment.transactionRequestId)",
                                        destination: payment.to.fspId,
                                        body: try? JSONValueEncoder.encode(TransactionRequestsIDPutResponse(transactionRequestState: "REJECTED"))), for: ref)]
            default:
                return []
            }
        case let .inbound(id, event):
            let ref = AggregateRef(.inbound, id)
            let transfer = store.inbound[id]
            let payer = transfer?.payerFsp
            let quoteId = transfer?.quoteRequest?.quoteId ?? id
            let transferId = transfer?.prepare?.transferId ?? id
            switch event {
            case let .quoteRequestReceived(request, _):
                return [.backendQuote(transactionId: id, request)]
            case let .quoteSent(response):
                return [.hub(HubRequest(method: "PUT", resource: .quotes, path: "/quotes/\(quoteId)", destination: payer,
                                        body: try? JSONValueEncoder.encode(response)), for: ref)]
            case let .quoteRejected(error):
                return [.hub(HubRequest(method: "PUT", resource: .quotes, path: "/quotes/\(quoteId)/error", destination: payer,
                                        body: try? JSONValueEncoder.encode(error)), for: ref)]
            case let .prepareAccepted(prepare):
                return [.backendTransfer(transactionId: id, prepare, transfer?.quoteRequest, transfer?.quoteResponse)]
            case let .prepareRejected(prepare, error):
                return [.hub(HubRequest(method: "PUT", resource: .transfers, path: "/transfers/\(prepare.transferId)/error",
                                        destination: prepare.payerFsp, body: try? JSONValueEncoder.encode(error)), for: ref)]
            case let .fulfilSent(fulfil, _, _):
                return [.hub(HubRequest(method: "PUT", resource: .transfers, path: "/transfers/\(transferId)", destination: payer,
                                        body: try? JSONValueEncoder.encode(fulfil)), for: ref)]
            case .statusRequested:
                return [.hub(HubRequest(method: "GET", resource: .transfers, path: "/transfers/\(transferId)", destination: nil, body: nil), for: ref)]
            case let .transferRejected(error):
                return [.hub(HubRequest(method: "PUT", resource: .transfers, path: "/transfers/\(transferId)/error", destination: payer,
                                        body: try? JSONValueEncoder.encode(error)), for: ref)]
            case let .outcomeNotified(notification):
                return [.backendNotify(transactionId: id, transferId: transferId, notification)]
            }
        }
    }
}

extension FactRouter {
    /// An inbound exchange's effects: the backend call when received; its answer (or refusal) to the DFSP
    /// that sent it, `PUT /{resource}/{ID}` (or `.../error`), again for a resend.
    static func exchangeEffects<Request>(_ event: InboundExchangeEvent<Request>, resource: FSPIOPResource, id: String, ref: AggregateRef,
                                         exchange: InboundExchange<Request>?, backend: (Request) -> Effect) -> [Effect] {
        func put(_ suffix: String, _ body: JSONValue?) -> Effect {
            .hub(HubRequest(method: "PUT", resource: resource, path: "/\(resource.rawValue)/\(id)\(suffix)", destination: exchange?.source, body: body), for: ref)
        }
        switch event {
        case let .received(request, _): return [backend(request)]
        case let .answered(answer): return [put("", try? JSONValueEncoder.encode(answer))]
        case let .refused(error): return [put("/error", try? JSONValueEncoder.encode(error))]
        case .answerRepeated:
            if let answer = exchange?.answer { return [put("", try? JSONValueEncoder.encode(answer))] }
            if let error = exchange?.error { return [put("/error", try? JSONValueEncoder.encode(error))] }
            return []
        }
    }
}

/// One fact's routing: the domain facts it becomes, in order, with the events of each folded in at once.
private struct Step {
    let router: FactRouter
    let factId: String
    let now: Timestamp
    let ids: DerivedIDs
    var routed = Routed()

    init(router: FactRouter, factId: String, now: Timestamp) {
        self.router = router
        self.factId = factId
        self.now = now
        ids = DerivedIDs(seed: factId)
    }

    var outboundContext: DecisionContext { DecisionContext(now: now, newID: { [ids] in ids.next() }, configuration: router.outboundConfiguration) }
    var inboundContext: InboundContext { InboundContext(now: now, configuration: router.inboundConfiguration) }

    mutating func route(_ fact: ConnectorFact, _ store: inout AggregateStore) {
        switch fact {
        case let .hubMessage(message):
            routeHub(message, &store)
        case .hubMessageRejected, .effectCompleted:
            return
        case let .transferRequested(transferId, request, autoParty, autoQuote):
            outbound(transferId, .requested(request, autoAcceptParty: autoParty, autoAcceptQuote: autoQuote), &store)
        case let .partyLookupRequested(requestId, info):
            party(PartyLookup.key(for: info), .requested(transferId: standaloneLookupPrefix + requestId, party: info), &store)
        case let .requestToPayRequested(id, request, autoAcceptParty):
            requestToPay(id, .requested(request, autoAcceptParty: autoAcceptParty ?? router.outboundConfiguration.autoAcceptR2PParty), &store)
        case let .requestToPayDecided(id, acceptParty):
            requestToPay(id, .partyDecision(accepted: acceptParty), &store)
        case let .transactionRequestAnswered(id, answer):
            switch answer.fspiopAnswer {
            case let .success(response): transactionRequest(id, .coreAnswered(response), &store)
            case let .failure(error): transactionRequest(id, .coreRefused(error.errorInformation), &store)
            }
        case let .transactionRequestRefused(id, error):
            transactionRequest(id, .coreRefused(error), &store)
        case let .bulkQuoteAnswered(id, answer):
            guard let request = store.bulkQuotes[id]?.request else { return }
            do {
                let response = try InboundBulkAnswers.bulkQuote(request, core: answer, configuration: router.inboundConfiguration, now: now)
                bulkQuote(id, .coreAnswered(response), &store)
            } catch {
                bulkQuote(id, .coreRefused(error.errorInformation), &store)
            }
        case let .bulkQuoteRefused(id, error):
            bulkQuote(id, .coreRefused(error), &store)
        case let .bulkTransferAnswered(id, answer):
            guard let request = store.bulkTransfers[id]?.request else { return }
            // The same fulfilments the checks made before the core was asked (they depend on nothing else but the ILP
            // secret and this DFSP's id: changed since, they cannot be made, and the core's credits must be reversed by hand).
            do {
                let fulfilments = try InboundBulkAnswers.fulfilments(request, configuration: router.inboundConfiguration, now: nil)
                bulkTransfer(id, .coreAnswered(InboundBulkAnswers.bulkTransfer(request, core: answer, fulfilments: fulfilments, now: now)), &store)
            } catch {
                routed.deadLetter = "the core credited bulk transfer \(id) but its fulfilments cannot be made (\(error)): reverse its credits in the core"
                bulkTransfer(id, .coreRefused(error.errorInformation), &store)
            }
        case let .bulkTransferRefused(id, error):
            bulkTransfer(id, .coreRefused(error), &store)
        case let .relayRequested(resource, id, destination, body):
            relayed(RelayedRequest.key(resource, id), .requested(resource, id: id, destination: destination, body: body), &store)
        case let .paymentRequested(transferId, request):
            // One transfer at a time pays a request, and a paid request is not paid again (after an error or a
            // rejection the core may try again).
            if let current = store.outboundByTransactionRequest[request.transactionRequestId], let transfer = store.outbound[current],
               !transfer.phase.isTerminal || transfer.phase == .completed {
                let verb = transfer.phase == .completed ? "paid" : "pays"
                routed.rejections.append((AggregateRef(.outbound, transferId),
                                          FSPIOPError(.validationError, "transfer \(current) already \(verb) transaction request \(request.transactionRequestId)")))
                return
            }
            outbound(transferId, .paymentRequested(request), &store)
        case let .paymentDecided(transferId, acceptQuote, acceptOTP):
            if let acceptQuote { outbound(transferId, .quoteDecision(accepted: acceptQuote), &store) }
            if let acceptOTP { outbound(transferId, .authorizationDecision(accepted: acceptOTP), &store) }
        case let .transferDecided(transferId, acceptParty, acceptQuote):
            if let acceptParty { outbound(transferId, .partyDecision(accepted: acceptParty), &store) }
            if let acceptQuote { outbound(transferId, .quoteDecision(accepted: acceptQuote), &store) }
        case let .quoteAnswered(transactionId, answer):
            inbound(transactionId, .quoteAnswered(answer), &store)
        case let .quoteRefused(transactionId, error):
            inbound(transactionId, .quoteRefused(FSPIOPError(received: error)), &store)
        case let .transferAnswered(transactionId, answer):
            inbound(transactionId, .transferAnswered(answer), &store)
        case let .transferRefused(transactionId, error):
            inbound(transactionId, .transferRefused(FSPIOPError(received: error)), &store)
        case let .deadlinePassed(ref, at):
            switch ref.kind {
            case .outbound: outbound(ref.id, .deadlinePassed(at), &store)
            case .inbound: inbound(ref.id, .deadlinePassed(at), &store)
            case .party: party(ref.id, .deadlinePassed(at), &store)
            case .relayed: relayed(ref.id, .deadlinePassed(at), &store)
            case .requestToPay: requestToPay(ref.id, .deadlinePassed(at), &store)
            case .transactionRequest, .bulkQuote, .bulkTransfer: return
            }
        case let .hubRequestFailed(ref, error):
            switch ref.kind {
            case .outbound: outbound(ref.id, .hubRequestFailed(FSPIOPError(received: error)), &store)
            case .party: party(ref.id, .failed(error), &store)
            case .relayed: relayed(ref.id, .hubRequestFailed(error), &store)
            case .requestToPay: requestToPay(ref.id, .hubRequestFailed(error), &store)
            // The payer's answer could not be delivered: the payee's DFSP times the request out.
            case .transactionRequest, .bulkQuote, .bulkTransfer: return
            // The payee's callbacks failed: the hub times the transfer out and says so (or answers GET).
            case .inbound: return
            }
        }
    }

    // MARK: - Messages from the hub

    mutating func routeHub(_ message: HubMessage, _ store: inout AggregateStore) {
        // The route was read once, when the fact was made from the request or from the log.
        guard let route = message.route else {
            routed.deadLetter = "\(message.method) \(message.path) is not a route of the FSPIOP API"
            return
        }
        let isError = route.isError
        let ids = route.ids
        switch (route.method, route.resource) {
        case (.get, .parties):
            guard ids.count == 2 || ids.count == 3 else { routed.deadLetter = "bad party path \(message.path)"; return }
            routed.replies.append(.answerPartyQuery(idType: ids[0], idValue: ids[1], idSubValue: ids.count == 3 ? ids[2] : nil, source: message.source))
        case (.put, .parties):
            guard ids.count == 2 || ids.count == 3 else { routed.deadLetter = "bad party path \(message.path)"; return }
            let key = PartyLookup.key(for: PartyIdInfo(partyIdType: ids[0], partyIdentifier: ids[1], partySubIdOrType: ids.count == 3 ? ids[2] : nil))
            if isError {
                // Any DFSP may answer that it does not know the party: the hub chose which one was asked, and a failed
                // lookup moves no money.
                guard let error = decode(ErrorInformationObject.self, message) else { return }
                party(key, .failed(error), &store)
            } else {
                guard let body = decode(PartiesTypeIDPutResponse.self, message) else { return }
                // Only the DFSP that owns the party may say so: anyone else could redirect a payment.
                guard admits(message, from: [body.party.partyIdInfo.fspId], "the DFSP the party names") else { return }
                party(key, .resolved(body.party), &store)
            }
        case (.post, .quotes):
            guard let request = decode(QuotesPostRequest.self, message) else { return }
            inbound(request.transactionId, .quoteRequested(request, source: message.source), &store, replyTo: message,
                    path: "/quotes/\(request.quoteId)/error")
        case (.put, .quotes):
            guard let quoteId = ids.first else { return }
            if store.outboundByQuote[quoteId] == nil, let relayed = store.relayed[RelayedRequest.key(.quotes, quoteId)] {
                guard admits(message, from: [relayed.destination], "the DFSP the quote was asked of") else { return }
                relayCallback(.quotes, quoteId, message, &store)
                return
            }
            guard let transferId = store.outboundByQuote[quoteId] else { return }
            let transfer = store.outbound[transferId]
            guard admits(message, from: [transfer?.quoteDestination], "the DFSP the quote was asked of") else { return }
            if isError {
                guard let error = decode(ErrorInformationObject.self, message) else { return }
                outbound(transferId, .quoteFailed(error), &store)
            } else {
                guard let response = decode(QuotesIDPutResponse.self, message) else { return }
                outbound(transferId, .quoteReceived(response, source: message.source), &store)
            }
        case (.post, .transfers):
            guard let prepare = decode(TransfersPostRequest.self, message) else { return }
            guard let transactionId = store.inboundTransaction(for: prepare) else {
                reply(message, path: "/transfers/\(prepare.transferId)/error", FSPIOPError(.txnIdNotFound, "no quote for this transfer"))
                return
            }
            inbound(transactionId, .prepareReceived(prepare, source: message.source), &store, replyTo: message, path: "/transfers/\(prepare.transferId)/error")
        case (.put, .transfers):
            guard let transferId = ids.first else { return }
            if let transfer = store.outbound[transferId] {
                guard admits(message, from: [transfer.prepare?.payeeFsp ?? transfer.quoteDestination], "the payee's DFSP") else { return }
                if isError {
                    guard let error = decode(ErrorInformationObject.self, message) else { return }
                    outbound(transferId, .transferFailed(error), &store)
                } else {
                    guard let fulfil = decode(TransfersIDPutResponse.self, message) else { return }
                    outbound(transferId, .fulfilReceived(fulfil), &store)
                }
            } else if let relayed = store.relayed[RelayedRequest.key(.transfers, transferId)] {
                guard admits(message, from: [relayed.destination], "the DFSP the transfer was sent to") else { return }
                relayCallback(.transfers, transferId, message, &store)
            } else if let transactionId = store.inboundByTransfer[transferId] {
                // To a payee only the hub reports a transfer's outcome (its answer to GET, its timeout).
                guard admits(message, from: [], "the hub alone") else { return }
                if isError {
                    // The hub refused or timed out a transfer this payee reserved: it is aborted.
                    inbound(transactionId, .notified(TransfersIDPatchResponse(completedTimestamp: now.dateTime, transferState: "ABORTED")), &store)
                } else {
                    guard let status = decode(TransfersIDPutResponse.self, message) else { return }
                    inbound(transactionId, .statusReceived(status), &store)
                }
            }
        case (.patch, .transfers):
            guard let transferId = ids.first, let transactionId = store.inboundByTransfer[transferId] else { return }
            guard admits(message, from: [], "the hub alone") else { return }
            guard let notification = decode(TransfersIDPatchResponse.self, message) else { return }
            inbound(transactionId, .notified(notification), &store)
        case (.get, .transfers):
            guard let transferId = ids.first else { return }
            // Only the payer's DFSP and the hub learn of a transfer; to anyone else it is unknown.
            if let transactionId = store.inboundByTransfer[transferId], let transfer = store.inbound[transactionId], let fulfil = transfer.fulfil,
               tookPart(message, [transfer.prepare?.payerFsp ?? transfer.payerFsp]) {
                routed.replies.append(.reply(HubRequest(method: "PUT", resource: .transfers, path: "/transfers/\(transferId)",
                                                        destination: message.source, body: try? JSONValueEncoder.encode(fulfil))))
            } else {
                reply(message, path: "/transfers/\(transferId)/error", FSPIOPError(.transferIdNotFound))
            }
        case (.post, .transactionRequests):
            guard let request = decode(TransactionRequestsPostRequest.self, message) else { return }
            transactionRequest(request.transactionRequestId, .received(request, source: message.source), &store, replyTo: message,
                               path: "/transactionRequests/\(request.transactionRequestId)/error")
        case (.put, .transactionRequests):
            guard let id = ids.first else { return }
            if isError {
                guard let error = decode(ErrorInformationObject.self, message) else { return }
                if let request = store.requestsToPay[id] {
                    guard admits(message, from: [request.destination],
                                 "the DFSP asked to pay") else { return }
                }
                requestToPay(id, .refused(error), &store)
            } else {
                guard let response = decode(TransactionRequestsIDPutResponse.self, message) else { return }
                if let request = store.requestsToPay[id] {
                    guard admits(message, from: [request.destination],
                                 "the DFSP asked to pay") else { return }
                    requestToPay(id, .answered(response, source: message.source), &store)
                } else {
                    // No request to pay of ours waits for it (the SDK's rule): the core is told.
                    routed.replies.append(.backendRequestToPayNotify(transactionRequestId: id, homeR2PTransactionId: nil,
                                                                     state: response.transactionRequestState))
                }
            }
        case (.get, .quotes):
            guard let quoteId = ids.first else { return }
            // The quote this payee sent, again (the SDK answers 3205 to every GET /quotes: nothing stores it).
            guard let transactionId = store.inboundByQuote[quoteId], let transfer = store.inbound[transactionId], tookPart(message, [transfer.payerFsp]) else {
                reply(message, path: "/quotes/\(quoteId)/error", FSPIOPError(.quoteIdNotFound))
                return
            }
            if let response = transfer.quoteResponse {
                routed.replies.append(.reply(HubRequest(method: "PUT", resource: .quotes, path: "/quotes/\(quoteId)", destination: message.source,
                                                        body: try? JSONValueEncoder.encode(response))))
            } else if transfer.phase.isTerminal, let error = transfer.error {
                routed.replies.append(.reply(HubRequest(method: "PUT", resource: .quotes, path: "/quotes/\(quoteId)/error", destination: message.source,
                                                        body: try? JSONValueEncoder.encode(error))))
            }
            // Still being quoted: the PUT comes when the core has answered.
        case (.get, .participants):
            guard ids.count == 2 || ids.count == 3 else { routed.deadLetter = "bad participant path \(message.path)"; return }
            routed.replies.append(.answerParticipantQuery(idType: ids[0], idValue: ids[1], idSubValue: ids.count == 3 ? ids[2] : nil, source: message.source))
        case (.get, .authorizations):
            guard let id = ids.first else { return }
            routed.replies.append(.answerAuthorization(transactionRequestId: id, source: message.source))
        case (.post, .bulkQuotes):
            guard let request = decode(BulkQuotesPostRequest.self, message) else { return }
            bulkQuote(request.bulkQuoteId, .received(request, source: message.source), &store, replyTo: message,
                      path: "/bulkQuotes/\(request.bulkQuoteId)/error")
        case (.post, .bulkTransfers):
            guard let request = decode(BulkTransfersPostRequest.self, message) else { return }
            let path = "/bulkTransfers/\(request.bulkTransferId)/error"
            if store.bulkTransfers[request.bulkTransferId] == nil {
                // Not for this DFSP, expired, or a condition that is not its packet's: refused before the core is asked.
                do { _ = try InboundBulkAnswers.fulfilments(request, configuration: router.inboundConfiguration, now: now) } catch {
                    reply(message, path: path, error)
                    return
                }
            }
            bulkTransfer(request.bulkTransferId, .received(request, source: message.source), &store, replyTo: message, path: path)
        case (.get, .bulkQuotes):
            guard let id = ids.first else { return }
            answerBulkQuery(message, resource: .bulkQuotes, id: id, bulk: store.bulkQuotes[id], notFound: .bulkQuoteIdNotFound)
        case (.get, .bulkTransfers):
            guard let id = ids.first else { return }
            answerBulkQuery(message, resource: .bulkTransfers, id: id, bulk: store.bulkTransfers[id], notFound: .bulkTransferIdNotFound)
        case (.put, .bulkQuotes), (.put, .bulkTransfers):
            // The answer to a bulk request this DFSP relayed (nothing else of ours waits for one).
            guard let id = ids.first, let relayedResource = RelayedRequest.Resource(rawValue: route.resource.rawValue) else { return }
            if let relayed = store.relayed[RelayedRequest.key(relayedResource, id)] {
                guard admits(message, from: [relayed.destination], "the DFSP the bulk request was sent to") else { return }
                relayCallback(relayedResource, id, message, &store)
            } else if route.resource == .bulkTransfers, isError, store.bulkTransfers[id]?.phase == .answered {
                guard admits(message, from: [], "the hub alone") else { return }
                // The hub refused or expired a bulk transfer this payee's core already credited; the backend API
                // has no call to tell the core, so it is set aside for an operator.
                routed.deadLetter = "the hub aborted bulk transfer \(id) after the core credited it: reverse its credits in the core"
            }
        case (.put, .authorizations):
            // The answer to the GET /authorizations of a transfer paying a request to pay.
            guard let id = ids.first, let transferId = store.outboundByTransactionRequest[id] else { return }
            guard admits(message, from: [store.outbound[transferId]?.paymentRequest?.to.fspId], "the DFSP that asked to be paid") else { return }
            if isError {
                guard let error = decode(ErrorInformationObject.self, message) else { return }
                outbound(transferId, .authorizationFailed(error), &store)
            } else {
                guard let response = decode(AuthorizationsIDPutResponse.self, message) else { return }
                outbound(transferId, .authorizationReceived(response), &store)
            }
        case (.put, .participants):
            return
        case (.get, .transactions):
            // A payer asks about a transaction this payee quoted (its id is the quote's transactionId).
            guard let id = ids.first else { return }
            // Only the payer's DFSP learns of its transaction; to others it is unknown.
            guard let transfer = store.inbound[id], transfer.payerFsp == nil || tookPart(message, [transfer.payerFsp]) else {
                reply(message, path: "/transactions/\(id)/error", FSPIOPError(.txnIdNotFound))
                return
            }
            routed.replies.append(.reply(HubRequest(method: "PUT", resource: .transactions, path: "/transactions/\(id)", destination: message.source,
                                                    body: try? JSONValueEncoder.encode(transfer.transactionState))))
        case (.put, .transactions):
            // The answer to a GET /transactions this connector does not send: recorded, nothing waits for it.
            return
        default:
            routed.deadLetter = "no handler for \(message.method) \(message.path)"
        }
    }

    /// `GET /bulkQuotes/{ID}` or `GET /bulkTransfers/{ID}`: the answer sent, again; nothing while the core
    /// is asked (the PUT follows); the not-found error for an unknown id.
    mutating func answerBulkQuery<Request>(_ message: HubMessage, resource: FSPIOPResource, id: String, bulk: InboundExchange<Request>?,
                                           notFound: FSPIOPErrorCode) {
        guard let bulk, tookPart(message, [bulk.source]) else {
            reply(message, path: "/\(resource.rawValue)/\(id)/error", FSPIOPError(notFound))
            return
        }
        if let answer = bulk.answer {
            routed.replies.append(.reply(HubRequest(method: "PUT", resource: resource, path: "/\(resource.rawValue)/\(id)", destination: message.source,
                                                    body: try? JSONValueEncoder.encode(answer))))
        } else if let error = bulk.error {
            routed.replies.append(.reply(HubRequest(method: "PUT", resource: resource, path: "/\(resource.rawValue)/\(id)/error", destination: message.source,
                                                    body: try? JSONValueEncoder.encode(error))))
        }
    }

    /// Whether the message's `FSPIOP-Source` may send it: the hub, or one of `allowed` (the parties the aggregate
    /// waits for). When not, nothing changes and the refusal is recorded (3100, naming who may send it).
    mutating func admits(_ message: HubMessage, from allowed: [String?], _ who: String) -> Bool {
        if router.isHub(message.source) || allowed.contains(where: { $0 == message.source }) { return true }
        let expected = (allowed.compactMap { $0 } + [router.hubId]).joined(separator: " or ")
        routed.refusedSender = FSPIOPError(.validationError,
                                           "FSPIOP-Source '\(message.source)' may not send \(message.method) \(message.path): only \(who) (\(expected)) may")
        return false
    }

    /// Whether the message's sender took part in what it asks about (a query is answered only to them and the hub).
    func tookPart(_ message: HubMessage, _ parties: [String?]) -> Bool {
        router.isHub(message.source) || parties.contains { $0 == message.source }
    }

    mutating func decode<T: Decodable>(_ type: T.Type, _ message: HubMessage) -> T? {
        guard let body = message.body else { routed.deadLetter = "\(message.method) \(message.path) has no body"; return nil }
        do {
            return try JSONValueDecoder.decode(T.self, from: body)
        } catch {
            routed.deadLetter = "\(message.method) \(message.path): \(error)"
            return nil
        }
    }

    mutating func reply(_ message: HubMessage, path: String, _ error: FSPIOPError) {
        routed.replies.append(.reply(HubRequest(method: "PUT", resource: message.route?.resource ?? .transfers, path: path, destination: message.source,
                                                body: try? JSONValueEncoder.encode(error.errorInformation))))
    }

    // MARK: - The aggregates

    mutating func record(_ event: DomainEvent, _ store: inout AggregateStore) {
        store.apply(event, causation: factId, at: now)
        routed.events.append(event)
    }

    mutating func outbound(_ id: String, _ fact: OutboundTransferFact, _ store: inout AggregateStore) {
        let transfer = store.outbound[id] ?? OutboundTransfer(transferId: id)
        switch fact {
        case .requested, .paymentRequested: break
        default: if store.outbound[id] == nil { return }
        }
        let events: [OutboundTransferEvent]
        do { events = try transfer.decide(fact, outboundContext) } catch {
            routed.rejections.append((AggregateRef(.outbound, id), error.fspiopError))
            return
        }
        for event in events {
            record(.outbound(transferId: id, event), &store)
            if case let .partyLookupStarted(party, _) = event {
                self.party(PartyLookup.key(for: party), .requested(transferId: id, party: party), &store)
            }
        }
    }

    mutating func party(_ key: String, _ fact: PartyLookupFact, _ store: inout AggregateStore) {
        let lookup = store.lookups[key] ?? PartyLookup(key: key)
        let timeout = Int64(router.outboundConfiguration.requestTimeoutSeconds) * 1000
        for event in lookup.decide(fact, now: now, timeoutMilliseconds: timeout) {
            record(.party(key: key, event), &store)
            switch event {
            case let .resolved(party, transfers):
                for id in transfers {
                    if id.hasPrefix(standaloneLookupPrefix) { routed.lookups.append((String(id.dropFirst(standaloneLookupPrefix.count)), .resolved(party))) }
                    else if id.hasPrefix(requestToPayLookupPrefix) { requestToPay(String(id.dropFirst(requestToPayLookupPrefix.count)), .partyResolved(party), &store) }
                    else { outbound(id, .partyResolved(party), &store) }
                }
            case let .failed(error, transfers):
                for id in transfers {
                    if id.hasPrefix(standaloneLookupPrefix) { routed.lookups.append((String(id.dropFirst(standaloneLookupPrefix.count)), .failed(error))) }
                    else if id.hasPrefix(requestToPayLookupPrefix) { requestToPay(String(id.dropFirst(requestToPayLookupPrefix.count)), .partyLookupFailed(error), &store) }
                    else { outbound(id, .partyLookupFailed(error), &store) }
                }
            default:
                break
            }
        }
    }

    mutating func requestToPay(_ id: String, _ fact: RequestToPayFact, _ store: inout AggregateStore) {
        if case .requested = fact {} else if store.requestsToPay[id] == nil { return }
        let request = store.requestsToPay[id] ?? RequestToPay(transactionRequestId: id)
        let events: [RequestToPayEvent]
        do { events = try request.decide(fact, outboundContext) } catch {
            routed.rejections.append((AggregateRef(.requestToPay, id), error))
            return
        }
        for event in events {
            record(.requestToPay(transactionRequestId: id, event), &store)
            if case let .partyLookupStarted(party) = event {
                self.party(PartyLookup.key(for: party), .requested(transferId: requestToPayLookupPrefix + id, party: party), &store)
            }
        }
    }

    /// Decides a fact of an inbound exchange (`current` is its state in `store`); a refused request is
    /// answered with its error when `message` asked.
    mutating func exchange<Request>(_ id: String, _ fact: InboundExchangeFact<Request>, _ current: InboundExchange<Request>?,
                                    _ store: inout AggregateStore, replyTo message: HubMessage?, path: String,
                                    as domain: (InboundExchangeEvent<Request>) -> DomainEvent) {
        if case .received = fact {} else if current == nil { return }
        do {
            for event in try (current ?? InboundExchange(id: id)).decide(fact) { record(domain(event), &store) }
        } catch {
            if let message { reply(message, path: path, error) }
        }
    }

    mutating func transactionRequest(_ id: String, _ fact: IncomingTransactionRequestFact, _ store: inout AggregateStore,
                                     replyTo message: HubMessage? = nil, path: String = "") {
        exchange(id, fact, store.transactionRequests[id], &store, replyTo: message, path: path) { .transactionRequest(transactionRequestId: id, $0) }
    }

    mutating func bulkQuote(_ id: String, _ fact: InboundExchangeFact<BulkQuotesPostRequest>, _ store: inout AggregateStore,
                            replyTo message: HubMessage? = nil, path: String = "") {
        exchange(id, fact, store.bulkQuotes[id], &store, replyTo: message, path: path) { .bulkQuote(bulkQuoteId: id, $0) }
    }

    mutating func bulkTransfer(_ id: String, _ fact: InboundExchangeFact<BulkTransfersPostRequest>, _ store: inout AggregateStore,
                               replyTo message: HubMessage? = nil, path: String = "") {
        exchange(id, fact, store.bulkTransfers[id], &store, replyTo: message, path: path) { .bulkTransfer(bulkTransferId: id, $0) }
    }

    /// A callback for a relayed request: its body as it came (an `errorInformation` object for `/error`).
    mutating func relayCallback(_ resource: RelayedRequest.Resource, _ id: String, _ message: HubMessage, _ store: inout AggregateStore) {
        guard let body = message.body else { routed.deadLetter = "\(message.method) \(message.path) has no body"; return }
        relayed(RelayedRequest.key(resource, id), .answered(body: body, source: message.source), &store)
    }

    mutating func relayed(_ key: String, _ fact: RelayedRequestFact, _ store: inout AggregateStore) {
        if case .requested = fact {} else if store.relayed[key] == nil { return }
        let request = store.relayed[key] ?? RelayedRequest(key: key)
        let timeout = Int64(router.outboundConfiguration.requestTimeoutSeconds) * 1000
        do {
            for event in try request.decide(fact, now: now, timeoutMilliseconds: timeout) { record(.relayed(key: key, event), &store) }
        } catch {
            routed.rejections.append((AggregateRef(.relayed, key), error))
        }
    }

    mutating func inbound(_ id: String, _ fact: InboundTransferFact, _ store: inout AggregateStore, replyTo message: HubMessage? = nil, path: String = "") {
        let transfer = store.inbound[id] ?? InboundTransfer(transactionId: id)
        do {
            for event in try transfer.decide(fact, inboundContext) { record(.inbound(transactionId: id, event), &store) }
        } catch {
            if let message { reply(message, path: path, error.fspiopError) }
        }
    }
}

extension FSPIOPError {
    /// The error another party sent, kept as it described it.
    package init(received object: ErrorInformationObject) {
        let info = object.errorInformation
        let prefix = info.errorCode.name + " - "
        let detail: String? = info.errorDescription == info.errorCode.name ? nil
            : info.errorDescription.hasPrefix(prefix) ? String(info.errorDescription.dropFirst(prefix.count)) : info.errorDescription
        self.init(info.errorCode, detail, extensions: info.extensionList?.extension ?? [])
    }
}
