import FSPIOP
import Foundation
import Hummingbird

/// The admin API: plain JSON, no FSPIOP headers.
///
/// - `GET /health`: `{"status":"OK","deliveries":{"delivered":…,"failed":…}}`
/// - `GET /admin/participants`: the participants and their positions (``HubParticipantState``)
/// - `POST /admin/participants`: registers or updates a participant (a ``HubParticipant`` body); 201
/// - `POST /admin/parties`: adds an oracle record (a ``HubParty`` body); 201
/// - `GET /admin/transfers/{ID}`: the hub's state of one transfer (``HubTransferSnapshot``), or 404
extension HubEngine {
    func addAdminRoutes(to router: Router<BasicRequestContext>) {
        router.get("health") { _, _ in
            encode(HubHealth(status: "OK", deliveries: courier.deliveryCounts), status: .ok)
        }
        router.get("admin/participants") { _, _ in
            encode(state.participantStates(), status: .ok)
        }
        router.post("admin/participants") { request, _ in
            guard let participant = await adminBody(HubParticipant.self, request) else {
                return adminError("the body must be {fspId, endpoint, currency, netDebitCap}")
            }
            do throws(HubSimulatorError) {
                try state.withLedger { (ledger: inout HubLedger) throws(HubSimulatorError) in try ledger.register(participant) }
            } catch {
                return adminError(error.description)
            }
            logger.info("Registered a participant", metadata: [HubLogKey.destination: "\(participant.fspId)", HubLogKey.url: "\(participant.endpoint)"])
            return encode(state.participantStates().first { $0.fspId == participant.fspId }, status: .created)
        }
        router.post("admin/parties") { request, _ in
            guard let party = await adminBody(HubParty.self, request), !party.partyIdType.isEmpty, !party.partyIdentifier.isEmpty else {
                return adminError("the body must be {partyIdType, partyIdentifier, partySubIdOrType?, fspId}")
            }
            state.withLedger { $0.register(party: party) }
            return encode(party, status: .created)
        }
        router.get("admin/transfers/:id") { _, context in
            let transferId = context.parameters.get("id") ?? ""
            guard let record = state.withLedger({ $0.transfer(transferId) }) else {
                return adminError("no transfer \(transferId)", status: .notFound)
            }
            return encode(HubTransferSnapshot(record), status: .ok)
        }
    }

    private func adminBody<Body: Decodable>(_ type: Body.Type, _ request: Request) async -> Body? {
        do {
            let buffer = try await request.body.collect(upTo: 64 * 1024)
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch {
            logger.info("Refused an admin request", metadata: [HubLogKey.url: "\(request.uri.path)", HubLogKey.error: "\(error)"])
            return nil
        }
    }

    private func adminError(_ reason: String, status: HTTPResponse.Status = .badRequest) -> Response {
        encode(["error": reason], status: status)
    }

    private func encode<Body: Encodable>(_ body: Body, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return Self.json(Array(try encoder.encode(body)), status: status)
        } catch {
            logger.error("Cannot encode an admin answer", metadata: [HubLogKey.error: "\(error)"])
            return Response(status: .internalServerError)
        }
    }
}

/// The body of `GET /health`.
struct HubHealth: Codable, Sendable {
    var status: String
    var deliveries: HubDeliveryCounts
}
