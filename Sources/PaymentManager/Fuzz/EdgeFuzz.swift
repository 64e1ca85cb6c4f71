import Connector
import EventLog
import FSPIOP
import Foundation
import NIOCore
import NIOHTTP1
import PaymentDomain
import FuzzInput

/// Hostile input against the edges of a running topology: the payer's and the payee's inbound FSPIOP APIs (as the hub
/// forwards messages from a DFSP, signed with that DFSP's key so that they reach the body checks and the processor, or
/// with headers broken; never as the hub itself, which is trusted) and the payer's outbound API. Every answer must be an HTTP answer of the documented shapes; the
/// transfer completed before the run must be unchanged after it; a new transfer must still complete.
///
/// The messages are mutations of the ones a real transfer exchanged (read from the logs), of the outbound API's own
/// bodies, and random paths and methods, all drawn from ``HostileInput`` with one seed.
public struct EdgeFuzz: Sendable {
    public struct Result: Sendable {
        public var requests: Int
        /// Answers by HTTP status.
        public var statuses: [Int: Int]
        /// Answers whose shape is not a documented one (a 2xx without the expected body, an error without its code).
        public var malformed: [String]
        /// Requests that got no HTTP answer at all.
        public var unanswered: [String]
        public var deadLetters: Int
        /// The transfer made before the run: its state at the payer before and after.
        public var referenceUnchanged: Bool
        public var afterwardsCompleted: Bool
        /// Payer transfers whose end the payer and the hub see differently (completed at one, not committed at the other):
        /// what hostile messages must never cause, since the payer tells its core what it saw.
        public var disagreements: [String]
        public var passed: Bool { malformed.isEmpty && unanswered.isEmpty && referenceUnchanged && afterwardsCompleted && disagreements.isEmpty }
    }

    let topology: Topology

    public init(topology: Topology) { self.topology = topology }

    /// A message seen on a log: the template of hostile ones.
    struct Template {
        var method: String
        var path: String
        var source: String
        var body: JSONValue?
    }

    public func run(requests: Int, seed: UInt64) async throws -> Result {
        // A reference transfer, whose messages become the templates and whose state must not move.
        let reference = try await topology.payerCore.sendTransfer(from: topology.payerAccount(0), to: topology.payeeParty(0), amount: "1",
                                                                  currency: topology.options.currency)
        guard reference.isCompleted, let referenceId = reference.transferId, let before = topology.payer.board.transfer(referenceId) else {
            throw TopologyError("the reference transfer did not complete: \(reference.state) \(reference.errorCode ?? "")")
        }
        var templates: [(port: Int, Template)] = []
        for (log, port) in [(topology.payerLog, topology.ports.payerInbound), (topology.payeeLog, topology.ports.payeeInbound)] {
            for record in try await log.read(ReadRequest(topic: ConnectorTopics().fspiopInbound, limit: 1000)) {
                guard let envelope = try? Envelope(bytes: record.value), envelope.type == "fspiop.received",
                      let method = envelope.payload["method"]?.stringValue, let path = envelope.payload["path"]?.stringValue,
                      let source = envelope.payload["source"]?.stringValue else { continue }
                templates.append((port, Template(method: method, path: path, source: source, body: envelope.payload["body"])))
            }
        }
        guard !templates.isEmpty else { throw TopologyError("no messages on the logs to start from") }
        let http = try topology.switchHTTPClient()
        let plain = try PooledHTTPClient(configuration: .init())
        do {
            let result = try await run(requests: requests, seed: seed, referenceId: referenceId, before: before, templates: templates, http: http, plain: plain)
            await http.shutdown()
            await plain.shutdown()
            return result
        } catch {
            await http.shutdown()
            await plain.shutdown()
            throw error
        }
    }

