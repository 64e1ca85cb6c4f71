import AsyncHTTPClient
import EventLog
import Foundation
import NIOCore
import NIOHTTP1
import PMCore
import ReadModel
@testable import PaymentManager
@testable import ReadSide
import Testing

/// The read side over real sockets: transfers made through the demo's topology are projected from each
/// connector's log and served by its experience API, in PM4ML's shapes.
@Suite(.serialized)
struct ReadSideEndToEndTests {
    /// Calls an experience API, signed in as an admin.
    struct ExperienceCaller {
        let port: Int
        let client: PortalClient

        init(port: Int) {
            self.port = port
            client = PortalClient(port: port)
        }

        func get(_ path: String, accept: String? = nil) async throws -> (status: Int, body: JSONValue, text: String, total: Int?) {
            if client.sessionCookie == nil { try await client.signIn(TestUsers.admin.name) }
            let answer = try await client.request(.GET, path, headers: accept.map { [("Accept", $0)] } ?? [])
            return (answer.status, answer.json, answer.text, answer.total)
        }

        /// Waits until `/transfers?<query>` counts `count` transfers, or fails after the deadline.
        func awaitTotal(_ count: Int, query: String, within seconds: Double = 30) async throws {
            let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
            var last: Int?
            while ContinuousClock.now < deadline {
                last = try await get("/transfers?\(query)").total
                if last == count { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            Issue.record("/transfers?\(query) counted \(last.map(String.init) ?? "nothing"), not \(count), after \(seconds) s")
        }
    }

    @Test("transfers are projected on both sides and served in PM4ML's shapes, with paging, filters, statistics, CSV and timelines")
    func projectedAndServed() async throws {
        try await withTopology({
            $0.readSide = true
            $0.portalUsers = TestUsers.all
        }) { topology in
            let payerPort = try await #require(topology.payerReadSide).listeningPort()
            let payeePort = try await #require(topology.payeeReadSide).listeningPort()
            let payer = ExperienceCaller(port: payerPort)
            let payee = ExperienceCaller(port: payeePort)
            var ids: [String] = []
            for index in 0..<5 {
                let (status, body) = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(
                    from: "2771000000\(index)", to: "2772000000\(index)", amount: "1\(index).25"))
                #expect(status == 200)
                ids.append(try #require(body["transferId"]?.stringValue))
            }
            // One that fails: nobody has this MSISDN.
            let (failedStatus, _) = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000000", to: "27729999999"))
            #expect(failedStatus >= 400)

            try await payer.awaitTotal(5, query: "status=SUCCESS")
            try await payer.awaitTotal(1, query: "status=ERROR")
            try await payee.awaitTotal(5, query: "status=SUCCESS&direction=INBOUND")

            // Newest first, paged, with a total.
            let page = try await payer.get("/transfers?limit=2&offset=0&direction=OUTBOUND")
            #expect(page.status == 200)
            #expect(page.total == 6)
            guard case let .array(items) = page.body else { Issue.record("not an array"); return }
            #expect(items.count == 2)
            let newest = try #require(items.first)
            #expect(newest["status"]?.stringValue == "ERROR")
            #expect(newest["errorType"]?.stringValue?.isEmpty == false)

            // One transfer, as PM4ML's item.
            let item = try await payer.get("/transfers/\(ids[2])")
            #expect(item.status == 200)
            #expect(item.body["id"]?.stringValue == ids[2])
            #expect(item.body["amount"] == .number("12.25"))
            #expect(item.body["currency"]?.stringValue == "XXX")
            #expect(item.body["institution"]?.stringValue == "payeefsp")
            #expect(item.body["recipientIdValue"]?.stringValue == "27720000002")
            #expect(item.body["senderIdValue"]?.stringValue == "27710000002")
            #expect(item.body["type"]?.stringValue == "P2P")
            #expect(item.body["status"]?.stringValue == "SUCCESS")

            // The payee sees the same transfer, inbound, by its transfer id.
            let inbound = try await payee.get("/transfers/\(ids[2])")
            #expect(inbound.body["direction"]?.stringValue == "INBOUND")
            #expect(inbound.body["institution"]?.stringValue == "payerfsp")

            // Filters: amount range, currency, institution, sender.
            #expect(try await payer.get("/transfers?minAmount=12&maxAmount=13").total == 1)
            #expect(try await payer.get("/transfers?currency=XXX&status=SUCCESS").total == 5)
            #expect(try await payer.get("/transfers?institution=payee&status=SUCCESS").total == 5)
            #expect(try await payer.get("/transfers?senderIdValue=27710000003").total == 1)
            #expect(try await payer.get("/transfers?id=\(ids[4].prefix(13))").total == 1)
            #expect(try await payer.get("/transfers?startTimestamp=2000-01-01T00:00:00.000Z&endTimestamp=2001-01-01T00:00:00.000Z").total == 0)
            #expect(try await payer.get("/transferErrors?startTimestamp=2000-01-01T00:00:00.000Z").total == 1)
            #expect(try await payer.get("/transferErrors?endTimestamp=2000-01-01T00:00:00.000Z").total == 0)

            // Details and the timeline, with the messages received from the hub.
            let details = try await payer.get("/transfers/\(ids[0])/details")
            #expect(details.body["transferState"]?.stringValue == "COMMITTED")
            #expect(details.body["technicalDetails"]?["quoteRequest"]?["quoteId"]?.stringValue != nil)
            #expect(details.body["technicalDetails"]?["transferFulfilment"]?["transferState"]?.stringValue == "COMMITTED")
            let timeline = try await payer.get("/transfers/\(ids[0])/timeline")
            guard case let .array(entries)? = timeline.body["entries"] else { Issue.record("no timeline"); return }
            let types = entries.compactMap { $0["type"]?.stringValue }
            #expect(types.first == "core.transfer-requested")
            #expect(types.contains("transfer.outbound.fulfilled"))
            #expect(types.contains("effect.completed"))
            let quoteCallback = try #require(entries.first { $0["received"]?["path"]?.stringValue?.hasPrefix("/quotes/") == true })
            func header(_ headers: JSONValue?, _ name: String) -> String? {
                guard case let .object(members)? = headers else { return nil }
                return members.first { $0.0.lowercased() == name.lowercased() }?.1.stringValue
            }
            // The headers as the hub sent them, and the edge's verdict on the signature.
            #expect(header(quoteCallback["received"]?["headers"], "FSPIOP-Source") == "payeefsp")
            #expect(header(quoteCallback["received"]?["headers"], "Date") != nil)
            #expect(quoteCallback["received"]?["signed"] == .bool(true))
            #expect(quoteCallback["received"]?["jws"]?.stringValue == "verified")
            // The prepare as sent to the hub: its signed headers and its body.
            let prepareSent = try #require(entries.first { $0["sent"]?["method"]?.stringValue == "POST" && $0["sent"]?["url"]?.stringValue?.hasSuffix("/transfers") == true })
            #expect(header(prepareSent["sent"]?["headers"], "FSPIOP-Signature") != nil)
            #expect(header(prepareSent["sent"]?["headers"], "FSPIOP-Destination") == "payeefsp")
            #expect(prepareSent["sent"]?["body"]?["transferId"]?.stringValue == ids[0])
            #expect(prepareSent["sent"]?["status"] == .number("202"))

            // Statistics.
            let summary = try await payer.get("/transferStatusSummary")
            guard case let .array(statuses) = summary.body else { Issue.record("no summary"); return }
            #expect(statuses.first { $0["status"]?.stringValue == "SUCCESS" }?["count"] == .number("5"))
            #expect(statuses.first { $0["status"]?.stringValue == "ERROR" }?["count"] == .number("1"))
            let minutes = try await payer.get("/minuteSuccessfulTransferPerc?minutePrevious=60")
            guard case let .array(percentages) = minutes.body else { Issue.record("no percentages"); return }
            #expect(!percentages.isEmpty)
            let flow = try await payee.get("/hourlyFlow?hoursPrevious=2")
            guard case let .array(hours) = flow.body else { Issue.record("no flow"); return }
            let received = hours.compactMap { $0["inbound"] }.compactMap { value -> Double? in
                if case let .number(text) = value { return Double(text) }
                return nil
            }.reduce(0, +)
            #expect(received == 10.25 + 11.25 + 12.25 + 13.25 + 14.25)

            // Party lookups: one per payee looked up, the unknown one failed, each with its own timeline.
            let lookups = try await payer.get("/operations?kind=PARTY_LOOKUP")
            #expect(lookups.total == 6)
            #expect(try await payer.get("/operations?kind=PARTY_LOOKUP&status=ERROR").total == 1)
            #expect(try await payer.get("/operations?partyIdValue=27720000003").total == 1)
            let lookup = try await payer.get("/operations/PARTY_LOOKUP/MSISDN%2F27720000003")
            #expect(lookup.body["status"]?.stringValue == "SUCCESS")
            #expect(lookup.body["counterparty"]?.stringValue == "payeefsp")
            #expect(lookup.body["party"]?["idValue"]?.stringValue == "27720000003")
            let lookupTimeline = try await payer.get("/operations/PARTY_LOOKUP/MSISDN%2F27720000003/timeline")
            guard case let .array(lookupEntries)? = lookupTimeline.body["entries"] else { Issue.record("no lookup timeline"); return }
            let lookupTypes = lookupEntries.compactMap { $0["type"]?.stringValue }
            #expect(lookupTypes.contains("party.lookup-started"))
            #expect(lookupTypes.contains("party.resolved"))
            #expect(lookupEntries.contains { $0["received"]?["path"]?.stringValue == "/parties/MSISDN/27720000003" })
            #expect(try await payer.get("/operations/PARTY_LOOKUP/MSISDN%2F0").status == 404)
            #expect(try await payer.get("/operations/NOTHING/x").status == 404)
            #expect(try await payer.get("/operations?kind=NOTHING").status == 400)

            // CSV of a whole search.
            let csv = try await payer.get("/transfers?status=SUCCESS&limit=1", accept: "text/csv")
            #expect(csv.status == 200)
            #expect(csv.text.split(separator: "\r\n").count == 6)

            // Clear refusals.
            #expect(try await payer.get("/transfers/no-such-transfer").status == 404)
            #expect(try await payer.get("/transfers?limit=0").status == 400)
            #expect(try await payer.get("/transfers?startTimestamp=yesterday").status == 400)
            #expect(try await payer.get("/nothing").status == 404)

            // A store rebuilt from the log holds the same rows as the live one.
            let live = try #require(topology.payerReadSide).store
            let rebuiltPath = topology.options.directory + "/rebuilt.sqlite"
            let rebuilt = try ProjectionStore(path: rebuiltPath, topics: live.topics)
            try await rebuilt.catchUp(from: topology.payerLog)
            var all = TransferQuery()
            all.limit = 1000
            #expect(try await rebuilt.transfers(all).rows == (try await live.transfers(all).rows))
            for id in ids {
                let row = try #require(try await live.transfer(id: id))
                #expect(try await rebuilt.timeline(of: row) == (try await live.timeline(of: row)))
            }
            #expect(try await rebuilt.minuteStatistics(since: 0) == (try await live.minuteStatistics(since: 0)))
            #expect(try await rebuilt.hourlyFlow(since: 0) == (try await live.hourlyFlow(since: 0)))
            var operations = OperationQuery()
            operations.limit = 1000
            #expect(try await rebuilt.operations(operations).rows == (try await live.operations(operations).rows))
            #expect(try await rebuilt.operations(operations).total > 0)

            // Rebuilt into the live store while it serves: the same rows, and what comes next is projected too.
            let before = try await live.transfers(all).rows
            let outcome = try await ProjectionRebuild.run(log: topology.payerLog, storePath: live.path, projections: ProjectionName.allCases)
            #expect(outcome.recordsRead > 0)
            #expect(try await live.transfers(all).rows == before)
            let (status, _) = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000001", to: "27720000001"))
            #expect(status == 200)
            try await payer.awaitTotal(6, query: "status=SUCCESS")
        }
    }

    @Test("on Kafka, each store reads every partition as its own consumer group; a replay of the payer's log is consistent")
    func kafka() async throws {
        try await withTopology({
            $0.payerLog = "kafka-mock"
            $0.payeeLog = "kafka-mock"
            $0.readSide = true
            $0.portalUsers = TestUsers.all
        }) { topology in
            let payer = ExperienceCaller(port: try await #require(topology.payerReadSide).listeningPort())
            let payee = ExperienceCaller(port: try await #require(topology.payeeReadSide).listeningPort())
            for index in 0..<3 {
                let (status, _) = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(
                    from: "2771000000\(index)", to: "2772000000\(index)"))
                #expect(status == 200)
            }
            try await payer.awaitTotal(3, query: "status=SUCCESS")
            try await payee.awaitTotal(3, query: "status=SUCCESS")
            let live = try #require(topology.payerReadSide)
            // Every record of the topics applied, soon after the last transfer.
            let deadline = ContinuousClock.now + .seconds(30)
            var lag = try await live.projections.lag()
            while lag.values.contains(where: { $0 > 0 }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                lag = try await live.projections.lag()
            }
            #expect(lag.values.allSatisfy { $0 == 0 }, "\(lag)")
            let replay = try await ReplayVerification.run(log: topology.payerLog, settings: topology.payerSettings)
            #expect(replay.consistent, "\(replay.divergences)")
        }
    }

    @Test("a batch applied again, whole or in part, changes nothing: positions and rows are written in one transaction")
    func exactlyOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-projections-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let templates = try ReadSideBenchmark.templateEvents()
        var records: [ConsumerRecord] = []
        for index in 0..<20 {
            for (offset, record) in try ReadSideBenchmark.transferRecords(index: index, templates: templates, topic: "pm.transfers").enumerated() {
                records.append(ConsumerRecord(topic: record.topic, partition: 0, offset: Int64(records.count), key: record.key, headers: record.headers,
                                              value: record.value, timestamp: Int64(offset)))
            }
        }
        let topics = ProjectionTopics(events: "pm.transfers", facts: ["pm.fspiop.inbound"])
        let once = try ProjectionStore(path: directory + "/once.sqlite", topics: topics)
        _ = try await once.apply(records)
        let twice = try ProjectionStore(path: directory + "/twice.sqlite", topics: topics)
        let half = records.count / 2
        let first = try await twice.apply(Array(records[..<half]))
        // A crash after the first commit: the whole batch is delivered again.
        let again = try await twice.apply(records)
        #expect(first.applied == half)
        #expect(again.skipped == half && again.applied == records.count - half)
        var all = TransferQuery()
        all.limit = 1000
        #expect(try await twice.transfers(all).rows == (try await once.transfers(all).rows))
        #expect(try await twice.transfers(all).total == 20)
        let minutes = try await twice.minuteStatistics(since: 0)
        #expect(minutes == (try await once.minuteStatistics(since: 0)))
        #expect(minutes.reduce(0) { $0 + $1.completed } == 20)
        #expect(try await twice.hourlyFlow(since: 0) == (try await once.hourlyFlow(since: 0)))
        #expect(try await twice.rowCounts() == (try await once.rowCounts()))
    }

    @Test("a store filled without its search indexes gets them, and its text index and DFSPs, when next opened to serve")
    func deferredIndexes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pm-projections-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let templates = try ReadSideBenchmark.templateEvents()
        var records: [ConsumerRecord] = []
        for index in 0..<12 {
            for record in try ReadSideBenchmark.transferRecords(index: index, templates: templates, topic: "pm.transfers") {
                records.append(ConsumerRecord(topic: record.topic, partition: 0, offset: Int64(records.count), key: record.key, headers: record.headers,
                                              value: record.value, timestamp: 0))
            }
        }
        let topics = ProjectionTopics(events: "pm.transfers", facts: ["pm.fspiop.inbound"])
        let indexed = try ProjectionStore(path: directory + "/indexed.sqlite", topics: topics)
        _ = try await indexed.apply(records)
        let deferred = try ProjectionStore(path: directory + "/deferred.sqlite", topics: topics, indexed: false)
        _ = try await deferred.apply(records)
        let reopened = try ProjectionStore(path: directory + "/deferred.sqlite", topics: topics)
        let sample = try #require(try await indexed.transfers(TransferQuery()).rows.dropFirst(3).first)
        var searches: [TransferQuery] = [TransferQuery()]
        var byId = TransferQuery()
        byId.id = String(sample.displayId.prefix(10))
        var bySender = TransferQuery()
        bySender.senderIdValue = sample.payer.idValue
        var byInstitution = TransferQuery()
        byInstitution.institution = sample.payee.dfsp
        searches += [byId, bySender, byInstitution]
        for search in searches {
            let expected = try await indexed.transfers(search)
            let found = try await reopened.transfers(search)
            #expect(found.rows == expected.rows && found.total == expected.total, "\(search)")
            #expect(found.total > 0)
        }
        // Opened once more, nothing is filled twice.
        let again = try ProjectionStore(path: directory + "/deferred.sqlite", topics: topics)
        #expect(try await again.transfers(byId).total == (try await indexed.transfers(byId).total))
    }

