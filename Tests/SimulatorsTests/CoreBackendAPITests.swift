import Foundation
import FSPIOP
import PaymentDomain
import Testing
@testable import Simulators

/// The backend API as the connector calls it, over real sockets.
@Suite struct CoreBackendAPITests {
    @Test func healthAndAccountsAnswer() async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { _, port in
            let health = try await CoreTest.call(.get, port: port, "/health")
            #expect(health.status == 200)
            #expect(try health.decode([String: String].self) == ["status": "OK"])
            #expect(try await CoreTest.call(.get, port: port, "/").status == 200)

            let accounts = try await CoreTest.call(.get, port: port, "/accounts")
            #expect(accounts.status == 200)
            let list = try accounts.decode([CoreAccountBalance].self)
            #expect(list.map(\.id) == ["alice", "bob", "carol"])
            #expect(try list.first?.balance == CoreTest.amount("1000"))
            #expect(try list.first?.available == CoreTest.amount("1000"))
        }
    }

    @Test func partyLookupFindsAccountsAndRefusesUnknownOnes() async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { _, port in
            let alice = try await CoreTest.call(.get, port: port, "/parties/MSISDN/27710101010")
            #expect(alice.status == 200)
            let party = try alice.decode(TransferParty.self)
            #expect(party.idType == "MSISDN")
            #expect(party.idValue == "27710101010")
            #expect(party.displayName == "Alice Alpha")
            #expect(party.firstName == "Alice")
            #expect(party.lastName == "Alpha")
            #expect(party.supportedCurrencies == ["XTS"])

            let bob = try await CoreTest.call(.get, port: port, "/parties/ACCOUNT_ID/4401/SAVINGS")
            #expect(bob.status == 200)
            #expect(try bob.decode(TransferParty.self).idSubValue == "SAVINGS")

            // A percent-encoded identifier is decoded before it is matched.
            let carol = try await CoreTest.call(.get, port: port, "/parties/EMAIL/carol%40example.com")
            #expect(carol.status == 200)
            #expect(try carol.decode(TransferParty.self).idValue == "carol@example.com")

            for path in ["/parties/MSISDN/00000000", "/parties/ACCOUNT_ID/4401", "/parties/ACCOUNT_ID/4401/CURRENT"] {
                let missing = try await CoreTest.call(.get, port: port, path)
                #expect(missing.status == 404, "\(path)")
                #expect(try missing.errorShape().statusCode == "3204", "\(path)")
            }
        }
    }

    @Test func quoteForAnAccountEchoesTheAmountInItsCurrency() async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { _, port in
            let quoteId = UUID().uuidString.lowercased()
            let body = try CoreTest.quoteRequest(to: CoreTest.party("MSISDN", "27710101010"), amount: "12.5",
                                                 currency: "XTS", quoteId: quoteId)
            let answer = try await CoreTest.call(.post, port: port, "/quoterequests", body: body)
            #expect(answer.status == 200)
            let quote = try answer.decode(BackendQuoteResponse.self)
            #expect(quote.quoteId == quoteId)
            #expect(quote.transferAmount == "12.5")
            #expect(quote.transferAmountCurrency == "XTS")
            #expect(quote.payeeFspFeeAmount == nil)
            let expiration = try #require(quote.expiration.flatMap { Timestamp(dateTime: $0) })
            #expect(expiration > CoreSimulator.now())
            let sent = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            #expect(quote.transactionId == sent?["transactionId"] as? String)

            // RECEIVE: the payee receives the amount; without fees the transfer amount is the same.
            let receive = try CoreTest.quoteRequest(to: CoreTest.party("ACCOUNT_ID", "4401", "SAVINGS"), amount: "7",
                                                    currency: "XTS", amountType: "RECEIVE")
            let receiveQuote = try await CoreTest.call(.post, port: port, "/quoterequests", body: receive).decode(BackendQuoteResponse.self)
            #expect(receiveQuote.transferAmount == "7")
        }
    }

    @Test func quoteChargesTheConfiguredFee() async throws {
        let fees = CoreFees(payeeFspFee: try CoreTest.amount("0.5"))
        try await CoreTest.withSimulator(try CoreTest.configuration(fees: fees)) { _, port in
            let send = try CoreTest.quoteRequest(to: CoreTest.party("MSISDN", "27710101010"), amount: "10", currency: "XTS")
            let sendQuote = try await CoreTest.call(.post, port: port, "/quoterequests", body: send).decode(BackendQuoteResponse.self)
            #expect(sendQuote.transferAmount == "10")
            #expect(sendQuote.payeeReceiveAmount == "9.5")
            #expect(sendQuote.payeeFspFeeAmount == "0.5")

            let receive = try CoreTest.quoteRequest(to: CoreTest.party("MSISDN", "27710101010"), amount: "10", currency: "XTS",
                                                    amountType: "RECEIVE")
            let receiveQuote = try await CoreTest.call(.post, port: port, "/quoterequests", body: receive).decode(BackendQuoteResponse.self)
            #expect(receiveQuote.transferAmount == "10.5")
            #expect(receiveQuote.payeeReceiveAmount == "10")
        }
    }

    @Test func quoteRefusesUnknownAccountsWrongCurrenciesAndBadAmounts() async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { _, port in
            let unknown = try await CoreTest.call(.post, port: port, "/quoterequests", body: try CoreTest.quoteRequest(
                to: CoreTest.party("MSISDN", "00000000"), amount: "1", currency: "XTS"))
            #expect(unknown.status == 404)
            #expect(try unknown.errorShape().statusCode == "3204")

            let wrongCurrency = try await CoreTest.call(.post, port: port, "/quoterequests", body: try CoreTest.quoteRequest(
                to: CoreTest.party("MSISDN", "27710101010"), amount: "1", currency: "USD"))
            #expect(wrongCurrency.status == 400)
            #expect(try wrongCurrency.errorShape().statusCode == FSPIOPErrorCode.payeeUnsupportedCurrency.rawValue)

            for amount in ["0", "-1", "1.23456", "1e3", "abc"] {
                let bad = try await CoreTest.call(.post, port: port, "/quoterequests", body: try CoreTest.quoteRequest(
                    to: CoreTest.party("MSISDN", "27710101010"), amount: amount, currency: "XTS"))
                #expect(bad.status == 400, "\(amount)")
                #expect(try bad.errorShape().statusCode == "3100", "\(amount)")
            }
        }
    }

    @Test func repeatedTransferCreditsOnce() async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { simulator, port in
            let transferId = UUID().uuidString.lowercased()
            let body = try CoreTest.transferRequest(transferId: transferId, to: CoreTest.party("ACCOUNT_ID", "4401", "SAVINGS"),
                                                    amount: "40.25", currency: "XTS")
            let first = try await CoreTest.call(.post, port: port, "/transfers", body: body)
            #expect(first.status == 200)
            let firstAnswer = try first.decode(BackendTransferResponse.self)
            #expect(firstAnswer.transferState == "COMMITTED")
            #expect(!firstAnswer.homeTransactionId.isEmpty)

            let second = try await CoreTest.call(.post, port: port, "/transfers", body: body)
            #expect(second.status == 200)
            #expect(try second.decode(BackendTransferResponse.self).homeTransactionId == firstAnswer.homeTransactionId)
            #expect(try simulator.balance(of: "bob") == CoreTest.amount("40.25"))
            #expect(try simulator.totals().credited["XTS"] == CoreTest.amount("40.25"))
            #expect(simulator.totals().inboundCredited == 1)

            let details = try await CoreTest.call(.get, port: port, "/transfers/\(transferId)")
            #expect(details.status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: details.body) as? [String: Any])
            #expect(object["transferState"] as? String == "COMMITTED")
            #expect(object["homeTransactionId"] as? String == firstAnswer.homeTransactionId)
            #expect(object["amount"] as? String == "40.25")

            // The same transfer id with another amount is not a resend.
            let altered = try CoreTest.transferRequest(transferId: transferId, to: CoreTest.party("ACCOUNT_ID", "4401", "SAVINGS"),
                                                       amount: "41", currency: "XTS")
            let conflict = try await CoreTest.call(.post, port: port, "/transfers", body: altered)
            #expect(conflict.status == 400)
            #expect(try conflict.errorShape().statusCode == "3106")
            #expect(try simulator.balance(of: "bob") == CoreTest.amount("40.25"))
        }
    }

    @Test func transferToUnknownAccountOrInWrongCurrencyIsRefused() async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { simulator, port in
            let unknown = try await CoreTest.call(.post, port: port, "/transfers", body: try CoreTest.transferRequest(
                transferId: UUID().uuidString.lowercased(), to: CoreTest.party("MSISDN", "00000000"), amount: "1", currency: "XTS"))
            #expect(unknown.status == 404)
            #expect(try unknown.errorShape().statusCode == "3204")

            let wrongCurrency = try await CoreTest.call(.post, port: port, "/transfers", body: try CoreTest.transferRequest(
                transferId: UUID().uuidString.lowercased(), to: CoreTest.party("MSISDN", "27710101010"), amount: "1", currency: "USD"))
            #expect(wrongCurrency.status == 400)
            #expect(try wrongCurrency.errorShape().statusCode == "5106")
            #expect(simulator.totals().inboundCredited == 0)

            let missing = try await CoreTest.call(.get, port: port, "/transfers/\(UUID().uuidString.lowercased())")
            #expect(missing.status == 404)
            #expect(try missing.errorShape().statusCode == "3208")
        }
    }

    @Test func quotedFeeIsKeptWhenTheTransferCredits() async throws {
        let fees = CoreFees(payeeFspFee: try CoreTest.amount("1"))
        try await CoreTest.withSimulator(try CoreTest.configuration(fees: fees)) { simulator, port in
            let quoteId = UUID().uuidString.lowercased()
            let quote = try await CoreTest.call(.post, port: port, "/quoterequests", body: try CoreTest.quoteRequest(
                to: CoreTest.party("ACCOUNT_ID", "4401", "SAVINGS"), amount: "20", currency: "XTS", quoteId: quoteId))
            let quoted = try quote.decode(BackendQuoteResponse.self)
            let transfer = try await CoreTest.call(.post, port: port, "/transfers", body: try CoreTest.transferRequest(
                transferId: quoted.transactionId, to: CoreTest.party("ACCOUNT_ID", "4401", "SAVINGS"), amount: "20",
                currency: "XTS", quote: ["quoteId": quoteId, "transactionId": quoted.transactionId,
                                         "transferAmount": "20", "transferAmountCurrency": "XTS"]))
            #expect(transfer.status == 200)
            #expect(try simulator.balance(of: "bob") == CoreTest.amount("19"))
            #expect(try simulator.totals().fees["XTS"] == CoreTest.amount("1"))
        }
    }

    @Test func abortedNotificationReversesTheCreditOnce() async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { simulator, port in
            let transferId = UUID().uuidString.lowercased()
            let credit = try await CoreTest.call(.post, port: port, "/transfers", body: try CoreTest.transferRequest(
                transferId: transferId, to: CoreTest.party("MSISDN", "27710101010"), amount: "15", currency: "XTS"))
            #expect(credit.status == 200)
            #expect(try simulator.balance(of: "alice") == CoreTest.amount("1015"))

            // The SDK's notification: its whole transfer state, with the hub's PATCH as finalNotification.
            let aborted = try CoreTest.json([
                "transferId": transferId, "direction": "INBOUND", "currentState": "ABORTED",
                "finalNotification": ["transferState": "ABORTED", "completedTimestamp": "2025-01-01T00:00:00.000Z"],
            ])
            let first = try await CoreTest.call(.put, port: port, "/transfers/\(transferId)", body: aborted)
            #expect(first.status == 200)
            #expect(try simulator.balance(of: "alice") == CoreTest.amount("1000"))
            #expect(simulator.inboundTransferState(transferId) == "ABORTED")

            let again = try await CoreTest.call(.put, port: port, "/transfers/\(transferId)", body: aborted)
            #expect(again.status == 200)
            #expect(try simulator.balance(of: "alice") == CoreTest.amount("1000"))
            #expect(try simulator.totals().reversed["XTS"] == CoreTest.amount("15"))
            #expect(simulator.totals().credited["XTS"] == .zero)

            let details = try await CoreTest.call(.get, port: port, "/transfers/\(transferId)")
            let object = try #require(try JSONSerialization.jsonObject(with: details.body) as? [String: Any])
            #expect(object["transferState"] as? String == "ABORTED")

            // A resend of the aborted prepare does not credit again.
            let resend = try await CoreTest.call(.post, port: port, "/transfers", body: try CoreTest.transferRequest(
                transferId: transferId, to: CoreTest.party("MSISDN", "27710101010"), amount: "15", currency: "XTS"))
            #expect(resend.status == 400)
            #expect(try simulator.balance(of: "alice") == CoreTest.amount("1000"))
        }
    }

    @Test func committedNotificationKeepsTheCredit() async throws {
        var configuration = try CoreTest.configuration()
        configuration.payeeTransferState = .reserved
        try await CoreTest.withSimulator(configuration) { simulator, port in
            let transferId = UUID().uuidString.lowercased()
            let credit = try await CoreTest.call(.post, port: port, "/transfers", body: try CoreTest.transferRequest(
                transferId: transferId, to: CoreTest.party("MSISDN", "27710101010"), amount: "3", currency: "XTS"))
            #expect(try credit.decode(BackendTransferResponse.self).transferState == "RESERVED")
            #expect(simulator.inboundTransferState(transferId) == "RESERVED")

            let committed = try CoreTest.json([
                "currentState": "COMPLETED",
                "finalNotification": ["transferState": "COMMITTED", "completedTimestamp": "2025-01-01T00:00:00.000Z"],
            ])
            #expect(try await CoreTest.call(.put, port: port, "/transfers/\(transferId)", body: committed).status == 200)
            #expect(simulator.inboundTransferState(transferId) == "COMMITTED")
            #expect(try simulator.balance(of: "alice") == CoreTest.amount("1003"))

            let unknown = try await CoreTest.call(.put, port: port, "/transfers/\(UUID().uuidString.lowercased())", body: committed)
            #expect(unknown.status == 404)
            #expect(try unknown.errorShape().statusCode == "3208")
        }
    }

    @Test func transactionRequestIsReceivedForAPayerAccount() async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { _, port in
            let request = try CoreTest.json([
                "transactionRequestId": UUID().uuidString.lowercased(), "to": CoreTest.party("MSISDN", "27710101010"),
                "from": CoreTest.party("MSISDN", "44123456789"), "amount": "5", "currency": "XTS",
                "transactionType": "TRANSFER", "initiator": "PAYEE", "initiatorType": "CONSUMER",
            ])
            let first = try await CoreTest.call(.post, port: port, "/transactionrequests", body: request)
            #expect(first.status == 200)
            let answer = try first.decode([String: String].self)
            #expect(answer["transactionRequestState"] == "RECEIVED")
            #expect(answer["transactionId"]?.isEmpty == false)
            #expect(answer["homeR2PTransactionId"]?.isEmpty == false)
            // A resend is answered the same.
            let second = try await CoreTest.call(.post, port: port, "/transactionrequests", body: request)
            #expect(try second.decode([String: String].self) == answer)

            let unknown = try CoreTest.json([
                "transactionRequestId": UUID().uuidString.lowercased(), "to": CoreTest.party("MSISDN", "00000000"),
                "from": CoreTest.party("MSISDN", "44123456789"), "amount": "5", "currency": "XTS",
                "transactionType": "TRANSFER", "initiator": "PAYEE", "initiatorType": "CONSUMER",
            ])
            let refused = try await CoreTest.call(.post, port: port, "/transactionrequests", body: unknown)
            #expect(refused.status == 404)
            #expect(try refused.errorShape().statusCode == "3204")
        }
    }

    @Test(arguments: [
        ("/quoterequests", CoreTest.Method.post),
        ("/transfers", CoreTest.Method.post),
        ("/transactionrequests", CoreTest.Method.post),
        ("/transfers/8f1c2a7e-0b7d-4c57-9a53-6f1b2d3c4e5f", CoreTest.Method.put),
    ])
    func malformedJSONGets400WithTheErrorShape(path: String, method: CoreTest.Method) async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { simulator, port in
            let answer = try await CoreTest.call(method, port: port, path, body: #"{"quoteId": "#)
            #expect(answer.status == 400)
            let error = try answer.errorShape()
            #expect(error.statusCode == "3101")
            #expect(!error.message.isEmpty)
            #expect(simulator.totals() == CoreLedgerTotals())
        }
    }

    @Test func missingRequiredMemberGets3102() async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { _, port in
            let body = try CoreTest.json(["quoteId": UUID().uuidString.lowercased(), "amount": "1", "currency": "XTS"])
            let answer = try await CoreTest.call(.post, port: port, "/quoterequests", body: body)
            #expect(answer.status == 400)
            let error = try answer.errorShape()
            #expect(error.statusCode == "3102")
            #expect(error.message.contains("missing"))
        }
    }

    @Test func unknownPathGets404WithTheErrorShape() async throws {
        try await CoreTest.withSimulator(try CoreTest.configuration()) { _, port in
            let answer = try await CoreTest.call(.get, port: port, "/no/such/resource")
            #expect(answer.status == 404)
            #expect(try answer.errorShape().statusCode == "3002")
        }
    }
}
