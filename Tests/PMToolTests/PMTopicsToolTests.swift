import EventLog
import Foundation
import Testing

/// `pm topics` against an embedded log the test fills through the library.
struct PMTopicsToolTests {
    static func filledLog(_ scratch: Scratch) async throws -> String {
        let path = scratch.url.appendingPathComponent("log.sqlite").path
        let log = try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: path))
        try await log.ensureTopic(TopicSpec(name: "pm.transfers", partitions: 2))
        try await log.ensureTopic(TopicSpec(name: "pm.empty", partitions: 1))
        var records: [ProducerRecord] = []
        for i in 0..<6 {
            let type = i % 2 == 0 ? "transfer.outbound.requested" : "transfer.outbound.fulfilled"
            records.append(ProducerRecord(topic: "pm.transfers", key: "transfer-\(i % 3)",
                                          headers: [LogHeader(name: "pm.type", text: type)],
                                          value: Array(#"{"n":\#(i),"note":"Zoë"}"#.utf8)))
        }
        _ = try await log.append(records)
        let consumer = try await log.consumer(Subscription(group: "projector", topics: ["pm.transfers"]))
        if let batch = try await consumer.nextBatch(), let first = batch.first { try await consumer.commit(first) }
        await consumer.close()
        await log.shutdown()
        return "sqlite:" + path
    }

    @Test("list, describe and tail a SQLite log")
    func topics() async throws {
        let scratch = try Scratch()
        let log = try await Self.filledLog(scratch)

        let list = try PMProcess.run(["topics", "list", "--log", log])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout == "pm.empty\npm.transfers\n")

        let describe = try PMProcess.run(["topics", "describe", "pm.transfers", "--log", log, "--group", "projector"])
        #expect(describe.status == 0, "\(describe.stderr)")
        let described = try #require(try JSONSerialization.jsonObject(with: Data(describe.stdout.utf8)) as? [String: Any])
        #expect(described["topic"] as? String == "pm.transfers")
        #expect(described["records"] as? Int == 6)
        let partitions = try #require(described["partitions"] as? [[String: Any]])
        #expect(partitions.count == 2)
        #expect(partitions.contains { $0["committedOffset"] as? Int == 1 })

        let all = try PMProcess.run(["topics", "tail", "pm.transfers", "--log", log, "--from-beginning", "--no-follow"])
        #expect(all.status == 0, "\(all.stderr)")
        let lines = all.stdout.split(separator: "\n")
        #expect(lines.count == 6)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["topic"] as? String == "pm.transfers")
        #expect((first["value"] as? [String: Any])?["note"] as? String == "Zoë")
        #expect((first["headers"] as? [String: String])?["pm.type"] != nil)

        let typed = try PMProcess.run(["topics", "tail", "pm.transfers", "--log", log, "--no-follow", "--type", "transfer.outbound.fulfilled"])
        #expect(typed.stdout.split(separator: "\n").count == 3)
        let keyed = try PMProcess.run(["topics", "tail", "pm.transfers", "--log", log, "--no-follow", "--key", "transfer-0"])
        #expect(keyed.stdout.split(separator: "\n").count == 2)
        let limited = try PMProcess.run(["topics", "tail", "pm.transfers", "--log", log, "--from-beginning", "--limit", "4"])
        #expect(limited.status == 0)
        #expect(limited.stdout.split(separator: "\n").count == 4)
    }

    @Test("a bad log location is refused with a reason")
    func badLocation() throws {
        let result = try PMProcess.run(["topics", "list", "--log", "postgres://nope"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("sqlite:PATH"))
    }
}
