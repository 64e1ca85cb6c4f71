/// The body of the callback `PUT /parties/{Type}/{ID}[/{SubId}]` (API Definition v1.1 §6.3.4.1,
/// OpenAPI `PartiesTypeIDPutResponse`): the party looked up.
public struct PartiesTypeIDPutResponse: Codable, Sendable, Hashable {
    public var party: Party

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(party: Party) {
        self.party = party
    }
}

extension PartiesTypeIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.object("party", party)
    }
}

/// `Party` (§7.4.11): a Payer or Payee.
///
/// FSPIOP 2.0 adds `supportedCurrencies`. In a 1.x body that name is an unknown property, accepted and
/// ignored, so it is not decoded there (and stays nil).
public struct Party: Codable, Sendable, Hashable {
    public var partyIdInfo: PartyIdInfo
    /// `MerchantClassificationCode` (§7.2.10): one to four digits.
    public var merchantClassificationCode: String?
    /// `PartyName` (§7.3.26): String(1..128) per the OpenAPI.
    public var name: String?
    public var personalInfo: PartyPersonalInfo?
    /// FSPIOP 2.0: the currencies the party can receive, 0 to 16 ``Currency`` codes.
    public var supportedCurrencies: [String]?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        partyIdInfo: PartyIdInfo, merchantClassificationCode: String? = nil, name: String? = nil,
        personalInfo: PartyPersonalInfo? = nil, supportedCurrencies: [String]? = nil
    ) {
        self.partyIdInfo = partyIdInfo
        self.merchantClassificationCode = merchantClassificationCode
        self.name = name
        self.personalInfo = personalInfo
        self.supportedCurrencies = supportedCurrencies
    }

    enum CodingKeys: String, CodingKey {
        case partyIdInfo, merchantClassificationCode, name, personalInfo, supportedCurrencies
    }

    /// Decodes the value; in a 1.x body the properties FSPIOP 2.0 added are not read (see above).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        partyIdInfo = try container.decode(PartyIdInfo.self, forKey: .partyIdInfo)
        merchantClassificationCode = try container.decodeIfPresent(String.self, forKey: .merchantClassificationCode)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        personalInfo = try container.decodeIfPresent(PartyPersonalInfo.self, forKey: .personalInfo)
        supportedCurrencies = try decoder.decodesV2Properties
            ? container.decodeIfPresent([String].self, forKey: .supportedCurrencies) : nil
    }
}

extension Party: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.object("partyIdInfo", partyIdInfo)
        validator.string("merchantClassificationCode", merchantClassificationCode, .merchantClassificationCode)
        validator.string("name", name, .text(min: 1, max: 128))
        validator.object("personalInfo", personalInfo)
        if validator.usesV2Rules {
            validator.strings("supportedCurrencies", supportedCurrencies, count: 0...16, .currency)
        }
    }
}

/// `PartyIdInfo` (§7.4.13): how a party is identified, and optionally by which FSP.
public struct PartyIdInfo: Codable, Sendable, Hashable {
    /// `PartyIdType` (§7.5.6): one of ``PartyIdType``.
    public var partyIdType: String
    /// `PartyIdentifier` (§7.3.24): String(1..128).
    public var partyIdentifier: String
    /// `PartySubIdOrType` (§7.3.27): String(1..128).
    public var partySubIdOrType: String?
    /// `FspId` (§7.3.16): String(1..32).
    public var fspId: String?
    /// Added in v1.1.
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        partyIdType: String, partyIdentifier: String, partySubIdOrType: String? = nil, fspId: String? = nil,
        extensionList: ExtensionList? = nil
    ) {
        self.partyIdType = partyIdType
        self.partyIdentifier = partyIdentifier
        self.partySubIdOrType = partySubIdOrType
        self.fspId = fspId
        self.extensionList = extensionList
    }
}

extension PartyIdInfo: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.enumeration("partyIdType", partyIdType, PartyIdType.self)
        validator.string("partyIdentifier", partyIdentifier, .text(min: 1, max: 128))
        validator.string("partySubIdOrType", partySubIdOrType, .text(min: 1, max: 128))
        validator.string("fspId", fspId, .fspId)
        validator.object("extensionList", extensionList)
    }
}

