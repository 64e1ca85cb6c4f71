import NIOCore
import Synchronization

/// The expiry timers of reserved transfers, on NIO's scheduler (one timer heap per event loop, no
/// task per transfer): each fires once at its transfer's expiration unless the transfer finished
/// first and cancelled it (API Definition v1.1 §6.7.2.4).
final class HubTimers: Sendable {
    private let eventLoop: any EventLoop
    private let scheduled = Mutex<[String: Scheduled<Void>]>([:])

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Calls `fire` after `milliseconds` (at once when not positive), unless ``cancel(_:)`` comes first.
    func schedule(_ transferId: String, inMilliseconds milliseconds: Int64, fire: @escaping @Sendable () -> Void) {
        let task = eventLoop.scheduleTask(in: .milliseconds(max(0, milliseconds))) { [weak self] in
            self?.forget(transferId)
            fire()
        }
        scheduled.withLock { $0[transferId] = task }
    }

    /// Stops the timer of a transfer that finished.
    func cancel(_ transferId: String) {
        scheduled.withLock { $0.removeValue(forKey: transferId) }?.cancel()
    }

    /// Stops every timer, when the hub stops.
    func cancelAll() {
        let all = scheduled.withLock { timers in
            defer { timers.removeAll() }
            return Array(timers.values)
        }
        for task in all { task.cancel() }
    }

    private func forget(_ transferId: String) {
        _ = scheduled.withLock { $0.removeValue(forKey: transferId) }
    }
}
