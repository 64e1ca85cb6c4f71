/// `FxConversion` (FSPIOP 2.0 OpenAPI): a currency conversion as a DFSP requests it from an FX provider
/// (FXP) and as the FXP describes its terms.
public struct FxConversion: Codable, Sendable, Hashable {
    /// End-to-end identifier of the conversion (`CorrelationId`).
    public var conversionId: String
    /// The transfer on whose success the conversion depends (`CorrelationId`).
    public var determiningTransferId: String?
    /// The participant requesting the conversion (`FspId`).
    public var initiatingFsp: String
    /// The FXP performing the conversion (`FspId`).
    public var counterPartyFsp: String
    /// The ``AmountType`` of the base transaction: who bears the FXP's charges.
    public var amountType: String
    /// The amount to convert, in the source currency; the amount may be absent in a request.
    public var sourceAmount: FxMoney
    /// The converted amount, in the target currency; the amount may be absent in a request.
    public var targetAmount: FxMoney
    /// The end of the period for which the conversion must remain valid (`DateTime`).
    public var expiration: String
    /// 0 to 16 charges the FXP levies.
    public var charges: [FxCharge]?
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        conversionId: String, determiningTransferId: String? = nil, initiatingFsp: String, counterPartyFsp: String,
        amountType: String, sourceAmount: FxMoney, targetAmount: FxMoney, expiration: String,
        charges: [FxCharge]? = nil, extensionList: ExtensionList? = nil
    ) {
        self.conversionId = conversionId
        self.determiningTransferId = determiningTransferId
        self.initiatingFsp = initiatingFsp
        self.counterPartyFsp = counterPartyFsp
        self.amountType = amountType
        self.sourceAmount = sourceAmount
        self.targetAmount = targetAmount
        self.expiration = expiration
        self.charges = charges
        self.extensionList = extensionList
    }
}

extension FxConversion: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("conversionId", conversionId, .correlationId)
        validator.string("determiningTransferId", determiningTransferId, .correlationId)
        validator.string("initiatingFsp", initiatingFsp, .fspId)
        validator.string("counterPartyFsp", counterPartyFsp, .fspId)
        validator.enumeration("amountType", amountType, AmountType.self)
        validator.object("sourceAmount", sourceAmount)
        validator.object("targetAmount", targetAmount)
        validator.string("expiration", expiration, .dateTime)
        validator.array("charges", charges, count: 0...16)
        validator.object("extensionList", extensionList)
    }
}

/// `FxCharge` (FSPIOP 2.0): a charge of a currency conversion, in the source or target currency.
public struct FxCharge: Codable, Sendable, Hashable {
    /// What the charge is for: String(1..32).
    public var chargeType: String
    public var sourceAmount: Money?
    public var targetAmount: Money?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(chargeType: String, sourceAmount: Money? = nil, targetAmount: Money? = nil) {
        self.chargeType = chargeType
        self.sourceAmount = sourceAmount
        self.targetAmount = targetAmount
    }
}

extension FxCharge: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("chargeType", chargeType, .text(min: 1, max: 32))
        validator.object("sourceAmount", sourceAmount)
        validator.object("targetAmount", targetAmount)
    }
}

/// `FxMoney` (FSPIOP 2.0): ``Money`` whose amount is optional, for the side of a conversion the FXP
/// is asked to quote.
public struct FxMoney: Codable, Sendable, Hashable {
    /// ``Currency`` code.
    public var currency: String
    /// `Amount` (§7.2.13), absent for the side the FXP is to quote.
    public var amount: String?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(currency: String, amount: String? = nil) {
        self.currency = currency
        self.amount = amount
    }
}

extension FxMoney: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("currency", currency, .currency)
        validator.string("amount", amount, .amount)
    }
}

/// `FxRate` (FSPIOP 2.0): the amounts of a conversion in its source and target currencies, shared by a
/// Payer DFSP in a quote or transaction without naming the FXP.
public struct FxRate: Codable, Sendable, Hashable {
    /// The amount in the source currency.
    public var sourceAmount: Money
    /// The amount in the target currency.
    public var targetAmount: Money

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(sourceAmount: Money, targetAmount: Money) {
        self.sourceAmount = sourceAmount
        self.targetAmount = targetAmount
    }
}

extension FxRate: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.object("sourceAmount", sourceAmount)
        validator.object("targetAmount", targetAmount)
    }
}

/// `CurrencyConverter` (FSPIOP 2.0): which DFSP undertakes the currency conversion of a transfer.
public enum CurrencyConverter: String, Codable, Sendable, Hashable, CaseIterable {
    case payer = "PAYER"
    case payee = "PAYEE"
}
