import Foundation
import HummingbirdBcrypt
import Yams

/// What a portal user may see. Every page and every experience API route names the roles that may use it.
public enum PortalRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// Transfers, their timelines, errors, statistics and operations.
    case business
    /// The connection to the hub, the service's health and metrics, certificates and keys.
    case technical
    /// Everything.
    case admin
}

/// A local user: a name, a bcrypt hash of the password (never the password), and roles.
public struct PortalUser: Sendable, Hashable {
    public var name: String
    public var passwordHash: String
    public var roles: Set<PortalRole>

    public init(name: String, passwordHash: String, roles: Set<PortalRole>) {
        self.name = name
        self.passwordHash = passwordHash
        self.roles = roles
    }

    /// Whether the user has one of `roles` (an admin has them all).
    public func may(_ roles: Set<PortalRole>) -> Bool { self.roles.contains(.admin) || !self.roles.isDisjoint(with: roles) }
}

/// The local users, read from a YAML file (`PM_PORTAL_USERS_FILE`):
///
/// ```yaml
/// users:
///   - name: ana
///     passwordHash: "$2b$12$..."   # pm portal hash-password
///     roles: [business]
/// ```
public struct PortalUsers: Sendable {
    public let users: [String: PortalUser]

    public init(_ users: [PortalUser]) {
        self.users = Dictionary(users.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The users of a YAML document; every problem names the user and the field.
    public init(yaml text: String) throws(PortalConfigurationError) {
        let document: Any?
        do { document = try Yams.load(yaml: text) } catch { throw PortalConfigurationError("the users file is not YAML: \(error)") }
        guard let root = document as? [String: Any], let entries = root["users"] as? [Any] else {
            throw PortalConfigurationError("the users file must hold a list named 'users'")
        }
        var users: [PortalUser] = []
        var names: Set<String> = []
        for (index, entry) in entries.enumerated() {
            guard let fields = entry as? [String: Any], let name = fields["name"] as? String, !name.isEmpty else {
                throw PortalConfigurationError("user \(index + 1): 'name' is required")
            }
            guard names.insert(name).inserted else { throw PortalConfigurationError("user '\(name)' is named twice") }
            guard let hash = fields["passwordHash"] as? String, Self.isBcrypt(hash) else {
                throw PortalConfigurationError("user '\(name)': 'passwordHash' must be a bcrypt hash ($2b$...), made by `pm portal hash-password`")
            }
            guard let roleNames = fields["roles"] as? [String], !roleNames.isEmpty else {
                throw PortalConfigurationError("user '\(name)': 'roles' must list business, technical or admin")
            }
            var roles: Set<PortalRole> = []
            for roleName in roleNames {
                guard let role = PortalRole(rawValue: roleName) else {
                    throw PortalConfigurationError("user '\(name)': no role '\(roleName)' (business, technical, admin)")
                }
                roles.insert(role)
            }
            users.append(PortalUser(name: name, passwordHash: hash, roles: roles))
        }
        self.init(users)
    }

    /// The users of the YAML file at `path`.
    public init(file path: String) throws(PortalConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PortalConfigurationError("cannot read the users file '\(path)'")
        }
        try self.init(yaml: text)
    }

    /// A YAML document of these users, for `pm demo`.
    public static func yaml(_ users: [PortalUser]) -> String {
        "users:\n" + users.map { user in
            "  - name: \(user.name)\n    passwordHash: \"\(user.passwordHash)\"\n    roles: [\(user.roles.map(\.rawValue).sorted().joined(separator: ", "))]\n"
        }.joined()
    }

    static func isBcrypt(_ hash: String) -> Bool {
        hash.count == 60 && (hash.hasPrefix("$2b$") || hash.hasPrefix("$2a$") || hash.hasPrefix("$2y$"))
    }

    /// The user with this name and password, or nil. The password is checked against a hash even when no user has the
    /// name, so that the time taken does not tell which names exist.
    public func authenticate(name: String, password: String) -> PortalUser? {
        guard let user = users[name] else {
            _ = Bcrypt.verify(password, hash: Self.unknownUserHash)
            return nil
        }
        return Bcrypt.verify(password, hash: user.passwordHash) ? user : nil
    }

    /// A hash of a random password, checked when the name is unknown.
    static let unknownUserHash = Bcrypt.hash(UUID().uuidString, cost: 12)

    /// A bcrypt hash of `password`, salted (cost 12 unless told: about a quarter of a second here).
    public static func hash(_ password: String, cost: UInt8 = 12) -> String { Bcrypt.hash(password, cost: cost) }
}

/// A users file that cannot be used, and why.
public struct PortalConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Which roles may use a path of the experience API or of the portal: the route table every request is checked
/// against. A path no entry names is refused to everyone but an admin.
public enum PortalRoutes {
    public enum Access: Sendable, Hashable {
        /// Anyone, without a session: the login page, the liveness check, the static assets.
        case open
        /// A session whose user has one of these roles (or is an admin).
        case roles(Set<PortalRole>)
    }

    static let business: Access = .roles([.business])
    static let technical: Access = .roles([.technical])
    static let anyone: Access = .roles([.business, .technical])

    /// The experience API's routes, by their first path segment.
    public static let api: [String: Access] = [
        "health": .open,
        "transfers": business, "transferErrors": business, "errors": business, "transferStatusSummary": business,
        "minuteSuccessfulTransferPerc": business, "minuteAverageTransferResponseTime": business, "hourlyFlow": business,
        "operations": business,
        "status": technical, "metrics": technical,
    ]

    /// The portal's pages, by their path under `/portal`.
    public static let pages: [String: Access] = [
        "": anyone, "dashboard": business, "transfers": business, "errors": business, "operations": business, "live": anyone,
        "connection": technical, "service": technical, "credentials": technical,
    ]

    /// The access a request path needs.
    public static func access(for path: String) -> Access {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let first = segments.first else { return anyone }
        switch first {
        case "login", "logout", "assets", "oidc": return .open
        case "portal": return pages[segments.count > 1 ? segments[1] : ""] ?? .roles([.admin])
        default: return api[first] ?? .roles([.admin])
        }
    }
}
