import FSPIOP

/// The core's error for one item of a bulk answer (the backend API's `errorResponse`).
public struct BackendErrorResponse: Codable, Sendable, Hashable {
    public var statusCode: String?
    public var message: String?

    public init(statusCode: String? = nil, message: String? = nil) {
        self.statusCode = statusCode
        self.message = message
    }

    /// The FSPIOP error it stands for: its `statusCode` when that is an FSPIOP code, else 2001.
    public var errorInformation: ErrorInformation {
        let code = statusCode.flatMap(FSPIOPErrorCode.init) ?? .internalServerError
        let detail = message.map { $0.count > 100 ? String($0.prefix(100)) : $0 }
        return FSPIOPError(code, detail).errorInformation.errorInformation
    }
}

/// The core's answer to backend `POST /bulkQuotes` (`bulkQuoteResponse`).
public struct BackendBulkQuoteResponse: Codable, Sendable, Hashable {
    public var bulkQuoteId: String?
    public var expiration: String?
    public var individualQuoteResults: [BackendIndividualQuoteResult]

    public init(bulkQuoteId: String? = nil, expiration: String? = nil, individualQuoteResults: [BackendIndividualQuoteResult]) {
        self.bulkQuoteId = bulkQuoteId
        self.expiration = expiration
        self.individualQuoteResults = individualQuoteResults
    }
}

/// One quote of the core's bulk answer: the amounts in the core's flat form, or an error.
public struct BackendIndividualQuoteResult: Codable, Sendable, Hashable {
    public var quoteId: String
    public var transferAmount: String?
    public var transferAmountCurrency: String?
    public var payeeReceiveAmount: String?
    public var payeeReceiveAmountCurrency: String?
    public var payeeFspFeeAmount: String?
    public var payeeFspFeeAmountCurrency: String?
    public var payeeFspCommissionAmount: String?
    public var payeeFspCommissionAmountCurrency: String?
    public var errorResponse: BackendErrorResponse?

    public init(quoteId: String, transferAmount: String? = nil, transferAmountCurrency: String? = nil, errorResponse: BackendErrorResponse? = nil) {
        self.quoteId = quoteId
        self.transferAmount = transferAmount
        self.transferAmountCurrency = transferAmountCurrency
        self.errorResponse = errorResponse
    }
}

/// The core's answer to backend `POST /bulkTransfers` (`bulkTransferResponse`).
public struct BackendBulkTransferResponse: Codable, Sendable, Hashable {
    public var bulkTransferId: String?
    public var homeTransactionId: String
    public var individualTransferResults: [BackendIndividualTransferResult]?

    public init(bulkTransferId: String? = nil, homeTransactionId: String, individualTransferResults: [BackendIndividualTransferResult]? = nil) {
        self.bulkTransferId = bulkTransferId
        self.homeTransactionId = homeTransactionId
        self.individualTransferResults = individualTransferResults
    }
}

public struct BackendIndividualTransferResult: Codable, Sendable, Hashable {
    public var transferId: String
    public var errorResponse: BackendErrorResponse?

    public init(transferId: String, errorResponse: BackendErrorResponse? = nil) {
        self.transferId = transferId
        self.errorResponse = errorResponse
    }
}

/// How the payee turns the core's bulk answers into FSPIOP answers (pure; the processor calls these
/// between the backend call and recording its outcome).
public enum InboundBulkAnswers {
    /// The quote request of one item: what its ILP transaction object is made from, the bulk's payer
    /// with the item's payee, amount and type (as the SDK builds one quote request per item).
    public static func quoteRequest(_ item: IndividualQuote, of bulk: BulkQuotesPostRequest) -> QuotesPostRequest {
        QuotesPostRequest(quoteId: item.quoteId, transactionId: item.transactionId, payee: item.payee, payer: bulk.payer,
                          amountType: item.amountType, amount: item.amount, fees: item.fees, transactionType: item.transactionType,
                          geoCode: bulk.geoCode, note: item.note, expiration: bulk.expiration)
    }

