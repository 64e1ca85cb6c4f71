import COpenSSL
import FSPIOP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `pm bench crypto`: how fast a whole FSPIOP signature is made and checked, against OpenSSL's own speed
/// for the bare operation, measured in the same run on the same core.
///
/// - Baseline: what `openssl speed rsa2048` / `ecdsap256` measure: `EVP_PKEY_sign` / `EVP_PKEY_verify`
///   on a precomputed SHA-256 digest with one context set up once, the fastest use of libcrypto.
/// - Ours: a whole `FSPIOP-Signature`: serialising a transfer body to canonical JSON, base64url,
///   building the protected header, hashing, signing, encoding; and a whole validation: parsing the
///   header, every header check, base64url, hashing and verifying.
public enum CryptoBenchmark {
    public struct Result: Sendable {
        public let operation: String
        public let ours: Double
        public let openSSL: Double
        public var ratio: Double { openSSL > 0 ? ours / openSSL : 0 }
    }

    /// Runs each measurement for `seconds` and returns the rates, per second, on one core.
    public static func run(seconds: Double) throws -> [Result] {
        let rsa = try SigningKey.generateRSA(bits: 2048)
        let ec = try SigningKey.generateP256()
        var results: [Result] = []
        for (name, key) in [("RS256", rsa), ("ES256", ec)] {
            let verification = try key.verificationKey
            let body = sampleBody()
            let headers = sampleHeaders()
            let signer = JWSSigner(key: key)

            let baselineSign = try rate(seconds: seconds, OpenSSLBaseline(key: key).signer())
            let oursSign = try rate(seconds: seconds) {
                let bytes = CanonicalJSON.bytes(body)
                _ = try signer.sign(body: bytes, headers: headers).headerValue
            }
            results.append(Result(operation: "\(name) sign", ours: oursSign, openSSL: baselineSign))

            let bytes = CanonicalJSON.bytes(body)
            var signed = headers
            signed[FSPIOPHeader.signature] = try signer.sign(body: bytes, headers: headers).headerValue
            let validator = JWSValidator(keys: ["payerfsp": verification])
            let baselineVerify = try rate(seconds: seconds, OpenSSLBaseline(key: key).verifier())
            let oursVerify = try rate(seconds: seconds) { try validator.validate(body: bytes, headers: signed) }
            results.append(Result(operation: "\(name) verify", ours: oursVerify, openSSL: baselineVerify))
        }
        return results
    }

    /// Calls `body` repeatedly for about `seconds` and returns calls per second.
    static func rate(seconds: Double, _ body: () throws -> Void) throws -> Double {
        // Warm up, then measure in batches so the clock is read rarely.
        for _ in 0..<20 { try body() }
        let start = monotonicSeconds()
        var count = 0
        var elapsed = 0.0
        repeat {
            for _ in 0..<50 { try body() }
            count += 50
            elapsed = monotonicSeconds() - start
        } while elapsed < seconds
        return Double(count) / elapsed
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// A POST /transfers body of the usual size (about 1.3 KB with its ILP packet).
    static func sampleBody() -> JSONValue {
        .object([
            ("transferId", .string("0b5e2fb4-a7c4-4a3e-9d3e-5b0f6f3c9a11")),
            ("payerFsp", .string("payerfsp")),
            ("payeeFsp", .string("payeefsp")),
            ("amount", .object([("amount", .string("100.25")), ("currency", .string("USD"))])),
            ("ilpPacket", .string(String(repeating: "AYIDBQAAAAAAACcQJGcucGF5ZWVmc3AubXNpc2RuLnt7cmVjZWl2ZXJtc2lzZG59fYIC1", count: 12))),
            ("condition", .string("n2cwS3w4ekGlvNYoXg2uBAqssu3FCoXjADE2mziU5jU")),
            ("expiration", .string("2026-11-29T10:00:00.000Z")),
            ("extensionList", .object([("extension", .array([.object([("key", .string("note")), ("value", .string("Zoë's rent / Nov"))])]))])),
        ])
    }

    static func sampleHeaders() -> HeaderFields {
        [
            "Content-Type": "application/vnd.interoperability.transfers+json;version=1.1",
            "Accept": "application/vnd.interoperability.transfers+json;version=1",
            "Date": "Sun, 29 Nov 2026 01:00:00 GMT",
            "FSPIOP-Source": "payerfsp",
            "FSPIOP-Destination": "payeefsp",
            "FSPIOP-URI": "/transfers",
            "FSPIOP-HTTP-Method": "POST",
        ]
    }
}

/// The bare libcrypto operation on a 32-byte digest with one reused context: the most OpenSSL can do.
public struct OpenSSLBaseline {
    let pem: String

    public init(key: SigningKey) throws { pem = try key.privateKeyPEM() }

    private func loadKey() throws -> OpaquePointer {
        var bytes = Array(pem.utf8)
        let key: OpaquePointer? = bytes.withUnsafeMutableBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { throw CryptoError("baseline: cannot read the key") }
        return key
    }

    private func context(_ key: OpaquePointer, sign: Bool) throws -> OpaquePointer {
        guard let context = EVP_PKEY_CTX_new(key, nil),
              (sign ? EVP_PKEY_sign_init(context) : EVP_PKEY_verify_init(context)) == 1,
              EVP_PKEY_CTX_set_signature_md(context, EVP_sha256()) == 1 else { throw CryptoError("baseline: context setup failed") }
        if EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA {
            guard EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1 else { throw CryptoError("baseline: padding") }
        }
        return context
    }

    func signer() throws -> () throws -> Void {
        let key = try loadKey()
        let ctx = try context(key, sign: true)
        let digest = [UInt8](repeating: 7, count: 32)
        var signature = [UInt8](repeating: 0, count: 512)
        return {
            var length = signature.count
            guard EVP_PKEY_sign(ctx, &signature, &length, digest, 32) == 1 else { throw CryptoError("baseline: sign failed") }
        }
    }

    func verifier() throws -> () throws -> Void {
        let key = try loadKey()
        let signContext = try context(key, sign: true)
        let verifyContext = try context(key, sign: false)
        let digest = [UInt8](repeating: 7, count: 32)
        var signature = [UInt8](repeating: 0, count: 512)
        var length = signature.count
        guard EVP_PKEY_sign(signContext, &signature, &length, digest, 32) == 1 else { throw CryptoError("baseline: sign failed") }
        let signed = Array(signature.prefix(length))
        return {
            guard EVP_PKEY_verify(verifyContext, signed, signed.count, digest, 32) == 1 else { throw CryptoError("baseline: verify failed") }
        }
    }
}
