import EventLog
import Foundation
import ReadSide
import Testing

/// The audit and read-side tools run on the demo's own files, as an operator runs them.
@Suite("pm replay and pm projections on the demo's logs", .serialized)
struct PMReplayToolTests {
    @Test("the demo keeps read models; its logs replay consistently; a transfer's history verifies its signatures; the store rebuilds")
    func demoLogs() async throws {
        let scratch = try Scratch()
        let directory = scratch.url.path
        let demo = try PMProcess.run(["demo", "--transfers", "12", "--directory", directory])
        #expect(demo.status == 0, "\(demo.stdout)\(demo.stderr)")
        #expect(demo.stdout.contains("experience API     payer http://127.0.0.1:"))
        for fsp in ["payerfsp", "payeefsp"] {
            let log = "sqlite:\(directory)/\(fsp)/log.sqlite"
            let verify = try PMProcess.run(["replay", "verify", "--log", log, "--config", "\(directory)/\(fsp)/pm.yaml"])
            #expect(verify.status == 0, "\(fsp): \(verify.stdout)\(verify.stderr)")
            #expect(verify.stdout.contains("consistent"))

            let store = "\(directory)/\(fsp)/projections.sqlite"
            let rebuild = try PMProcess.run(["projections", "rebuild", "all", "--log", log, "--store", store])
            #expect(rebuild.status == 0, "\(rebuild.stdout)\(rebuild.stderr)")
            // Every transfer on the payer's side; on the payee's, those whose party it owns (one in ten has no owner).
            #expect(rebuild.stdout.contains(fsp == "payerfsp" ? "transfers: 12 rows" : "transfers: 1"), "\(rebuild.stdout)")
            let status = try PMProcess.run(["projections", "status", "--log", log, "--store", store])
            #expect(status.status == 0)
            #expect(status.stdout.contains("transfers: lag 0 records"), "\(status.stdout)")
        }
        // One committed transfer's history, with each signed message from the hub verified again.
        let store = try ProjectionStore(path: "\(directory)/payerfsp/projections.sqlite",
                                        topics: ProjectionTopics(events: "pm.transfers", facts: ["pm.fspiop.inbound"]))
        var committed = TransferQuery()
        committed.status = .success
        committed.limit = 1
        let id = try #require(try await store.transfers(committed).rows.first?.displayId)
        let history = try PMProcess.run(["replay", "transfer", id, "--log", "sqlite:\(directory)/payerfsp/log.sqlite",
                                         "--jws-keys", "\(directory)/pki/jws-public"])
        #expect(history.status == 0, "\(history.stdout)\(history.stderr)")
        #expect(history.stdout.contains("transfer.outbound.fulfilled"))
        #expect(history.stdout.contains("signature verified: signed by payeefsp"), "\(history.stdout)")
        #expect(!history.stdout.contains("NOT VERIFIED"), "\(history.stdout)")
        #expect(history.stdout.contains("state now: completed (COMPLETED)"), "\(history.stdout)")
        let before = try PMProcess.run(["replay", "transfer", id, "--log", "sqlite:\(directory)/payerfsp/log.sqlite", "--at", "2000-01-01T00:00:00.000Z"])
        #expect(before.stdout.contains("state at 2000-01-01T00:00:00.000Z: new"), "\(before.stdout)")
        let unknown = try PMProcess.run(["replay", "transfer", "no-such-transfer", "--log", "sqlite:\(directory)/payerfsp/log.sqlite"])
        #expect(unknown.status == 1)
    }
}