    @Test("times are RFC 3339 date-times, with any fraction of a second and any offset, or milliseconds since 1970")
    func times() {
        #expect(RFC3339.milliseconds("2026-12-07T10:00:00.000Z") == 1_796_637_600_000)
        #expect(RFC3339.milliseconds("2026-12-07T10:00:00Z") == 1_796_637_600_000)
        #expect(RFC3339.milliseconds("2026-12-07t10:00:00.5z") == 1_796_637_600_500)
        #expect(RFC3339.milliseconds("2026-12-07T12:00:00.123456+02:00") == 1_796_637_600_123)
        #expect(RFC3339.milliseconds("2026-12-07T09:30:00-00:30") == 1_796_637_600_000)
        #expect(RFC3339.milliseconds("0001-01-01T00:00:00Z") == -62_135_596_800_000)
        for bad in ["2026-02-30T00:00:00Z", "2026-12-07", "2026-12-07T25:00:00Z", "2026-12-07T10:00:00", "yesterday", "2026-12-07T10:00:00.Z"] {
            #expect(RFC3339.milliseconds(bad) == nil, "\(bad)")
        }
    }

    @Test("CSV cells are quoted as RFC 4180 asks, and a cell a spreadsheet would run as a formula is defused")
    func csvCells() {
        #expect(ExperienceShapes.csvCell("plain") == "plain")
        #expect(ExperienceShapes.csvCell("a,b") == "\"a,b\"")
        #expect(ExperienceShapes.csvCell("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ExperienceShapes.csvCell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(ExperienceShapes.csvCell("@SUM(A1)") == "'@SUM(A1)")
        #expect(ExperienceShapes.csvCell("-12.5") == "-12.5")
    }
}
