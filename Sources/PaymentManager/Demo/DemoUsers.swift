import Portal

/// The demo's portal users: one per role, each with a random password, told once when the demo starts.
public enum DemoUsers {
    public struct Credential: Sendable {
        public var user: PortalUser
        public var password: String
    }

    /// `business`, `technical` and `admin`, with passwords of 16 random letters and digits (bcrypt cost 10: the demo
    /// starts quickly; `pm portal hash-password` uses 12).
    public static func make() -> [Credential] {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return [("business", PortalRole.business), ("technical", .technical), ("admin", .admin)].map { name, role in
            let password = String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
            return Credential(user: PortalUser(name: name, passwordHash: PortalUsers.hash(password, cost: 10), roles: [role]), password: password)
        }
    }
}
