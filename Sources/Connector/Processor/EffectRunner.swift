import EventLog
import FSPIOP
import Logging
import PaymentDomain
import Processing
import ServiceContextModule
import Synchronization
import Tracing

/// Performs the effects the processor's decisions ask for (requests to the hub, calls to the core), once their events are
/// durable, and records each outcome as a fact (`effect.completed`, the core's answers, `effect.hub-request-failed`).
/// It keeps which recorded effects are under way, so that a checkpoint never lets a restart skip one whose outcome is
/// not on the log.
final class EffectRunner: Sendable {
    /// An effect to perform, with the event that caused it.
    struct Work: Sendable {
        var effect: Effect
        var causation: String?
        var correlation: String?
        /// When the aggregate that asked for it had its first event: until its outcome is recorded, a
        /// restart must fold the log from there to perform it again.
        var since: Timestamp?
        /// Its entry among the effects in flight, while it runs.
        var token: Int?
        /// The trace of the decision that asked for it (top-level when tracing is off, or after a restart).
        var context: ServiceContext = .topLevel
    }

    /// Recorded effects under way, by token: the first-event time of their aggregates.
    private struct InFlight {
        var next = 0
        var since: [Int: Timestamp] = [:]
    }

    let log: any EventLog
    let topics: ConnectorTopics
    let hub: HubClient
    let backend: BackendClient
    let dfspId: String
    let logger: Logger
    let clock = WallClock()
    private let inFlight = Mutex(InFlight())
    private let effectCount = Atomic<Int>(0)

    init(log: any EventLog, topics: ConnectorTopics, hub: HubClient, backend: BackendClient, dfspId: String, logger: Logger) {
        self.log = log
        self.topics = topics
        self.hub = hub
        self.backend = backend
        self.dfspId = dfspId
        self.logger = logger
    }

    /// Forgets the effects of an earlier term: what they had under way is on the log, or performed again from it.
    func startTerm() { inFlight.withLock { $0 = InFlight() } }

    func factRecord(_ fact: ConnectorFact, topic: String, key: String, causation: String?, correlation: String?) -> ProducerRecord {
        let envelope = Envelope(id: IDs.make(), type: fact.wireName, schemaVersion: fact.schemaVersion, aggregateID: key, sequence: 0,
                                occurredAt: clock.now, correlationID: correlation, causationID: causation,
                                payload: encoded(fact.wireName) { try fact.payload })
        return envelope.record(topic: topic)
    }

    func record(_ fact: ConnectorFact, topic: String, key: String, _ item: Work) async {
        // Cancelled (graceful shutdown, or the leadership lost): the outcome may be the cancellation's, not the
        // world's. Nothing is recorded; the effect stays without an outcome, so the next processor performs it again.
        guard !Task.isCancelled else {
            logger.debug("an effect was cancelled; its outcome is not recorded", metadata: ["fact": "\(fact.wireName)", "key": "\(key)"])
            return
        }
        do {
            var record = factRecord(fact, topic: topic, key: key, causation: item.causation, correlation: item.correlation)
            record.headers += TraceContext.logHeaders()
            _ = try await log.append([record])
            if let token = item.token { _ = inFlight.withLock { $0.since.removeValue(forKey: token) } }
        } catch {
            // The outcome is lost, not the effect: it stays in flight, so that checkpoints keep the log from
            // its aggregate on, and a restart performs it again.
            logger.error("cannot record an effect's outcome", metadata: ["fact": "\(fact.wireName)", "error": "\(error)"])
        }
    }

    /// The first-event time of the oldest aggregate with a recorded effect still under way.
    var oldestInFlight: Timestamp? { inFlight.withLock { $0.since.values.min() } }

    /// Effects (requests to the hub, calls to the core) started and not finished: when the connector takes more than it
    /// can finish, this is where the work piles up.
    public var effectsInFlight: Int { effectCount.load(ordering: .relaxed) }

