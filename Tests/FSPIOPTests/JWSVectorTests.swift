import Foundation
import Testing
@testable import FSPIOP

/// Every case of `shared/vectors/jws/vectors.json` through the library.
struct JWSVectorTests {
    static let ids: [String] = (try? Shared.jwsVectors().compactMap { $0["id"] as? String }) ?? []

    @Test("shared JWS vectors are present") func vectorsPresent() throws {
        #expect(try Shared.jwsVectors().count >= 6)
    }

    @Test("shared JWS vector", arguments: ids)
    func vector(id: String) throws {
        let vector = try #require(try Shared.jwsVectors().first { $0["id"] as? String == id })
        let headers = try #require(vector["headers"] as? [String: String])
        var fields = HeaderFields(headers.map { ($0.key, $0.value) })
        fields[FSPIOPHeader.signature] = try #require(vector["fspiop_signature_header"] as? String)
        let body = Array(try #require(vector["body_utf8"] as? String).utf8)
        let keyPath = try #require(vector["public_key_file"] as? String)
        let key = try VerificationKey(pem: try Shared.text("vectors/jws/" + keyPath))
        let source = headers["FSPIOP-Source"] ?? "1234"
        let validator = JWSValidator(keys: [source: key])

        // The vector's parts agree with each other.
        #expect(Base64.urlEncoded(body) == vector["payload_b64url"] as? String)
        let protectedJSON = try #require(vector["protectedHeader_json"] as? String)
        #expect(Base64.urlEncoded(Array(protectedJSON.utf8)) == vector["protectedHeader_b64url"] as? String)

        let result = Result { try validator.validate(body: body, headers: fields) }
        switch vector["expect"] as? String {
        case "accept":
            #expect(throws: Never.self) { try result.get() }
        case "reject":
            #expect(throws: JWSFailure.self) { try result.get() }
            if case let .failure(error) = result {
                #expect((error as? JWSFailure)?.fspiopError.code == .invalidSignature)
            }
        default:
            Issue.record("vector \(id) has no expectation")
        }
    }

    @Test("signing with the specification's key reproduces the specification's signature")
    func specificationSignatureIsReproduced() throws {
        let vector = try #require(try Shared.jwsVectors().first { $0["id"] as? String == "spec-v1.1-post-quotes" })
        let key = try SigningKey(pem: try Shared.text("vectors/jws/keys/mojaloop-specification_Signature_v1.1_example_private_pkcs8_DERIVED.pem"))
        let header = Array(try #require(vector["protectedHeader_b64url"] as? String).utf8)
        let payload = Array(try #require(vector["payload_b64url"] as? String).utf8)
        // RS256 is deterministic: signing the same input gives the same bytes.
        let signature = try key.sign(header + [UInt8(ascii: ".")] + payload)
        #expect(Base64.urlEncoded(signature) == vector["signature_b64url"] as? String)
    }
}
