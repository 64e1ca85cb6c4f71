import Connector
import Simulators
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Picks free TCP ports on 127.0.0.1 for a topology whose parts must know each other's addresses
/// before they start. The ports come from below the kernel's ephemeral range: a port the kernel hands
/// out (to a `bind` on port 0, or to any outgoing connection as its local port) could be taken by
/// another socket between the moment we learn it and the moment a server binds it, or while a killed
/// server is restarted on it; ports below that range are only ever taken on purpose.
public enum FreePort {
    /// Ports already handed out by this process: two topologies started at once must not get the same port.
    private static let handedOut = Mutex<Set<Int>>([])

    public static func allocate() throws -> Int {
        let range = 20_000..<max(20_001, min(32_768, ephemeralRangeStart()))
        for _ in 0..<1000 {
            let port = Int.random(in: range)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if isFree(port) { return port }
        }
        throw TopologyError("no free port found between \(range.lowerBound) and \(range.upperBound)")
    }

    /// The first port of the kernel's ephemeral range (Linux), or the IANA one elsewhere.
    static func ephemeralRangeStart() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
              let first = text.split(whereSeparator: \.isWhitespace).first, let port = Int(first) else { return 49_152 }
        return port
    }

    /// Whether a listening socket can bind `port` on 127.0.0.1 now (with SO_REUSEADDR, as servers do).
    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var reuse: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
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
