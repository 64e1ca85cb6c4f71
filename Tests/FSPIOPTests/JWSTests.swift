import Foundation
import Testing
@testable import FSPIOP

/// Keys generated once for the JWS tests (RSA generation takes a moment).
enum TestKeys {
    static let rsa: SigningKey = {
        do { return try SigningKey.generateRSA(bits: 2048) } catch { fatalError("test setup: \(error)") }
    }()
    static let ec: SigningKey = {
        do { return try SigningKey.generateP256() } catch { fatalError("test setup: \(error)") }
    }()
    static let otherRSA: SigningKey = {
        do { return try SigningKey.generateRSA(bits: 2048) } catch { fatalError("test setup: \(error)") }
    }()

    static func key(_ algorithm: SignatureAlgorithm) -> SigningKey { algorithm == .rs256 ? rsa : ec }
}

struct JWSTests {
    static let headers: HeaderFields = [
        "Content-Type": "application/vnd.interoperability.transfers+json;version=1.1",
        "Date": "Sun, 29 Nov 2026 01:00:00 GMT",
        "FSPIOP-Source": "payerfsp",
        "FSPIOP-Destination": "payeefsp",
        "FSPIOP-URI": "/transfers/0b5e2fb4-a7c4-4a3e-9d3e-5b0f6f3c9a11",
        "FSPIOP-HTTP-Method": "PUT",
    ]

    static let body: JSONValue = .object([
        ("transferState", .string("COMMITTED")),
        ("fulfilment", .string("WLctttbu2HvTsa1XWvUoGRcQozHsqeu9Ahl2JW9Bsu8")),
        ("completedTimestamp", .string("2026-11-29T01:00:00.000Z")),
        ("extensionList", .object([("extension", .array([
            .object([("key", .string("note")), ("value", .string("Zoë pays 北京 / دبي rent\n\"quoted\" \\ \u{01}"))]),
        ]))])),
    ])

    func signed(_ algorithm: SignatureAlgorithm, body: [UInt8]? = nil, headers: HeaderFields = JWSTests.headers) throws -> (body: [UInt8], headers: HeaderFields) {
        let bytes = body ?? CanonicalJSON.bytes(Self.body)
        var fields = headers
        fields[FSPIOPHeader.signature] = try JWSSigner(key: TestKeys.key(algorithm)).sign(body: bytes, headers: headers).headerValue
        return (bytes, fields)
    }

    func validator(_ algorithm: SignatureAlgorithm) throws -> JWSValidator {
        JWSValidator(keys: ["payerfsp": try TestKeys.key(algorithm).verificationKey])
    }

    @Test("a signed message verifies", arguments: SignatureAlgorithm.allCases)
    func roundTrip(algorithm: SignatureAlgorithm) throws {
        let message = try signed(algorithm)
        try validator(algorithm).validate(body: message.body, headers: message.headers)
    }

