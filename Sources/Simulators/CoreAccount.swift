import Foundation
import PaymentDomain

/// One customer account of the simulated core bank: the party it answers lookups for, its currency and
/// its opening balance.
///
/// ## Accounts file
///
/// A JSON document, either an object with an `accounts` array or the bare array:
///
/// ```json
/// {
///   "accounts": [
///     { "id": "alice", "idType": "MSISDN", "idValue": "27710101010",
///       "displayName": "Alice Alpha", "firstName": "Alice", "lastName": "Alpha",
///       "currency": "XTS", "balance": "1000.00" },
///     { "idType": "ACCOUNT_ID", "idValue": "4401", "idSubValue": "SAVINGS",
///       "firstName": "Bob", "lastName": "Beta", "currency": "XTS", "balance": "0" }
///   ]
/// }
/// ```
///
/// - `idType`, `idValue` (required), `idSubValue` (optional): the party identifier, matched exactly
///   (`GET /parties/{idType}/{idValue}[/{idSubValue}]`, and the `to` party of quotes and transfers).
/// - `id` (optional, defaults to `idValue`): the local account id that `sendTransfer(from:...)` and
///   `balance(of:)` name. Unique.
/// - `displayName`, `firstName`, `middleName`, `lastName`, `dateOfBirth` (`YYYY-MM-DD`), `type`
///   (`CONSUMER` when absent): returned by the party lookup.
/// - `currency` (required): an ISO 4217 code from the FSPIOP list; the account only quotes, receives and
///   sends in it.
/// - `balance` (required): a decimal **string** with at most four decimals (`"1000"`, `"12.50"`); a JSON
///   number is refused, so no amount ever passes through a floating-point value.
public struct CoreAccount: Codable, Sendable, Hashable {
    public var id: String
    public var idType: String
    public var idValue: String
    public var idSubValue: String?
    public var displayName: String?
    public var firstName: String?
    public var middleName: String?
    public var lastName: String?
    public var dateOfBirth: String?
    public var type: String?
    public var currency: String
    public var balance: CoreAmount

    public init(id: String? = nil, idType: String, idValue: String, idSubValue: String? = nil, displayName: String? = nil,
                firstName: String? = nil, middleName: String? = nil, lastName: String? = nil, dateOfBirth: String? = nil,
                type: String? = nil, currency: String, balance: CoreAmount) {
        self.id = id ?? idValue
        self.idType = idType
        self.idValue = idValue
        self.idSubValue = idSubValue
        self.displayName = displayName
        self.firstName = firstName
        self.middleName = middleName
        self.lastName = lastName
        self.dateOfBirth = dateOfBirth
        self.type = type
        self.currency = currency
        self.balance = balance
    }

    enum CodingKeys: String, CodingKey {
        case id, idType, idValue, idSubValue, displayName, firstName, middleName, lastName, dateOfBirth, type, currency, balance
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let idValue = try container.decode(String.self, forKey: .idValue)
        self.init(
            id: try container.decodeIfPresent(String.self, forKey: .id),
            idType: try container.decode(String.self, forKey: .idType),
            idValue: idValue,
            idSubValue: try container.decodeIfPresent(String.self, forKey: .idSubValue),
            displayName: try container.decodeIfPresent(String.self, forKey: .displayName),
            firstName: try container.decodeIfPresent(String.self, forKey: .firstName),
            middleName: try container.decodeIfPresent(String.self, forKey: .middleName),
            lastName: try container.decodeIfPresent(String.self, forKey: .lastName),
            dateOfBirth: try container.decodeIfPresent(String.self, forKey: .dateOfBirth),
            type: try container.decodeIfPresent(String.self, forKey: .type),
            currency: try container.decode(String.self, forKey: .currency),
            balance: try container.decode(CoreAmount.self, forKey: .balance))
    }

    /// The party identifier this account answers for.
    var partyKey: CorePartyKey { CorePartyKey(idType: idType, idValue: idValue, idSubValue: idSubValue) }

    /// The party as the backend API's `transferParty` describes it (the body of `GET /parties`, and the
    /// `from` of an outbound transfer).
    var transferParty: TransferParty {
        TransferParty(type: type ?? "CONSUMER", idType: idType, idValue: idValue, idSubValue: idSubValue,
                      displayName: displayName, firstName: firstName, middleName: middleName, lastName: lastName,
                      dateOfBirth: dateOfBirth, supportedCurrencies: [currency])
    }

    /// Reads an accounts file (format above).
    /// - Throws: ``CoreSimulatorError/invalidConfiguration(_:)`` when the file cannot be read or parsed.
    public static func load(fromFile path: String) throws(CoreSimulatorError) -> [CoreAccount] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .invalidConfiguration("cannot read the accounts file \(path): \(error)")
        }
        do {
            return try decodeList(from: data)
        } catch {
            throw .invalidConfiguration("accounts file \(path): \(error.description)")
        }
    }

    /// Parses the accounts file format from bytes.
    /// - Throws: ``CoreSimulatorError/invalidConfiguration(_:)`` naming what is wrong.
    public static func decodeList(from data: Data) throws(CoreSimulatorError) -> [CoreAccount] {
        struct Wrapped: Decodable { var accounts: [CoreAccount] }
        let decoder = JSONDecoder()
        if let wrapped = try? decoder.decode(Wrapped.self, from: data) { return wrapped.accounts }
        do {
            return try decoder.decode([CoreAccount].self, from: data)
        } catch {
            // Report the error of the documented form, which is the one a user most likely meant.
            do {
                _ = try decoder.decode(Wrapped.self, from: data)
            } catch let wrappedError {
                throw .invalidConfiguration(CoreDecoding.describe(wrappedError))
            }
            throw .invalidConfiguration(CoreDecoding.describe(error))
        }
    }
}

/// The identity of a party at this core: type, value and optional sub-id, compared exactly.
struct CorePartyKey: Hashable, Sendable, CustomStringConvertible {
    var idType: String
    var idValue: String
    var idSubValue: String?

    init(idType: String, idValue: String, idSubValue: String?) {
        self.idType = idType
        self.idValue = idValue
        // An empty sub-id is no sub-id.
        self.idSubValue = (idSubValue?.isEmpty ?? true) ? nil : idSubValue
    }

    init(_ party: TransferParty) { self.init(idType: party.idType, idValue: party.idValue, idSubValue: party.idSubValue) }

    var description: String { [idType, idValue, idSubValue].compactMap { $0 }.joined(separator: "/") }
}
