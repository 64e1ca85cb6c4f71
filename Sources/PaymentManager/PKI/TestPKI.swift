import COpenSSL
import Connector
import FSPIOP
import Foundation

/// A throw-away public-key infrastructure for the demo, the tests and the benchmark: one CA, and for
/// each participant a server certificate (for 127.0.0.1 and localhost), a client certificate, and a
/// JWS signing key; the JWS public keys of all participants in one folder, named `<fspId>.pem`, as
/// `JWS_VERIFICATION_KEYS_DIRECTORY` expects. TLS keys are EC P-256; JWS keys RSA 2048 (RS256), as
/// Mojaloop schemes use. Never for production: the CA key sits next to the certificates.
public struct TestPKI: Sendable {
    public struct Participant: Sendable {
        public var name: String
        /// Server side of mutual TLS: CA, certificate, key.
        public var server: TLSFiles
        /// Client side of mutual TLS.
        public var client: TLSFiles
        /// The JWS private key (PEM).
        public var jwsKeyPath: String
    }

    public var directory: String
    public var caCertificatePath: String
    public var jwsPublicKeysDirectory: String
    public var participants: [String: Participant]

    /// Generates the CA and the material of every participant under `directory`.
    public static func generate(in directory: String, participants names: [String], validDays: Int = 30) throws -> TestPKI {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let publicKeys = directory + "/jws-public"
        try manager.createDirectory(atPath: publicKeys, withIntermediateDirectories: true)

        let caKey = try Key.p256()
        let ca = try Certificate.make(commonName: "Payment Manager test CA", key: caKey, issuer: nil, serial: 1, days: validDays, kind: .authority)
        let caPath = directory + "/ca.pem"
        try write(ca.pem(), to: caPath)
        try write(caKey.privatePEM(), to: directory + "/ca-key.pem", secret: true)

        var participants: [String: Participant] = [:]
        for (index, name) in names.enumerated() {
            let folder = directory + "/" + name
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let serverKey = try Key.p256()
            let server = try Certificate.make(commonName: name, key: serverKey, issuer: (ca, caKey), serial: 100 + index * 2, days: validDays, kind: .server)
            let clientKey = try Key.p256()
            let client = try Certificate.make(commonName: name, key: clientKey, issuer: (ca, caKey), serial: 101 + index * 2, days: validDays, kind: .client)
            try write(server.pem(), to: folder + "/server.pem")
            try write(serverKey.privatePEM(), to: folder + "/server-key.pem", secret: true)
            try write(client.pem(), to: folder + "/client.pem")
            try write(clientKey.privatePEM(), to: folder + "/client-key.pem", secret: true)
            let jws = try SigningKey.generateRSA()
            try write(try jws.privateKeyPEM(), to: folder + "/jws-key.pem", secret: true)
            try write(jws.verificationKey.pem, to: publicKeys + "/\(name).pem")
            participants[name] = Participant(
                name: name,
                server: TLSFiles(caCertificatePaths: [caPath], certificatePath: folder + "/server.pem", keyPath: folder + "/server-key.pem"),
                client: TLSFiles(caCertificatePaths: [caPath], certificatePath: folder + "/client.pem", keyPath: folder + "/client-key.pem"),
                jwsKeyPath: folder + "/jws-key.pem")
        }
        return TestPKI(directory: directory, caCertificatePath: caPath, jwsPublicKeysDirectory: publicKeys, participants: participants)
    }

    /// The material of one participant generated here.
    public func participant(_ name: String) throws -> Participant {
        guard let participant = participants[name] else { throw TopologyError("the test PKI has no participant '\(name)'") }
        return participant
    }

    static func write(_ text: String, to path: String, secret: Bool = false) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8),
                                             attributes: secret ? [.posixPermissions: 0o600] : nil) else {
            throw CryptoError("cannot write \(path)")
        }
    }

    /// An OpenSSL key pair.
    final class Key {
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { EVP_PKEY_free(pointer) }

        static func p256() throws -> Key {
            guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw CryptoError("cannot create a key generator") }
            defer { EVP_PKEY_CTX_free(context) }
            var generated: OpaquePointer?
            guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, "P-256") == 1,
                  EVP_PKEY_generate(context, &generated) == 1, let generated else { throw CryptoError("key generation failed") }
            return Key(generated)
        }

        func privatePEM() throws -> String {
            try TestPKI.pem { PEM_write_bio_PrivateKey($0, pointer, nil, nil, 0, nil, nil) }
        }
    }

    /// An OpenSSL X.509 certificate.
    final class Certificate {
        enum Kind { case authority, server, client }
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { X509_free(pointer) }

        func pem() throws -> String { try TestPKI.pem { PEM_write_bio_X509($0, pointer) } }

        static func make(commonName: String, key: Key, issuer: (Certificate, Key)?, serial: Int, days: Int, kind: Kind) throws -> Certificate {
            guard let x509 = X509_new() else { throw CryptoError("cannot create a certificate") }
            let certificate = Certificate(x509)
            X509_set_version(x509, 2)
            ASN1_INTEGER_set(X509_get_serialNumber(x509), serial)
            X509_gmtime_adj(X509_getm_notBefore(x509), -3600)
            X509_gmtime_adj(X509_getm_notAfter(x509), days * 86_400)
            X509_set_pubkey(x509, key.pointer)
            let name = X509_get_subject_name(x509)
            X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, "Payment Manager test PKI", -1, -1, 0)
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0)
            X509_set_issuer_name(x509, issuer.map { X509_get_subject_name($0.0.pointer) } ?? name)
            var context = X509V3_CTX()
            X509V3_set_ctx(&context, issuer?.0.pointer ?? x509, x509, nil, nil, 0)
            var extensions: [(Int32, String)] = [(NID_subject_key_identifier, "hash")]
            switch kind {
            case .authority:
                extensions += [(NID_basic_constraints, "critical,CA:TRUE"), (NID_key_usage, "critical,keyCertSign,cRLSign")]
            case .server:
                extensions += [(NID_basic_constraints, "critical,CA:FALSE"), (NID_key_usage, "critical,digitalSignature,keyAgreement"),
                               (NID_ext_key_usage, "serverAuth"), (NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"),
                               (NID_authority_key_identifier, "keyid")]
            case .client:
                extensions += [(NID_basic_constraints, "critical,CA:FALSE"), (NID_key_usage, "critical,digitalSignature,keyAgreement"),
                               (NID_ext_key_usage, "clientAuth"), (NID_authority_key_identifier, "keyid")]
            }
            for (nid, value) in extensions {
                guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else { throw CryptoError("bad certificate extension \(value)") }
                X509_add_ext(x509, ext, -1)
                X509_EXTENSION_free(ext)
            }
            guard X509_sign(x509, (issuer?.1 ?? key).pointer, EVP_sha256()) > 0 else { throw CryptoError("cannot sign the certificate") }
            return certificate
        }
    }

    static func pem(_ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError("cannot allocate") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw CryptoError("cannot write PEM") }
        var data: UnsafeMutablePointer<CChar>?
        let length = pm_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { throw CryptoError("empty PEM") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }
}
