/// The body of `POST /transactionRequests` (API Definition v1.1 §6.4.3.2, OpenAPI
/// `TransactionRequestsPostRequest`): a Payee FSP asks a Payer FSP to pay.
public struct TransactionRequestsPostRequest: Codable, Sendable, Hashable {
    /// Identifies the request (`CorrelationId`), decided by the Payee FSP.
    public var transactionRequestId: String
    public var payee: Party
    /// Only the identifier of the Payer is known to the Payee FSP.
    public var payer: PartyIdInfo
    public var amount: Money
    public var transactionType: TransactionType
    /// `Note` (§7.3.23): String(1..128).
    public var note: String?
    public var geoCode: GeoCode?
    /// ``AuthenticationType`` the Payer is asked to use, e.g. OTP.
    public var authenticationType: String?
    /// When the request expires (`DateTime`).
    public var expiration: String?
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        transactionRequestId: String, payee: Party, payer: PartyIdInfo, amount: Money,
        transactionType: TransactionType, note: String? = nil, geoCode: GeoCode? = nil,
        authenticationType: String? = nil, expiration: String? = nil, extensionList: ExtensionList? = nil
    ) {
        self.transactionRequestId = transactionRequestId
        self.payee = payee
        self.payer = payer
        self.amount = amount
        self.transactionType = transactionType
        self.note = note
        self.geoCode = geoCode
        self.authenticationType = authenticationType
        self.expiration = expiration
        self.extensionList = extensionList
    }
}

extension TransactionRequestsPostRequest: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("transactionRequestId", transactionRequestId, .correlationId)
        validator.object("payee", payee)
        validator.object("payer", payer)
        validator.object("amount", amount)
        validator.object("transactionType", transactionType)
        validator.string("note", note, .text(min: 1, max: 128))
        validator.object("geoCode", geoCode)
        validator.enumeration("authenticationType", authenticationType, AuthenticationType.self)
        validator.string("expiration", expiration, .dateTime)
        validator.object("extensionList", extensionList)
    }
}

/// The body of the callback `PUT /transactionRequests/{ID}` (§6.4.4.1, OpenAPI
/// `TransactionRequestsIDPutResponse`): the state of a transaction request.
public struct TransactionRequestsIDPutResponse: Codable, Sendable, Hashable {
    /// The transaction created for the request, if any (`CorrelationId`).
    public var transactionId: String?
    /// ``TransactionRequestState``.
    public var transactionRequestState: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(transactionId: String? = nil, transactionRequestState: String, extensionList: ExtensionList? = nil) {
        self.transactionId = transactionId
        self.transactionRequestState = transactionRequestState
        self.extensionList = extensionList
    }
}

extension TransactionRequestsIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("transactionId", transactionId, .correlationId)
        validator.enumeration("transactionRequestState", transactionRequestState, TransactionRequestState.self)
        validator.object("extensionList", extensionList)
    }
}

/// `TransactionRequestState` (§7.5.10).
public enum TransactionRequestState: String, Codable, Sendable, Hashable, CaseIterable {
    /// The Payer FSP has received the request.
    case received = "RECEIVED"
    /// The Payer FSP has sent the request to the Payer.
    case pending = "PENDING"
    /// The Payer has approved the transaction.
    case accepted = "ACCEPTED"
    /// The Payer has rejected the transaction.
    case rejected = "REJECTED"
}
