import Foundation
import FSPIOP
import PaymentDomain
import Testing
@testable import Simulators

/// The books on their own: plain synchronous tests, no sockets.
@Suite struct CoreLedgerTests {
    static let now = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    static func quoteRequest(quoteId: String, to: TransferParty, amount: String, amountType: String = "SEND") -> CoreQuoteRequest {
        CoreQuoteRequest(quoteId: quoteId, transactionId: quoteId + "-tx", to: to, from: TransferParty(idType: "MSISDN", idValue: "1"),
                         amountType: amountType, amount: amount, currency: "XTS", transactionType: "TRANSFER",
                         initiator: "PAYER", initiatorType: "CONSUMER")
    }

    static func transferRequest(transferId: String, quote: BackendQuoteResponse, to: TransferParty) throws -> CoreTransferRequest {
        let json = try JSONSerialization.data(withJSONObject: [
            "transferId": transferId,
            "quote": ["quoteId": quote.quoteId, "transactionId": quote.transactionId, "transferAmount": quote.transferAmount,
                      "transferAmountCurrency": quote.transferAmountCurrency],
            "from": ["idType": "MSISDN", "idValue": "1"], "to": ["idType": to.idType, "idValue": to.idValue],
            "amountType": "SEND", "currency": quote.transferAmountCurrency, "amount": quote.transferAmount,
            "transactionType": "TRANSFER", "ilpPacket": ["data": [:] as [String: String]],
        ] as [String: Any])
        return try JSONDecoder().decode(CoreTransferRequest.self, from: json)
    }

    /// A payer core and a payee core exchanging payments, some completed and some not, with a payee fee:
    /// the payer's debits equal the payee's credits plus its fees.
    @Test func booksOfPayerAndPayeeAgree() throws {
        var payer = try CoreLedger(accounts: [
            CoreAccount(id: "p", idType: "MSISDN", idValue: "100", currency: "XTS", balance: try CoreTest.amount("500")),
        ])
        var payee = try CoreLedger(accounts: [
            CoreAccount(id: "q", idType: "MSISDN", idValue: "200", currency: "XTS", balance: .zero),
        ])
        let fees = CoreFees(payeeFspFee: try CoreTest.amount("0.25"))
        let payeeParty = TransferParty(idType: "MSISDN", idValue: "200")
        let amounts = ["10", "0.5", "33.3333", "7", "120"]
        for (index, amount) in amounts.enumerated() {
            let home = "home-\(index)"
            let value = try CoreTest.amount(amount)
            _ = try payer.reserve(account: "p", amount: value, currency: "XTS", homeTransactionId: home)
            let quote = try payee.quote(Self.quoteRequest(quoteId: "q-\(index)", to: payeeParty, amount: amount),
                                        fees: fees, expiration: "2030-01-01T00:00:00.000Z")
            _ = try payee.credit(try Self.transferRequest(transferId: "t-\(index)", quote: quote, to: payeeParty),
                                 homeTransactionId: "ph-\(index)", reportedState: .committed, now: Self.now)
            // Every third transfer is aborted by the hub after the credit.
            let completed = index % 3 != 2
            if !completed {
                try payee.notify(transferId: "t-\(index)", CoreTransferNotification(currentState: "ABORTED", transferState: nil,
                                                                                      finalNotification: .init(transferState: "ABORTED")))
            }
            payer.finish(homeTransactionId: home, completed: completed, transferId: "t-\(index)", state: completed ? "COMPLETED" : "ABORTED")
        }
        let debited = try #require(payer.totals.debited["XTS"])
        let credited = try #require(payee.totals.credited["XTS"])
        let kept = try #require(payee.totals.fees["XTS"])
        #expect(credited.adding(kept) == debited)
        #expect(try debited == CoreTest.amount("137.5"))
        #expect(try payer.accounts["p"]?.balance == CoreTest.amount("362.5"))
        #expect(payer.accounts["p"]?.reserved == .zero)
        #expect(payee.accounts["q"]?.balance == credited)
        #expect(payer.totals.outboundCompleted == 4)
        #expect(payer.totals.outboundFailed == 1)
        #expect(payee.totals.inboundReversed == 1)
    }

