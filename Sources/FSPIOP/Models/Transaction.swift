/// `Transaction` (API Definition v1.1 §7.4.17): the end-to-end data the Payee FSP puts in the ILP packet
/// of its quote, and the Payer FSP reads back from it.
///
/// FSPIOP 2.0 adds `payeeReceiveAmount`, `converter` and `currencyConversion`; they are not decoded from
/// a 1.x body, where they are unknown properties.
public struct Transaction: Codable, Sendable, Hashable {
    /// `CorrelationId` decided by the Payer FSP in `POST /quotes`.
    public var transactionId: String
    /// `CorrelationId` decided by the Payer FSP in `POST /quotes`.
    public var quoteId: String
    public var payee: Party
    public var payer: Party
    public var amount: Money
    /// FSPIOP 2.0: the amount the beneficiary will receive.
    public var payeeReceiveAmount: Money?
    /// FSPIOP 2.0: which DFSP converts the currency (``CurrencyConverter``).
    public var converter: String?
    /// FSPIOP 2.0: the conversion the Payer DFSP proposes.
    public var currencyConversion: FxRate?
    public var transactionType: TransactionType
    /// `Note` (§7.3.23): String(1..128).
    public var note: String?
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        transactionId: String, quoteId: String, payee: Party, payer: Party, amount: Money,
        payeeReceiveAmount: Money? = nil, converter: String? = nil, currencyConversion: FxRate? = nil,
        transactionType: TransactionType, note: String? = nil, extensionList: ExtensionList? = nil
    ) {
        self.transactionId = transactionId
        self.quoteId = quoteId
        self.payee = payee
        self.payer = payer
        self.amount = amount
        self.payeeReceiveAmount = payeeReceiveAmount
        self.converter = converter
        self.currencyConversion = currencyConversion
        self.transactionType = transactionType
        self.note = note
        self.extensionList = extensionList
    }

    enum CodingKeys: String, CodingKey {
        case transactionId, quoteId, payee, payer, amount, payeeReceiveAmount, converter, currencyConversion
        case transactionType, note, extensionList
    }

    /// Decodes the value; in a 1.x body the properties FSPIOP 2.0 added are not read (see above).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        transactionId = try container.decode(String.self, forKey: .transactionId)
        quoteId = try container.decode(String.self, forKey: .quoteId)
        payee = try container.decode(Party.self, forKey: .payee)
        payer = try container.decode(Party.self, forKey: .payer)
        amount = try container.decode(Money.self, forKey: .amount)
        if decoder.decodesV2Properties {
            payeeReceiveAmount = try container.decodeIfPresent(Money.self, forKey: .payeeReceiveAmount)
            converter = try container.decodeIfPresent(String.self, forKey: .converter)
            currencyConversion = try container.decodeIfPresent(FxRate.self, forKey: .currencyConversion)
        } else {
            payeeReceiveAmount = nil
            converter = nil
            currencyConversion = nil
        }
        transactionType = try container.decode(TransactionType.self, forKey: .transactionType)
        note = try container.decodeIfPresent(String.self, forKey: .note)
        extensionList = try container.decodeIfPresent(ExtensionList.self, forKey: .extensionList)
    }
}

extension Transaction: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("transactionId", transactionId, .correlationId)
        validator.string("quoteId", quoteId, .correlationId)
        validator.object("payee", payee)
        validator.object("payer", payer)
        validator.object("amount", amount)
        if validator.usesV2Rules {
            validator.object("payeeReceiveAmount", payeeReceiveAmount)
            validator.enumeration("converter", converter, CurrencyConverter.self)
            validator.object("currencyConversion", currencyConversion)
        }
        validator.object("transactionType", transactionType)
        validator.string("note", note, .text(min: 1, max: 128))
        validator.object("extensionList", extensionList)
    }
}

/// The body of the callback `PUT /transactions/{ID}` (§6.8.4.1, OpenAPI `TransactionsIDPutResponse`):
/// the state of a transaction, answering `GET /transactions/{ID}`.
public struct TransactionsIDPutResponse: Codable, Sendable, Hashable {
    /// When the transaction was completed (`DateTime`).
    public var completedTimestamp: String?
    /// ``TransactionState``.
    public var transactionState: String
    /// `Code` (§7.3.7): a `TokenCode` returned by the Payee FSP, `^[0-9a-zA-Z]{4,32}$`.
    public var code: String?
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        completedTimestamp: String? = nil, transactionState: String, code: String? = nil,
        extensionList: ExtensionList? = nil
    ) {
        self.completedTimestamp = completedTimestamp
        self.transactionState = transactionState
        self.code = code
        self.extensionList = extensionList
    }
}

extension TransactionsIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("completedTimestamp", completedTimestamp, .dateTime)
        validator.enumeration("transactionState", transactionState, TransactionState.self)
        validator.string("code", code, .tokenCode)
        validator.object("extensionList", extensionList)
    }
}

/// `TransactionState` (§7.5.12).
public enum TransactionState: String, Codable, Sendable, Hashable, CaseIterable {
    /// The Payee FSP has received the transaction.
    case received = "RECEIVED"
    /// The Payee FSP has validated the transaction.
    case pending = "PENDING"
    /// The Payee FSP has performed the transaction.
    case completed = "COMPLETED"
    /// The Payee FSP failed to perform the transaction.
    case rejected = "REJECTED"
}
