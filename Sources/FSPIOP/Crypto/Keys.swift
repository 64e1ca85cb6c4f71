import COpenSSL
import Synchronization

/// The JWS algorithms FSPIOP signatures use: RS256 (the specification's; RSASSA-PKCS1-v1_5 with
/// SHA-256) and ES256 (ECDSA P-256 with SHA-256), which the SDK uses when the key is EC.
public enum SignatureAlgorithm: String, Sendable, Hashable, CaseIterable {
    case rs256 = "RS256"
    case es256 = "ES256"
}

/// A key that could not be read or used, with OpenSSL's reason when it gave one.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }

    /// The reason with OpenSSL's last queued error appended, and the queue cleared.
    static func openSSL(_ what: String) -> CryptoError {
        var detail = ""
        let code = ERR_get_error()
        if code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            detail = ": " + String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        ERR_clear_error()
        return CryptoError(what + detail)
    }
}

/// A reusable set of `EVP_PKEY_CTX` handles initialised for one operation on one key, so that each
/// signature skips OpenSSL 3's per-call algorithm fetch and setup.
///
/// Each context is used by one thread at a time: it is taken out under the lock and put back after.
private final class ContextPool: Sendable {
    private let contexts = Mutex<[OpaquePointerBox]>([])
    private let make: @Sendable () -> OpaquePointer?

    init(make: @escaping @Sendable () -> OpaquePointer?) { self.make = make }

    func withContext<R>(_ body: (OpaquePointer) -> R) -> R? {
        let taken = contexts.withLock { $0.popLast() }
        guard let context = taken?.pointer ?? make() else { return nil }
        let result = body(context)
        contexts.withLock { pool in
            if pool.count < 64 { pool.append(OpaquePointerBox(pointer: context)) } else { EVP_PKEY_CTX_free(context) }
        }
        return result
    }

    deinit {
        contexts.withLock { pool in pool.forEach { EVP_PKEY_CTX_free($0.pointer) } }
    }
}

/// An `EVP_PKEY_CTX` pointer parked in the pool. Safe to send: only the thread that takes it from
/// the pool uses it until it is returned.
private struct OpaquePointerBox: @unchecked Sendable { let pointer: OpaquePointer }

/// An owned `EVP_PKEY`. Safe to share: OpenSSL 3 keys are immutable once built and reference counted,
/// and every operation on them here runs in its own `EVP_PKEY_CTX`.
private final class KeyHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    var algorithm: SignatureAlgorithm? {
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_RSA: return .rs256
        case EVP_PKEY_EC: return .es256
        default: return nil
        }
    }

    var bits: Int { Int(EVP_PKEY_get_bits(pointer)) }

    func pem(_ write: (OpaquePointer, OpaquePointer) -> Int32) -> String? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard write(bio, pointer) == 1 else { return nil }
        var data: UnsafeMutablePointer<CChar>?
        let length = pm_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// A context for `operation` (sign or verify init) with SHA-256 and, for RSA, PKCS#1 v1.5 padding.
    func makeContext(_ initialise: (OpaquePointer) -> Int32) -> OpaquePointer? {
        guard let context = EVP_PKEY_CTX_new(pointer, nil) else { return nil }
        var ok = initialise(context) == 1 && EVP_PKEY_CTX_set_signature_md(context, EVP_sha256()) == 1
        if ok, algorithm == .rs256 { ok = EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1 }
        guard ok else { EVP_PKEY_CTX_free(context); ERR_clear_error(); return nil }
        return context
    }
}

private func readBIO<R>(_ text: String, _ body: (OpaquePointer) -> R?) -> R? {
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes { buffer -> R? in
        guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
        defer { BIO_free(bio) }
        return body(bio)
    }
}

/// A private key for FSPIOP signatures: RSA (RS256) or EC P-256 (ES256), read from PEM (PKCS#8,
/// PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`). Its PEM is never exposed except through
/// ``privateKeyPEM()``, which only key-generation tools call.
public final class SigningKey: Sendable {
    private let key: KeyHandle
    private let pool: ContextPool
    /// RS256 for RSA keys, ES256 for EC keys.
    public let algorithm: SignatureAlgorithm