    func perform(_ work: Work) async {
        effectCount.add(1, ordering: .relaxed)
        defer { effectCount.subtract(1, ordering: .relaxed) }
        // The calls it makes, and the outcome it records, continue the decision's trace.
        await ServiceContext.withValue(work.context) { await run(work) }
    }

    private func run(_ work: Work) async {
        var item = work
        if item.effect.isRecorded, let since = item.since {
            item.token = inFlight.withLock { state in
                state.next += 1
                state.since[state.next] = since
                return state.next
            }
        }
        switch item.effect {
        case let .hub(request, ref):
            do {
                let outcome = try await hub.send(request, logger: logger)
                await record(.effectCompleted(outcome), topic: topics.fspiopOutbound, key: ref.id, item)
            } catch {
                await record(.hubRequestFailed(ref, error: error.error.errorInformation), topic: topics.coreInbound, key: ref.id, item)
            }
        case let .backendQuote(transactionId, request):
            do {
                let answer = try await backend.quote(request)
                await record(.quoteAnswered(transactionId: transactionId, answer: answer), topic: topics.coreInbound, key: transactionId, item)
            } catch {
                await record(.quoteRefused(transactionId: transactionId, error: error.errorInformation), topic: topics.coreInbound, key: transactionId, item)
            }
        case let .backendTransfer(transactionId, prepare, quoteRequest, quote):
            do {
                let answer = try await backend.transfer(prepare: prepare, quoteRequest: quoteRequest, quote: quote)
                await record(.transferAnswered(transactionId: transactionId, answer: answer), topic: topics.coreInbound, key: transactionId, item)
            } catch {
                await record(.transferRefused(transactionId: transactionId, error: error.errorInformation), topic: topics.coreInbound, key: transactionId, item)
            }
        case let .backendNotify(transactionId, transferId, notification):
            let url = backend.baseURL + "/transfers/\(transferId)"
            do {
                try await backend.notify(transferId: transferId, notification: notification)
                await record(.effectCompleted(EffectOutcome(method: "PUT", url: url, status: 200, error: nil)), topic: topics.fspiopOutbound, key: transactionId, item)
            } catch {
                logger.warning("the core was not told the transfer's final state", metadata: ["transferId": "\(transferId)", "error": "\(error)"])
                await record(.effectCompleted(EffectOutcome(method: "PUT", url: url, status: nil, error: error.errorDescription)), topic: topics.fspiopOutbound, key: transactionId, item)
            }
        case let .backendTransactionRequest(request):
            let id = request.transactionRequestId
            do {
                let answer = try await backend.transactionRequest(request)
                await record(.transactionRequestAnswered(transactionRequestId: id, answer: answer), topic: topics.coreInbound, key: id, item)
            } catch {
                await record(.transactionRequestRefused(transactionRequestId: id, error: error.errorInformation), topic: topics.coreInbound, key: id, item)
            }
        case let .backendBulkQuote(request):
            let id = request.bulkQuoteId
            do {
                let answer = try await backend.bulkQuote(request)
                await record(.bulkQuoteAnswered(bulkQuoteId: id, answer: answer), topic: topics.coreInbound, key: id, item)
            } catch {
                await record(.bulkQuoteRefused(bulkQuoteId: id, error: error.errorInformation), topic: topics.coreInbound, key: id, item)
            }
        case let .backendBulkTransfer(request):
            let id = request.bulkTransferId
            do {
                let answer = try await backend.bulkTransfer(request)
                await record(.bulkTransferAnswered(bulkTransferId: id, answer: answer), topic: topics.coreInbound, key: id, item)
            } catch {
                await record(.bulkTransferRefused(bulkTransferId: id, error: error.errorInformation), topic: topics.coreInbound, key: id, item)
            }
        case let .backendRequestToPayNotify(id, home, state):
            let url = backend.baseURL + "/requestToPay/\(id)"
            do {
                try await backend.notifyRequestToPay(transactionRequestId: id, homeR2PTransactionId: home, state: state)
                await record(.effectCompleted(EffectOutcome(method: "PUT", url: url, status: 200, error: nil)), topic: topics.fspiopOutbound, key: id, item)
            } catch {
                logger.warning("the core was not told the answer to its request to pay", metadata: ["transactionRequestId": "\(id)", "error": "\(error)"])
                await record(.effectCompleted(EffectOutcome(method: "PUT", url: url, status: nil, error: error.errorDescription)), topic: topics.fspiopOutbound, key: id, item)
            }
        case let .answerPartyQuery(idType, idValue, idSubValue, source):
            let path = FSPIOPPath.path(["parties", idType, idValue] + (idSubValue.map { [$0] } ?? []))
            let request: HubRequest
            do {
                let party = try await backend.party(idType: idType, idValue: idValue, idSubValue: idSubValue)
                request = HubRequest(method: "PUT", resource: .parties, path: path, destination: source,
                                     body: try? JSONValueEncoder.encode(PartiesTypeIDPutResponse(party: party.fspiopParty(fspId: dfspId,
                                                                                                                           idType: idType, idValue: idValue, idSubValue: idSubValue))))
            } catch {
                request = HubRequest(method: "PUT", resource: .parties, path: path + "/error", destination: source,
                                     body: try? JSONValueEncoder.encode(error.errorInformation))
            }
            do { _ = try await hub.send(request, logger: logger) } catch {
                logger.warning("cannot answer a party lookup", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        case let .answerParticipantQuery(idType, idValue, idSubValue, source):
            let path = FSPIOPPath.path(["participants", idType, idValue] + (idSubValue.map { [$0] } ?? []))
            let request: HubRequest
            do {
                _ = try await backend.party(idType: idType, idValue: idValue, idSubValue: idSubValue)
                request = HubRequest(method: "PUT", resource: .participants, path: path, destination: source,
                                     body: try? JSONValueEncoder.encode(ParticipantsTypeIDPutResponse(fspId: dfspId)))
            } catch {
                request = HubRequest(method: "PUT", resource: .participants, path: path + "/error", destination: source,
                                     body: try? JSONValueEncoder.encode(error.errorInformation))
            }
            do { _ = try await hub.send(request, logger: logger) } catch {
                logger.warning("cannot answer a participant lookup", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        case let .answerAuthorization(id, source):
            let path = "/authorizations/\(id)"
            let request: HubRequest
            do {
                let otp = try await backend.otp(transactionRequestId: id)
                let body = AuthorizationsIDPutResponse(authenticationInfo: AuthenticationInfo(authentication: "OTP", authenticationValue: .text(otp)),
                                                       responseType: "ENTERED")
                request = HubRequest(method: "PUT", resource: .authorizations, path: path, destination: source, body: try? JSONValueEncoder.encode(body))
            } catch {
                request = HubRequest(method: "PUT", resource: .authorizations, path: path + "/error", destination: source,
                                     body: try? JSONValueEncoder.encode(error.errorInformation))
            }
            do { _ = try await hub.send(request, logger: logger) } catch {
                logger.warning("cannot answer an authorization request", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        case let .reply(request):
            do { _ = try await hub.send(request, logger: logger) } catch {
                logger.warning("cannot send a callback", metadata: ["path": "\(request.path)", "error": "\(error)"])
            }
        }
    }

    /// A payload, or null with the failure logged: the types encode their own Codable models, so a
    /// failure is a defect to see in the logs, not a reason to stop the processor.
    func encoded(_ type: String, _ payload: () throws -> JSONValue) -> JSONValue {
        do { return try payload() } catch {
            logger.error("cannot encode a payload; the record carries null", metadata: ["type": "\(type)", "error": "\(error)"])
            return .null
        }
    }
}
