/// The body of `POST /fxQuotes` (FSPIOP 2.0 OpenAPI `FxQuotesPostRequest`): a DFSP asks an FX provider
/// (FXP) to quote a currency conversion. The resource does not exist before FSPIOP 2.0: a 1.x body is
/// 3001 Unacceptable version.
public struct FxQuotesPostRequest: Codable, Sendable, Hashable {
    /// Identifies the conversion request (`CorrelationId`); the callback is `PUT /fxQuotes/{ID}`.
    public var conversionRequestId: String
    /// The conversion asked for; one of the two amounts is usually left out for the FXP to fill in.
    public var conversionTerms: FxConversion

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(conversionRequestId: String, conversionTerms: FxConversion) {
        self.conversionRequestId = conversionRequestId
        self.conversionTerms = conversionTerms
    }
}

extension FxQuotesPostRequest: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.require(version: .v2_0, for: "POST /fxQuotes")
        validator.string("conversionRequestId", conversionRequestId, .correlationId)
        validator.object("conversionTerms", conversionTerms)
    }
}

/// The body of the callback `PUT /fxQuotes/{ID}` (FSPIOP 2.0 OpenAPI `FxQuotesIDPutResponse`): the FXP's
/// terms for the conversion.
public struct FxQuotesIDPutResponse: Codable, Sendable, Hashable {
    /// `IlpCondition` the FXP will fulfil when the conversion is executed.
    public var condition: String?
    public var conversionTerms: FxConversion

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(condition: String? = nil, conversionTerms: FxConversion) {
        self.condition = condition
        self.conversionTerms = conversionTerms
    }
}

extension FxQuotesIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.require(version: .v2_0, for: "PUT /fxQuotes/{ID}")
        validator.string("condition", condition, .ilpCondition)
        validator.object("conversionTerms", conversionTerms)
    }
}
