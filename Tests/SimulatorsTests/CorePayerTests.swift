import Foundation
import PaymentDomain
import Testing
@testable import Simulators

/// The payer side: `sendTransfer` against a fake of the connector's outbound API.
@Suite struct CorePayerTests {
    static let payee = TransferParty(idType: "MSISDN", idValue: "27799999999")

    static func completed(_ transferId: String) -> String {
        #"{"transferId":"\#(transferId)","homeTransactionId":"h","currentState":"COMPLETED","amountType":"SEND","currency":"XTS","amount":"1","transactionType":"TRANSFER","from":{"idType":"MSISDN","idValue":"1"},"to":{"idType":"MSISDN","idValue":"2"}}"#
    }

    @Test func completedTransferDebitsThePayer() async throws {
        let connector = FakeConnector { _, _ in (200, Self.completed("3f6c9e1a-0d4b-4e8a-9a0b-1c2d3e4f5a6b")) }
        try await connector.serve { url in
            try await CoreTest.withSimulator(try CoreTest.configuration(connector: url)) { simulator, _ in
                let outcome = try await simulator.sendTransfer(from: "alice", to: Self.payee, amount: "25.50", currency: "XTS")
                #expect(outcome.isCompleted)
                #expect(outcome.state == "COMPLETED")
                #expect(outcome.transferId == "3f6c9e1a-0d4b-4e8a-9a0b-1c2d3e4f5a6b")
                #expect(outcome.errorCode == nil)
                #expect(outcome.latency > .zero)
                #expect(try simulator.balance(of: "alice") == CoreTest.amount("974.5"))
                let alice = try #require(simulator.accountBalances().first { $0.id == "alice" })
                #expect(alice.reserved == .zero)
                #expect(try simulator.totals().debited["XTS"] == CoreTest.amount("25.5"))
                #expect(simulator.totals().outboundCompleted == 1)

                // What went to the connector is the outbound API's transferRequest.
                let sent = try #require(connector.requests.first)
                #expect(connector.requests.count == 1)
                #expect(sent.method == "POST")
                #expect(sent.path == "/transfers")
                let request = try JSONDecoder().decode(OutboundTransferRequest.self, from: sent.body)
                #expect(request.homeTransactionId == outcome.homeTransactionId)
                #expect(request.from.idType == "MSISDN")
                #expect(request.from.idValue == "27710101010")
                #expect(request.from.displayName == "Alice Alpha")
                #expect(request.to == Self.payee)
                #expect(request.amountType == "SEND")
                #expect(request.amount == "25.5")
                #expect(request.currency == "XTS")
                #expect(request.transactionType == "TRANSFER")
            }
        }
    }

    /// An error answer of the outbound API (`errorTransferResponse`) and a 200 that did not complete.
    @Test(arguments: [
        (500, #"{"statusCode":"3204","message":"Party not found","transferState":{"transferId":"t-1","currentState":"ERROR_OCCURRED","lastError":{"httpStatusCode":404,"mojaloopError":{"errorInformation":{"errorCode":"3204","errorDescription":"Party not found"}}}}}"#, "3204"),
        (200, #"{"transferId":"t-2","currentState":"ERROR_OCCURRED","lastError":{"httpStatusCode":500,"mojaloopError":{"errorInformation":{"errorCode":"5105","errorDescription":"Payee FSP rejected transaction"}}}}"#, "5105"),
        (200, #"{"transferId":"t-3","currentState":"ABORTED"}"#, nil),
        (504, #"{"statusCode":"2004","message":"Timeout"}"#, "2004"),
        (502, "not json at all", nil),
    ] as [(Int, String, String?)])
    func unsuccessfulTransferReleasesTheReservation(status: Int, body: String, errorCode: String?) async throws {
        let connector = FakeConnector { _, _ in (status, body) }
        try await connector.serve { url in
            try await CoreTest.withSimulator(try CoreTest.configuration(connector: url)) { simulator, _ in
                let outcome = try await simulator.sendTransfer(from: "alice", to: Self.payee, amount: "100", currency: "XTS")
                #expect(!outcome.isCompleted)
                #expect(outcome.httpStatus == status)
                #expect(outcome.errorCode == errorCode)
                #expect(outcome.state != "COMPLETED")
                let alice = try #require(simulator.accountBalances().first { $0.id == "alice" })
                #expect(try alice.balance == CoreTest.amount("1000"))
                #expect(alice.reserved == .zero)
                #expect(simulator.totals().debited.isEmpty)
                #expect(simulator.totals().outboundFailed == 1)
            }
        }
    }

    @Test func insufficientFundsAreRefusedWithoutCallingTheConnector() async throws {
        let connector = FakeConnector { _, _ in (200, Self.completed("t")) }
        try await connector.serve { url in
            try await CoreTest.withSimulator(try CoreTest.configuration(connector: url)) { simulator, _ in
                await #expect {
                    _ = try await simulator.sendTransfer(from: "alice", to: Self.payee, amount: "1000.0001", currency: "XTS")
                } throws: { error in
                    guard case CoreSimulatorError.insufficientFunds(let account, let available, let requested) = error else { return false }
                    return account == "alice" && available == CoreAmount(units: 10_000_000) && requested == CoreAmount(units: 10_000_001)
                }
                await #expect(throws: CoreSimulatorError.self) {
                    _ = try await simulator.sendTransfer(from: "carol", to: Self.payee, amount: "1", currency: "XTS")
                }
                await #expect(throws: CoreSimulatorError.self) {
                    _ = try await simulator.sendTransfer(from: "nobody", to: Self.payee, amount: "1", currency: "XTS")
                }
                #expect(connector.requests.isEmpty)
                let untouched = try CoreTest.amount("1000")
                #expect(simulator.balance(of: "alice") == untouched)
            }
        }
    }

    @Test func moneyInFlightIsReservedSoItCannotBeSpentTwice() async throws {
        let gate = Gate()
        let connector = FakeConnector { _, _ in
            await gate.wait()
            return (200, Self.completed("8d2f4b6a-1c3e-4a5b-8c7d-9e0f1a2b3c4d"))
        }
        try await connector.serve { url in
            try await CoreTest.withSimulator(try CoreTest.configuration(connector: url)) { simulator, _ in
                try await withThrowingTaskGroup(of: OutboundTransferOutcome.self) { group in
                    group.addTask { try await simulator.sendTransfer(from: "alice", to: Self.payee, amount: "600", currency: "XTS") }
                    // Wait until the connector holds the first payment.
                    var arrivals = connector.arrivals.makeAsyncIterator()
                    _ = await arrivals.next()
                    let alice = try #require(simulator.accountBalances().first { $0.id == "alice" })
                    #expect(try alice.reserved == CoreTest.amount("600"))
                    #expect(try alice.available == CoreTest.amount("400"))

                    await #expect(throws: CoreSimulatorError.self) {
                        _ = try await simulator.sendTransfer(from: "alice", to: Self.payee, amount: "400.01", currency: "XTS")
                    }
                    #expect(connector.requests.count == 1)

                    gate.open()
                    let outcome = try #require(try await group.next())
                    #expect(outcome.isCompleted)
                }
                #expect(try simulator.balance(of: "alice") == CoreTest.amount("400"))
                #expect(simulator.accountBalances().first { $0.id == "alice" }?.reserved == .zero)
            }
        }
    }

