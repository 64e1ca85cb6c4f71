import FSPIOP
@testable import Simulators
import Testing

/// Bulk transfers in the hub's ledger: the sum is reserved at the prepare, each transfer commits when
/// its fulfilment hashes to its condition and is released otherwise.
@Suite("Hub ledger: bulk transfers")
struct HubBulkLedgerTests {
    let base = HubLedgerTests()
    let wrong = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

    func bulk(_ id: String, amounts: [String], expiresIn milliseconds: Int64 = 60_000) -> BulkTransfersPostRequest {
        BulkTransfersPostRequest(bulkTransferId: id, bulkQuoteId: "q-" + id, payerFsp: "payer", payeeFsp: "payee",
                                 individualTransfers: amounts.enumerated().map { index, amount in
                                     IndividualTransfer(transferId: "\(id)-\(index)", transferAmount: Money(currency: "USD", amount: amount),
                                                        ilpPacket: "AYIB", condition: base.condition)
                                 },
                                 expiration: base.now.adding(milliseconds: milliseconds).dateTime)
    }

    @Test("the sum is reserved; fulfilled transfers commit, a wrong fulfilment or an error is released")
    func partialCommit() throws {
        var ledger = try base.ledger()
        guard case .reserved = ledger.prepareBulk(bulk("b1", amounts: ["10", "20", "30"]), fingerprint: [1], version: .v1_1, now: base.now) else {
            Issue.record("not reserved"); return
        }
        #expect(base.positions(ledger, "payer") == "0/60")
        let answer = BulkTransfersIDPutResponse(individualTransferResults: [
            IndividualTransferResult(transferId: "b1-0", fulfilment: base.fulfilment),
            IndividualTransferResult(transferId: "b1-1", fulfilment: wrong),
            IndividualTransferResult(transferId: "b1-2", errorInformation: FSPIOPError(.payeeRejectedTxn).errorInformation.errorInformation),
        ], bulkTransferState: "COMPLETED")
        guard case let .completed(record, refused) = ledger.fulfilBulk("b1", response: answer, source: "payee", now: base.now) else {
            Issue.record("not completed"); return
        }
        #expect(record.committed == ["b1-0"])
        #expect(Set(refused.keys) == ["b1-1"], "a transfer the payee refused is not the switch's refusal")
        #expect(base.positions(ledger, "payer") == "10/0")
        #expect(base.positions(ledger, "payee") == "-10/0")
        guard case .alreadyFinal = ledger.fulfilBulk("b1", response: answer, source: "payee", now: base.now) else {
            Issue.record("a second answer was taken"); return
        }
    }

    @Test("a DFSP paying itself in bulk: its reservation is released and its position unchanged")
    func selfPayment() throws {
        var ledger = try base.ledger()
        var request = bulk("s1", amounts: ["5", "7"])
        request.payeeFsp = "payer"
        guard case .reserved = ledger.prepareBulk(request, fingerprint: [9], version: .v1_1, now: base.now) else { Issue.record("not reserved"); return }
        let answer = BulkTransfersIDPutResponse(individualTransferResults: request.individualTransfers.map {
            IndividualTransferResult(transferId: $0.transferId, fulfilment: base.fulfilment)
        }, bulkTransferState: "COMPLETED")
        guard case .completed = ledger.fulfilBulk("s1", response: answer, source: "payer", now: base.now) else { Issue.record("not completed"); return }
        #expect(base.positions(ledger, "payer") == "0/0")
    }

    @Test("over the net debit cap, expired, resent or modified: refused or ignored, nothing reserved twice")
    func refusals() throws {
        var ledger = try base.ledger(payerCap: "50")
        guard case .rejected(let error) = ledger.prepareBulk(bulk("b1", amounts: ["30", "30"]), fingerprint: [1], version: .v1_1, now: base.now) else {
            Issue.record("not refused"); return
        }
        #expect(error.code == .payerFspInsufficientLiquidity)
        guard case .rejected(let late) = ledger.prepareBulk(bulk("b2", amounts: ["1"], expiresIn: -1), fingerprint: [2], version: .v1_1, now: base.now) else {
            Issue.record("an expired bulk was taken"); return
        }
        #expect(late.code == .transferExpired)
        guard case .reserved = ledger.prepareBulk(bulk("b3", amounts: ["20"]), fingerprint: [3], version: .v1_1, now: base.now) else {
            Issue.record("not reserved"); return
        }
        guard case .resent = ledger.prepareBulk(bulk("b3", amounts: ["20"]), fingerprint: [3], version: .v1_1, now: base.now),
              case .modified = ledger.prepareBulk(bulk("b3", amounts: ["21"]), fingerprint: [4], version: .v1_1, now: base.now) else {
            Issue.record("a resend was not recognised"); return
        }
        #expect(base.positions(ledger, "payer") == "0/20")
        let byPayer = ledger.abortBulk("b3", source: "payer")
        #expect(byPayer == nil, "only the payee (or the expiry) aborts")
        let expired = ledger.abortBulk("b3", source: nil)
        let aborted = try #require(expired)
        #expect(aborted.phase == .aborted)
        #expect(base.positions(ledger, "payer") == "0/0")
    }
}
