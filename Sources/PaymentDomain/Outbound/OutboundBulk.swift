import FSPIOP

/// `POST /bulkQuotes` of the SDK's outbound API (`bulkQuoteRequest`, v2.1.0).
public struct OutboundBulkQuoteRequest: Codable, Sendable, Hashable {
    public struct Item: Codable, Sendable, Hashable {
        public var quoteId: String
        public var to: TransferParty
        public var amountType: String
        public var currency: String
        public var amount: String
        public var transactionType: String
        public var subScenario: String?
        public var note: String?
    }

    public var homeTransactionId: String
    public var bulkQuoteId: String?
    public var from: TransferParty
    public var individualQuotes: [Item]
}

/// `POST /bulkTransfers` of the SDK's outbound API (`bulkTransferRequest`, v2.1.0).
public struct OutboundBulkTransferRequest: Codable, Sendable, Hashable {
    public struct Item: Codable, Sendable, Hashable {
        public var transferId: String
        public var to: TransferParty
        public var amountType: String
        public var currency: String
        public var amount: String
        public var ilpPacket: String
        public var condition: String
        public var note: String?
    }

    public var homeTransactionId: String
    public var bulkTransferId: String
    public var bulkQuoteId: String
    public var from: TransferParty
    public var individualTransfers: [Item]
}

/// The legacy outbound bulk of the SDK (`OutboundBulkQuotesModel`, `OutboundBulkTransfersModel`): the
/// core's request becomes one FSPIOP bulk request to the DFSP of its payees (who must all be at one
/// DFSP, named by `to.fspId`: there is no party lookup), and the callback becomes the answer.
public enum OutboundBulk {
    /// The FSPIOP `POST /bulkQuotes` and its destination. Each quote gets a new transaction id; the
    /// payer is this DFSP's customer; the quotes expire after `EXPIRY_SECONDS`.
    public static func bulkQuote(_ request: OutboundBulkQuoteRequest, dfspId: String, bulkQuoteId: String, newID: () -> String,
                                 now: Timestamp, expirySeconds: Int) throws(FSPIOPError) -> (destination: String, request: BulkQuotesPostRequest) {
        let destination = try self.destination(request.individualQuotes.map(\.to), list: "individualQuotes")
        let payer = request.from.payer(fspId: dfspId)
        let quotes = request.individualQuotes.map { item in
            var payee = item.to.partyIdInfo
            payee.fspId = destination
            return IndividualQuote(quoteId: item.quoteId, transactionId: newID(), payee: Party(partyIdInfo: payee), amountType: item.amountType,
                                   amount: Money(currency: item.currency, amount: item.amount),
                                   transactionType: TransactionType(scenario: item.transactionType, subScenario: item.subScenario,
                                                                    initiator: "PAYER", initiatorType: request.from.type ?? "CONSUMER"),
                                   note: item.note)
        }
        let expiration = now.adding(seconds: Int64(expirySeconds)).dateTime
        return (destination, BulkQuotesPostRequest(bulkQuoteId: bulkQuoteId, payer: payer, expiration: expiration, individualQuotes: quotes))
    }

    /// The FSPIOP `POST /bulkTransfers` and its destination, expiring after `EXPIRY_SECONDS`.
    public static func bulkTransfer(_ request: OutboundBulkTransferRequest, dfspId: String, now: Timestamp,
                                    expirySeconds: Int) throws(FSPIOPError) -> (destination: String, request: BulkTransfersPostRequest) {
        let destination = try self.destination(request.individualTransfers.map(\.to), list: "individualTransfers")
        let transfers = request.individualTransfers.map { item in
            IndividualTransfer(transferId: item.transferId, transferAmount: Money(currency: item.currency, amount: item.amount),
                               ilpPacket: item.ilpPacket, condition: item.condition)
        }
        return (destination, BulkTransfersPostRequest(bulkTransferId: request.bulkTransferId, bulkQuoteId: request.bulkQuoteId, payerFsp: dfspId,
                                                      payeeFsp: destination, individualTransfers: transfers,
                                                      expiration: now.adding(seconds: Int64(expirySeconds)).dateTime))
    }

