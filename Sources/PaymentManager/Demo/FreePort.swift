import Connector
import Simulators
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Picks free TCP ports on 127.0.0.1 (the kernel chooses; the socket is closed at once), for a
/// topology whose parts must know each other's addresses before they start.
public enum FreePort {
    /// Ports already handed out by this process: the kernel may offer a closed one again, and two
    /// topologies started at once must not get the same port.
    private static let handedOut = Mutex<Set<Int>>([])

    public static func allocate() throws -> Int {
        for _ in 0..<100 {
            let port = try kernelPort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw TopologyError("no free port found")
    }

    static func kernelPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TopologyError("cannot open a socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TopologyError("cannot bind a socket") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TopologyError("cannot read a socket's port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Why a demo or test topology cannot start.
public struct TopologyError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension SimulatorTLSFiles {
    /// The simulators' form of a TLS file set (one CA file).
    init(_ files: TLSFiles) {
        self.init(caCertificatePath: files.caCertificatePaths.first ?? "", certificatePath: files.certificatePath, privateKeyPath: files.keyPath)
    }
}
