import FSPIOP
import PMCore
import PaymentDomain
import Processing
import ReadModel
import Testing

/// Given the events of a lookup, a request to pay, a bulk transfer or a relayed request, then its row.
struct OperationFoldTests {
    static let start = Timestamp(millisecondsSinceEpoch: 1_795_908_728_000)

    static func fold(_ events: [DomainEvent], into row: OperationRow? = nil) -> OperationRow? {
        var row = row
        for (index, event) in events.enumerated() {
            row = OperationFold.apply(event, sequence: Int64(index + 1), occurredAt: start.adding(seconds: Int64(index)), to: row)
        }
        return row
    }

    static let party = PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27713803912")
    static let error = ErrorInformationObject(errorInformation: ErrorInformation(errorCode: .partyNotFound, errorDescription: "no such party"))

    @Test("a lookup served to two transfers, then resolved: the party's DFSP and name, success, the transfers it served")
    func lookup() throws {
        let key = PartyLookup.key(for: Self.party)
        let resolved = Party(partyIdInfo: PartyIdInfo(partyIdType: "MSISDN", partyIdentifier: "27713803912", fspId: "payeefsp"), name: "Zoë Payee")
        let row = try #require(Self.fold([
            .party(key: key, .started(Self.party, deadline: Self.start.adding(seconds: 30))), .party(key: key, .joined(transferId: "t2")),
            .party(key: key, .resolved(resolved, transfers: ["t1", "t2"])),
        ]))
        #expect(row.kind == .partyLookup)
        #expect(row.id == "MSISDN/27713803912")
        #expect(row.status == .success && row.state == "RESOLVED")
        #expect(row.counterparty == "payeefsp")
        #expect(row.party.name == "Zoë Payee")
        #expect(row.items == 2)
        #expect(row.completedAt == Self.start.adding(seconds: 2).millisecondsSinceEpoch)
        // Looked up again later: the row shows the new lookup, pending, and then its failure.
        let again = try #require(Self.fold([
            .party(key: key, .started(Self.party, deadline: Self.start)), .party(key: key, .started(Self.party, deadline: Self.start)),
            .party(key: key, .started(Self.party, deadline: Self.start)), .party(key: key, .failed(Self.error, transfers: ["t3"])),
        ], into: row))
        #expect(again.status == .error && again.errorCode == "3204" && again.errorDescription == "no such party")
    }

    @Test("a request to pay: sent to the payer's DFSP, pending while it is received, ended by the payer's answer")
    func requestToPay() throws {
        let request = RequestToPayRequest(homeR2PTransactionId: "home-9", from: TransferParty(idType: "MSISDN", idValue: "1"),
                                          to: TransferParty(idType: "MSISDN", idValue: "27713803912"), amountType: "RECEIVE",
                                          currency: "XOF", amount: "250", transactionType: "TRANSFER")
        let id = "r2p-1"
        let pending = try #require(Self.fold([
            .requestToPay(transactionRequestId: id, .requested(request, autoAcceptParty: true)),
            .requestToPay(transactionRequestId: id, .answered(TransactionRequestsIDPutResponse(transactionRequestState: "RECEIVED"), source: "payerfsp")),
        ]))
        #expect(pending.status == .pending && pending.state == "RECEIVED")
        #expect(pending.amount == "250" && pending.currency == "XOF" && pending.reference == "home-9")
        #expect(pending.party.idValue == "27713803912")
        let ended = try #require(OperationFold.apply(
            .requestToPay(transactionRequestId: id, .notified(TransactionRequestsIDPutResponse(transactionRequestState: "REJECTED"))),
            sequence: 3, occurredAt: Self.start.adding(seconds: 5), to: pending))
        #expect(ended.status == .error && ended.state == "REJECTED" && ended.completedAt != nil)
        // Delivered again: nothing changes.
        #expect(OperationFold.apply(.requestToPay(transactionRequestId: id, .failed(TransferError(httpStatusCode: 500, mojaloopError: nil))),
                                    sequence: 3, occurredAt: Self.start, to: ended) == ended)
    }

    @Test("a bulk transfer received from another DFSP: its sender and size, and the state the core answered")
    func bulkTransfer() throws {
        let individual = IndividualTransfer(transferId: "i1", transferAmount: Money(currency: "USD", amount: "1"), ilpPacket: "p", condition: "c")
        let request = BulkTransfersPostRequest(bulkTransferId: "b1", bulkQuoteId: "q1", payerFsp: "payerfsp", payeeFsp: "payeefsp",
                                               individualTransfers: [individual, individual, individual], expiration: "2026-12-01T00:00:00.000Z")
        let row = try #require(Self.fold([
            .bulkTransfer(bulkTransferId: "b1", .received(request, source: "payerfsp")),
            .bulkTransfer(bulkTransferId: "b1", .answered(BulkTransfersIDPutResponse(bulkTransferState: "COMPLETED"))),
            .bulkTransfer(bulkTransferId: "b1", .answerRepeated),
        ]))
        #expect(row.kind == .bulkTransfer && row.direction == .inbound)
        #expect(row.counterparty == "payerfsp" && row.items == 3)
        #expect(row.status == .success && row.state == "COMPLETED")
    }

    @Test("a relayed quote that the hub refused; a transfer's events make no operation")
    func relayed() throws {
        let key = RelayedRequest.key(.quotes, "q-7")
        let row = try #require(Self.fold([
            .relayed(key: key, .sent(.quotes, id: "q-7", destination: "payeefsp", body: .object([]), deadline: Self.start)),
            .relayed(key: key, .failed(Self.error)),
        ]))
        #expect(row.reference == "quotes" && row.counterparty == "payeefsp")
        #expect(row.status == .error && row.errorCode == "3204")
        #expect(OperationFold.apply(.outbound(transferId: "t", .partyAccepted), sequence: 1, occurredAt: Self.start, to: nil) == nil)
    }
}