    @Test("the protected header has the SDK's members in the SDK's order", arguments: SignatureAlgorithm.allCases)
    func protectedHeaderOrder(algorithm: SignatureAlgorithm) throws {
        let message = try signed(algorithm)
        let signature = try FSPIOPSignature(headerValue: try #require(message.headers[FSPIOPHeader.signature]))
        let json = String(decoding: try #require(Base64.urlDecoded(signature.protectedHeader)), as: UTF8.self)
        #expect(json == #"{"alg":"\#(algorithm.rawValue)","FSPIOP-URI":"/transfers/0b5e2fb4-a7c4-4a3e-9d3e-5b0f6f3c9a11","FSPIOP-HTTP-Method":"PUT","FSPIOP-Source":"payerfsp","FSPIOP-Destination":"payeefsp","Date":"Sun, 29 Nov 2026 01:00:00 GMT"}"#)
        #expect(try #require(message.headers[FSPIOPHeader.signature]).hasPrefix(#"{"signature":""#))
    }

    @Test("destination and date are protected only when present")
    func optionalMembers() throws {
        var headers = Self.headers
        headers[FSPIOPHeader.destination] = nil
        headers[FSPIOPHeader.date] = nil
        let header = try JWSSigner(key: TestKeys.rsa).protectedHeader(for: headers)
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"RS256","FSPIOP-URI":"/transfers/0b5e2fb4-a7c4-4a3e-9d3e-5b0f6f3c9a11","FSPIOP-HTTP-Method":"PUT","FSPIOP-Source":"payerfsp"}"#)
        let message = try signed(.rs256, headers: headers)
        try validator(.rs256).validate(body: message.body, headers: message.headers)
    }

    @Test("ES256 signatures are 64-byte R||S")
    func es256SignatureForm() throws {
        let message = try signed(.es256)
        let signature = try FSPIOPSignature(headerValue: try #require(message.headers[FSPIOPHeader.signature]))
        #expect(Base64.urlDecoded(signature.signature)?.count == 64)
    }

    @Test("the sorted canonical body keeps non-ASCII text and '/' unescaped")
    func canonicalBody() {
        let text = String(decoding: CanonicalJSON.bytes(Self.body), as: UTF8.self)
        #expect(text == #"{"completedTimestamp":"2026-11-29T01:00:00.000Z","extensionList":{"extension":[{"key":"note","value":"Zoë pays 北京 / دبي rent\n\"quoted\" \\ \u0001"}]},"fulfilment":"WLctttbu2HvTsa1XWvUoGRcQozHsqeu9Ahl2JW9Bsu8","transferState":"COMMITTED"}"#)
    }

    /// Each way a header can be changed after signing, and whether the validator must refuse it.
    static let headerMutations: [(String, @Sendable (inout HeaderFields) -> Void)] = [
        ("FSPIOP-URI changed", { $0[FSPIOPHeader.uri] = "/transfers/other" }),
        ("FSPIOP-URI removed", { $0[FSPIOPHeader.uri] = nil }),
        ("FSPIOP-HTTP-Method changed", { $0[FSPIOPHeader.httpMethod] = "POST" }),
        ("FSPIOP-HTTP-Method lower case", { $0[FSPIOPHeader.httpMethod] = "put" }),
        ("FSPIOP-HTTP-Method removed", { $0[FSPIOPHeader.httpMethod] = nil }),
        ("FSPIOP-Source changed", { $0[FSPIOPHeader.source] = "payeefsp" }),
        ("FSPIOP-Source removed", { $0[FSPIOPHeader.source] = nil }),
        ("FSPIOP-Destination changed", { $0[FSPIOPHeader.destination] = "otherfsp" }),
        ("FSPIOP-Destination removed", { $0[FSPIOPHeader.destination] = nil }),
        ("Date changed", { $0[FSPIOPHeader.date] = "Sun, 29 Nov 2026 01:00:01 GMT" }),
        ("Date removed", { $0[FSPIOPHeader.date] = nil }),
        ("FSPIOP-Signature removed", { $0[FSPIOPHeader.signature] = nil }),
        ("FSPIOP-Signature not JSON", { $0[FSPIOPHeader.signature] = "not json" }),
        ("FSPIOP-Signature without signature", { $0[FSPIOPHeader.signature] = #"{"protectedHeader":"e30"}"# }),
        ("signature bytes changed", { headers in
            guard let value = headers[FSPIOPHeader.signature], let parsed = try? FSPIOPSignature(headerValue: value),
                  var bytes = Base64.urlDecoded(parsed.signature) else { return }
            bytes[bytes.count / 2] ^= 0x01
            headers[FSPIOPHeader.signature] = FSPIOPSignature(signature: Base64.urlEncoded(bytes), protectedHeader: parsed.protectedHeader).headerValue
        }),
        ("protected header swapped for alg none", { headers in
            guard let value = headers[FSPIOPHeader.signature], let parsed = try? FSPIOPSignature(headerValue: value) else { return }
            let none = Base64.urlEncoded(Array(#"{"alg":"none","FSPIOP-URI":"/transfers/0b5e2fb4-a7c4-4a3e-9d3e-5b0f6f3c9a11","FSPIOP-HTTP-Method":"PUT","FSPIOP-Source":"payerfsp","FSPIOP-Destination":"payeefsp","Date":"Sun, 29 Nov 2026 01:00:00 GMT"}"#.utf8))
            headers[FSPIOPHeader.signature] = FSPIOPSignature(signature: parsed.signature, protectedHeader: none).headerValue
        }),
        ("protected header not base64url", { headers in
            guard let value = headers[FSPIOPHeader.signature], let parsed = try? FSPIOPSignature(headerValue: value) else { return }
            headers[FSPIOPHeader.signature] = FSPIOPSignature(signature: parsed.signature, protectedHeader: "***").headerValue
        }),
    ]

    @Test("every header mutation is refused with 3105", arguments: Array(0..<headerMutations.count), SignatureAlgorithm.allCases)
    func headerMutation(index: Int, algorithm: SignatureAlgorithm) throws {
        let (name, mutate) = Self.headerMutations[index]
        var message = try signed(algorithm)
        mutate(&message.headers)
        let validator = try validator(algorithm)
        do {
            try validator.validate(body: message.body, headers: message.headers)
            Issue.record("\(name): accepted")
        } catch {
            #expect(error.fspiopError.code == .invalidSignature, "\(name)")
            #expect(error.fspiopError.httpStatus == 400)
        }
    }

    @Test("header names are matched in any case")
    func headerCase() throws {
        let message = try signed(.rs256)
        let lowered = HeaderFields(message.headers.map { ($0.name.lowercased(), $0.value) })
        try validator(.rs256).validate(body: message.body, headers: lowered)
    }

    @Test("any change to the body is refused", arguments: SignatureAlgorithm.allCases)
    func bodyMutations(algorithm: SignatureAlgorithm) throws {
        let message = try signed(algorithm)
        var changed = message.body
        changed[10] ^= 0x20
        #expect(throws: JWSFailure.badSignature) { try validator(algorithm).validate(body: changed, headers: message.headers) }
        #expect(throws: JWSFailure.missingBody) { try validator(algorithm).validate(body: [], headers: message.headers) }
        // Whitespace is a change to the raw bytes too.
        #expect(throws: JWSFailure.badSignature) { try validator(algorithm).validate(body: message.body + [0x20], headers: message.headers) }
    }

    @Test("a key for another FSP or of another type is refused")
    func wrongKeys() throws {
        let message = try signed(.rs256)
        let other = JWSValidator(keys: ["payerfsp": try TestKeys.otherRSA.verificationKey])
        #expect(throws: JWSFailure.badSignature) { try other.validate(body: message.body, headers: message.headers) }
        let none = JWSValidator(keys: ["someoneelse": try TestKeys.rsa.verificationKey])
        #expect(throws: JWSFailure.unknownSource("payerfsp")) { try none.validate(body: message.body, headers: message.headers) }
        let ecKey = JWSValidator(keys: ["payerfsp": try TestKeys.ec.verificationKey])
        #expect(throws: JWSFailure.self) { try ecKey.validate(body: message.body, headers: message.headers) }
        let rs256Only = JWSValidator(keys: ["payerfsp": try TestKeys.ec.verificationKey], algorithms: [.rs256])
        let ecMessage = try signed(.es256)
        #expect(throws: JWSFailure.unsupportedAlgorithm("ES256")) { try rs256Only.validate(body: ecMessage.body, headers: ecMessage.headers) }
    }

    @Test("a re-serialised body verifies only when that leniency is on, and never with duplicate members")
    func reserialisedBodies() throws {
        // The peer signed compact JSON in its insertion order but sent it pretty-printed.
        let compact = CanonicalJSON.insertionOrderBytes(Self.body)
        let message = try signed(.rs256, body: compact)
        let pretty = Array("{\n  \"transferState\": \"COMMITTED\", \"fulfilment\": \"WLctttbu2HvTsa1XWvUoGRcQozHsqeu9Ahl2JW9Bsu8\", \"completedTimestamp\": \"2026-11-29T01:00:00.000Z\", \"extensionList\": {\"extension\": [{\"key\": \"note\", \"value\": \"Zoë pays 北京 / دبي rent\\n\\\"quoted\\\" \\\\ \\u0001\"}]}\n}".utf8)
        let strict = try validator(.rs256)
        #expect(throws: JWSFailure.badSignature) { try strict.validate(body: pretty, headers: message.headers) }
        var lenient = strict
        lenient.acceptReserialisedBody = true
        try lenient.validate(body: pretty, headers: message.headers)
        // A duplicate member smuggled in front of the signed one is refused even when lenient.
        var smuggled = Array(#"{"transferState":"ABORTED","#.utf8)
        smuggled.append(contentsOf: compact.dropFirst())
        #expect(throws: JWSFailure.badSignature) { try lenient.validate(body: smuggled, headers: message.headers) }
    }

    @Test("the SDK's test key pair signs and verifies")
    func sdkKeyPair() throws {
        let signing = try SigningKey(pem: try Shared.text("vectors/jws/keys/sdk-standard-components_jwsSigningKey.pem"))
        let verification = try VerificationKey(pem: try Shared.text("vectors/jws/keys/sdk-standard-components_jwsValidationKey.pem"))
        let body = CanonicalJSON.bytes(Self.body)
        var headers = Self.headers
        headers[FSPIOPHeader.signature] = try JWSSigner(key: signing).sign(body: body, headers: Self.headers).headerValue
        try JWSValidator(keys: ["payerfsp": verification]).validate(body: body, headers: headers)
    }

    @Test("signing refuses an empty body and missing headers")
    func signingPreconditions() throws {
        let signer = JWSSigner(key: TestKeys.rsa)
        #expect(throws: JWSFailure.missingBody) { try signer.sign(body: [], headers: Self.headers) }
        for name in [FSPIOPHeader.uri, FSPIOPHeader.httpMethod, FSPIOPHeader.source] {
            var headers = Self.headers
            headers[name] = nil
            #expect(throws: JWSFailure.missingHeader(name)) { try signer.sign(body: [1], headers: headers) }
        }
    }

    @Test("keys are read from PKCS#8, PKCS#1, SEC1, SPKI and certificates; garbage is refused")
    func keyFormats() throws {
        let pem = try TestKeys.rsa.privateKeyPEM()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try SigningKey(pem: pem).algorithm == .rs256)
        #expect(try TestKeys.ec.verificationKey.algorithm == .es256)
        #expect(try TestKeys.rsa.verificationKey.pem.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(throws: CryptoError.self) { try SigningKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
        #expect(throws: CryptoError.self) { try VerificationKey(pem: "hello") }
        #expect(throws: CryptoError.self) { try SigningKey.generateRSA(bits: 1024) }
    }
}
