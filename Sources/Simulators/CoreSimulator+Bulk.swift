import FSPIOP
import Hummingbird
import PaymentDomain

// Backend `POST /bulkQuotes` and `POST /bulkTransfers`: each item quoted or credited as the single
// endpoints do it, an item the core refuses answered with its error and the others carried out.

/// `POST /bulkQuotes` (`bulkQuoteRequest`): each item a quote request without its own `from`.
struct CoreBulkQuoteRequest: Decodable, Sendable {
    var bulkQuoteId: String
    var from: TransferParty
    var expiration: String?
    var individualQuotes: [CoreQuoteRequest]
}

/// `POST /bulkTransfers` (`bulkTransferRequest`).
struct CoreBulkTransferRequest: Decodable, Sendable {
    struct Item: Decodable, Sendable {
        var transferId: String
        var amount: String
        var currency: String
        var to: TransferParty
        var amountType: String?
        var transactionType: String?
        var note: String?
    }

    var bulkTransferId: String
    var from: TransferParty?
    var individualTransfers: [Item]
}

extension CoreBackendError {
    /// The backend API's `errorResponse` for one item of a bulk answer.
    var errorResponse: BackendErrorResponse { BackendErrorResponse(statusCode: code.rawValue, message: message) }
}

extension CoreSimulator {
    func postBulkQuote(_ request: Request) async -> Response {
        let expiration = Self.now().adding(seconds: Int64(configuration.quoteExpirySeconds)).dateTime
        return await answer("POST /bulkQuotes", request, as: CoreBulkQuoteRequest.self) { (body) throws(CoreBackendError) in
            guard !body.individualQuotes.isEmpty else { throw CoreBackendError(httpStatus: 400, .missingElement, "individualQuotes is empty") }
            let results = ledger.withLock { ledger in
                body.individualQuotes.map { item -> BackendIndividualQuoteResult in
                    var single = item
                    single.from = body.from
                    do throws(CoreBackendError) {
                        let quote = try ledger.quote(single, fees: configuration.fees, expiration: expiration)
                        var result = BackendIndividualQuoteResult(quoteId: item.quoteId, transferAmount: quote.transferAmount,
                                                                  transferAmountCurrency: quote.transferAmountCurrency)
                        result.payeeReceiveAmount = quote.payeeReceiveAmount
                        result.payeeReceiveAmountCurrency = quote.payeeReceiveAmountCurrency
                        result.payeeFspFeeAmount = quote.payeeFspFeeAmount
                        result.payeeFspFeeAmountCurrency = quote.payeeFspFeeAmountCurrency
                        return result
                    } catch {
                        return BackendIndividualQuoteResult(quoteId: item.quoteId, errorResponse: error.errorResponse)
                    }
                }
            }
            return BackendBulkQuoteResponse(bulkQuoteId: body.bulkQuoteId, expiration: expiration, individualQuoteResults: results)
        }
    }

    /// Credits each transfer (committed at once: a bulk transfer has no PATCH notification).
    func postBulkTransfer(_ request: Request) async -> Response {
        let homeTransactionId = Self.makeId()
        let now = Self.now()
        return await answer("POST /bulkTransfers", request, as: CoreBulkTransferRequest.self) { (body) throws(CoreBackendError) in
            guard !body.individualTransfers.isEmpty else { throw CoreBackendError(httpStatus: 400, .missingElement, "individualTransfers is empty") }
            let results = ledger.withLock { ledger in
                body.individualTransfers.map { item -> BackendIndividualTransferResult in
                    let quote = BackendQuoteResponse(quoteId: item.transferId, transactionId: item.transferId, transferAmount: item.amount,
                                                     transferAmountCurrency: item.currency)
                    let single = CoreTransferRequest(transferId: item.transferId, quote: quote, from: body.from ?? item.to, to: item.to,
                                                     amountType: item.amountType ?? "SEND", currency: item.currency, amount: item.amount,
                                                     transactionType: item.transactionType ?? "TRANSFER", ilpPacket: CorePresentValue(),
                                                     note: item.note, subScenario: nil)
                    do throws(CoreBackendError) {
                        _ = try ledger.credit(single, homeTransactionId: homeTransactionId, reportedState: .committed, now: now)
                        return BackendIndividualTransferResult(transferId: item.transferId)
                    } catch {
                        return BackendIndividualTransferResult(transferId: item.transferId, errorResponse: error.errorResponse)
                    }
                }
            }
            return BackendBulkTransferResponse(bulkTransferId: body.bulkTransferId, homeTransactionId: homeTransactionId,
                                               individualTransferResults: results)
        }
    }
}
