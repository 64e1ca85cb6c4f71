/// The string data types of FSPIOP (API Definition v1.1 §7.2 and §7.3), each checked by a hand-written
/// scanner (see `FSPIOPFormat+Scanners.swift`): no regular expression runs on the request path.
///
/// Where the v1.1 document and its OpenAPI disagree, the OpenAPI wins, because the hub validates with it:
/// `IlpFulfilment` is `^[A-Za-z0-9-_]{43}$` (the document says BinaryString(1..32)), `PartyName` is
/// String(1..128) without the `Name` pattern, and first, middle and last names use the OpenAPI's
/// Unicode rendering of the `Name` pattern.
public enum FSPIOPFormat: Sendable, Hashable {
    /// `Amount` (§7.2.13): `^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$`.
    case amount
    /// `Currency` (§7.3.9, §7.5.5): one of the ISO 4217 codes of the ``Currency`` enumeration.
    case currency
    /// `CorrelationId` (§7.3.8): a lowercase UUID (§7.2.16) of version 1 to 5; in 2.0 also version 6 and 7,
    /// and an uppercase ULID.
    case correlationId
    /// `DateTime` (§7.2.14): `yyyy-MM-ddTHH:mm:ss.SSS` then `Z` or `±HH:MM`, a real calendar date.
    case dateTime
    /// `Date` (§7.2.15), also `DateOfBirth` (§7.3.10): `yyyy-MM-dd`, a real calendar date.
    case date
    /// `IlpCondition` (§7.3.17): BinaryString32, `^[A-Za-z0-9-_]{43}$`.
    case ilpCondition
    /// `IlpFulfilment` (§7.3.18): `^[A-Za-z0-9-_]{43}$` per the OpenAPI.
    case ilpFulfilment
    /// `IlpPacket` (§7.3.19): BinaryString(1..32768), `^[A-Za-z0-9-_]+[=]{0,2}$`.
    case ilpPacket
    /// `FspId` (§7.3.16): String(1..32).
    case fspId
    /// `Name` (§7.2.4) as `FirstName`, `MiddleName`, `LastName` (§7.3.15, §7.3.22, §7.3.20).
    case name
    /// `Integer` (§7.2.5): `^[1-9]\d*$`.
    case integer
    /// `UndefinedEnum` (§7.2.3), e.g. `TransactionSubScenario`: `^[A-Z_]{1,32}$`.
    case undefinedEnum
    /// `OtpValue` (§7.2.6): `^\d{3,10}$`.
    case otpValue
    /// `BopCode` (§7.2.7), `BalanceOfPayments`: `^[1-9]\d{2}$`.
    case bopCode
    /// `TokenCode` (§7.2.9), `Code`: `^[0-9a-zA-Z]{4,32}$`.
    case tokenCode
    /// `MerchantClassificationCode` (§7.2.10): `^[\d]{1,4}$`.
    case merchantClassificationCode
    /// `Latitude` (§7.2.11).
    case latitude
    /// `Longitude` (§7.2.12).
    case longitude
    /// `U2FPIN` (OpenAPI v1.1): `^\S{1,64}$`.
    case u2fPin
    /// A string `AuthenticationValue` (§7.3.3, OpenAPI v1.1): `^\d{3,10}$|^\S{1,64}$`.
    case authenticationValue
    /// `String(min..max)` (§7.2.1, §7.1.1): a length counted in Unicode code points, as JSON Schema does.
    case text(min: Int, max: Int)

    /// Whether `value` is of this data type by the rules of `version`.
    public func accepts(_ value: String, version: APIVersion) -> Bool {
        switch self {
        case .amount: return FSPIOPFormat.isAmount(value)
        case .currency: return FSPIOPFormat.isCurrency(value)
        case .correlationId:
            return version.major >= 2 ? FSPIOPFormat.isCorrelationIdV2(value) : FSPIOPFormat.isCorrelationIdV1(value)
        case .dateTime: return FSPIOPFormat.isDateTime(value)
        case .date: return FSPIOPFormat.isDate(value)
        case .ilpCondition, .ilpFulfilment: return FSPIOPFormat.isBinaryString32(value)
        case .ilpPacket: return FSPIOPFormat.isIlpPacket(value)
        case .fspId: return FSPIOPFormat.isHeaderSafeFspId(value)
        case .name: return FSPIOPFormat.isName(value)
        case .integer: return FSPIOPFormat.isInteger(value)
        case .undefinedEnum: return FSPIOPFormat.isUndefinedEnum(value)
        case .otpValue: return FSPIOPFormat.isOtpValue(value)
        case .bopCode: return FSPIOPFormat.isBopCode(value)
        case .tokenCode: return FSPIOPFormat.isTokenCode(value)
        case .merchantClassificationCode: return FSPIOPFormat.isMerchantClassificationCode(value)
        case .latitude: return FSPIOPFormat.isLatitude(value)
        case .longitude: return FSPIOPFormat.isLongitude(value)
        case .u2fPin: return FSPIOPFormat.isNonWhitespace(value, min: 1, max: 64)
        case .authenticationValue:
            return FSPIOPFormat.isOtpValue(value) || FSPIOPFormat.isNonWhitespace(value, min: 1, max: 64)
        case .text(let min, let max): return FSPIOPFormat.hasLength(value, min: min, max: max)
        }
    }

    /// The rule a value broke, for the detail of the error: the spec's regular expression when it is short
    /// enough to survive the 128-character `errorDescription`, else a readable form of it.
    public func rule(for version: APIVersion) -> String {
        switch self {
        case .amount: return "does not match ^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$"
        case .currency: return "is not an ISO 4217 currency code of the Currency enumeration"
        case .correlationId:
            return version.major >= 2
                ? "is not a lowercase UUID (version 1 to 7) or an uppercase ULID"
                : "is not a lowercase UUID of version 1 to 5"
        case .dateTime: return "is not a DateTime yyyy-MM-ddTHH:mm:ss.SSS followed by Z or ±HH:MM"
        case .date: return "is not a Date yyyy-MM-dd"
        case .ilpCondition, .ilpFulfilment: return "does not match ^[A-Za-z0-9-_]{43}$"
        case .ilpPacket: return "does not match ^[A-Za-z0-9-_]+[=]{0,2}$ with 1 to 32768 characters"
        case .fspId: return "must be 1 to 32 visible ASCII characters (an FSP id is sent in FSPIOP headers)"
        case .name: return "is not a Name: 1 to 128 letters, digits, spaces or . , ' - (§7.2.4)"
        case .integer: return "does not match ^[1-9]\\d*$"
        case .undefinedEnum: return "does not match ^[A-Z_]{1,32}$"
        case .otpValue: return "does not match ^\\d{3,10}$"
        case .bopCode: return "does not match ^[1-9]\\d{2}$"
        case .tokenCode: return "does not match ^[0-9a-zA-Z]{4,32}$"
        case .merchantClassificationCode: return "does not match ^[\\d]{1,4}$"
        case .latitude: return "is not a Latitude, -90 to +90 with at most 6 decimals"
        case .longitude: return "is not a Longitude, -180 to +180 with at most 6 decimals"
        case .u2fPin: return "does not match ^\\S{1,64}$"
        case .authenticationValue: return "does not match ^\\d{3,10}$|^\\S{1,64}$"
        case .text(let min, let max): return min == max ? "must be \(min) characters" : "must be \(min) to \(max) characters"
        }
    }
}
