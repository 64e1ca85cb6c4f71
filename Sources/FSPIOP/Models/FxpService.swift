/// The body of the callback `PUT /services/FXP` (FSPIOP 2.0 OpenAPI `ServicesFXPPutResponse`): the FX
/// providers the hub knows. The resource does not exist before FSPIOP 2.0: a 1.x body is 3001.
public struct ServicesFXPPutResponse: Codable, Sendable, Hashable {
    /// 0 to 16 `FspId`s.
    public var providers: [String]

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(providers: [String]) {
        self.providers = providers
    }
}

extension ServicesFXPPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.require(version: .v2_0, for: "PUT /services/FXP")
        validator.strings("providers", providers, count: 0...16, .fspId)
    }
}

/// The body of the callback `PUT /services/FXP/{SourceCurrency}/{TargetCurrency}` (FSPIOP 2.0 OpenAPI
/// `ServicesFXPSourceCurrencyTargetCurrencyPutResponse`): the FX providers for a currency pair.
public struct ServicesFXPSourceCurrencyTargetCurrencyPutResponse: Codable, Sendable, Hashable {
    /// 0 to 16 `FspId`s.
    public var providers: [String]

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(providers: [String]) {
        self.providers = providers
    }
}

extension ServicesFXPSourceCurrencyTargetCurrencyPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.require(version: .v2_0, for: "PUT /services/FXP/{SourceCurrency}/{TargetCurrency}")
        validator.strings("providers", providers, count: 0...16, .fspId)
    }
}
