import NIOSSL

/// Mutual TLS material as file paths: the CA certificates to trust, and this side's certificate chain
/// and private key (PEM). The key is read only to build the TLS context; it is never logged or returned.
public struct TLSFiles: Sendable, Hashable {
    public var caCertificatePaths: [String]
    public var certificatePath: String
    public var keyPath: String

    public init(caCertificatePaths: [String], certificatePath: String, keyPath: String) {
        self.caCertificatePaths = caCertificatePaths
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// A server context that requires a client certificate signed by one of the CAs (mutual TLS).
    public func serverConfiguration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
        configuration.trustRoots = .certificates(try caCertificates())
        // A client has no host name to check; its certificate must still chain to the CA.
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        // On shutdown, wait briefly for the peer's close_notify rather than NIOSSL's default 5 s.
        configuration.shutdownTimeout = .milliseconds(200)
        return configuration
    }

    /// A client context that presents this certificate and verifies the server against the CAs,
    /// host name included (certificates for 127.0.0.1 carry it as an IP subject alternative name).
    public func clientConfiguration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try caCertificates())
        configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) }
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        configuration.certificateVerification = .fullVerification
        configuration.minimumTLSVersion = .tlsv12
        configuration.shutdownTimeout = .milliseconds(200)
        return configuration
    }

    private func caCertificates() throws -> [NIOSSLCertificate] {
        try caCertificatePaths.flatMap { try NIOSSLCertificate.fromPEMFile($0) }
    }
}
