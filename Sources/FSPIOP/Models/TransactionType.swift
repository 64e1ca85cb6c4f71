/// `TransactionType` (API Definition v1.1 §7.4.18): the kind of a financial transaction.
public struct TransactionType: Codable, Sendable, Hashable {
    /// `TransactionScenario` (§7.5.11): one of ``TransactionScenario``.
    public var scenario: String
    /// `TransactionSubScenario` (§7.3.34): an `UndefinedEnum`, `^[A-Z_]{1,32}$`, defined by the scheme.
    public var subScenario: String?
    /// `TransactionInitiator` (§7.5.8): one of ``TransactionInitiator``.
    public var initiator: String
    /// `TransactionInitiatorType` (§7.5.9): one of ``TransactionInitiatorType``.
    public var initiatorType: String
    /// Present when the transaction refunds an earlier one.
    public var refundInfo: Refund?
    /// `BalanceOfPayments` (§7.3.5): a `BopCode`, `^[1-9]\d{2}$`.
    public var balanceOfPayments: String?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        scenario: String, subScenario: String? = nil, initiator: String, initiatorType: String,
        refundInfo: Refund? = nil, balanceOfPayments: String? = nil
    ) {
        self.scenario = scenario
        self.subScenario = subScenario
        self.initiator = initiator
        self.initiatorType = initiatorType
        self.refundInfo = refundInfo
        self.balanceOfPayments = balanceOfPayments
    }
}

extension TransactionType: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.enumeration("scenario", scenario, TransactionScenario.self)
        validator.string("subScenario", subScenario, .undefinedEnum)
        validator.enumeration("initiator", initiator, TransactionInitiator.self)
        validator.enumeration("initiatorType", initiatorType, TransactionInitiatorType.self)
        validator.object("refundInfo", refundInfo)
        validator.string("balanceOfPayments", balanceOfPayments, .bopCode)
    }
}

/// `Refund` (§7.4.16): the transaction a refund reverses, and why.
public struct Refund: Codable, Sendable, Hashable {
    /// The `CorrelationId` of the original transaction.
    public var originalTransactionId: String
    /// `RefundReason` (§7.3.28): String(1..128).
    public var refundReason: String?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(originalTransactionId: String, refundReason: String? = nil) {
        self.originalTransactionId = originalTransactionId
        self.refundReason = refundReason
    }
}

extension Refund: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("originalTransactionId", originalTransactionId, .correlationId)
        validator.string("refundReason", refundReason, .text(min: 1, max: 128))
    }
}

/// `TransactionScenario` (§7.5.11).
public enum TransactionScenario: String, Codable, Sendable, Hashable, CaseIterable {
    /// Cash-in: funds from a business account to a consumer account against physical cash.
    case deposit = "DEPOSIT"
    /// Cash-out: funds from a consumer account to a business account against physical cash.
    case withdrawal = "WITHDRAWAL"
    /// Peer to peer.
    case transfer = "TRANSFER"
    /// Consumer to merchant or organisation, or business to business.
    case payment = "PAYMENT"
    /// The refund of an earlier transaction.
    case refund = "REFUND"
}

/// `TransactionInitiator` (§7.5.8): which side initiates the transaction.
public enum TransactionInitiator: String, Codable, Sendable, Hashable, CaseIterable {
    case payer = "PAYER"
    case payee = "PAYEE"
}

/// `TransactionInitiatorType` (§7.5.9): what kind of party initiates the transaction.
public enum TransactionInitiatorType: String, Codable, Sendable, Hashable, CaseIterable {
    case consumer = "CONSUMER"
    case agent = "AGENT"
    case business = "BUSINESS"
    case device = "DEVICE"
}
