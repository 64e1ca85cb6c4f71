import EventLog
import Foundation
import Synchronization
import Testing

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out: \(what)" }
}

/// Runs `work` and fails if it has not finished within `seconds`: the deadline every wait in these
/// tests has, instead of sleeping. On the deadline `work` is cancelled and abandoned, not awaited: a
/// wait that ignores cancellation makes its test fail, never hang the suite.
func withDeadline<T: Sendable>(_ seconds: Double, _ what: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    let task = Task { try await work() }
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let outcome = FirstOutcome(continuation)
        Task { outcome.settle(await task.result) }
        Task {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            task.cancel()
            outcome.settle(.failure(TimedOut(what: what)))
        }
    }
}

/// Resumes a continuation with the first outcome it is given and ignores the others.
private final class FirstOutcome<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>
    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = Mutex(continuation) }
    func settle(_ result: Result<T, any Error>) {
        continuation.withLock { pending in defer { pending = nil }; return pending }?.resume(with: result)
    }
}

/// A temporary folder removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pm-log-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// A record value for the contract tests: which key, which sequence number on that key, and a unique id.
struct TestEvent: Codable, Hashable, Sendable {
    var id: String
    var key: String
    var sequence: Int

    var record: (String) -> ProducerRecord {
        { topic in
            ProducerRecord(topic: topic, key: key, headers: [LogHeader(name: "pm.type", text: "test.event")],
                           value: Array((try? JSONEncoder().encode(self)) ?? Data()))
        }
    }

    static func decode(_ record: ConsumerRecord) -> TestEvent? {
        try? JSONDecoder().decode(TestEvent.self, from: Data(record.value))
    }
}

/// What a group of consumers processed: every event once per delivery, by member.
final class Processed: Sendable {
    private struct State {
        var deliveries: [(member: Int, event: TestEvent)] = []
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func add(_ event: TestEvent, member: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.deliveries.append((member, event))
            let count = state.deliveries.count
            let ready = state.waiters.filter { $0.count <= count }.map(\.continuation)
            state.waiters.removeAll { $0.count <= count }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    var events: [TestEvent] { state.withLock { $0.deliveries.map(\.event) } }
    var count: Int { state.withLock { $0.deliveries.count } }
    var deliveries: [(member: Int, event: TestEvent)] { state.withLock { $0.deliveries } }

    /// Returns once at least `count` deliveries were made (put ``withDeadline(_:_:_:)`` around it).
    func waitUntil(count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.deliveries.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing body.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
