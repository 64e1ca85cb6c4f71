@testable import Connector
import FSPIOP
import Testing

@Suite("The outbound API's mailbox of one-shot answers")
struct MailboxTests {
    @Test("an answer delivered before its caller waits is kept for it; a waiting caller gets it at once")
    func delivery() async {
        let box = Mailbox<Int>(capacity: 10)
        box.deliver("early", 1)
        #expect(await box.wait("early", timeout: .seconds(5)) == 1)
        async let later = box.wait("late", timeout: .seconds(5))
        // The waiter registers, then the answer comes (a delivery first would be kept, so either order works).
        box.deliver("late", 2)
        #expect(await later == 2)
        #expect(await box.wait("never", timeout: .milliseconds(10)) == nil)
    }

    @Test("what it tracks stays bounded, whether answers are taken or left unclaimed")
    func bounded() async {
        let box = Mailbox<Int>(capacity: 100)
        for index in 0..<5_000 {
            box.deliver("taken-\(index)", index)
            _ = await box.wait("taken-\(index)", timeout: .seconds(5))
        }
        for index in 0..<5_000 { box.deliver("left-\(index)", index) }
        #expect(box.trackedCount <= 2 * 100 + 1024 + 1)
        #expect(await box.wait("left-4999", timeout: .seconds(5)) == 4999, "the newest unclaimed answers are kept")
        #expect(await box.wait("left-0", timeout: .milliseconds(10)) == nil, "the oldest beyond the capacity are dropped")
    }
}

struct WatchedStatesTests {
    @Test("a refusal that comes before its caller waits is kept for it, for an aggregate not known; a known one's is not")
    func earlyRefusal() async {
        let states = WatchedStates<Int>()
        states.publish([], refusals: [(id: "new", error: FSPIOPError(.validationError, "already paid"))])
        guard case let .refused(error)? = await states.wait(for: "new", timeout: .seconds(5), until: { _ in true }) else {
            Issue.record("the early refusal was lost")
            return
        }
        #expect(error.code == .validationError)
        // Claimed once.
        #expect(await states.wait(for: "new", timeout: .milliseconds(50), until: { _ in true }) == nil)
        // For an aggregate this side knows, a refusal nobody waited for concerns an earlier caller.
        states.publish([(id: "known", value: 1)], refusals: [])
        states.publish([], refusals: [(id: "known", error: FSPIOPError(.clientError))])
        guard case .state(1)? = await states.wait(for: "known", timeout: .seconds(5), until: { $0 == 1 }) else {
            Issue.record("a stale refusal answered a later caller")
            return
        }
    }
}
