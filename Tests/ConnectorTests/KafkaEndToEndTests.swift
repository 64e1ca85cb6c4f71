import Connector
import EventLog
import FSPIOP
import Foundation
import PaymentManager
import Simulators
import Testing

@Suite("End to end on Kafka: both Payment Managers on librdkafka's mock cluster")
struct KafkaEndToEndTests {
    @Test("transfers complete with the processor consuming facts from Kafka topics, and every fact and event is on the cluster")
    func transfersOnKafka() async throws {
        try await withTopology({ options in
            options.payerLog = "kafka-mock"
            options.payeeLog = "kafka-mock"
        }) { topology in
            for index in 0..<3 {
                let outcome = try await topology.payerCore.sendTransfer(from: topology.payerAccount(index), to: topology.payeeParty(index),
                                                                        amount: "2", currency: "XXX")
                #expect(outcome.state == "COMPLETED", "\(outcome)")
            }
            let transfers = try await topology.payerLog.read(ReadRequest(topic: "pm.transfers", limit: 10_000))
            let types = Set(transfers.compactMap { try? Envelope(bytes: $0.value).type })
            #expect(types.contains("transfer.outbound.fulfilled"))
            let payeeEvents = try await topology.payeeLog.read(ReadRequest(topic: "pm.transfers", limit: 10_000))
            let envelopes: [Envelope] = payeeEvents.compactMap { try? Envelope(bytes: $0.value) }
            let fulfils = envelopes.filter { $0.type == "transfer.inbound.fulfil-sent" }
            #expect(fulfils.count == 3)
            #expect(topology.payeeCore.balance(of: "payee-0") == CoreAmount("2")!)
        }
    }
}
