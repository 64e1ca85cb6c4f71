import FSPIOP
@testable import Simulators
import Testing

/// The hub's ledger as a plain value: given participants and transfers, when a message arrives, then
/// this outcome and these positions. No sockets, no clock.
@Suite("Hub ledger")
struct HubLedgerTests {
    let now = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)
    let fulfilment = "WLctttbu2HvTsa1XWvUoGRcQozHsqeu9Ahl2JW9Bsu8"
    var condition: String { (try? ILP.condition(fulfilment: fulfilment)) ?? "" }

    func ledger(payerCap: String = "1000") throws -> HubLedger {
        var ledger = HubLedger()
        try ledger.register(HubParticipant(fspId: "payer", endpoint: "http://127.0.0.1:4000/", currency: "USD", netDebitCap: payerCap))
        try ledger.register(HubParticipant(fspId: "payee", endpoint: "https://127.0.0.1:4001/fspiop", currency: "USD", netDebitCap: "1000"))
        return ledger
    }

    func prepare(_ id: String, amount: String = "100", currency: String = "USD", expiresIn milliseconds: Int64 = 60_000) -> TransfersPostRequest {
        TransfersPostRequest(transferId: id, payeeFsp: "payee", payerFsp: "payer", amount: Money(currency: currency, amount: amount),
                             ilpPacket: "AYIB", condition: condition, expiration: now.adding(milliseconds: milliseconds).dateTime)
    }

    func message(from source: String, _ path: String) -> HubInboundMessage {
        HubInboundMessage(method: "PUT", target: path, path: path, headers: [:], body: [], source: source, version: .v1_1)
    }

    func positions(_ ledger: HubLedger, _ fspId: String) -> String {
        guard let account = ledger.account(fspId) else { return "none" }
        return "\(HubAmount.text(account.position))/\(HubAmount.text(account.reserved))"
    }

    @Test("a prepare reserves, a fulfil commits: the payer's position rises, the payee's falls")
    func commit() throws {
        var ledger = try ledger()
        guard case .reserved = ledger.prepare(prepare("t1", amount: "100.25"), fingerprint: [1], version: .v1_1, now: now) else {
            Issue.record("not reserved"); return
        }
        #expect(positions(ledger, "payer") == "0/100.25")
        let outcome = ledger.fulfil("t1", response: TransfersIDPutResponse(fulfilment: fulfilment, transferState: "COMMITTED"),
                                    message: message(from: "payee", "/transfers/t1"), fingerprint: [2], now: now.adding(milliseconds: 10))
        guard case let .committed(record, payeeReserved) = outcome else { Issue.record("\(outcome)"); return }
        #expect(!payeeReserved)
        #expect(record.phase == .committed)
        #expect(record.completedTimestamp == now.adding(milliseconds: 10).dateTime)
        #expect(positions(ledger, "payer") == "100.25/0")
        #expect(positions(ledger, "payee") == "-100.25/0")
    }

    @Test("with a cap, the oldest finished transfers are forgotten; one still reserved stays and holds the sweep")
    func keepFinished() throws {
        var ledger = try ledger(payerCap: "100000")
        ledger.keepFinishedTransfers = 2
        _ = ledger.prepare(prepare("open", amount: "1"), fingerprint: [0], version: .v1_1, now: now)
        for index in 1...5 {
            let id = "t\(index)"
            _ = ledger.prepare(prepare(id, amount: "1"), fingerprint: [UInt8(index)], version: .v1_1, now: now)
            _ = ledger.fulfil(id, response: TransfersIDPutResponse(fulfilment: fulfilment, transferState: "COMMITTED"),
                              message: message(from: "payee", "/transfers/\(id)"), fingerprint: [9], now: now)
        }
        // The reserved "open" transfer is the oldest: nothing behind it is forgotten yet.
        #expect(ledger.transfer("open") != nil && ledger.transfer("t1") != nil)
        _ = ledger.fulfil("open", response: TransfersIDPutResponse(fulfilment: fulfilment, transferState: "COMMITTED"),
                          message: message(from: "payee", "/transfers/open"), fingerprint: [9], now: now)
        _ = ledger.prepare(prepare("t6", amount: "1"), fingerprint: [6], version: .v1_1, now: now)
        #expect(ledger.transfer("open") == nil && ledger.transfer("t1") == nil && ledger.transfer("t4") == nil)
        #expect(ledger.transfer("t5") != nil && ledger.transfer("t6") != nil)
        #expect(positions(ledger, "payer") == "6/1", "forgetting records changes no position")
    }

    @Test("the net debit cap counts the position and the reservations; exactly the cap is allowed")
    func netDebitCap() throws {
        var ledger = try ledger(payerCap: "150")
        guard case .reserved = ledger.prepare(prepare("t1"), fingerprint: [1], version: .v1_1, now: now) else { Issue.record("t1"); return }
        guard case let .rejected(error) = ledger.prepare(prepare("t2", amount: "50.5"), fingerprint: [2], version: .v1_1, now: now) else {
            Issue.record("t2 was not rejected"); return
        }
        #expect(error.code == .payerFspInsufficientLiquidity)
        #expect(ledger.transfer("t2")?.phase == .aborted)
        guard case .reserved = ledger.prepare(prepare("t3", amount: "50"), fingerprint: [3], version: .v1_1, now: now) else { Issue.record("t3"); return }
        #expect(positions(ledger, "payer") == "0/150")
    }

    @Test("refusals: expired, unknown payee, another currency", arguments: [
        ("past expiration", "USD", Int64(-1), "payee", "3303"),
        ("unknown payee", "USD", Int64(60_000), "nobody", "3203"),
        ("another currency", "EUR", Int64(60_000), "payee", "4103"),
    ])
    func refusals(_ name: String, _ currency: String, _ expiresIn: Int64, _ payeeFsp: String, _ code: String) throws {
        var ledger = try ledger()
        var request = prepare("t1", currency: currency, expiresIn: expiresIn)
        request.payeeFsp = payeeFsp
        guard case let .rejected(error) = ledger.prepare(request, fingerprint: [1], version: .v1_1, now: now) else {
            Issue.record("\(name): not rejected"); return
        }
        #expect(error.code.rawValue == code, "\(name)")
        #expect(positions(ledger, "payer") == "0/0")
    }

    @Test("resends: the same body of a finished transfer is answered again, of one in progress ignored, another body is 3106")
    func resends() throws {
        var ledger = try ledger()
        _ = ledger.prepare(prepare("t1"), fingerprint: [1], version: .v1_1, now: now)
        guard case .inProgress = ledger.prepare(prepare("t1"), fingerprint: [1], version: .v1_1, now: now) else { Issue.record("in progress"); return }
        guard case .modified = ledger.prepare(prepare("t1"), fingerprint: [9], version: .v1_1, now: now) else { Issue.record("modified"); return }
        _ = ledger.abortByPayee("t1", error: ErrorInformation(errorCode: .payeeRejection, errorDescription: "no"),
                                message: message(from: "payee", "/transfers/t1/error"), now: now)
        guard case let .resendFinal(record) = ledger.prepare(prepare("t1"), fingerprint: [1], version: .v1_1, now: now),
              case .forwarded? = record.payerNotification else { Issue.record("resend final"); return }
        #expect(positions(ledger, "payer") == "0/0")
    }

    @Test("a wrong fulfilment, a fulfil from another DFSP, and one after expiration")
    func badFulfils() throws {
        var ledger = try ledger()
        _ = ledger.prepare(prepare("t1"), fingerprint: [1], version: .v1_1, now: now)
        let wrong = TransfersIDPutResponse(fulfilment: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", transferState: "COMMITTED")
        guard case .notPayee = ledger.fulfil("t1", response: wrong, message: message(from: "payer", "/transfers/t1"), fingerprint: [2], now: now) else {
            Issue.record("not payee"); return
        }
        guard case let .invalid(record, error) = ledger.fulfil("t1", response: wrong, message: message(from: "payee", "/transfers/t1"),
                                                               fingerprint: [2], now: now) else { Issue.record("invalid"); return }
        #expect(error.code == .validationError)
        #expect(record.phase == .aborted)
        #expect(positions(ledger, "payer") == "0/0")

        _ = ledger.prepare(prepare("t2", expiresIn: 100), fingerprint: [3], version: .v1_1, now: now)
        let right = TransfersIDPutResponse(fulfilment: fulfilment, transferState: "COMMITTED")
        guard case .expired = ledger.fulfil("t2", response: right, message: message(from: "payee", "/transfers/t2"),
                                            fingerprint: [4], now: now.adding(milliseconds: 100)) else { Issue.record("expired"); return }
        #expect(ledger.expire("t2", now: now.adding(milliseconds: 200)) == nil)
        guard case .notFound = ledger.fulfil("t3", response: right, message: message(from: "payee", "/transfers/t3"), fingerprint: [5], now: now) else {
            Issue.record("not found"); return
        }
    }

    @Test("the timer aborts a reserved transfer once, and never a committed one")
    func expiry() throws {
        var ledger = try ledger()
        _ = ledger.prepare(prepare("t1"), fingerprint: [1], version: .v1_1, now: now)
        _ = ledger.prepare(prepare("t2"), fingerprint: [2], version: .v1_1, now: now)
        _ = ledger.fulfil("t2", response: TransfersIDPutResponse(fulfilment: fulfilment, transferState: "RESERVED"),
                          message: message(from: "payee", "/transfers/t2"), fingerprint: [3], now: now)
        let expired = ledger.expire("t1", now: now.adding(milliseconds: 60_000))
        #expect(expired?.abortReason?.code == .transferExpired)
        #expect(ledger.expire("t1", now: now.adding(milliseconds: 60_001)) == nil)
        #expect(ledger.expire("t2", now: now.adding(milliseconds: 60_000)) == nil)
        #expect(positions(ledger, "payer") == "100/0")
    }

    @Test("registration checks its values, and a DFSP registered again keeps its position")
    func registration() throws {
        var ledger = try ledger()
        #expect(ledger.account("payee")?.participant.endpoint == "https://127.0.0.1:4001/fspiop")
        for bad in [
            HubParticipant(fspId: "x", endpoint: "ftp://host", currency: "USD", netDebitCap: "1"),
            HubParticipant(fspId: "x", endpoint: "http://host", currency: "XXY", netDebitCap: "1"),
            HubParticipant(fspId: "x", endpoint: "http://host", currency: "USD", netDebitCap: "-1"),
            HubParticipant(fspId: "x", endpoint: "http://host", currency: "USD", netDebitCap: "1e3"),
            HubParticipant(fspId: "", endpoint: "http://host", currency: "USD", netDebitCap: "1"),
        ] {
            #expect(throws: HubSimulatorError.self) { try ledger.register(bad) }
        }
        _ = ledger.prepare(prepare("t1"), fingerprint: [1], version: .v1_1, now: now)
        try ledger.register(HubParticipant(fspId: "payer", endpoint: "http://127.0.0.1:5000", currency: "USD", netDebitCap: "2000"))
        #expect(positions(ledger, "payer") == "0/100")
        #expect(ledger.account("payer")?.participant.endpoint == "http://127.0.0.1:5000")
    }

    @Test("the oracle answers an identifier with a sub-id from its record without one")
    func oracle() {
        var ledger = HubLedger()
        ledger.register(party: HubParty(partyIdType: "MSISDN", partyIdentifier: "1", fspId: "a"))
        ledger.register(party: HubParty(partyIdType: "MSISDN", partyIdentifier: "1", partySubIdOrType: "W", fspId: "b"))
        #expect(ledger.owner(of: HubPartyKey(type: "MSISDN", identifier: "1", subId: "W")) == "b")
        #expect(ledger.owner(of: HubPartyKey(type: "MSISDN", identifier: "1", subId: "V")) == "a")
        #expect(ledger.owner(of: HubPartyKey(type: "MSISDN", identifier: "2", subId: nil)) == nil)
    }
}
