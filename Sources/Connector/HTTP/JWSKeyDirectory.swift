import FSPIOP
import Foundation
import Logging
import Synchronization

/// The JWS verification keys of the other participants (`JWS_VERIFICATION_KEYS_DIRECTORY`): one
/// `<fspId>.pem` file per participant (public key or certificate). The folder is read again when it
/// changes (its files' modification times are compared at most once a second), so a key added by the
/// connection manager is used without a restart.
public final class JWSKeyDirectory: Sendable {
    public let path: String
    let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var validator: JWSValidator
        var fingerprint: [String: Date]
        var checkedAt: Date
    }

    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        let (keys, fingerprint) = try Self.load(path, logger: logger)
        state = Mutex(State(validator: JWSValidator(keys: keys), fingerprint: fingerprint, checkedAt: Date()))
    }

    /// The participants whose keys are loaded.
    public var participants: [String] { state.withLock { $0.validator.keys.keys.sorted() } }

    /// Validates a request's signature with the key of its `FSPIOP-Source`.
    public func validate(body: [UInt8], headers: HeaderFields) throws(JWSFailure) {
        reloadIfChanged()
        let validator = state.withLock { $0.validator }
        try validator.validate(body: body, headers: headers)
    }

    /// Reads the folder again if a file was added, removed or changed since the last read.
    public func reloadIfChanged(force: Bool = false) {
        let now = Date()
        let due = state.withLock { state -> Bool in
            guard force || now.timeIntervalSince(state.checkedAt) >= 1 else { return false }
            state.checkedAt = now
            return true
        }
        guard due else { return }
        let current: [String: Date]
        do { current = try Self.fingerprint(path) } catch {
            logger.error("the JWS verification keys' folder cannot be read; the previous keys stay in use", metadata: ["error": "\(error)"])
            return
        }
        guard force || current != state.withLock({ $0.fingerprint }) else { return }
        do {
            let (keys, fingerprint) = try Self.load(path, logger: logger)
            state.withLock { state in
                state.validator = JWSValidator(keys: keys)
                state.fingerprint = fingerprint
            }
            logger.info("JWS verification keys reloaded", metadata: ["participants": "\(keys.keys.sorted())"])
        } catch {
            logger.error("JWS verification keys not reloaded; the previous keys stay in use", metadata: ["error": "\(error)"])
        }
    }

    /// The `.pem` files of the folder and when each changed.
    /// - Throws: when the folder cannot be listed (then the keys in use must stay, not be emptied).
    static func fingerprint(_ path: String) throws -> [String: Date] {
        let manager = FileManager.default
        var result: [String: Date] = [:]
        for name in try manager.contentsOfDirectory(atPath: path) where name.hasSuffix(".pem") {
            let attributes = try? manager.attributesOfItem(atPath: path + "/" + name)
            result[name] = attributes?[.modificationDate] as? Date ?? .distantPast
        }
        return result
    }

    static func load(_ path: String, logger: Logger) throws -> ([String: VerificationKey], [String: Date]) {
        let fingerprint = try fingerprint(path)
        var keys: [String: VerificationKey] = [:]
        for name in fingerprint.keys {
            let fspId = String(name.dropLast(4))
            do {
                let text = try String(contentsOfFile: path + "/" + name, encoding: .utf8)
                keys[fspId] = try VerificationKey(pem: text)
            } catch {
                logger.error("JWS verification key not usable", metadata: ["file": "\(name)", "error": "\(error)"])
            }
        }
        return (keys, fingerprint)
    }
}
