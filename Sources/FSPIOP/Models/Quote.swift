/// The body of `POST /quotes` (API Definition v1.1 §6.5.3.2, OpenAPI `QuotesPostRequest`): a Payer FSP
/// asks a Payee FSP for a quote.
///
/// FSPIOP 2.0 adds `converter` and `currencyConversion`. In a 1.x body those names are unknown
/// properties, accepted and ignored, so they are not decoded there (and stay nil).
public struct QuotesPostRequest: Codable, Sendable, Hashable {
    /// Identifies the quote (`CorrelationId`), decided by the Payer FSP.
    public var quoteId: String
    /// Identifies the transaction (`CorrelationId`), decided by the Payer FSP.
    public var transactionId: String
    /// The transaction request this quote answers, when the Payee initiated it (`CorrelationId`).
    public var transactionRequestId: String?
    /// The Payee, as the Payer FSP knows it (usually from `PUT /parties`).
    public var payee: Party
    /// The Payer.
    public var payer: Party
    /// ``AmountType``: whether `amount` is what is sent or what is received.
    public var amountType: String
    /// With `SEND`, what the Payer sends, fees included; with `RECEIVE`, what the Payee receives.
    public var amount: Money
    /// The Payer FSP's fees, when disclosed.
    public var fees: Money?
    /// The kind of transaction quoted.
    public var transactionType: TransactionType
    /// FSPIOP 2.0: which DFSP is to convert the currency (``CurrencyConverter``).
    public var converter: String?
    /// FSPIOP 2.0: the conversion the Payer DFSP proposes to make.
    public var currencyConversion: FxRate?
    public var geoCode: GeoCode?
    /// `Note` (§7.3.23): String(1..128).
    public var note: String?
    /// When the quote request expires (`DateTime`).
    public var expiration: String?
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        quoteId: String, transactionId: String, transactionRequestId: String? = nil, payee: Party, payer: Party,
        amountType: String, amount: Money, fees: Money? = nil, transactionType: TransactionType,
        converter: String? = nil, currencyConversion: FxRate? = nil, geoCode: GeoCode? = nil, note: String? = nil,
        expiration: String? = nil, extensionList: ExtensionList? = nil
    ) {
        self.quoteId = quoteId
        self.transactionId = transactionId
        self.transactionRequestId = transactionRequestId
        self.payee = payee
        self.payer = payer
        self.amountType = amountType
        self.amount = amount
        self.fees = fees
        self.transactionType = transactionType
        self.converter = converter
        self.currencyConversion = currencyConversion
        self.geoCode = geoCode
        self.note = note
        self.expiration = expiration
        self.extensionList = extensionList
    }

    enum CodingKeys: String, CodingKey {
        case quoteId, transactionId, transactionRequestId, payee, payer, amountType, amount, fees, transactionType
        case converter, currencyConversion, geoCode, note, expiration, extensionList
    }

    /// Decodes the value; in a 1.x body the properties FSPIOP 2.0 added are not read (see above).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        quoteId = try container.decode(String.self, forKey: .quoteId)
        transactionId = try container.decode(String.self, forKey: .transactionId)
        transactionRequestId = try container.decodeIfPresent(String.self, forKey: .transactionRequestId)
        payee = try container.decode(Party.self, forKey: .payee)
        payer = try container.decode(Party.self, forKey: .payer)
        amountType = try container.decode(String.self, forKey: .amountType)
        amount = try container.decode(Money.self, forKey: .amount)
        fees = try container.decodeIfPresent(Money.self, forKey: .fees)
        transactionType = try container.decode(TransactionType.self, forKey: .transactionType)
        if decoder.decodesV2Properties {
            converter = try container.decodeIfPresent(String.self, forKey: .converter)
            currencyConversion = try container.decodeIfPresent(FxRate.self, forKey: .currencyConversion)
        } else {
            converter = nil
            currencyConversion = nil
        }
        geoCode = try container.decodeIfPresent(GeoCode.self, forKey: .geoCode)
        note = try container.decodeIfPresent(String.self, forKey: .note)
        expiration = try container.decodeIfPresent(String.self, forKey: .expiration)
        extensionList = try container.decodeIfPresent(ExtensionList.self, forKey: .extensionList)
    }
}

extension QuotesPostRequest: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("quoteId", quoteId, .correlationId)
        validator.string("transactionId", transactionId, .correlationId)
        validator.string("transactionRequestId", transactionRequestId, .correlationId)
        validator.object("payee", payee)
        validator.object("payer", payer)
        validator.enumeration("amountType", amountType, AmountType.self)
        validator.object("amount", amount)
        validator.object("fees", fees)
        validator.object("transactionType", transactionType)
        if validator.usesV2Rules {
            validator.enumeration("converter", converter, CurrencyConverter.self)
            validator.object("currencyConversion", currencyConversion)
        }
        validator.object("geoCode", geoCode)
        validator.string("note", note, .text(min: 1, max: 128))
        validator.string("expiration", expiration, .dateTime)
        validator.object("extensionList", extensionList)
    }
}

/// The body of the callback `PUT /quotes/{ID}` (§6.5.4.1, OpenAPI `QuotesIDPutResponse`): the Payee
/// FSP's quote, with the ILP packet and condition the Payer FSP must attach to the transfer.
public struct QuotesIDPutResponse: Codable, Sendable, Hashable {
    /// What the Payer FSP should transfer to the Payee FSP.
    public var transferAmount: Money
    /// What the Payee receives in the end, when disclosed.
    public var payeeReceiveAmount: Money?
    /// The Payee FSP's part of the transaction fee.
    public var payeeFspFee: Money?
    /// The Payee FSP's commission on the transaction.
    public var payeeFspCommission: Money?
    /// When the quote expires (`DateTime`).
    public var expiration: String
    public var geoCode: GeoCode?
    /// `IlpPacket` (§7.3.19).
    public var ilpPacket: String
    /// `IlpCondition` (§7.3.17).
    public var condition: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        transferAmount: Money, payeeReceiveAmount: Money? = nil, payeeFspFee: Money? = nil,
        payeeFspCommission: Money? = nil, expiration: String, geoCode: GeoCode? = nil, ilpPacket: String,
        condition: String, extensionList: ExtensionList? = nil
    ) {
        self.transferAmount = transferAmount
        self.payeeReceiveAmount = payeeReceiveAmount
        self.payeeFspFee = payeeFspFee
        self.payeeFspCommission = payeeFspCommission
        self.expiration = expiration
        self.geoCode = geoCode
        self.ilpPacket = ilpPacket
        self.condition = condition
        self.extensionList = extensionList
    }
}

extension QuotesIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.object("transferAmount", transferAmount)
        validator.object("payeeReceiveAmount", payeeReceiveAmount)
        validator.object("payeeFspFee", payeeFspFee)
        validator.object("payeeFspCommission", payeeFspCommission)
        validator.string("expiration", expiration, .dateTime)
        validator.object("geoCode", geoCode)
        validator.string("ilpPacket", ilpPacket, .ilpPacket)
        validator.string("condition", condition, .ilpCondition)
        validator.object("extensionList", extensionList)
    }
}