    @Test func pausedTransferIsAcceptedAndContinued() async throws {
        let transferId = "5b7e0c2d-3f4a-4b6c-8d9e-0a1b2c3d4e5f"
        let connector = FakeConnector { _, index in
            switch index {
            case 0: return (200, #"{"transferId":"\#(transferId)","currentState":"WAITING_FOR_PARTY_ACCEPTANCE"}"#)
            case 1: return (200, #"{"transferId":"\#(transferId)","currentState":"WAITING_FOR_QUOTE_ACCEPTANCE"}"#)
            default: return (200, Self.completed(transferId))
            }
        }
        try await connector.serve { url in
            try await CoreTest.withSimulator(try CoreTest.configuration(connector: url)) { simulator, _ in
                let outcome = try await simulator.sendTransfer(from: "alice", to: Self.payee, amount: "1", currency: "XTS")
                #expect(outcome.isCompleted)
                let requests = connector.requests
                #expect(requests.map(\.method) == ["POST", "PUT", "PUT"])
                #expect(requests.dropFirst().allSatisfy { $0.path == "/transfers/\(transferId)" })
                #expect(try JSONDecoder().decode([String: Bool].self, from: requests[1].body) == ["acceptParty": true])
                #expect(try JSONDecoder().decode([String: Bool].self, from: requests[2].body) == ["acceptQuote": true])
                #expect(try simulator.balance(of: "alice") == CoreTest.amount("999"))
            }
        }
    }

    @Test func unreachableConnectorReleasesAndThrows() async throws {
        // Port 1 on loopback: privileged and unused, so the connection is refused.
        var configuration = try CoreTest.configuration(connector: URL(string: "http://127.0.0.1:1"))
        configuration.outboundConnectTimeout = .milliseconds(200)
        try await CoreTest.withSimulator(configuration) { simulator, _ in
            await #expect {
                _ = try await simulator.sendTransfer(from: "alice", to: Self.payee, amount: "5", currency: "XTS")
            } throws: { error in
                guard case CoreSimulatorError.connectorUnreachable = error else { return false }
                return true
            }
            let untouched = try CoreTest.amount("1000")
            #expect(simulator.balance(of: "alice") == untouched)
            #expect(simulator.accountBalances().first { $0.id == "alice" }?.reserved == .zero)
        }
    }

    @Test func paymentsNeedARunningSimulatorAndAConnector() async throws {
        let idle = try CoreSimulator(configuration: try CoreTest.configuration(connector: URL(string: "http://127.0.0.1:4001")),
                                     logger: CoreTest.logger)
        await #expect {
            _ = try await idle.sendTransfer(from: "alice", to: Self.payee, amount: "1", currency: "XTS")
        } throws: { error in
            guard case CoreSimulatorError.notRunning = error else { return false }
            return true
        }
        try await CoreTest.withSimulator(try CoreTest.configuration()) { simulator, _ in
            await #expect {
                _ = try await simulator.sendTransfer(from: "alice", to: Self.payee, amount: "1", currency: "XTS")
            } throws: { error in
                guard case CoreSimulatorError.connectorNotConfigured = error else { return false }
                return true
            }
        }
    }
}
