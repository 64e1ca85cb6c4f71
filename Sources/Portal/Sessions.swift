import Foundation
import Synchronization

/// A signed-in user's session: its id (the cookie's value), the user, and the token every change must carry.
public struct PortalSession: Sendable, Hashable {
    public let id: String
    public let user: PortalUser
    /// Sent back in every form and in the `X-CSRF-Token` header of every change; checked against the session's.
    public let csrfToken: String
    let created: ContinuousClock.Instant
    var lastSeen: ContinuousClock.Instant
}

/// The sessions of one process, in memory: a session ends on logout, after `idle` without a request, or `lifetime`
/// after login, whichever comes first. A restart signs everyone out.
public final class SessionStore: Sendable {
    let idle: Duration
    let lifetime: Duration
    private let sessions = Mutex<[String: PortalSession]>([:])

    public init(idle: Duration = .seconds(30 * 60), lifetime: Duration = .seconds(12 * 3600)) {
        self.idle = idle
        self.lifetime = lifetime
    }

    /// A new session for `user`, with fresh random ids (256 bits each).
    public func create(for user: PortalUser) -> PortalSession {
        let now = ContinuousClock.now
        let session = PortalSession(id: Self.randomToken(), user: user, csrfToken: Self.randomToken(), created: now, lastSeen: now)
        sessions.withLock { sessions in
            sessions = sessions.filter { now - $0.value.lastSeen < idle && now - $0.value.created < lifetime }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session with this id, its last use moved to now; nil when there is none or it expired.
    public func session(_ id: String) -> PortalSession? {
        let now = ContinuousClock.now
        return sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard now - session.lastSeen < idle, now - session.created < lifetime else {
                sessions[id] = nil
                return nil
            }
            session.lastSeen = now
            sessions[id] = session
            return session
        }
    }

    public func end(_ id: String) { sessions.withLock { _ = $0.removeValue(forKey: id) } }

    /// 32 random bytes, base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Compares two tokens in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Failed logins, counted per user name and in all: after `perUser` failures for one name within `window`, that name
/// is refused until the window has passed; after `overall` failures of any names, every login is.
public final class LoginThrottle: Sendable {
    let perUser: Int
    let overall: Int
    let window: Duration
    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])
    static let everyone = "\u{0}all"

    public init(perUser: Int = 5, overall: Int = 50, window: Duration = .seconds(15 * 60)) {
        self.perUser = perUser
        self.overall = overall
        self.window = window
    }

    /// When a login for `name` may be tried again; nil when it may be now.
    public func retryAfter(_ name: String) -> Duration? {
        let now = ContinuousClock.now
        return failures.withLock { failures in
            for (key, limit) in [(name, perUser), (Self.everyone, overall)] {
                let recent = (failures[key] ?? []).filter { now - $0 < window }
                failures[key] = recent
                if recent.count >= limit, let oldest = recent.first { return window - (now - oldest) }
            }
            return nil
        }
    }

    public func failed(_ name: String) {
        let now = ContinuousClock.now
        failures.withLock { failures in
            failures[name, default: []].append(now)
            failures[Self.everyone, default: []].append(now)
        }
    }

    public func succeeded(_ name: String) { failures.withLock { _ = $0.removeValue(forKey: name) } }
}
