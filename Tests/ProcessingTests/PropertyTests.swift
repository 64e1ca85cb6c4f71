import FSPIOP
import Foundation
import FuzzInput
import PaymentDomain
import PropertyBased
import Testing
@testable import Processing

/// Random and hostile input to the pure layers: FSPIOP bodies, headers and paths as the edges read them, and facts as
/// the processor reads them from the log, through every decider. Each property asserts no trap (a trap stops the
/// test process), an FSPIOP error or a documented answer, and that what the input is not about stays unchanged.
///
/// `PM_PROPERTY_ITERATIONS` scales every count (default 1: the bounded run of the suite; 100 for a long run:
/// `PM_PROPERTY_ITERATIONS=100 swift test --filter PropertyTests`).
@Suite("Properties: hostile input to the pure layers")
struct PropertyTests {
    static let scale = ProcessInfo.processInfo.environment["PM_PROPERTY_ITERATIONS"].flatMap(Int.init) ?? 1
    static let seeds = Gen<UInt64>.value()

    /// The FSPIOP error codes an edge answers a body or headers with.
    static let edgeCodes: Set<String> = ["3001", "3100", "3101", "3102", "3103"]

    // MARK: Paths

    @Test("a path segment decodes to the value it was made from, and holds only characters a path may")
    func pathSegments() async {
        await propertyCheck(count: 300 * Self.scale, input: Self.seeds) { seed in
            var input = HostileInput(seed: seed)
            let value = input.string()
            let segment = FSPIOPPath.segment(value)
            #expect(FSPIOPPath.decode(Substring(segment)) == value)
            #expect(segment.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0 != "/" && $0 != "?" && $0 != "#" })
            if !value.isEmpty {
                #expect(FSPIOPPath.segments(of: Substring(FSPIOPPath.path("parties", "MSISDN", value))) == ["parties", "MSISDN", value])
            }
            // Any received path: decoded or refused, never a trap.
            _ = FSPIOPPath.segments(of: Substring(input.string()))
        }
    }

    // MARK: Bodies and headers

    /// Valid bodies of each FSPIOP type the inbound API decodes, from a real exchange (``SenderTests``).
    static func corpus() throws -> [(name: String, body: JSONValue, decode: @Sendable (Data) throws(FSPIOPError) -> Void)] {
        var payer = Side(dfspId: "payerfsp")
        var payee = Side(dfspId: "payeefsp", secret: "payee-secret")
        _ = payer.receive(.transferRequested(transferId: SenderTests.transferId, request: SenderTests.request, autoAcceptParty: nil, autoAcceptQuote: nil))
        let party = try SenderTests.partyBody(fspId: "payeefsp")
        let resolved = payer.receive(Side.message("PUT", SenderTests.partyPath, from: "payeefsp", to: "payerfsp", body: party))
        let quote = try #require(SenderTests.hubRequests(resolved.effects).first { $0.path == "/quotes" }?.body)
        let asked = payee.receive(Side.message("POST", "/quotes", from: "payerfsp", to: "payeefsp", body: quote))
        guard case let .backendQuote(transactionId, request)? = asked.effects.first else { throw SenderTests.Failure("no backend quote") }
        let answered = payee.receive(.quoteAnswered(transactionId: transactionId, answer: BackendQuoteResponse(
            quoteId: request.quoteId, transactionId: transactionId, transferAmount: "10", transferAmountCurrency: "USD")))
        let quoteResponse = try #require(SenderTests.hubRequests(answered.effects).first?.body)
        let error = try JSONValueEncoder.encode(FSPIOPError(.payeeRejectedQuote).errorInformation)
        let v = APIVersion.v1_1
        return [
            ("party", party, { data throws(FSPIOPError) in _ = try FSPIOPBodyDecoder.decode(PartiesTypeIDPutResponse.self, from: data, version: v) }),
            ("quote request", quote, { data throws(FSPIOPError) in _ = try FSPIOPBodyDecoder.decode(QuotesPostRequest.self, from: data, version: v) }),
            ("quote", quoteResponse, { data throws(FSPIOPError) in _ = try FSPIOPBodyDecoder.decode(QuotesIDPutResponse.self, from: data, version: v) }),
            ("quote 2.0", quoteResponse, { data throws(FSPIOPError) in _ = try FSPIOPBodyDecoder.decode(QuotesIDPutResponse.self, from: data, version: .v2_0) }),
            ("error", error, { data throws(FSPIOPError) in _ = try FSPIOPBodyDecoder.decode(ErrorInformationObject.self, from: data, version: v) }),
            ("patch", .object([("completedTimestamp", .string("2026-12-07T10:00:00.000Z")), ("transferState", .string("COMMITTED"))]),
             { data throws(FSPIOPError) in _ = try FSPIOPBodyDecoder.decode(TransfersIDPatchResponse.self, from: data, version: v) }),
        ]
    }

