import FSPIOP

/// A party as the SDK's outbound API describes it (`transferParty`): who pays or is paid, in the core's
/// own terms.
public struct TransferParty: Codable, Sendable, Hashable {
    public var type: String?
    public var idType: String
    public var idValue: String
    public var idSubValue: String?
    public var displayName: String?
    public var firstName: String?
    public var middleName: String?
    public var lastName: String?
    public var dateOfBirth: String?
    public var merchantClassificationCode: String?
    public var fspId: String?
    public var supportedCurrencies: [String]?
    public var kycInformation: String?
    public var extensionList: [Extension]?

    public init(type: String? = nil, idType: String, idValue: String, idSubValue: String? = nil, displayName: String? = nil,
                firstName: String? = nil, middleName: String? = nil, lastName: String? = nil, dateOfBirth: String? = nil,
                merchantClassificationCode: String? = nil, fspId: String? = nil, supportedCurrencies: [String]? = nil,
                kycInformation: String? = nil, extensionList: [Extension]? = nil) {
        self.type = type
        self.idType = idType
        self.idValue = idValue
        self.idSubValue = idSubValue
        self.displayName = displayName
        self.firstName = firstName
        self.middleName = middleName
        self.lastName = lastName
        self.dateOfBirth = dateOfBirth
        self.merchantClassificationCode = merchantClassificationCode
        self.fspId = fspId
        self.supportedCurrencies = supportedCurrencies
        self.kycInformation = kycInformation
        self.extensionList = extensionList
    }

    /// This party with what its lookup told: its DFSP, and the names the request did not give.
    public func resolved(as party: Party?) -> TransferParty {
        guard let party else { return self }
        var resolved = self
        resolved.fspId = party.partyIdInfo.fspId ?? fspId
        resolved.displayName = displayName ?? party.name
        if let complex = party.personalInfo?.complexName {
            resolved.firstName = firstName ?? complex.firstName
            resolved.middleName = middleName ?? complex.middleName
            resolved.lastName = lastName ?? complex.lastName
        }
        return resolved
    }

    /// The FSPIOP identity of this party.
    public var partyIdInfo: PartyIdInfo {
        PartyIdInfo(partyIdType: idType, partyIdentifier: idValue, partySubIdOrType: idSubValue, fspId: fspId)
    }

    /// This DFSP's customer as the payer of an FSPIOP request (`fspId` is this DFSP's), with its name
    /// and personal information when the core gave them.
    public func payer(fspId: String) -> Party {
        var info = partyIdInfo
        info.fspId = fspId
        let hasPersonalInfo = firstName != nil || middleName != nil || lastName != nil || dateOfBirth != nil
        return Party(
            partyIdInfo: info, merchantClassificationCode: merchantClassificationCode, name: displayName,
            personalInfo: hasPersonalInfo ? PartyPersonalInfo(
                complexName: (firstName ?? middleName ?? lastName) == nil ? nil
                    : PartyComplexName(firstName: firstName, middleName: middleName, lastName: lastName),
                dateOfBirth: dateOfBirth) : nil)
    }
}

/// `POST /transfers` of the SDK's outbound API (`transferRequest`, v2.1.0): what the core asks to pay.
public struct OutboundTransferRequest: Codable, Sendable, Hashable {
    public var homeTransactionId: String
    public var from: TransferParty
    public var to: TransferParty
    public var amountType: String
    public var currency: String
    public var amount: String
    public var transactionType: String
    public var subScenario: String?
    public var note: String?
    public var quoteRequestExtensions: [Extension]?
    public var transferRequestExtensions: [Extension]?
    public var skipPartyLookup: Bool?
    public var prepareExpirySeconds: Int?
    public var quoteExpirySeconds: Int?

    /// The expiries a core may ask for, in seconds: the SDK's schema (`int32`, `minimum: 1`). Anything
    /// beyond is refused at the edge and by the decider, so that no expiry can overflow a date.
    public static let expirySecondsRange = 1...Int(Int32.max)

    /// The reason the request's expiries cannot be used, or nil when they can.
    public var expiryProblem: String? {
        for (name, value) in [("quoteExpirySeconds", quoteExpirySeconds), ("prepareExpirySeconds", prepareExpirySeconds)] {
            if let value, !Self.expirySecondsRange.contains(value) {
                return "\(name): must be a whole number from 1 to \(Self.expirySecondsRange.upperBound)"
            }
        }
        return nil
    }

    public init(homeTransactionId: String, from: TransferParty, to: TransferParty, amountType: String, currency: String,
                amount: String, transactionType: String, subScenario: String? = nil, note: String? = nil,
                quoteRequestExtensions: [Extension]? = nil, transferRequestExtensions: [Extension]? = nil,
                skipPartyLookup: Bool? = nil, prepareExpirySeconds: Int? = nil, quoteExpirySeconds: Int? = nil) {
        self.homeTransactionId = homeTransactionId
        self.from = from
        self.to = to
        self.amountType = amountType
        self.currency = currency
        self.amount = amount
        self.transactionType = transactionType
        self.subScenario = subScenario
        self.note = note
        self.quoteRequestExtensions = quoteRequestExtensions
        self.transferRequestExtensions = transferRequestExtensions
        self.skipPartyLookup = skipPartyLookup
        self.prepareExpirySeconds = prepareExpirySeconds
        self.quoteExpirySeconds = quoteExpirySeconds
    }
}