/// `PartyComplexName` (§7.4.12): first, middle and last name, each of the data type `Name` (§7.2.4).
public struct PartyComplexName: Codable, Sendable, Hashable {
    public var firstName: String?
    public var middleName: String?
    public var lastName: String?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(firstName: String? = nil, middleName: String? = nil, lastName: String? = nil) {
        self.firstName = firstName
        self.middleName = middleName
        self.lastName = lastName
    }
}

extension PartyComplexName: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("firstName", firstName, .name)
        validator.string("middleName", middleName, .name)
        validator.string("lastName", lastName, .name)
    }
}

/// `PartyPersonalInfo` (§7.4.14): the name and date of birth of a person.
///
/// FSPIOP 2.0 adds `kycInformation`; not decoded from a 1.x body, where it is an unknown property.
public struct PartyPersonalInfo: Codable, Sendable, Hashable {
    public var complexName: PartyComplexName?
    /// `DateOfBirth` (§7.3.10): a `Date`, `yyyy-MM-dd`.
    public var dateOfBirth: String?
    /// FSPIOP 2.0 `KYCInformation`: String(1..2048), in practice a JSON document the scheme defines.
    public var kycInformation: String?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(complexName: PartyComplexName? = nil, dateOfBirth: String? = nil, kycInformation: String? = nil) {
        self.complexName = complexName
        self.dateOfBirth = dateOfBirth
        self.kycInformation = kycInformation
    }

    enum CodingKeys: String, CodingKey {
        case complexName, dateOfBirth, kycInformation
    }

    /// Decodes the value; in a 1.x body the properties FSPIOP 2.0 added are not read (see above).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        complexName = try container.decodeIfPresent(PartyComplexName.self, forKey: .complexName)
        dateOfBirth = try container.decodeIfPresent(String.self, forKey: .dateOfBirth)
        kycInformation = try decoder.decodesV2Properties
            ? container.decodeIfPresent(String.self, forKey: .kycInformation) : nil
    }
}

extension PartyPersonalInfo: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.object("complexName", complexName)
        validator.string("dateOfBirth", dateOfBirth, .date)
        if validator.usesV2Rules {
            validator.string("kycInformation", kycInformation, .text(min: 1, max: 2048))
        }
    }
}

/// `PartyIdType` (§7.5.6): the kind of identifier in `PartyIdInfo.partyIdentifier`.
public enum PartyIdType: String, Codable, Sendable, Hashable, CaseIterable {
    /// A phone number, E.164, optionally prefixed by `+`.
    case msisdn = "MSISDN"
    /// An email address (RFC 3696).
    case email = "EMAIL"
    /// A personal identifier; its kind is in `partySubIdOrType` (see ``PersonalIdentifierType``).
    case personalId = "PERSONAL_ID"
    /// A business, in any format.
    case business = "BUSINESS"
    /// A device (POS, ATM) of a business.
    case device = "DEVICE"
    /// A bank account number or FSP account id, in any format.
    case accountId = "ACCOUNT_ID"
    /// An IBAN, up to 34 alphanumeric characters without whitespace.
    case iban = "IBAN"
    /// An alias created in the FSP, in any format.
    case alias = "ALIAS"
}

/// `PersonalIdentifierType` (§7.5.7): the usual values of `partySubIdOrType` when the party id type is
/// `PERSONAL_ID`. The schema does not restrict `partySubIdOrType` to them.
public enum PersonalIdentifierType: String, Codable, Sendable, Hashable, CaseIterable {
    case passport = "PASSPORT"
    case nationalRegistration = "NATIONAL_REGISTRATION"
    case drivingLicense = "DRIVING_LICENSE"
    case alienRegistration = "ALIEN_REGISTRATION"
    case nationalIdCard = "NATIONAL_ID_CARD"
    case employerId = "EMPLOYER_ID"
    case taxIdNumber = "TAX_ID_NUMBER"
    case seniorCitizensCard = "SENIOR_CITIZENS_CARD"
    case marriageCertificate = "MARRIAGE_CERTIFICATE"
    case healthCard = "HEALTH_CARD"
    case votersId = "VOTERS_ID"
    case unitedNations = "UNITED_NATIONS"
    case otherId = "OTHER_ID"
}