    /// The one DFSP every payee belongs to.
    static func destination(_ payees: [TransferParty], list: String) throws(FSPIOPError) -> String {
        guard let first = payees.first?.fspId, !first.isEmpty else {
            throw FSPIOPError(.missingElement, "\(list)[0].to.fspId: is required (bulk requests have no party lookup)")
        }
        for (index, payee) in payees.enumerated() where payee.fspId != first {
            throw FSPIOPError(.validationError, "\(list)[\(index)].to.fspId: every payee of a bulk request must be at \(first)")
        }
        return first
    }

    /// An item's `lastError` (`quoteError` / `transferError`): the FSPIOP error the payee's DFSP gave. It
    /// came inside a successful callback, so there is no HTTP status to report (`httpStatusCode` is left out).
    static func lastError(_ error: ErrorInformation) -> JSONValue {
        .object([("mojaloopError", (try? JSONValueEncoder.encode(ErrorInformationObject(errorInformation: error))) ?? .null)])
    }

    /// The answer to `POST /bulkQuotes` (`bulkQuoteResponse`) made from `PUT /bulkQuotes/{ID}`.
    public static func bulkQuoteResponse(_ answer: BulkQuotesIDPutResponse, bulkQuoteId: String, homeTransactionId: String?) -> JSONValue {
        let results: [JSONValue] = (answer.individualQuoteResults ?? []).map { result in
            var members: [(String, JSONValue)] = [("quoteId", .string(result.quoteId))]
            for (name, money) in [("transferAmount", result.transferAmount), ("payeeReceiveAmount", result.payeeReceiveAmount),
                                  ("payeeFspFee", result.payeeFspFee), ("payeeFspCommission", result.payeeFspCommission)] {
                if let money { members.append((name, .object([("currency", .string(money.currency)), ("amount", .string(money.amount))]))) }
            }
            if let packet = result.ilpPacket { members.append(("ilpPacket", .string(packet))) }
            if let condition = result.condition { members.append(("condition", .string(condition))) }
            if let error = result.errorInformation { members.append(("lastError", lastError(error))) }
            return .object(members)
        }
        var members: [(String, JSONValue)] = [("bulkQuoteId", .string(bulkQuoteId))]
        if let homeTransactionId { members.append(("homeTransactionId", .string(homeTransactionId))) }
        members += [("expiration", .string(answer.expiration)), ("currentState", .string("COMPLETED")), ("individualQuoteResults", .array(results))]
        return .object(members)
    }

    /// The answer to `POST /bulkTransfers` (`bulkTransferResponse`) made from `PUT /bulkTransfers/{ID}`.
    public static func bulkTransferResponse(_ answer: BulkTransfersIDPutResponse, request: OutboundBulkTransferRequest) -> JSONValue {
        let results: [JSONValue] = (answer.individualTransferResults ?? []).map { result in
            var members: [(String, JSONValue)] = [("transferId", .string(result.transferId))]
            if let fulfilment = result.fulfilment { members.append(("fulfilment", .string(fulfilment))) }
            if let error = result.errorInformation { members.append(("lastError", lastError(error))) }
            return .object(members)
        }
        var members: [(String, JSONValue)] = [
            ("bulkTransferId", .string(request.bulkTransferId)), ("bulkQuoteId", .string(request.bulkQuoteId)),
            ("homeTransactionId", .string(request.homeTransactionId)), ("bulkTransferState", .string(answer.bulkTransferState)),
        ]
        if let completed = answer.completedTimestamp { members.append(("completedTimestamp", .string(completed))) }
        members += [("currentState", .string("COMPLETED")), ("individualTransferResults", .array(results))]
        return .object(members)
    }
}
