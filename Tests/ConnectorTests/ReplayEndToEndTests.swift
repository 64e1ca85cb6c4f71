import EventLog
import Foundation
import PMCore
import PaymentManager
import Testing

/// `pm replay verify` over real logs: every decision the connectors recorded is made again from its fact, and one
/// altered record is found.
@Suite(.serialized)
struct ReplayEndToEndTests {
    @Test("the demo's logs replay consistently on both sides; an altered event is reported with its position")
    func verify() async throws {
        try await withTopology { topology in
            for index in 0..<4 {
                let (status, _) = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(
                    from: "2771000000\(index)", to: "2772000000\(index)", amount: "7"))
                #expect(status == 200)
            }
            let (failed, _) = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000000", to: "27729999999"))
            #expect(failed >= 400)

            let payer = try await ReplayVerification.run(log: topology.payerLog, settings: topology.payerSettings)
            #expect(payer.consistent, "\(payer.divergences)")
            #expect(payer.eventsCompared == payer.events)
            #expect(payer.events > 20)
            let payee = try await ReplayVerification.run(log: topology.payeeLog, settings: topology.payeeSettings)
            #expect(payee.consistent, "\(payee.divergences)")
            #expect(payee.eventsCompared == payee.events)

            // The same log with one event's amount changed, record for record.
            let copyPath = topology.options.directory + "/altered.sqlite"
            let copy = try SQLiteEventLog(configuration: SQLiteLogConfiguration(path: copyPath))
            let topics = topology.payerSettings.topics
            for spec in topics.specs { try await copy.ensureTopic(spec) }
            var altered: RecordPosition?
            for description in try await topology.payerLog.describeTopics() {
                for partition in description.partitions {
                    let records = try await topology.payerLog.read(ReadRequest(topic: description.name, partition: partition.partition, limit: 100_000))
                    var copied: [ProducerRecord] = []
                    for record in records {
                        var value = record.value
                        if altered == nil, description.name == topics.transfers,
                           let text = String(validating: value, as: UTF8.self), text.contains("\"transfer.outbound.quote-received\"") {
                            value = Array(text.replacingOccurrences(of: "\"amount\":\"7\"", with: "\"amount\":\"70\"").utf8)
                            if value != record.value { altered = record.position }
                        }
                        copied.append(ProducerRecord(topic: record.topic, key: record.key, headers: record.headers, value: value))
                    }
                    let positions = try await copy.append(copied)
                    #expect(positions.map(\.offset) == records.map(\.offset))
                }
            }
            let changed = try #require(altered)
            let outcome = try await ReplayVerification.run(log: copy, settings: topology.payerSettings)
            await copy.shutdown()
            #expect(!outcome.consistent)
            #expect(outcome.divergences.first?.hasPrefix(changed.description) == true, "\(outcome.divergences)")
        }
    }
}
