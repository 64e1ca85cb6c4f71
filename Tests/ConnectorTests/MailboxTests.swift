@testable import Connector
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
