import FSPIOP

/// `POST /requestToPayTransfer` of the SDK's outbound API (`requestToPayTransferRequest`, v2.1.0): the
/// payer's core pays a request to pay another DFSP sent it (`POST /transactionRequests`). `from` is this
/// DFSP's customer, who pays; `to` is the party that asked, at the DFSP `to.fspId`.
public struct RequestToPayTransferRequest: Codable, Sendable, Hashable {
    public var homeR2PTransactionId: String
    public var transactionRequestId: String
    public var from: TransferParty
    public var to: TransferParty
    public var amountType: String
    public var currency: String
    public var amount: String
    public var scenario: String
    public var subScenario: String?
    public var initiator: String
    public var initiatorType: String
    public var note: String?
    /// `OTP` makes the payer ask the payee's DFSP for the OTP the customer entered (`GET /authorizations`);
    /// absent, no authorization is asked; any other type is not supported (as in the SDK).
    public var authenticationType: String?

    public init(homeR2PTransactionId: String, transactionRequestId: String, from: TransferParty, to: TransferParty, amountType: String,
                currency: String, amount: String, scenario: String, subScenario: String? = nil, initiator: String, initiatorType: String,
                note: String? = nil, authenticationType: String? = nil) {
        self.homeR2PTransactionId = homeR2PTransactionId
        self.transactionRequestId = transactionRequestId
        self.from = from
        self.to = to
        self.amountType = amountType
        self.currency = currency
        self.amount = amount
        self.scenario = scenario
        self.subScenario = subScenario
        self.initiator = initiator
        self.initiatorType = initiatorType
        self.note = note
        self.authenticationType = authenticationType
    }

    /// The payment as an outbound transfer request: the party is the one that asked (no lookup), the
    /// core's id is `homeR2PTransactionId`.
    public var transferRequest: OutboundTransferRequest {
        OutboundTransferRequest(homeTransactionId: homeR2PTransactionId, from: from, to: to, amountType: amountType, currency: currency,
                                amount: amount, transactionType: scenario, subScenario: subScenario, note: note, skipPartyLookup: true)
    }

    /// Whether the quote goes on without the core (`AUTO_ACCEPT_R2P_BUSINESS_QUOTES`, for a business initiator only).
    func autoAcceptsQuote(_ configuration: OutboundConfiguration) -> Bool {
        initiatorType == TransactionInitiatorType.business.rawValue && configuration.autoAcceptR2PBusinessQuotes
    }

    /// Whether the payee's DFSP is asked for the customer's OTP after the quote: with `authenticationType`
    /// `OTP` and an initiator that is not a business (a business's device needs none, as in the SDK).
    var asksForOTP: Bool {
        authenticationType == AuthenticationType.otp.rawValue && initiatorType != TransactionInitiatorType.business.rawValue
    }

    /// The query of `GET /authorizations/{transactionRequestId}` (the SDK's: one retry).
    public var authorizationQuery: AuthorizationsIDGetQuery {
        AuthorizationsIDGetQuery(authenticationType: AuthenticationType.otp.rawValue, retriesLeft: "1", amount: amount, currency: currency)
    }
}

extension AuthorizationsIDGetQuery {
    /// The query string, in the order of the API Definition's example.
    public var queryString: String {
        "authenticationType=\(authenticationType)&retriesLeft=\(retriesLeft)&amount=\(amount)&currency=\(currency)"
    }
}