    @Test func resentQuoteIsAnsweredAlikeAndAlteredOneRefused() throws {
        var ledger = try CoreLedger(accounts: try CoreTest.accounts())
        let alice = TransferParty(idType: "MSISDN", idValue: "27710101010")
        let first = try ledger.quote(Self.quoteRequest(quoteId: "q", to: alice, amount: "5"), fees: nil, expiration: "x")
        let again = try ledger.quote(Self.quoteRequest(quoteId: "q", to: alice, amount: "5"), fees: nil, expiration: "y")
        #expect(first == again)
        #expect(throws: CoreBackendError.self) {
            _ = try ledger.quote(Self.quoteRequest(quoteId: "q", to: alice, amount: "6"), fees: nil, expiration: "z")
        }
    }

    @Test func feeAsLargeAsASendAmountIsRefused() throws {
        var ledger = try CoreLedger(accounts: try CoreTest.accounts())
        let alice = TransferParty(idType: "MSISDN", idValue: "27710101010")
        let fees = CoreFees(payeeFspFee: try CoreTest.amount("1"))
        let error = #expect(throws: CoreBackendError.self) {
            _ = try ledger.quote(Self.quoteRequest(quoteId: "q", to: alice, amount: "1"), fees: fees, expiration: "x")
        }
        #expect(error?.code == .payeeFspRejectedQuote)
    }

    @Test func notificationWithoutAFinalStateChangesNothing() throws {
        var ledger = try CoreLedger(accounts: try CoreTest.accounts())
        let alice = TransferParty(idType: "MSISDN", idValue: "27710101010")
        let quote = try ledger.quote(Self.quoteRequest(quoteId: "q", to: alice, amount: "5"), fees: nil, expiration: "x")
        _ = try ledger.credit(try Self.transferRequest(transferId: "t", quote: quote, to: alice), homeTransactionId: "h",
                              reportedState: .committed, now: Self.now)
        let state = try ledger.notify(transferId: "t", CoreTransferNotification(currentState: "ERROR_OCCURRED", transferState: nil,
                                                                                 finalNotification: nil))
        #expect(state == "COMMITTED")
        #expect(try ledger.accounts["alice"]?.balance == CoreTest.amount("1005"))
        #expect(ledger.inbound["t"]?.notifications == ["ERROR_OCCURRED"])
    }

    @Test func reversalOfASpentCreditMayLeaveANegativeBalance() throws {
        var ledger = try CoreLedger(accounts: try CoreTest.accounts())
        let bob = TransferParty(idType: "ACCOUNT_ID", idValue: "4401", idSubValue: "SAVINGS")
        let quote = try ledger.quote(Self.quoteRequest(quoteId: "q", to: bob, amount: "5"), fees: nil, expiration: "x")
        var request = try Self.transferRequest(transferId: "t", quote: quote, to: bob)
        request.to = bob
        _ = try ledger.credit(request, homeTransactionId: "h", reportedState: .committed, now: Self.now)
        _ = try ledger.reserve(account: "bob", amount: try CoreTest.amount("5"), currency: "XTS", homeTransactionId: "out")
        ledger.finish(homeTransactionId: "out", completed: true, transferId: "x", state: "COMPLETED")
        try ledger.notify(transferId: "t", CoreTransferNotification(currentState: nil, transferState: "ABORTED", finalNotification: nil))
        #expect(ledger.accounts["bob"]?.balance == CoreAmount(units: -50_000))
    }

    @Test func accountsMustBeUnambiguous() throws {
        let xts = try CoreTest.amount("1")
        let cases: [[CoreAccount]] = [
            [CoreAccount(id: "a", idType: "MSISDN", idValue: "1", currency: "XTS", balance: xts),
             CoreAccount(id: "a", idType: "MSISDN", idValue: "2", currency: "XTS", balance: xts)],
            [CoreAccount(id: "a", idType: "MSISDN", idValue: "1", currency: "XTS", balance: xts),
             CoreAccount(id: "b", idType: "MSISDN", idValue: "1", currency: "XTS", balance: xts)],
            [CoreAccount(idType: "MSISDN", idValue: "1", currency: "ZZZ", balance: xts)],
            [CoreAccount(idType: "MSISDN", idValue: "", currency: "XTS", balance: xts)],
            [CoreAccount(idType: "MSISDN", idValue: "1", currency: "XTS", balance: CoreAmount(units: -1))],
        ]
        for accounts in cases {
            #expect(throws: CoreSimulatorError.self) {
                _ = try CoreSimulator(configuration: CoreSimulatorConfiguration(accounts: accounts), logger: CoreTest.logger)
            }
        }
        // The same value under another type, or with a sub-id, is another party.
        _ = try CoreLedger(accounts: [
            CoreAccount(id: "a", idType: "MSISDN", idValue: "1", currency: "XTS", balance: xts),
            CoreAccount(id: "b", idType: "ACCOUNT_ID", idValue: "1", currency: "XTS", balance: xts),
            CoreAccount(id: "c", idType: "MSISDN", idValue: "1", idSubValue: "X", currency: "XTS", balance: xts),
        ])
    }
}

