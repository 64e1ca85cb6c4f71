/// Decimal places of each currency, as sdk-standard-components scales amounts into ILP packets
/// (ISO 4217 minor units; XXX and XTS use 4). See `shared/vectors/README.md`, ILP §4.
public enum CurrencyScale {
    /// The number of decimal places of `currency`, or nil for a currency the table does not know.
    public static func decimals(of currency: String) -> Int? { table[currency] }

    /// The FSPIOP amount `amount` (`^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$`) in minor units of
    /// `currency`, as the unsigned 64-bit decimal an ILP packet carries: "100" USD gives "10000".
    ///
    /// Exact decimal arithmetic on the digits (no floating point). Throws when the currency is unknown,
    /// the text is not a plain non-negative decimal, the result is not a whole number (the SDK's v4
    /// "amount after scaling should be integer") or does not fit in 64 bits.
    public static func scaledAmount(_ amount: String, currency: String) throws(ILPError) -> UInt64 {
        guard let scale = decimals(of: currency) else { throw .unknownCurrency(currency) }
        let parts = amount.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty,
              whole.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw .invalidAmount(amount) }
        var fraction = parts.count == 2 ? Array(parts[1].utf8) : []
        guard parts.count == 1 || !fraction.isEmpty, fraction.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .invalidAmount(amount)
        }
        while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        guard fraction.count <= scale else { throw .amountNotWhole(amount: amount, currency: currency) }
        let digits = Array(whole.utf8) + fraction + Array(repeating: UInt8(ascii: "0"), count: scale - fraction.count)
        var value: UInt64 = 0
        for digit in digits {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - 0x30))
            guard !overflow1, !overflow2 else { throw .amountTooLarge(amount) }
            value = sum
        }
        return value
    }
}