    /// `PUT /bulkQuotes/{ID}`: each quote the core answered gets its ILP packet and condition; each it
    /// refused (or did not answer) its error. The quotes expire when the core says, else after
    /// `EXPIRY_SECONDS`.
    public static func bulkQuote(_ request: BulkQuotesPostRequest, core: BackendBulkQuoteResponse, configuration: InboundConfiguration,
                                 now: Timestamp) throws(FSPIOPError) -> BulkQuotesIDPutResponse {
        let expiration = core.expiration ?? now.adding(seconds: Int64(configuration.expirySeconds)).dateTime
        let answers = Dictionary(core.individualQuoteResults.map { ($0.quoteId, $0) }, uniquingKeysWith: { first, _ in first })
        var results: [IndividualQuoteResult] = []
        for item in request.individualQuotes {
            guard let answer = answers[item.quoteId] else {
                results.append(IndividualQuoteResult(quoteId: item.quoteId, errorInformation: FSPIOPError(.internalServerError, "the core did not answer this quote").errorInformation.errorInformation))
                continue
            }
            if let error = answer.errorResponse {
                results.append(IndividualQuoteResult(quoteId: item.quoteId, errorInformation: error.errorInformation))
                continue
            }
            guard let amount = answer.transferAmount, let currency = answer.transferAmountCurrency, currency == item.amount.currency else {
                let error = FSPIOPError(.payeeUnsupportedCurrency, "the core quoted no transfer amount in \(item.amount.currency)")
                results.append(IndividualQuoteResult(quoteId: item.quoteId, errorInformation: error.errorInformation.errorInformation))
                continue
            }
            func money(_ amount: String?, _ currency: String?) -> Money? {
                guard let amount, let currency else { return nil }
                return Money(currency: currency, amount: amount)
            }
            var result = IndividualQuoteResult(
                quoteId: item.quoteId, payee: item.payee, transferAmount: Money(currency: currency, amount: amount),
                payeeReceiveAmount: money(answer.payeeReceiveAmount, answer.payeeReceiveAmountCurrency),
                payeeFspFee: money(answer.payeeFspFeeAmount, answer.payeeFspFeeAmountCurrency),
                payeeFspCommission: money(answer.payeeFspCommissionAmount, answer.payeeFspCommissionAmountCurrency))
            let quoteResponse = QuotesIDPutResponse(transferAmount: Money(currency: currency, amount: amount), expiration: expiration,
                                                    ilpPacket: "", condition: "")
            do {
                let made = try ILP.quotePacket(version: configuration.ilpVersion, secret: configuration.ilpSecret,
                                               quoteRequest: try JSONValueEncoder.encode(quoteRequest(item, of: request)),
                                               quoteResponse: try JSONValueEncoder.encode(quoteResponse))
                result.ilpPacket = made.ilpPacket
                result.condition = made.condition
            } catch let error as ILPError {
                result = IndividualQuoteResult(quoteId: item.quoteId, errorInformation: error.fspiopError.errorInformation.errorInformation)
            } catch {
                result = IndividualQuoteResult(quoteId: item.quoteId,
                                               errorInformation: FSPIOPError(.internalServerError, "cannot build the ILP packet").errorInformation.errorInformation)
            }
            results.append(result)
        }
        return BulkQuotesIDPutResponse(individualQuoteResults: results, expiration: expiration)
    }

    /// The checks before the core is asked to credit a bulk transfer, and each transfer's fulfilment
    /// (from its ILP packet and `ILP_SECRET`, as the SDK computes it). Refused as a whole when it is not
    /// for this DFSP, has expired at `now` (not checked without one), or (with `CHECK_ILP`) a condition is
    /// not its packet's.
    public static func fulfilments(_ request: BulkTransfersPostRequest, configuration: InboundConfiguration,
                                   now: Timestamp?) throws(FSPIOPError) -> [String: String] {
        guard request.payeeFsp == configuration.dfspId else {
            throw FSPIOPError(.payeeFspIdNotFound, "the bulk transfer is for \(request.payeeFsp), not \(configuration.dfspId)")
        }
        if let now {
            guard let expiry = Timestamp(dateTime: request.expiration), expiry > now else {
                throw FSPIOPError(.transferExpired, "the bulk transfer expired at \(request.expiration)")
            }
        }
        var fulfilments: [String: String] = [:]
        for item in request.individualTransfers {
            let fulfilment: [UInt8]
            do { fulfilment = try ILP.fulfilment(secret: configuration.ilpSecret, packet: item.ilpPacket) } catch {
                throw FSPIOPError(.modifiedRequest, "transfer \(item.transferId): \(error.fspiopError.errorDescription)")
            }
            let text = Base64.urlEncoded(fulfilment)
            if configuration.checkILP, !ILP.fulfils(text, condition: item.condition) {
                throw FSPIOPError(.modifiedRequest, "transfer \(item.transferId): the condition is not the one of its ILP packet")
            }
            fulfilments[item.transferId] = text
        }
        return fulfilments
    }

    /// `PUT /bulkTransfers/{ID}`: `COMPLETED`, each transfer with its fulfilment, or the error the core
    /// gave for it, or 2001 when the core's list does not name it (then without a fulfilment).
    public static func bulkTransfer(_ request: BulkTransfersPostRequest, core: BackendBulkTransferResponse, fulfilments: [String: String],
                                    now: Timestamp) -> BulkTransfersIDPutResponse {
        let answered = core.individualTransferResults.map { results in
            Dictionary(results.map { ($0.transferId, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let results = request.individualTransfers.map { item in
            // Without a list the core took every transfer; with one, a transfer it does not name is not credited.
            guard let result = answered.map({ $0[item.transferId] }) ?? BackendIndividualTransferResult(transferId: item.transferId) else {
                return IndividualTransferResult(transferId: item.transferId,
                                                errorInformation: FSPIOPError(.internalServerError, "the core did not answer this transfer").errorInformation.errorInformation)
            }
            if let error = result.errorResponse {
                return IndividualTransferResult(transferId: item.transferId, errorInformation: error.errorInformation)
            }
            return IndividualTransferResult(transferId: item.transferId, fulfilment: fulfilments[item.transferId])
        }
        return BulkTransfersIDPutResponse(completedTimestamp: now.dateTime, individualTransferResults: results, bulkTransferState: "COMPLETED")
    }
}
