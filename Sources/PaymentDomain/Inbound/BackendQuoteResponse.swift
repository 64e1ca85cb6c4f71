import FSPIOP

/// The core's answer to `POST /quoterequests` (the SDK backend API's `quoteResponse`, v2.1.0): the
/// amounts in the core's flat form.
public struct BackendQuoteResponse: Codable, Sendable, Hashable {
    public var quoteId: String
    public var transactionId: String
    public var transferAmount: String
    public var transferAmountCurrency: String
    public var payeeReceiveAmount: String?
    public var payeeReceiveAmountCurrency: String?
    public var payeeFspFeeAmount: String?
    public var payeeFspFeeAmountCurrency: String?
    public var payeeFspCommissionAmount: String?
    public var payeeFspCommissionAmountCurrency: String?
    public var expiration: String?
    public var geoCode: GeoCode?
    public var extensionList: [Extension]?

    public init(quoteId: String, transactionId: String, transferAmount: String, transferAmountCurrency: String,
                payeeReceiveAmount: String? = nil, payeeReceiveAmountCurrency: String? = nil, payeeFspFeeAmount: String? = nil,
                payeeFspFeeAmountCurrency: String? = nil, payeeFspCommissionAmount: String? = nil,
                payeeFspCommissionAmountCurrency: String? = nil, expiration: String? = nil, geoCode: GeoCode? = nil,
                extensionList: [Extension]? = nil) {
        self.quoteId = quoteId
        self.transactionId = transactionId
        self.transferAmount = transferAmount
        self.transferAmountCurrency = transferAmountCurrency
        self.payeeReceiveAmount = payeeReceiveAmount
        self.payeeReceiveAmountCurrency = payeeReceiveAmountCurrency
        self.payeeFspFeeAmount = payeeFspFeeAmount
        self.payeeFspFeeAmountCurrency = payeeFspFeeAmountCurrency
        self.payeeFspCommissionAmount = payeeFspCommissionAmount
        self.payeeFspCommissionAmountCurrency = payeeFspCommissionAmountCurrency
        self.expiration = expiration
        self.geoCode = geoCode
        self.extensionList = extensionList
    }
}

/// The core's answer to `POST /transfers` (the SDK backend API's `transferResponse`).
public struct BackendTransferResponse: Codable, Sendable, Hashable {
    public var homeTransactionId: String
    public var fulfilment: String?
    public var transferState: String?
    public var completedTimestamp: String?

    public init(homeTransactionId: String, fulfilment: String? = nil, transferState: String? = nil, completedTimestamp: String? = nil) {
        self.homeTransactionId = homeTransactionId
        self.fulfilment = fulfilment
        self.transferState = transferState
        self.completedTimestamp = completedTimestamp
    }
}
