import Connector
import EventLog
import FSPIOP
import Foundation
import Logging
import PaymentManager
import ServiceLifecycle
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

    @Test("the payer's edges and processor in two processes: synchronous calls, continuations, lookups and refusals cross the log")
    func splitPayer() async throws {
        try await withTopology({ options in
            options.payerLog = "kafka-mock"
            options.payeeLog = "kafka-mock"
            options.splitPayer = true
        }) { topology in
            for index in 0..<2 {
                let outcome = try await topology.payerCore.sendTransfer(from: topology.payerAccount(index), to: topology.payeeParty(index),
                                                                        amount: "2", currency: "XXX")
                #expect(outcome.state == "COMPLETED", "\(outcome)")
            }
            let api = topology.payerAPI
            let first = try await api.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000003", to: "27720000003", autoAcceptParty: false))
            #expect(first.body["currentState"]?.stringValue == "WAITING_FOR_PARTY_ACCEPTANCE", "\(first.body)")
            let id = try #require(first.body["transferId"]?.stringValue)
            let second = try await api.call("PUT", "/transfers/\(id)", .object([("acceptParty", .bool(true))]))
            #expect(second.body["currentState"]?.stringValue == "COMPLETED", "\(second.body)")
            let status = try await api.call("GET", "/transfers/\(id)")
            #expect(status.body["currentState"]?.stringValue == "COMPLETED")

            let party = try await api.call("GET", "/parties/MSISDN/27720000004")
            #expect(party.status == 200, "\(party.body)")
            #expect(party.body["party"]?["body"]?["party"]?["partyIdInfo"]?["fspId"]?.stringValue == "payeefsp")

            // A refusal decided by the processor reaches the edge's caller through pm.refusals.
            let asked = try await topology.payeeAPI.call("POST", "/requestToPay", RequestToPayEndToEndTests.request(autoAcceptParty: true))
            let requestId = try #require(asked.body["transactionRequestId"]?.stringValue)
            let paying = try await api.call("POST", "/requestToPayTransfer", RequestToPayEndToEndTests.payment(requestId))
            #expect(paying.body["currentState"]?.stringValue == "WAITING_FOR_QUOTE_ACCEPTANCE", "\(paying.body)")
            let twice = try await api.call("POST", "/requestToPayTransfer", RequestToPayEndToEndTests.payment(requestId))
            #expect(twice.status == 400, "\(twice.body)")
            #expect(twice.body["statusCode"]?.stringValue == "3100")

            // The processor's process answers only its operations endpoints.
            let processor = try #require(topology.payerProcessor)
            let operations = OutboundCaller(port: try await processor.ready().outbound)
            #expect(try await operations.call("GET", "/health").status == 200)
            #expect(try await operations.call("GET", "/transfers/\(id)").status == 404)
        }
    }

    @Test("two processor processes: one leads, the other stands by and takes over when the leader stops")
    func processorFailover() async throws {
        try await withTopology({ options in
            options.payerLog = "kafka-mock"
            options.payeeLog = "kafka-mock"
            options.splitPayer = true
            options.runsPayerProcessor = false
        }) { topology in
            let logger = Logger(label: "test")
            let (first, firstLog) = try topology.makePayerProcessor("first")
            let (second, secondLog) = try topology.makePayerProcessor("second")
            let firstGroup = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: first)], logger: logger))
            let secondGroup = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: second)], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await firstGroup.run() }
                tasks.addTask { try await secondGroup.run() }
                // A standby is ready too; exactly one of the two leads.
                _ = try await first.ready()
                _ = try await second.ready()
                try await eventually(timeout: .seconds(30), "one processor to lead and the other to stand by") {
                    first.metrics.gaugeValue("pm_processor_leader") + second.metrics.gaugeValue("pm_processor_leader") == 1
                }
                let firstLeads = first.metrics.gaugeValue("pm_processor_leader") == 1
                let (leader, standby) = firstLeads ? (first, second) : (second, first)
                let before = try await topology.payerCore.sendTransfer(from: topology.payerAccount(0), to: topology.payeeParty(0), amount: "2", currency: "XXX")
                #expect(before.state == "COMPLETED", "\(before)")
                #expect(standby.metrics.gaugeValue("pm_processor_leader") == 0, "one leader at a time")
                #expect(leader.metrics.gaugeValue("pm_processor_leader") == 1)

                // The leader stops: the standby takes over the facts and the transfers go on.
                await (firstLeads ? firstGroup : secondGroup).triggerGracefulShutdown()
                try await eventually(timeout: .seconds(60), "the standby to lead") { standby.metrics.gaugeValue("pm_processor_leader") == 1 }
                let after = try await topology.payerCore.sendTransfer(from: topology.payerAccount(1), to: topology.payeeParty(1), amount: "3", currency: "XXX")
                #expect(after.state == "COMPLETED", "\(after)")
                await (firstLeads ? secondGroup : firstGroup).triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            await firstLog.shutdown()
            await secondLog.shutdown()
        }
    }
}

