import FSPIOP

/// Account lookup: the switch's part of `/parties` and `/participants` (API Definition v1.1 §6.2,
/// §6.3, and §3.2.3.6: the switch finds the owner of a party and routes the lookup to it).
extension HubEngine {
    /// `GET /parties/{Type}/{ID}[/{SubId}]` from a payer: forwarded to the DFSP that owns the party,
    /// with `FSPIOP-Destination` set to it; `3204` to the payer when no DFSP does. A destination named
    /// by the payer (other than the switch) is used as the owner, as the account-lookup service does.
    func getParty(_ message: HubInboundMessage, _ headers: RequestHeaders) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        let key = Self.partyKey(message.path)
        let ownerId: String?
        if let destination = headers.destination, destination != switchId {
            ownerId = destination
        } else {
            ownerId = state.withLedger { $0.owner(of: key) }
        }
        guard let ownerId else {
            sendError(FSPIOPError(.partyNotFound, "no DFSP owns \(Self.describe(key))"), about: message.path,
                      to: message.source, resource: .parties, version: message.version)
            return .accepted
        }
        guard let owner = state.participant(ownerId) else {
            sendError(FSPIOPError(.destinationFspError, "'\(ownerId)' is not a participant"), about: message.path,
                      to: message.source, resource: .parties, version: message.version)
            return .accepted
        }
        forward(message, to: owner, destination: ownerId, purpose: "forward GET /parties")
        return .accepted
    }

    /// `PUT /parties/{Type}/{ID}[/{SubId}]` and its `/error`, from the owner: forwarded to the
    /// `FSPIOP-Destination` (the payer) as received.
    func putParty(_ message: HubInboundMessage, _ headers: RequestHeaders, isError: Bool) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        if isError {
            _ = try decode(ErrorInformationObject.self, message)
        } else {
            _ = try decode(PartiesTypeIDPutResponse.self, message)
        }
        route(message, headers, resource: .parties, about: Self.resourcePath(message.path, isError: isError))
        return .ok
    }

    /// `POST /participants/{Type}/{ID}[/{SubId}]`: records the owner in the oracle, then answers the
    /// sender with `PUT /participants/{Type}/{ID}[/{SubId}]` and `{"fspId": …}` as the
    /// account-lookup service does (§6.2.3.3, §6.2.4.1).
    func postParticipant(_ message: HubInboundMessage) throws(FSPIOPError) -> Answer {
        let requester = try requireParticipant(message.source)
        let body = try decode(ParticipantsTypeIDSubIDPostRequest.self, message)
        let key = Self.partyKey(message.path)
        guard state.participant(body.fspId) != nil else {
            sendError(FSPIOPError(.idNotFound, "fspId '\(body.fspId)' is not a participant"), about: message.path,
                      to: message.source, resource: .participants, version: message.version)
            return .accepted
        }
        state.withLedger {
            $0.register(party: HubParty(partyIdType: key.type, partyIdentifier: key.identifier,
                                        partySubIdOrType: key.subId, fspId: body.fspId))
        }
        send("PUT", message.path, to: requester, resource: .participants, version: message.version,
             body: HubJSON.participantBody(fspId: body.fspId), purpose: "participant registered")
        return .accepted
    }

    /// `GET /participants/{Type}/{ID}[/{SubId}]`: the oracle's answer, `PUT /participants/…` with the
    /// owner, or `3204` when none.
    func getParticipant(_ message: HubInboundMessage) throws(FSPIOPError) -> Answer {
        let requester = try requireParticipant(message.source)
        let key = Self.partyKey(message.path)
        guard let owner = state.withLedger({ $0.owner(of: key) }) else {
            sendError(FSPIOPError(.partyNotFound, "no DFSP owns \(Self.describe(key))"), about: message.path,
                      to: message.source, resource: .participants, version: message.version)
            return .accepted
        }
        send("PUT", message.path, to: requester, resource: .participants, version: message.version,
             body: HubJSON.participantBody(fspId: owner), purpose: "participant lookup")
        return .accepted
    }

    /// A callback (`PUT /{resource}/{ID}` with a `Body`, or its `/error`) from a participant, checked
    /// and forwarded to its `FSPIOP-Destination`: the switch keeps nothing of it.
    func forwardCallback<Body: Decodable & FSPIOPValidatable>(_ message: HubInboundMessage, _ headers: RequestHeaders, resource: FSPIOPResource,
                                                             isError: Bool, _ body: Body.Type) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        if isError {
            _ = try decode(ErrorInformationObject.self, message)
        } else {
            _ = try decode(body, message)
        }
        route(message, headers, resource: resource, about: Self.resourcePath(message.path, isError: isError))
        return .ok
    }

    /// A `GET /{resource}/{ID}` from a participant, forwarded to its `FSPIOP-Destination`.
    func forwardQuery(_ message: HubInboundMessage, _ headers: RequestHeaders, resource: FSPIOPResource) throws(FSPIOPError) -> Answer {
        _ = try requireParticipant(message.source)
        route(message, headers, resource: resource, about: message.path)
        return .accepted
    }

    /// Forwards a message to its `FSPIOP-Destination`; `3201` to the sender when that is missing or not
    /// a participant (the reference switch's answer to an unknown destination).
    func route(_ message: HubInboundMessage, _ headers: RequestHeaders, resource: FSPIOPResource, about resourcePath: String) {
        guard let destinationId = headers.destination, let destination = state.participant(destinationId) else {
            let detail = headers.destination.map { "'\($0)' is not a participant" } ?? "FSPIOP-Destination is missing"
            sendError(FSPIOPError(.destinationFspError, detail), about: resourcePath, to: message.source,
                      resource: resource, version: message.version)
            return
        }
        forward(message, to: destination, purpose: "forward \(message.method) /\(resource.rawValue)")
    }

    /// The oracle key of `/{resource}/{Type}/{ID}[/{SubId}][/error]`.
    static func partyKey(_ path: String) -> HubPartyKey {
        var parts = segments(path)
        if parts.count == 5 || (parts.count == 4 && parts.last == "error") { parts.removeLast() }
        return HubPartyKey(type: parts.count > 1 ? parts[1] : "", identifier: parts.count > 2 ? parts[2] : "",
                           subId: parts.count > 3 ? parts[3] : nil)
    }

    /// The path of the resource a callback is about: without its `/error`.
    static func resourcePath(_ path: String, isError: Bool) -> String {
        isError && path.hasSuffix("/error") ? String(path.dropLast("/error".count)) : path
    }

    static func describe(_ key: HubPartyKey) -> String {
        "\(key.type)/\(key.identifier)" + (key.subId.map { "/\($0)" } ?? "")
    }
}