    @Test("a hostile body of any FSPIOP type decodes or is refused with a 3xxx edge error")
    func bodies() async throws {
        let corpus = try Self.corpus()
        await propertyCheck(count: 400 * Self.scale, input: Self.seeds) { seed in
            var input = HostileInput(seed: seed)
            let (name, body, decode) = input.pick(corpus)
            let bytes = input.bytes(input.mutate(body))
            do throws(FSPIOPError) { try decode(Data(bytes)) } catch {
                #expect(Self.edgeCodes.contains(error.code.rawValue), "\(name): \(error)")
            }
        }
    }

    @Test("hostile headers are validated or refused with 3001, 3101 or 3102, whatever the method and resource")
    func headers() async {
        let names = ["Content-Type", "Accept", "Date", "FSPIOP-Source", "FSPIOP-Destination", "content-type", "accept"]
        await propertyCheck(count: 400 * Self.scale, input: Self.seeds) { seed in
            var input = HostileInput(seed: seed)
            let resource = input.pick(FSPIOPResource.allCases.map(\.rawValue))
            var fields: [(String, String)] = [("Content-Type", MediaType.contentType(resource, .v1_1)), ("Accept", MediaType.accept(resource, major: 1)),
                                              ("Date", Timestamp(millisecondsSinceEpoch: 1_795_908_728_000).httpDate), ("FSPIOP-Source", "payerfsp")]
            for _ in 0..<Int.random(in: 1...3, using: &input) {
                if input.chance(0.3), !fields.isEmpty { fields.remove(at: Int.random(in: 0..<fields.count, using: &input)) }
                else { fields.append((input.pick(names), input.string())) }
            }
            do throws(FSPIOPError) {
                let checked = try RequestHeaders.validate(method: input.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "BREW"]), resource: resource,
                                                          headers: HeaderFields(fields), hasBody: input.chance(0.5),
                                                          contentType: input.chance(0.5) ? .everyMethod : .withBody)
                #expect(!checked.source.isEmpty)
            } catch {
                #expect(["3001", "3101", "3102"].contains(error.code.rawValue), "\(error)")
            }
        }
    }

    @Test("dates: any text parses to an instant with a four-digit year or to nothing; moving an instant never leaves them")
    func dates() async {
        await propertyCheck(count: 400 * Self.scale, input: Self.seeds, Gen<Int64>.value()) { seed, milliseconds in
            var input = HostileInput(seed: seed)
            for text in [input.string(), input.pick(HostileInput.nastyStrings)] {
                if let parsed = Timestamp(dateTime: text) {
                    #expect(parsed >= Timestamp.earliest && parsed <= Timestamp.latest)
                    #expect(Timestamp(dateTime: parsed.dateTime) == parsed)
                }
                _ = Timestamp(httpDate: text)
                _ = Timestamp(interledgerTimestamp: text)
            }
            let moved = Timestamp(millisecondsSinceEpoch: 1_795_908_728_000).adding(milliseconds: milliseconds)
            #expect(moved >= Timestamp.earliest && moved <= Timestamp.latest)
            #expect(Timestamp(dateTime: moved.dateTime) == moved)
            _ = moved.adding(seconds: milliseconds)
        }
    }

    // MARK: Facts through every decider

    /// The facts of one real transfer on each side, as the processor reads them from the log (wire name, payload).
    static func flow() throws -> (payer: [(String, JSONValue)], payee: [(String, JSONValue)]) {
        var payer: [ConnectorFact] = [.transferRequested(transferId: SenderTests.transferId, request: SenderTests.request, autoAcceptParty: nil, autoAcceptQuote: nil)]
        var payee: [ConnectorFact] = []
        var payerSide = Side(dfspId: "payerfsp")
        var payeeSide = Side(dfspId: "payeefsp", secret: "payee-secret")
        _ = payerSide.receive(payer[0])
        payer.append(Side.message("PUT", SenderTests.partyPath, from: "payeefsp", to: "payerfsp", body: try SenderTests.partyBody(fspId: "payeefsp")))
        let quote = try #require(SenderTests.hubRequests(payerSide.receive(payer[1]).effects).first { $0.path == "/quotes" })
        payee.append(Side.forwarded(quote, from: "payerfsp"))
        guard case let .backendQuote(transactionId, request)? = payeeSide.receive(payee[0]).effects.first else { throw SenderTests.Failure("no quote") }
        payee.append(.quoteAnswered(transactionId: transactionId, answer: BackendQuoteResponse(
            quoteId: request.quoteId, transactionId: transactionId, transferAmount: "10", transferAmountCurrency: "USD")))
        let quoteAnswer = try #require(SenderTests.hubRequests(payeeSide.receive(payee[1]).effects).first)
        payer.append(Side.forwarded(quoteAnswer, from: "payeefsp"))
        let prepare = try #require(SenderTests.hubRequests(payerSide.receive(payer[2]).effects).first { $0.path == "/transfers" })
        payee.append(Side.forwarded(prepare, from: "payerfsp"))
        _ = payeeSide.receive(payee[2])
        payee.append(.transferAnswered(transactionId: transactionId, answer: BackendTransferResponse(homeTransactionId: "h", transferState: "RESERVED")))
        let fulfil = try #require(SenderTests.hubRequests(payeeSide.receive(payee[3]).effects).first)
        payer.append(Side.forwarded(fulfil, from: "payeefsp"))
        payee.append(Side.message("PATCH", "/transfers/\(SenderTests.transferId)", from: "switch", to: "payeefsp",
                                  body: .object([("completedTimestamp", .string(SenderTests.now.dateTime)), ("transferState", .string("COMMITTED"))])))
        payer.append(.deadlinePassed(AggregateRef(.outbound, SenderTests.transferId), at: SenderTests.now.adding(seconds: 3600)))
        payee.append(.deadlinePassed(AggregateRef(.inbound, transactionId), at: SenderTests.now.adding(seconds: 3600)))
        payer.append(.hubRequestFailed(AggregateRef(.outbound, SenderTests.transferId), error: FSPIOPError(.destinationCommunicationError).errorInformation))
        func wire(_ facts: [ConnectorFact]) throws -> [(String, JSONValue)] { try facts.map { ($0.wireName, try $0.payload) } }
        return (try wire(payer), try wire(payee))
    }

    /// A transfer of another party under way before the hostile facts: it must not move.
    static func bystander(_ side: inout Side) {
        let id = "11111111-1111-4111-8111-111111111111"
        var request = SenderTests.request
        request.homeTransactionId = "bystander"
        request.to = TransferParty(idType: "MSISDN", idValue: "27713800000")
        _ = side.receive(.transferRequested(transferId: id, request: request, autoAcceptParty: nil, autoAcceptQuote: nil))
    }

    @Test("a transfer's facts, mutated, duplicated, reordered or sent by anyone, go through every decider without a trap; another transfer stays as it was")
    func facts() async throws {
        let (payerFlow, payeeFlow) = try Self.flow()
        await propertyCheck(count: 150 * Self.scale, input: Self.seeds) { seed in
            var input = HostileInput(seed: seed)
            for (dfspId, flow) in [("payerfsp", payerFlow), ("payeefsp", payeeFlow)] {
                var side = Side(dfspId: dfspId, secret: dfspId == "payeefsp" ? "payee-secret" : "secret")
                Self.bystander(&side)
                let bystander = side.store.outbound["11111111-1111-4111-8111-111111111111"]
                var facts = flow
                for _ in 0..<Int.random(in: 0...6, using: &input) {
                    let index = Int.random(in: 0..<facts.count, using: &input)
                    switch Int.random(in: 0..<5, using: &input) {
                    case 0: facts.swapAt(index, Int.random(in: 0..<facts.count, using: &input))
                    case 1: facts.insert(facts[index], at: Int.random(in: 0...facts.count, using: &input))
                    case 2: facts[index].1 = input.mutate(facts[index].1)
                    case 3: facts[index].1 = Self.sentBy(input.pick(["evilfsp", "switch", "payerfsp", "payeefsp"]), facts[index].1)
                    default: facts.remove(at: index)
                    }
                    if facts.isEmpty { break }
                }
                for (name, payload) in facts {
                    // As the processor: a payload that does not decode is dead-lettered, not routed.
                    guard let fact = try? ConnectorFact(wireName: name, payload: payload) else { continue }
                    let routed = side.receive(fact, at: SenderTests.now.adding(milliseconds: Int64.random(in: -10_000...4_000_000, using: &input)))
                    if let refused = routed.routed.refusedSender { #expect(refused.code == .validationError) }
                    for event in routed.routed.events where event.ref.id == "11111111-1111-4111-8111-111111111111" {
                        Issue.record("an event for the bystander: \(event.wireName) from \(name)")
                    }
                }
                #expect(side.store.outbound["11111111-1111-4111-8111-111111111111"] == bystander)
            }
        }
    }

    /// A hub message's payload with another `source`.
    static func sentBy(_ source: String, _ payload: JSONValue) -> JSONValue {
        guard case var .object(members) = payload, let index = members.firstIndex(where: { $0.0 == "source" }) else { return payload }
        members[index].1 = .string(source)
        return .object(members)
    }
}
