/// The body of `POST /fxTransfers` (FSPIOP 2.0 OpenAPI `FxTransfersPostRequest`): a DFSP asks the FXP to
/// reserve the conversion it quoted. The resource does not exist before FSPIOP 2.0: a 1.x body is 3001.
public struct FxTransfersPostRequest: Codable, Sendable, Hashable {
    /// Identifies the conversion commitment (`CorrelationId`).
    public var commitRequestId: String
    /// The transfer on whose success the conversion depends (`CorrelationId`).
    public var determiningTransferId: String?
    /// `FspId` of the participant requesting the conversion.
    public var initiatingFsp: String
    /// `FspId` of the FXP.
    public var counterPartyFsp: String
    /// The amount to convert, in the source currency.
    public var sourceAmount: Money
    /// The converted amount, in the target currency.
    public var targetAmount: Money
    /// `IlpCondition` of the FXP's quote.
    public var condition: String
    /// When the commitment expires (`DateTime`); optional in the 2.0 schema.
    public var expiration: String?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        commitRequestId: String, determiningTransferId: String? = nil, initiatingFsp: String, counterPartyFsp: String,
        sourceAmount: Money, targetAmount: Money, condition: String, expiration: String? = nil
    ) {
        self.commitRequestId = commitRequestId
        self.determiningTransferId = determiningTransferId
        self.initiatingFsp = initiatingFsp
        self.counterPartyFsp = counterPartyFsp
        self.sourceAmount = sourceAmount
        self.targetAmount = targetAmount
        self.condition = condition
        self.expiration = expiration
    }
}

extension FxTransfersPostRequest: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.require(version: .v2_0, for: "POST /fxTransfers")
        validator.string("commitRequestId", commitRequestId, .correlationId)
        validator.string("determiningTransferId", determiningTransferId, .correlationId)
        validator.string("initiatingFsp", initiatingFsp, .fspId)
        validator.string("counterPartyFsp", counterPartyFsp, .fspId)
        validator.object("sourceAmount", sourceAmount)
        validator.object("targetAmount", targetAmount)
        validator.string("condition", condition, .ilpCondition)
        validator.string("expiration", expiration, .dateTime)
    }
}

/// The body of the callback `PUT /fxTransfers/{ID}` (FSPIOP 2.0 OpenAPI `FxTransfersIDPutResponse`).
///
/// Rule beyond the schema (description of `fulfilment`): it is "mandatory if the conversion has been
/// executed successfully", so `conversionState` `COMMITTED` without a fulfilment is 3102.
public struct FxTransfersIDPutResponse: Codable, Sendable, Hashable {
    /// `IlpFulfilment` of the conversion's condition.
    public var fulfilment: String?
    /// When the conversion was executed (`DateTime`).
    public var completedTimestamp: String?
    /// ``TransferState`` of the conversion.
    public var conversionState: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        fulfilment: String? = nil, completedTimestamp: String? = nil, conversionState: String,
        extensionList: ExtensionList? = nil
    ) {
        self.fulfilment = fulfilment
        self.completedTimestamp = completedTimestamp
        self.conversionState = conversionState
        self.extensionList = extensionList
    }
}

extension FxTransfersIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.require(version: .v2_0, for: "PUT /fxTransfers/{ID}")
        validator.string("fulfilment", fulfilment, .ilpFulfilment)
        validator.string("completedTimestamp", completedTimestamp, .dateTime)
        validator.enumeration("conversionState", conversionState, TransferState.self)
        if conversionState == TransferState.committed.rawValue {
            validator.require("fulfilment", present: fulfilment != nil, "when conversionState is COMMITTED")
        }
        validator.object("extensionList", extensionList)
    }
}

/// The body of `PATCH /fxTransfers/{ID}` (FSPIOP 2.0 OpenAPI `FxTransfersIDPatchResponse`): the hub's
/// notification of the final state of a conversion.
public struct FxTransfersIDPatchResponse: Codable, Sendable, Hashable {
    /// When the conversion was completed (`DateTime`).
    public var completedTimestamp: String?
    /// ``TransferState`` of the conversion.
    public var conversionState: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(completedTimestamp: String? = nil, conversionState: String, extensionList: ExtensionList? = nil) {
        self.completedTimestamp = completedTimestamp
        self.conversionState = conversionState
        self.extensionList = extensionList
    }
}

extension FxTransfersIDPatchResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.require(version: .v2_0, for: "PATCH /fxTransfers/{ID}")
        validator.string("completedTimestamp", completedTimestamp, .dateTime)
        validator.enumeration("conversionState", conversionState, TransferState.self)
        validator.object("extensionList", extensionList)
    }
}
