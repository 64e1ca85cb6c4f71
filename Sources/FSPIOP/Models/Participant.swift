/// The body of `POST /participants/{Type}/{ID}[/{SubId}]` (API Definition v1.1 §6.2.3.3, OpenAPI
/// `ParticipantsTypeIDSubIDPostRequest`): registers which FSP owns a party identifier.
public struct ParticipantsTypeIDSubIDPostRequest: Codable, Sendable, Hashable {
    /// `FspId` of the FSP that owns the identifier.
    public var fspId: String
    /// ``Currency`` the identifier is registered for, if only one.
    public var currency: String?
    /// Added in v1.1.
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(fspId: String, currency: String? = nil, extensionList: ExtensionList? = nil) {
        self.fspId = fspId
        self.currency = currency
        self.extensionList = extensionList
    }
}

extension ParticipantsTypeIDSubIDPostRequest: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("fspId", fspId, .fspId)
        validator.string("currency", currency, .currency)
        validator.object("extensionList", extensionList)
    }
}

/// The body of the callback `PUT /participants/{Type}/{ID}[/{SubId}]` (§6.2.4.1, OpenAPI
/// `ParticipantsTypeIDPutResponse`): the FSP that owns the identifier; absent when none does.
public struct ParticipantsTypeIDPutResponse: Codable, Sendable, Hashable {
    /// `FspId` of the owning FSP.
    public var fspId: String?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(fspId: String? = nil) {
        self.fspId = fspId
    }
}

extension ParticipantsTypeIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("fspId", fspId, .fspId)
    }
}

/// The body of `POST /participants` (§6.2.3.2, OpenAPI `ParticipantsPostRequest`): registers many party
/// identifiers at once.
public struct ParticipantsPostRequest: Codable, Sendable, Hashable {
    /// Identifies the batch (`CorrelationId`); the callback is `PUT /participants/{requestId}`.
    public var requestId: String
    /// 1 to 10000 identifiers, each with the `fspId` that owns it.
    public var partyList: [PartyIdInfo]
    public var currency: String?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(requestId: String, partyList: [PartyIdInfo], currency: String? = nil) {
        self.requestId = requestId
        self.partyList = partyList
        self.currency = currency
    }
}

extension ParticipantsPostRequest: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("requestId", requestId, .correlationId)
        validator.array("partyList", partyList, count: 1...10000)
        validator.string("currency", currency, .currency)
    }
}

/// The body of the callback `PUT /participants/{ID}` (§6.2.4.2, OpenAPI `ParticipantsIDPutResponse`):
/// the result for each identifier of a `POST /participants`.
public struct ParticipantsIDPutResponse: Codable, Sendable, Hashable {
    /// 1 to 10000 results.
    public var partyList: [PartyResult]
    public var currency: String?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(partyList: [PartyResult], currency: String? = nil) {
        self.partyList = partyList
        self.currency = currency
    }
}

extension ParticipantsIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.array("partyList", partyList, count: 1...10000)
        validator.string("currency", currency, .currency)
    }
}

/// `PartyResult` (§7.4.15): an identifier of a `POST /participants` and, if it could not be
/// registered, why.
public struct PartyResult: Codable, Sendable, Hashable {
    public var partyId: PartyIdInfo
    public var errorInformation: ErrorInformation?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(partyId: PartyIdInfo, errorInformation: ErrorInformation? = nil) {
        self.partyId = partyId
        self.errorInformation = errorInformation
    }
}

extension PartyResult: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.object("partyId", partyId)
        validator.object("errorInformation", errorInformation)
    }
}
