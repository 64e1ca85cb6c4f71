/// `Money` (API Definition v1.1 §7.4.10): an amount in a currency.
///
/// Both fields stay strings so that a body re-encodes exactly as it arrived; ``validate(_:)`` checks
/// them.
public struct Money: Codable, Sendable, Hashable {
    /// `Currency` (§7.3.9): an ISO 4217 code of ``Currency``.
    public var currency: String
    /// `Amount` (§7.2.13): a canonical decimal without trailing zeros, e.g. "123.45".
    public var amount: String

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(currency: String, amount: String) {
        self.currency = currency
        self.amount = amount
    }
}

extension Money: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("currency", currency, .currency)
        validator.string("amount", amount, .amount)
    }
}

/// `AmountType` (§7.5.1): whether the amount of a quote is what the Payer sends or what the Payee
/// receives.
public enum AmountType: String, Codable, Sendable, Hashable, CaseIterable {
    /// The amount the Payer would like to send, fees included.
    case send = "SEND"
    /// The amount the Payer would like the Payee to receive, fees excluded.
    case receive = "RECEIVE"
}