    private func run(requests: Int, seed: UInt64, referenceId: String, before: OutboundTransfer, templates: [(port: Int, Template)],
                     http: PooledHTTPClient, plain: PooledHTTPClient) async throws -> Result {
        var signers: [String: JWSSigner] = [:]
        for name in [topology.options.payerId, topology.options.payeeId] {
            signers[name] = JWSSigner(key: try SigningKey(pem: try String(contentsOfFile: try topology.pki.participant(name).jwsKeyPath, encoding: .utf8)))
        }
        var input = HostileInput(seed: seed)
        var result = Result(requests: requests, statuses: [:], malformed: [], unanswered: [], deadLetters: 0, referenceUnchanged: false,
                            afterwardsCompleted: false, disagreements: [])
        for index in 0..<requests {
            let description: String
            let answer: PooledHTTPClient.Response?
            if input.chance(0.65) {
                let (port, template) = input.pick(templates)
                (description, answer) = await hubMessage(template, port: port, referenceId: referenceId, signers: signers, http: http, input: &input)
                if let answer { check(inbound: answer, description, &result) }
            } else {
                (description, answer) = await outboundCall(referenceId: referenceId, client: plain, input: &input)
                if let answer { check(outbound: answer, description, &result) }
            }
            if answer == nil { result.unanswered.append("#\(index) \(description)") }
            if let answer { result.statuses[Int(answer.status.code), default: 0] += 1 }
        }
        // What the hostile messages set in motion settles; then the reference is compared and a new transfer made.
        try await settle()
        let after = topology.payer.board.transfer(referenceId)
        result.referenceUnchanged = after?.phase == before.phase && after?.version == before.version
            && topology.hub.transfer(id: referenceId)?.transferState == "COMMITTED"
        let fresh = try await topology.payerCore.sendTransfer(from: topology.payerAccount(1), to: topology.payeeParty(1), amount: "1",
                                                              currency: topology.options.currency)
        result.afterwardsCompleted = fresh.isCompleted
        try await settle()
        for transfer in topology.payer.board.allTransfers where transfer.phase.isTerminal {
            let hub = topology.hub.transfer(id: transfer.transferId)?.transferState
            if (transfer.phase == .completed) != (hub == "COMMITTED") {
                result.disagreements.append("\(transfer.transferId): \(transfer.phase.rawValue) at the payer, \(hub ?? "unknown") at the hub")
            }
        }
        result.deadLetters = Int(topology.payer.metrics.total("pm_dead_letters_total") + topology.payee.metrics.total("pm_dead_letters_total"))
        return result
    }

    /// Waits until neither processor has facts left to process.
    func settle() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let lag = try await topology.payerLog.groupLag("pm.processor").reduce(0) { $0 + $1.lag }
                + (try await topology.payeeLog.groupLag("pm.processor").reduce(0) { $0 + $1.lag })
            if lag == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    // MARK: Inbound

