/// The body of `POST /bulkQuotes` (API Definition v1.1 §6.9.3.2, OpenAPI `BulkQuotesPostRequest`): quotes
/// for several transactions from one Payer to Payees of one Payee FSP.
public struct BulkQuotesPostRequest: Codable, Sendable, Hashable {
    /// Identifies the bulk quote (`CorrelationId`).
    public var bulkQuoteId: String
    public var payer: Party
    public var geoCode: GeoCode?
    /// When the bulk quote request expires (`DateTime`).
    public var expiration: String?
    /// 1 to 1000 quotes.
    public var individualQuotes: [IndividualQuote]
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        bulkQuoteId: String, payer: Party, geoCode: GeoCode? = nil, expiration: String? = nil,
        individualQuotes: [IndividualQuote], extensionList: ExtensionList? = nil
    ) {
        self.bulkQuoteId = bulkQuoteId
        self.payer = payer
        self.geoCode = geoCode
        self.expiration = expiration
        self.individualQuotes = individualQuotes
        self.extensionList = extensionList
    }
}

extension BulkQuotesPostRequest: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("bulkQuoteId", bulkQuoteId, .correlationId)
        validator.object("payer", payer)
        validator.object("geoCode", geoCode)
        validator.string("expiration", expiration, .dateTime)
        validator.array("individualQuotes", individualQuotes, count: 1...1000)
        validator.object("extensionList", extensionList)
    }
}

/// The body of the callback `PUT /bulkQuotes/{ID}` (§6.9.4.1, OpenAPI `BulkQuotesIDPutResponse`).
public struct BulkQuotesIDPutResponse: Codable, Sendable, Hashable {
    /// At most 1000 results, one per quote.
    public var individualQuoteResults: [IndividualQuoteResult]?
    /// When the quotes expire (`DateTime`).
    public var expiration: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(individualQuoteResults: [IndividualQuoteResult]? = nil, expiration: String, extensionList: ExtensionList? = nil) {
        self.individualQuoteResults = individualQuoteResults
        self.expiration = expiration
        self.extensionList = extensionList
    }
}

extension BulkQuotesIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.array("individualQuoteResults", individualQuoteResults, count: 0...1000)
        validator.string("expiration", expiration, .dateTime)
        validator.object("extensionList", extensionList)
    }
}

/// `IndividualQuote` (§7.4.5): one quote of a bulk quote.
public struct IndividualQuote: Codable, Sendable, Hashable {
    /// `CorrelationId` of this quote.
    public var quoteId: String
    /// `CorrelationId` of its transaction.
    public var transactionId: String
    public var payee: Party
    /// ``AmountType``.
    public var amountType: String
    /// With `SEND`, what the Payer sends, fees included; with `RECEIVE`, what the Payee receives.
    public var amount: Money
    /// The Payer FSP's fees, when disclosed.
    public var fees: Money?
    public var transactionType: TransactionType
    /// `Note` (§7.3.23): String(1..128).
    public var note: String?
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        quoteId: String, transactionId: String, payee: Party, amountType: String, amount: Money, fees: Money? = nil,
        transactionType: TransactionType, note: String? = nil, extensionList: ExtensionList? = nil
    ) {
        self.quoteId = quoteId
        self.transactionId = transactionId
        self.payee = payee
        self.amountType = amountType
        self.amount = amount
        self.fees = fees
        self.transactionType = transactionType
        self.note = note
        self.extensionList = extensionList
    }
}

extension IndividualQuote: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("quoteId", quoteId, .correlationId)
        validator.string("transactionId", transactionId, .correlationId)
        validator.object("payee", payee)
        validator.enumeration("amountType", amountType, AmountType.self)
        validator.object("amount", amount)
        validator.object("fees", fees)
        validator.object("transactionType", transactionType)
        validator.string("note", note, .text(min: 1, max: 128))
        validator.object("extensionList", extensionList)
    }
}

/// `IndividualQuoteResult` (§7.4.6): the result of one quote of a bulk quote; either the terms or an
/// error. (Table 85 says the terms "should not be set" with an error; being a "should", it is not
/// enforced.)
public struct IndividualQuoteResult: Codable, Sendable, Hashable {
    /// `CorrelationId` of the quote.
    public var quoteId: String
    public var payee: Party?
    public var transferAmount: Money?
    public var payeeReceiveAmount: Money?
    public var payeeFspFee: Money?
    public var payeeFspCommission: Money?
    /// `IlpPacket` (§7.3.19).
    public var ilpPacket: String?
    /// `IlpCondition` (§7.3.17).
    public var condition: String?
    public var errorInformation: ErrorInformation?
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        quoteId: String, payee: Party? = nil, transferAmount: Money? = nil, payeeReceiveAmount: Money? = nil,
        payeeFspFee: Money? = nil, payeeFspCommission: Money? = nil, ilpPacket: String? = nil,
        condition: String? = nil, errorInformation: ErrorInformation? = nil, extensionList: ExtensionList? = nil
    ) {
        self.quoteId = quoteId
        self.payee = payee
        self.transferAmount = transferAmount
        self.payeeReceiveAmount = payeeReceiveAmount
        self.payeeFspFee = payeeFspFee
        self.payeeFspCommission = payeeFspCommission
        self.ilpPacket = ilpPacket
        self.condition = condition
        self.errorInformation = errorInformation
        self.extensionList = extensionList
    }
}

extension IndividualQuoteResult: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("quoteId", quoteId, .correlationId)
        validator.object("payee", payee)
        validator.object("transferAmount", transferAmount)
        validator.object("payeeReceiveAmount", payeeReceiveAmount)
        validator.object("payeeFspFee", payeeFspFee)
        validator.object("payeeFspCommission", payeeFspCommission)
        validator.string("ilpPacket", ilpPacket, .ilpPacket)
        validator.string("condition", condition, .ilpCondition)
        validator.object("errorInformation", errorInformation)
        validator.object("extensionList", extensionList)
    }
}
