import NIOSSL

/// The PEM files of one side of a mutually authenticated TLS connection of a simulator: the
/// certificate authority that signs the peer's certificate, this side's certificate (chain), and its
/// private key. (Named apart from the connector's `TLSFiles` so that a file importing both modules
/// needs no qualification.)
///
/// Secrets stay file paths (STYLE.md, Configuration); the files are read when a configuration is made,
/// so a missing or unreadable file is reported at start-up, naming the file.
public struct SimulatorTLSFiles: Sendable, Hashable, Codable {
    /// PEM file with the CA certificate(s) trusted to sign the peer's certificate.
    public var caCertificatePath: String
    /// PEM file with this side's certificate, followed by any intermediates.
    public var certificatePath: String
    /// PEM file with this side's private key (RSA or EC).
    public var privateKeyPath: String

    public init(caCertificatePath: String, certificatePath: String, privateKeyPath: String) {
        self.caCertificatePath = caCertificatePath
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }

    /// A server configuration that requires every client to present a certificate signed by the CA
    /// (mTLS, as a Mojaloop hub's gateway does), with TLS 1.2 at least.
    ///
    /// - Throws: ``SimulatorTLSFilesError`` naming the file that cannot be read or parsed.
    public func serverConfiguration() throws(SimulatorTLSFilesError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: try certificateChain().map { .certificate($0) },
            privateKey: .privateKey(try privateKey()),
            trustRoots: .certificates(try caCertificates()))
        // A server cannot check a client's host name; the chain to the CA is verified.
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        // Wait briefly for the peer's close_notify on shutdown, not NIOSSL's default 5 s.
        configuration.shutdownTimeout = .milliseconds(200)
        return configuration
    }

    /// A client configuration that presents this certificate and trusts only the CA for the server's
    /// certificate, with TLS 1.2 at least.
    ///
    /// - Parameter verifyHostname: check that the server's certificate names the host called (its
    ///   subject alternative names must then include `127.0.0.1` for a loopback URL); on by default.
    /// - Throws: ``SimulatorTLSFilesError`` naming the file that cannot be read or parsed.
    public func clientConfiguration(verifyHostname: Bool = true) throws(SimulatorTLSFilesError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = try certificateChain().map { .certificate($0) }
        configuration.privateKey = .privateKey(try privateKey())
        configuration.trustRoots = .certificates(try caCertificates())
        configuration.certificateVerification = verifyHostname ? .fullVerification : .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        // Wait briefly for the peer's close_notify on shutdown, not NIOSSL's default 5 s.
        configuration.shutdownTimeout = .milliseconds(200)
        return configuration
    }

    private func caCertificates() throws(SimulatorTLSFilesError) -> [NIOSSLCertificate] {
        try certificates(at: caCertificatePath, role: "CA certificate")
    }

    private func certificateChain() throws(SimulatorTLSFilesError) -> [NIOSSLCertificate] {
        try certificates(at: certificatePath, role: "certificate")
    }

    private func certificates(at path: String, role: String) throws(SimulatorTLSFilesError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do { certificates = try NIOSSLCertificate.fromPEMFile(path) } catch {
            throw SimulatorTLSFilesError(path: path, reason: "cannot read the \(role) PEM file (\(error))")
        }
        guard !certificates.isEmpty else { throw SimulatorTLSFilesError(path: path, reason: "the \(role) PEM file holds no certificate") }
        return certificates
    }

    private func privateKey() throws(SimulatorTLSFilesError) -> NIOSSLPrivateKey {
        do { return try NIOSSLPrivateKey(file: privateKeyPath, format: .pem) } catch {
            throw SimulatorTLSFilesError(path: privateKeyPath, reason: "cannot read the private key PEM file (\(error))")
        }
    }
}

/// A TLS file that cannot be used: which file, and why.
public struct SimulatorTLSFilesError: Error, Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