    func hubMessage(_ template: Template, port: Int, referenceId: String, signers: [String: JWSSigner], http: PooledHTTPClient,
                    input: inout HostileInput) async -> (String, PooledHTTPClient.Response?) {
        var method = template.method
        var path = template.path
        var body = template.body
        let resource = String(path.split(separator: "/").first ?? "transfers")
        switch Int.random(in: 0..<10, using: &input) {
        case 0: method = input.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        case 1: path = "/" + input.pick(FSPIOPResource.allCases.map(\.rawValue) + ["ping", "health", "x"]) + "/" + FSPIOPPath.segment(input.string())
        case 2: path = "/transfers/\(referenceId)" + (input.chance(0.5) ? "/error" : "")
        case 3: body = input.json()
        default: body = body.map { input.mutate($0) }
        }
        // Never the hub: what it says is the outcome by definition (a forged hub can move money anywhere). Anyone else.
        let source = template.source != "switch" && input.chance(0.8) ? template.source
            : input.pick([topology.options.payerId, topology.options.payeeId, "evilfsp"])
        let bytes = body.map { input.bytes($0) } ?? []
        var fields: [(String, String)] = [("Date", WallClock().now.httpDate), ("FSPIOP-Source", source), ("FSPIOP-URI", path),
                                          ("FSPIOP-HTTP-Method", method)]
        if input.chance(0.9) {
            fields.append(("FSPIOP-Destination", port == topology.ports.payerInbound ? topology.options.payerId : topology.options.payeeId))
        }
        if !bytes.isEmpty, let signer = signers[source], let signature = try? signer.sign(body: bytes, headers: HeaderFields(fields)) {
            fields.append(("FSPIOP-Signature", signature.headerValue))
        }
        fields.append(("Content-Type", MediaType.contentType(resource, input.pick([APIVersion.v1_1, .v1_1, .v2_0]))))
        if method != "PUT", method != "PATCH" { fields.append(("Accept", MediaType.accept(resource, major: 1))) }
        if input.chance(0.15) {
            // A header broken after signing: removed, or given a hostile value.
            let index = Int.random(in: 0..<fields.count, using: &input)
            if input.chance(0.5) { fields.remove(at: index) } else { fields[index].1 = input.string().filter { $0 != "\r" && $0 != "\n" && $0 != "\0" } }
        }
        var headers = HTTPHeaders()
        for (name, value) in fields where value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) { headers.add(name: name, value: value) }
        let description = "\(method) \(path) from \(source), \(bytes.count) bytes"
        let target = "https://127.0.0.1:\(port)\(path.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 }) ? path : "/x")"
        do {
            return (description, try await http.execute(method: HTTPMethod(rawValue: method), url: target, headers: headers,
                                                         body: bytes.isEmpty ? nil : ByteBuffer(bytes: bytes), timeout: .seconds(20)))
        } catch {
            return (description + ": \(error)", nil)
        }
    }

    func check(inbound answer: PooledHTTPClient.Response, _ description: String, _ result: inout Result) {
        let status = Int(answer.status.code)
        if status == 200 || status == 202 { return }
        let json = try? JSONParser.parse(Array(buffer: answer.body))
        guard let code = json?["errorInformation"]?["errorCode"]?.stringValue, code.count == 4, code.allSatisfy(\.isNumber),
              json?["errorInformation"]?["errorDescription"]?.stringValue != nil else {
            result.malformed.append("\(description): \(status) \(String(buffer: answer.body).prefix(200))")
            return
        }
    }

    // MARK: Outbound

    func outboundCall(referenceId: String, client: PooledHTTPClient, input: inout HostileInput) async -> (String, PooledHTTPClient.Response?) {
        let transfer: JSONValue = .object([
            ("homeTransactionId", .string("fuzz-\(input.next())")),
            ("from", .object([("idType", .string("MSISDN")), ("idValue", .string("27710000002"))])),
            ("to", .object([("idType", .string("MSISDN")), ("idValue", .string("27720000002"))])),
            ("amountType", .string("SEND")), ("currency", .string(topology.options.currency)), ("amount", .string("1")),
            ("transactionType", .string("TRANSFER")),
        ])
        let calls: [(String, String, JSONValue?)] = [
            ("POST", "/transfers", transfer), ("PUT", "/transfers/\(referenceId)", .object([("acceptQuote", .bool(true))])),
            ("GET", "/transfers/\(referenceId)", nil), ("GET", "/parties/MSISDN/27720000003", nil),
            ("POST", "/quotes", .object([("fspId", .string(topology.options.payeeId)), ("quotesPostRequest", .object([]))])),
            ("POST", "/simpleTransfers", .object([("fspId", .string(topology.options.payeeId)), ("transfersPostRequest", .object([]))])),
            ("POST", "/requestToPay", transfer), ("POST", "/requestToPayTransfer", transfer), ("POST", "/bulkQuotes", transfer),
            ("POST", "/bulkTransfers", transfer), ("GET", "/" + FSPIOPPath.segment(input.string()), nil),
        ]
        var (method, path, body) = input.pick(calls)
        if input.chance(0.1) { method = input.pick(["GET", "POST", "PUT", "PATCH", "DELETE"]) }
        let bytes = body.map { input.chance(0.85) ? input.bytes(input.mutate($0)) : input.bytes($0) } ?? []
        let description = "outbound \(method) \(path), \(bytes.count) bytes"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        do {
            return (description, try await client.execute(method: HTTPMethod(rawValue: method), url: "http://127.0.0.1:\(topology.ports.payerOutbound)\(path)",
                                                          headers: headers, body: bytes.isEmpty ? nil : ByteBuffer(bytes: bytes), timeout: .seconds(60)))
        } catch {
            return (description + ": \(error)", nil)
        }
    }

    func check(outbound answer: PooledHTTPClient.Response, _ description: String, _ result: inout Result) {
        let status = Int(answer.status.code)
        let json = try? JSONParser.parse(Array(buffer: answer.body))
        if (200..<300).contains(status) {
            if json == nil { result.malformed.append("\(description): \(status) with a body that is not JSON") }
            return
        }
        // The SDK's `{statusCode, message}`, or an FSPIOP `errorInformation` (party lookups, as the SDK answers them).
        let sdk = json?["statusCode"]?.stringValue != nil && json?["message"]?.stringValue != nil
        let fspiop = json?["errorInformation"]?["errorCode"]?.stringValue != nil
        if !sdk && !fspiop { result.malformed.append("\(description): \(status) \(String(buffer: answer.body).prefix(200))") }
    }
}
