import Foundation
import Testing
import FSPIOP
import Synchronization

/// Runs the built `pm` executable as a user's script would.
enum PMProcess {
    static let shared: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared")

    /// The `pm` binary beside the test bundle (`swift test` builds it, since this target depends on it).
    static var executable: URL {
        get throws {
            let candidates = [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pm"),
                Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("pm"),
                Bundle.main.bundleURL.appendingPathComponent("pm"),
            ]
            return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }, "pm binary not found")
        }
    }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A scratch folder for one test's files.
final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pm-tool-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func write(_ name: String, json: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try write(name, String(decoding: data, as: UTF8.self))
    }
}

struct PMJWSToolTests {
    static func vectors() throws -> [[String: Any]] {
        let data = try Data(contentsOf: PMProcess.shared.appendingPathComponent("vectors/jws/vectors.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(document["vectors"] as? [[String: Any]])
    }

    static let ids: [String] = (try? vectors().compactMap { $0["id"] as? String }) ?? []

    @Test("pm jws verify answers every shared vector", arguments: ids)
    func verifyVector(id: String) throws {
        let vector = try #require(try Self.vectors().first { $0["id"] as? String == id })
        let scratch = try Scratch()
        var headers = try #require(vector["headers"] as? [String: String])
        // Header names in any case: the tool lower-cases nothing itself.
        headers = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        headers["fspiop-signature"] = try #require(vector["fspiop_signature_header"] as? String)
        let headersPath = try scratch.write("headers.json", json: headers)
        let bodyPath = try scratch.write("body.json", try #require(vector["body_utf8"] as? String))
        let keyPath = PMProcess.shared.appendingPathComponent("vectors/jws/" + (try #require(vector["public_key_file"] as? String))).path
        let result = try PMProcess.run(["jws", "verify", "--key", keyPath, "--headers", headersPath, "--body", bodyPath])
        if vector["expect"] as? String == "accept" {
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "valid\n")
        } else {
            #expect(result.status == 1)
            #expect(!result.stderr.isEmpty)
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("pm jws sign then verify round-trips with RSA and EC keys, and unreadable input exits 2")
    func signThenVerify() throws {
        let scratch = try Scratch()
        for key in [try SigningKey.generateRSA(), try SigningKey.generateP256()] {
            let privatePath = try scratch.write("private.pem", try key.privateKeyPEM())
            let publicPath = try scratch.write("public.pem", try key.verificationKey.pem)
            let headers = ["FSPIOP-Source": "payerfsp", "fspiop-destination": "payeefsp", "FSPIOP-URI": "/quotes",
                           "FSPIOP-HTTP-Method": "POST", "Date": "Sun, 29 Nov 2026 01:00:00 GMT"]
            let headersPath = try scratch.write("headers.json", json: headers)
            let bodyPath = try scratch.write("body.json", #"{"note":"Zoë / 北京","quoteId":"b51ec534-ee48-4575-b6a9-ead2955b8069"}"#)
            let signed = try PMProcess.run(["jws", "sign", "--key", privatePath, "--headers", headersPath, "--body", bodyPath])
            #expect(signed.status == 0, "\(signed.stderr)")
            let value = signed.stdout.trimmingCharacters(in: .newlines)
            #expect(value.hasPrefix(#"{"signature":""#))
            let parsed = try FSPIOPSignature(headerValue: value)
            let protected = String(decoding: try #require(Base64.urlDecoded(parsed.protectedHeader)), as: UTF8.self)
            #expect(protected == #"{"alg":"\#(key.algorithm.rawValue)","FSPIOP-URI":"/quotes","FSPIOP-HTTP-Method":"POST","FSPIOP-Source":"payerfsp","FSPIOP-Destination":"payeefsp","Date":"Sun, 29 Nov 2026 01:00:00 GMT"}"#)

            var withSignature = headers
            withSignature["FSPIOP-Signature"] = value
            let signedHeadersPath = try scratch.write("signed.json", json: withSignature)
            let verified = try PMProcess.run(["jws", "verify", "--key", publicPath, "--headers", signedHeadersPath, "--body", bodyPath])
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stdout == "valid\n")

            let tamperedPath = try scratch.write("tampered.json", #"{"note":"Zoë / 北京","quoteId":"b51ec534-ee48-4575-b6a9-ead2955b8070"}"#)
            let tampered = try PMProcess.run(["jws", "verify", "--key", publicPath, "--headers", signedHeadersPath, "--body", tamperedPath])
            #expect(tampered.status == 1)
            #expect(tampered.stderr.contains("signature does not match"))
        }
        let garbage = try scratch.write("garbage.pem", "not a key")
        let headersPath = try scratch.write("h.json", json: ["FSPIOP-Source": "x"])
        let bodyPath = try scratch.write("b.json", "{}")
        #expect(try PMProcess.run(["jws", "verify", "--key", garbage, "--headers", headersPath, "--body", bodyPath]).status == 2)
        #expect(try PMProcess.run(["jws", "verify", "--key", "/nonexistent.pem", "--headers", headersPath, "--body", bodyPath]).status == 2)
        let notJSON = try scratch.write("n.json", "{")
        let publicPath = try scratch.write("p.pem", try SigningKey.generateP256().verificationKey.pem)
        #expect(try PMProcess.run(["jws", "verify", "--key", publicPath, "--headers", notJSON, "--body", bodyPath]).status == 2)
        let notObject = try scratch.write("a.json", "[1]")
        #expect(try PMProcess.run(["jws", "verify", "--key", publicPath, "--headers", notObject, "--body", bodyPath]).status == 2)
        #expect(try PMProcess.run(["jws", "sign", "--key", garbage, "--headers", headersPath, "--body", bodyPath]).status == 2)
    }
}

struct PMILPToolTests {
    static func vectors() throws -> [[String: Any]] {
        let data = try Data(contentsOf: PMProcess.shared.appendingPathComponent("vectors/ilp/vectors.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(document["vectors"] as? [[String: Any]])
    }

    @Test("pm ilp decode, fulfilment and condition reproduce every shared vector")
    func vectors() throws {
        for vector in try Self.vectors() {
            let id = vector["id"] as? String ?? "?"
            if let fulfilment = vector["fulfilment"] as? String ?? vector["fulfilment_derived_verified"] as? String {
                let condition = try PMProcess.run(["ilp", "condition", "--fulfilment", fulfilment])
                #expect(condition.status == 0)
                #expect(condition.stdout == (vector["condition"] as? String ?? "") + "\n", "\(id)")
            }
            guard let packet = vector["ilpPacket"] as? String, let decoded = vector["decoded"] as? [String: Any] else { continue }
            let output = try PMProcess.run(["ilp", "decode", packet])
            #expect(output.status == 0, "\(id): \(output.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            #expect(json["version"] as? Int == (decoded["type"] as? Int == 1 ? 1 : 4))
            #expect(json["amount"] as? String == decoded["amount"] as? String)
            #expect(json["address"] as? String == (decoded["account"] as? String ?? decoded["destination"] as? String))
            #expect(json["data"] as? String == decoded["data_ascii"] as? String)
            #expect(json["transaction"] is [String: Any], "\(id)")
            if let expiresAt = decoded["expiresAt"] as? String {
                #expect(json["expiresAt"] as? String == expiresAt)
                #expect(json["condition"] as? String == decoded["executionCondition"] as? String)
            } else {
                #expect(json["expiresAt"] == nil && json["condition"] == nil)
            }
            if let secret = vector["secret"] as? String {
                let fulfilment = try PMProcess.run(["ilp", "fulfilment", "--secret", secret, "--packet", packet])
                #expect(fulfilment.status == 0)
                #expect(fulfilment.stdout == ((vector["fulfilment"] ?? vector["fulfilment_derived_verified"]) as? String ?? "") + "\n", "\(id)")
            }
        }
    }

    @Test("pm ilp packet builds packets whose fulfilment and condition agree", arguments: [1, 4])
    func packet(version: Int) throws {
        let scratch = try Scratch()
        let request = try scratch.write("request.json", #"""
        {"quoteId":"7c23e80c-d078-4077-8263-2c047876fcf6","transactionId":"85feac2f-39b2-491b-817e-4a03203d4f14",
         "payee":{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"27713803912","fspId":"payeefsp"}},
         "payer":{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"27713803911","fspId":"payerfsp"}},
         "amountType":"SEND","amount":{"amount":"100","currency":"JPY"},
         "transactionType":{"scenario":"TRANSFER","initiator":"PAYER","initiatorType":"CONSUMER"}}
        """#)
        let response = try scratch.write("response.json", #"{"transferAmount":{"amount":"100","currency":"JPY"},"expiration":"2026-11-29T12:00:00.000Z","ilpPacket":"","condition":""}"#)
        let made = try PMProcess.run(["ilp", "packet", "--version", String(version), "--secret", "s3cr3t", "--quote-request", request, "--quote-response", response])
        #expect(made.status == 0, "\(made.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: String])
        let packet = try #require(json["ilpPacket"])
        #expect(try PMProcess.run(["ilp", "fulfilment", "--secret", "s3cr3t", "--packet", packet]).stdout == (json["fulfilment"] ?? "") + "\n")
        #expect(try PMProcess.run(["ilp", "condition", "--fulfilment", json["fulfilment"] ?? ""]).stdout == (json["condition"] ?? "") + "\n")
        let decoded = try PMProcess.run(["ilp", "decode", packet])
        #expect(decoded.stdout.contains(#""amount":"100""#))
        #expect(decoded.stdout.contains(version == 1 ? #""address":"g.payeefsp.msisdn.27713803912""# : #""expiresAt":"20261129120000000""#))
        // A bad version, and files that are not JSON.
        #expect(try PMProcess.run(["ilp", "packet", "--version", "2", "--secret", "s", "--quote-request", request, "--quote-response", response]).status != 0)
        let broken = try scratch.write("broken.json", "{")
        #expect(try PMProcess.run(["ilp", "packet", "--version", "1", "--secret", "s", "--quote-request", broken, "--quote-response", response]).status == 2)
        let unknownCurrency = try scratch.write("r2.json", #"{"transferAmount":{"amount":"1","currency":"ABC"},"expiration":"2026-11-29T12:00:00.000Z"}"#)
        let refused = try PMProcess.run(["ilp", "packet", "--version", "1", "--secret", "s", "--quote-request", request, "--quote-response", unknownCurrency])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("unknown currency"))
    }

    @Test("bad packets and fulfilments exit 1 with a reason")
    func refusals() throws {
        let short = try PMProcess.run(["ilp", "condition", "--fulfilment", Base64.urlEncoded([UInt8](repeating: 1, count: 31))])
        #expect(short.status == 1)
        #expect(short.stderr.contains("32 bytes"))
        let decode = try PMProcess.run(["ilp", "decode", "AQID"])
        #expect(decode.status == 1)
        #expect(decode.stderr.contains("malformed"))
        #expect(try PMProcess.run(["ilp", "fulfilment", "--secret", "s", "--packet", "!!"]).status == 1)
    }

    @Test("PM_IO_THREADS sizes the event loops; a value that is not a count from 1 to 1024 stops pm with a clear error")
    func ioThreads() throws {
        let fulfilment = Base64.urlEncoded([UInt8](repeating: 1, count: 32))
        for bad in ["0", "two", "-1", "100000"] {
            let refused = try PMProcess.run(["ilp", "condition", "--fulfilment", fulfilment], environment: ["PM_IO_THREADS": bad])
            #expect(refused.status == 2, "PM_IO_THREADS=\(bad) exited \(refused.status)")
            #expect(refused.stderr.contains("pm: invalid configuration: PM_IO_THREADS: '\(bad)' is not a whole number from 1 to 1024"))
        }
        let accepted = try PMProcess.run(["ilp", "condition", "--fulfilment", fulfilment], environment: ["PM_IO_THREADS": "3"])
        #expect(accepted.status == 0)
        // pm serve reports the event loops it runs with, among its effective configuration.
        let serve = ["ILP_SECRET": "secret", "JWS_SIGN": "false", "VALIDATE_INBOUND_JWS": "false", "DFSP_ID": "payerfsp",
                     "PEER_ENDPOINT": "127.0.0.1:3000", "BACKEND_ENDPOINT": "127.0.0.1:3001"]
        let configured = try PMProcess.run(["serve", "--check-config"], environment: serve.merging(["PM_IO_THREADS": "3"]) { $1 })
        #expect(configured.status == 0)
        #expect(configured.stdout.contains("PM_IO_THREADS=3\n"), "\(configured.stdout)")
    }

    @Test("every subcommand has --help", arguments: [
        [], ["jws"], ["jws", "verify"], ["jws", "sign"], ["ilp"], ["ilp", "decode"], ["ilp", "fulfilment"],
        ["ilp", "condition"], ["ilp", "packet"], ["bench"], ["bench", "crypto"], ["bench", "log"], ["bench", "http"], ["bench", "e2e"],
        ["topics"], ["topics", "list"], ["topics", "describe"], ["topics", "tail"], ["bench", "read-side"],
        ["projections"], ["projections", "rebuild"], ["projections", "status"], ["replay"], ["replay", "verify"], ["replay", "transfer"],
    ])
    func help(path: [String]) throws {
        let output = try PMProcess.run(path + ["--help"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("USAGE: pm"))
    }
}

/// `pm demo` run as a user runs it, stopped as a user stops it.
@Suite("pm demo stops on a signal", .serialized)
struct PMDemoStopTests {
    @Test("Ctrl-C or SIGTERM stops the demo within seconds: the transfers in flight finish, the summary is printed, the books add up",
          arguments: [SIGINT, SIGTERM])
    func stopsOnSignal(_ signal: Int32) async throws {
        let scratch = try Scratch()
        let process = Process()
        process.executableURL = try PMProcess.executable
        process.arguments = ["demo", "--directory", scratch.url.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let printed = Mutex("")
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            printed.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Under way: at least one progress line after the start.
        try await waitFor(.seconds(120), "the demo to send transfers") {
            printed.withLock { $0.contains("Sending transfers") && $0.contains("completed") }
        }
        kill(process.processIdentifier, signal)
        let stopping = ContinuousClock.now
        try await waitFor(.seconds(20), "the demo to stop") { !process.isRunning }
        let took = ContinuousClock.now - stopping
        out.fileHandleForReading.readabilityHandler = nil
        let text = printed.withLock { $0 } + String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("Summary:"))
        #expect(text.contains("(they add up)"))
        #expect(took < .seconds(15), "stopped after \(took)")
    }

    /// Waits until `condition` holds, checking every 50 ms, or fails after `timeout`.
    func waitFor(_ timeout: Duration, _ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