@Suite struct CoreAmountTests {
    @Test(arguments: [
        ("0", 0), ("1", 10_000), ("100.5", 1_005_000), ("100.50", 1_005_000), ("0.0001", 1), ("007", 70_000),
        ("922337203685477.5807", Int64.max),
    ] as [(String, Int64)])
    func parsesDecimalStrings(text: String, units: Int64) {
        #expect(CoreAmount(text)?.units == units)
    }

    @Test(arguments: ["", ".", "1.", ".5", "-1", "+1", "1.00001", "1e3", "1,5", " 1", "1 ", "0x10", "１", "922337203685477.5808",
                      "99999999999999999999"])
    func refusesEverythingElse(text: String) {
        #expect(CoreAmount(text) == nil)
    }

    @Test(arguments: [("100", "100"), ("100.50", "100.5"), ("0.0100", "0.01"), ("12.3456", "12.3456"), ("0", "0")])
    func printsTheShortestForm(text: String, printed: String) {
        #expect(CoreAmount(text)?.description == printed)
    }

    @Test func arithmeticIsExactAndChecked() throws {
        let tenth = try CoreTest.amount("0.1")
        var sum = CoreAmount.zero
        for _ in 0..<10 { sum = try #require(sum.adding(tenth)) }
        #expect(try sum == CoreTest.amount("1"))
        #expect(CoreAmount(units: Int64.max).adding(CoreAmount(units: 1)) == nil)
        #expect(CoreAmount(units: Int64.min).subtracting(CoreAmount(units: 1)) == nil)
        #expect(CoreAmount(units: -12_345).description == "-1.2345")
        #expect(CoreAmount(units: Int64.min).description == "-922337203685477.5808")
    }

    @Test func codesAsAJSONStringOnly() throws {
        let decoded = try JSONDecoder().decode([CoreAmount].self, from: Data(#"["12.30"]"#.utf8))
        #expect(decoded == [try CoreTest.amount("12.3")])
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode([CoreAmount].self, from: Data("[12.3]".utf8)) }
        #expect(String(decoding: try JSONEncoder().encode([try CoreTest.amount("5.50")]), as: UTF8.self) == #"["5.5"]"#)
    }
}

@Suite struct CoreAccountFileTests {
    @Test func readsTheDocumentedFormat() throws {
        let file = Data("""
        { "accounts": [
            { "id": "alice", "idType": "MSISDN", "idValue": "27710101010", "displayName": "Alice Alpha",
              "firstName": "Alice", "lastName": "Alpha", "currency": "XTS", "balance": "1000.00" },
            { "idType": "ACCOUNT_ID", "idValue": "4401", "idSubValue": "SAVINGS", "currency": "USD", "balance": "0" }
        ] }
        """.utf8)
        let accounts = try CoreAccount.decodeList(from: file)
        #expect(accounts.count == 2)
        #expect(accounts[0].id == "alice")
        #expect(try accounts[0].balance == CoreTest.amount("1000"))
        #expect(accounts[1].id == "4401")
        #expect(accounts[1].idSubValue == "SAVINGS")
        // The bare array is accepted too.
        #expect(try CoreAccount.decodeList(from: Data("[]".utf8)).isEmpty)
    }

    @Test func loadsFromAFileAndRefusesNumbersAsBalances() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("core-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("accounts.json")
        try Data(#"[{"idType":"MSISDN","idValue":"1","currency":"XTS","balance":"2.5"}]"#.utf8).write(to: good)
        let loaded = try CoreAccount.load(fromFile: good.path)
        #expect(try loaded.first?.balance == CoreTest.amount("2.5"))

        let numeric = directory.appendingPathComponent("numeric.json")
        try Data(#"{"accounts":[{"idType":"MSISDN","idValue":"1","currency":"XTS","balance":2.5}]}"#.utf8).write(to: numeric)
        #expect(throws: CoreSimulatorError.self) { _ = try CoreAccount.load(fromFile: numeric.path) }
        #expect(throws: CoreSimulatorError.self) { _ = try CoreAccount.load(fromFile: directory.appendingPathComponent("absent.json").path) }
    }
}