    private init(handle: KeyHandle) throws(CryptoError) {
        guard let algorithm = handle.algorithm else { throw CryptoError("unsupported key type: only RSA and EC P-256 keys can sign FSPIOP messages") }
        if algorithm == .es256 {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            EVP_PKEY_get_group_name(handle.pointer, &name, name.count, &length)
            let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard group == "prime256v1" || group == "P-256" else { throw CryptoError("EC key on curve \(group): ES256 needs P-256") }
        }
        self.key = handle
        self.algorithm = algorithm
        self.pool = ContextPool { [handle] in handle.makeContext { EVP_PKEY_sign_init($0) } }
    }

    /// Reads a private key from PEM text.
    public convenience init(pem: String) throws(CryptoError) {
        guard let pointer = readBIO(pem, { PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else {
            throw CryptoError.openSSL("not a PEM private key")
        }
        try self.init(handle: KeyHandle(pointer))
    }

    /// Generates an RSA key (2048 bits or more, as the Signature specification §3 requires).
    public static func generateRSA(bits: Int = 2048) throws(CryptoError) -> SigningKey {
        guard bits >= 2048 else { throw CryptoError("RSA keys for FSPIOP signatures must have at least 2048 bits") }
        return try generate("RSA") { EVP_PKEY_CTX_set_rsa_keygen_bits($0, Int32(bits)) }
    }

    /// Generates an EC key on P-256.
    public static func generateP256() throws(CryptoError) -> SigningKey {
        try generate("EC") { EVP_PKEY_CTX_set_group_name($0, "P-256") }
    }

    private static func generate(_ type: String, _ configure: (OpaquePointer) -> Int32) throws(CryptoError) -> SigningKey {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { throw CryptoError.openSSL("cannot create a key generator") }
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, configure(context) == 1, EVP_PKEY_generate(context, &generated) == 1,
              let generated else { throw CryptoError.openSSL("key generation failed") }
        return try SigningKey(handle: KeyHandle(generated))
    }

    /// The key size in bits (2048 for a 2048-bit RSA key, 256 for P-256).
    public var bits: Int { key.bits }

    /// The matching public key.
    public var verificationKey: VerificationKey {
        get throws(CryptoError) {
            guard let pem = key.pem({ PEM_write_bio_PUBKEY($0, $1) }) else { throw CryptoError.openSSL("cannot export the public key") }
            return try VerificationKey(pem: pem)
        }
    }

    /// The private key as PKCS#8 PEM, for the tools that generate keys and write them to files.
    public func privateKeyPEM() throws(CryptoError) -> String {
        guard let pem = key.pem({ PEM_write_bio_PrivateKey($0, $1, nil, nil, 0, nil, nil) }) else {
            throw CryptoError.openSSL("cannot export the private key")
        }
        return pem
    }

    /// Signs `message` with SHA-256: RSASSA-PKCS1-v1_5 for RSA; for EC the JWS form, R‖S, 64 bytes.
    public func sign(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        try signDigest(Digest.sha256(message))
    }

    /// Signs a SHA-256 digest already computed.
    public func signDigest(_ digest: [UInt8]) throws(CryptoError) -> [UInt8] {
        let result: [UInt8]? = pool.withContext { context in
            var length = 0
            guard EVP_PKEY_sign(context, nil, &length, digest, digest.count) == 1 else { return nil }
            var signature = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_sign(context, &signature, &length, digest, digest.count) == 1 else { return nil }
            signature.removeLast(signature.count - length)
            return signature
        } ?? nil
        guard let der = result else { throw CryptoError.openSSL("signing failed") }
        return algorithm == .es256 ? try ECDSASignature.raw(fromDER: der) : der
    }
}

/// A public key that verifies FSPIOP signatures, read from a PEM public key (SPKI `PUBLIC KEY` or
/// PKCS#1 `RSA PUBLIC KEY`) or from an X.509 certificate.
public final class VerificationKey: Sendable {
    private let key: KeyHandle
    private let pool: ContextPool
    /// RS256 for RSA keys, ES256 for EC keys.
    public let algorithm: SignatureAlgorithm

    /// Reads a public key or certificate from PEM text.
    public init(pem: String) throws(CryptoError) {
        let pointer: OpaquePointer?
        if pem.contains("BEGIN CERTIFICATE") {
            pointer = readBIO(pem) { bio -> OpaquePointer? in
                guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else { return nil }
                defer { X509_free(certificate) }
                return X509_get_pubkey(certificate)
            }
        } else if pem.contains("BEGIN RSA PUBLIC KEY") {
            pointer = readBIO(pem) { bio -> OpaquePointer? in
                guard let rsa = PEM_read_bio_RSAPublicKey(bio, nil, nil, nil) else { return nil }
                guard let key = EVP_PKEY_new() else { RSA_free(rsa); return nil }
                guard EVP_PKEY_assign(key, EVP_PKEY_RSA, UnsafeMutableRawPointer(rsa)) == 1 else {
                    RSA_free(rsa); EVP_PKEY_free(key); return nil
                }
                return key
            }
        } else {
            pointer = readBIO(pem) { PEM_read_bio_PUBKEY($0, nil, nil, nil) }
        }
        guard let pointer else { throw CryptoError.openSSL("not a PEM public key or certificate") }
        let handle = KeyHandle(pointer)
        guard let algorithm = handle.algorithm else { throw CryptoError("unsupported key type: only RSA and EC keys verify FSPIOP signatures") }
        self.key = handle
        self.algorithm = algorithm
        self.pool = ContextPool { [handle] in handle.makeContext { EVP_PKEY_verify_init($0) } }
    }

    /// The key size in bits.
    public var bits: Int { key.bits }

    /// The public key as SPKI PEM.
    public var pem: String {
        key.pem({ PEM_write_bio_PUBKEY($0, $1) }) ?? ""
    }

    /// Whether `signature` is this key's SHA-256 signature of `message` (for EC, in JWS R‖S form).
    public func verify(_ message: [UInt8], signature: [UInt8]) -> Bool {
        verifyDigest(Digest.sha256(message), signature: signature)
    }

    /// Whether `signature` signs the SHA-256 digest `digest`.
    public func verifyDigest(_ digest: [UInt8], signature: [UInt8]) -> Bool {
        var signatureBytes = signature
        if algorithm == .es256 {
            guard let der = try? ECDSASignature.der(fromRaw: signature) else { return false }
            signatureBytes = der
        }
        let verified = pool.withContext { context in
            EVP_PKEY_verify(context, signatureBytes, signatureBytes.count, digest, digest.count) == 1
        } ?? false
        if !verified { ERR_clear_error() }
        return verified
    }
}

/// Conversions between the DER `ECDSA-Sig-Value` OpenSSL produces and the 64-byte R‖S of JWS (RFC 7518 §3.4).
enum ECDSASignature {
    static func raw(fromDER der: [UInt8]) throws(CryptoError) -> [UInt8] {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let signature = parsed else { throw CryptoError.openSSL("bad ECDSA signature") }
        defer { ECDSA_SIG_free(signature) }
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(signature, &r, &s)
        var out = [UInt8](repeating: 0, count: 64)
        let ok = out.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return BN_bn2binpad(r, base, 32) == 32 && BN_bn2binpad(s, base + 32, 32) == 32
        }
        guard ok else { throw CryptoError("ECDSA signature values too large for P-256") }
        return out
    }

    static func der(fromRaw raw: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard raw.count == 64 else { throw CryptoError("an ES256 signature is 64 bytes") }
        guard let signature = ECDSA_SIG_new() else { throw CryptoError.openSSL("out of memory") }
        defer { ECDSA_SIG_free(signature) }
        let rBytes = Array(raw[0..<32])
        let sBytes = Array(raw[32..<64])
        let r = BN_bin2bn(rBytes, 32, nil)
        let s = BN_bin2bn(sBytes, 32, nil)
        guard let r, let s, ECDSA_SIG_set0(signature, r, s) == 1 else { throw CryptoError.openSSL("bad ECDSA values") }
        var output: UnsafeMutablePointer<UInt8>?
        let length = i2d_ECDSA_SIG(signature, &output)
        guard length > 0, let output else { throw CryptoError.openSSL("cannot encode ECDSA signature") }
        defer { CRYPTO_free(output, #file, #line) }
        return Array(UnsafeBufferPointer(start: output, count: Int(length)))
    }
}
