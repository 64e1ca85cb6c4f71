import Foundation
import Testing
@testable import FSPIOP

// Spec-like examples of every FSPIOP body, with every optional property set, and the tests that they
// decode and re-encode unchanged. `ValidationSchemaTests` walks the same examples against the 2.0 JSON
// schemas.

/// A body of one OpenAPI schema, as JSON, with a way to decode it and encode it again.
struct BodyExample: Sendable, CustomTestStringConvertible {
    /// The OpenAPI schema name, e.g. `QuotesPostRequest`.
    let schema: String
    /// The first version that has the resource (the Fx and services resources are 2.0 only).
    let since: APIVersion
    /// The example; with `v2` true it also has the properties FSPIOP 2.0 added.
    let json: @Sendable (_ v2: Bool) -> String
    /// Decodes and validates with `FSPIOPBodyDecoder`, then encodes with `JSONEncoder`; also says whether
    /// decoding the encoded form gives back an equal value.
    let reencode: @Sendable (Data, APIVersion) throws -> (encoded: Data, stable: Bool)
    /// Decodes and validates only.
    let decode: @Sendable (Data, APIVersion) throws(FSPIOPError) -> Void
    /// Decodes with a plain `JSONDecoder` and counts the object members the value encodes.
    let encodedMemberCount: @Sendable (Data) throws -> Int?
    /// Whether `JSONValueDecoder` on the parsed tree gives the value `JSONDecoder` gives on the bytes.
    let decodesAlikeFromTree: @Sendable (Data) throws -> Bool

    var testDescription: String { schema }

    /// The versions the example is checked with.
    var versions: [APIVersion] { since >= .v2_0 ? [.v2_0] : [.v1_0, .v1_1, .v2_0] }

    static func of<T: Codable & Hashable & Sendable & FSPIOPValidatable>(
        _ type: T.Type, _ schema: String, since: APIVersion = .v1_1, _ json: @escaping @Sendable (Bool) -> String
    ) -> BodyExample {
        BodyExample(
            schema: schema, since: since, json: json,
            reencode: { data, version in
                let value = try FSPIOPBodyDecoder.decode(T.self, from: data, version: version)
                let encoded = try JSONEncoder().encode(value)
                let again = try JSONDecoder().decode(T.self, from: encoded)
                return (encoded, again == value)
            },
            decode: { data, version throws(FSPIOPError) in
                _ = try FSPIOPBodyDecoder.decode(T.self, from: data, version: version)
            },
            encodedMemberCount: { data in MemberCounter.count(try JSONDecoder().decode(T.self, from: data)) },
            decodesAlikeFromTree: { data in
                try JSONValueDecoder.decode(T.self, from: try JSONParser.parse(Array(data))) == (try JSONDecoder().decode(T.self, from: data))
            })
    }
}

/// The building blocks of the examples, with values from the specification's examples.
enum Examples {
    static let id1 = "b51ec534-ee48-4575-b6a9-ead2955b8069"
    static let id2 = "a8323bc6-c228-4df2-ae82-e5a997baf898"
    static let id3 = "3d492671-b7af-4f3f-88de-76169b1bdf88"
    static let dateTime = "2016-05-24T08:38:08.699-04:00"
    static let condition = "fH9pAYDQbmoZLPbvv3CSW2RfjU4jvM4ApG_fqGnR7Xs"
    static let fulfilment = "WLctttbu2HvTsa1XWvUoGRcQozHsqeu9Ahl2JW9Bsu8"
    static let ilpPacket = "AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFGCAUBQU0svMS4wCk5vbmNlOiB1SXlweUYzY3pYSXBFdzVVc05TYWh3CkVuY3J5cHRpb246IG5vbmUKUGF5bWVudC1JZDogMTMyMzZhM2ItOGZhOC00MTYzLTg0NDctNGMzZWQzZGE5OGE3CgpDb250ZW50LUxlbmd0aDogMTM1CkNvbnRlbnQtVHlwZTogYXBwbGljYXRpb24vanNvbgpTZW5kZXItSWRlbnRpZmllcjogOTI4MDYzOTEKCiJ7XCJmZWVcIjowLFwidHJhbnNmZXJDb2RlXCI6XCJpbnZvaWNlXCIsXCJkZWJpdE5hbWVcIjpcImFsaWNlIGNvb3BlclwiLFwiY3JlZGl0TmFtZVwiOlwibWVyIGNoYW50XCIsXCJkZWJpdElkZW50aWZpZXJcIjpcIjkyODA2MzkxXCJ9IgA"

    static let extensionList = #"{"extension":[{"key":"scheme","value":"demo"}]}"#
    static let geoCode = #"{"latitude":"+45.4215","longitude":"+75.6972"}"#
    static let errorInformation = #"{"errorCode":"5100","errorDescription":"Generic payee error","extensionList":\#(extensionList)}"#
    static let transactionType = #"{"scenario":"REFUND","subScenario":"LOCALLY_DEFINED_SUBSCENARIO","initiator":"PAYER","initiatorType":"CONSUMER","refundInfo":{"originalTransactionId":"\#(id3)","refundReason":"Free text indicating reason for the refund."},"balanceOfPayments":"123"}"#
    static let partyIdInfo = #"{"partyIdType":"PERSONAL_ID","partyIdentifier":"16135551212","partySubIdOrType":"PASSPORT","fspId":"payeefsp","extensionList":\#(extensionList)}"#
    static let fxRate = #"{"sourceAmount":\#(money("100")),"targetAmount":\#(money("92.5", "EUR"))}"#

    static func money(_ amount: String, _ currency: String = "USD") -> String {
        #"{"currency":"\#(currency)","amount":"\#(amount)"}"#
    }

    static func party(v2: Bool) -> String {
        let kyc = v2 ? #","kycInformation":"{\"verified\":true}""# : ""
        let currencies = v2 ? #","supportedCurrencies":["USD","EUR"]"# : ""
        return #"{"partyIdInfo":\#(partyIdInfo),"merchantClassificationCode":"4321","name":"Henrik Karlsson","personalInfo":{"complexName":{"firstName":"Henrik","middleName":"Johannes","lastName":"Karlsson"},"dateOfBirth":"1966-06-16"\#(kyc)}\#(currencies)}"#
    }

    static func quotesPostRequest(v2: Bool) -> String {
        let fx = v2 ? #","converter":"PAYER","currencyConversion":\#(fxRate)"# : ""
        return #"{"quoteId":"\#(id1)","transactionId":"\#(id2)","transactionRequestId":"\#(id3)","payee":\#(party(v2: v2)),"payer":\#(party(v2: v2)),"amountType":"RECEIVE","amount":\#(money("123.45")),"fees":\#(money("1.5")),"transactionType":\#(transactionType)\#(fx),"geoCode":\#(geoCode),"note":"Note sent to Payee.","expiration":"\#(dateTime)","extensionList":\#(extensionList)}"#
    }

    static func fxConversion(amounts: Bool) -> String {
        let target = amounts ? money("92.5", "EUR") : #"{"currency":"EUR"}"#
        return #"{"conversionId":"\#(id1)","determiningTransferId":"\#(id2)","initiatingFsp":"payerfsp","counterPartyFsp":"fxp","amountType":"SEND","sourceAmount":\#(money("100")),"targetAmount":\#(target),"expiration":"\#(dateTime)","charges":[{"chargeType":"conversion fee","sourceAmount":\#(money("1")),"targetAmount":\#(money("0.92", "EUR"))}],"extensionList":\#(extensionList)}"#
    }

    /// One example per body of FSPIOP 1.1 and 2.0, plus the `Transaction` of the ILP packet.
    static let all: [BodyExample] = [
        .of(PartiesTypeIDPutResponse.self, "PartiesTypeIDPutResponse") { v2 in #"{"party":\#(party(v2: v2))}"# },
        .of(ParticipantsTypeIDSubIDPostRequest.self, "ParticipantsTypeIDSubIDPostRequest") { _ in
            #"{"fspId":"payeefsp","currency":"USD","extensionList":\#(extensionList)}"#
        },
        .of(ParticipantsTypeIDPutResponse.self, "ParticipantsTypeIDPutResponse") { _ in #"{"fspId":"payeefsp"}"# },
        .of(ParticipantsPostRequest.self, "ParticipantsPostRequest") { _ in
            #"{"requestId":"\#(id1)","partyList":[\#(partyIdInfo)],"currency":"USD"}"#
        },
        .of(ParticipantsIDPutResponse.self, "ParticipantsIDPutResponse") { _ in
            #"{"partyList":[{"partyId":\#(partyIdInfo),"errorInformation":\#(errorInformation)}],"currency":"USD"}"#
        },
        .of(QuotesPostRequest.self, "QuotesPostRequest") { v2 in quotesPostRequest(v2: v2) },
        .of(QuotesIDPutResponse.self, "QuotesIDPutResponse") { _ in
            #"{"transferAmount":\#(money("124.95")),"payeeReceiveAmount":\#(money("123.45")),"payeeFspFee":\#(money("1.5")),"payeeFspCommission":\#(money("0.01")),"expiration":"\#(dateTime)","geoCode":\#(geoCode),"ilpPacket":"\#(ilpPacket)","condition":"\#(condition)","extensionList":\#(extensionList)}"#
        },
        .of(TransfersPostRequest.self, "TransfersPostRequest") { _ in
            #"{"transferId":"\#(id1)","payeeFsp":"payeefsp","payerFsp":"payerfsp","amount":\#(money("124.95")),"ilpPacket":"\#(ilpPacket)","condition":"\#(condition)","expiration":"2016-05-24T08:38:08.699Z","extensionList":\#(extensionList)}"#
        },
        .of(TransfersIDPutResponse.self, "TransfersIDPutResponse") { _ in
            #"{"fulfilment":"\#(fulfilment)","completedTimestamp":"\#(dateTime)","transferState":"COMMITTED","extensionList":\#(extensionList)}"#
        },
        .of(TransfersIDPatchResponse.self, "TransfersIDPatchResponse") { _ in
            #"{"completedTimestamp":"\#(dateTime)","transferState":"COMMITTED","extensionList":\#(extensionList)}"#
        },
        .of(TransactionRequestsPostRequest.self, "TransactionRequestsPostRequest") { v2 in
            #"{"transactionRequestId":"\#(id1)","payee":\#(party(v2: v2)),"payer":\#(partyIdInfo),"amount":\#(money("123.45")),"transactionType":\#(transactionType),"note":"Note sent to Payee.","geoCode":\#(geoCode),"authenticationType":"OTP","expiration":"\#(dateTime)","extensionList":\#(extensionList)}"#
        },
        .of(TransactionRequestsIDPutResponse.self, "TransactionRequestsIDPutResponse") { _ in
            #"{"transactionId":"\#(id2)","transactionRequestState":"RECEIVED","extensionList":\#(extensionList)}"#
        },
        .of(AuthorizationsIDPutResponse.self, "AuthorizationsIDPutResponse") { _ in
            #"{"authenticationInfo":{"authentication":"OTP","authenticationValue":"123456"},"responseType":"ENTERED"}"#
        },
        .of(AuthorizationsIDPutResponse.self, "AuthorizationsIDPutResponse") { _ in
            #"{"authenticationInfo":{"authentication":"U2F","authenticationValue":{"pinValue":"MEUCIQD-pin_value","counter":"17"}},"responseType":"ENTERED"}"#
        },
        .of(TransactionsIDPutResponse.self, "TransactionsIDPutResponse") { _ in
            #"{"completedTimestamp":"\#(dateTime)","transactionState":"COMPLETED","code":"Test1234","extensionList":\#(extensionList)}"#
        },
        .of(Transaction.self, "Transaction") { v2 in
            let fx = v2 ? #","payeeReceiveAmount":\#(money("92.5", "EUR")),"converter":"PAYER","currencyConversion":\#(fxRate)"# : ""
            return #"{"transactionId":"\#(id2)","quoteId":"\#(id1)","payee":\#(party(v2: v2)),"payer":\#(party(v2: v2)),"amount":\#(money("123.45"))\#(fx),"transactionType":\#(transactionType),"note":"Note sent to Payee.","extensionList":\#(extensionList)}"#
        },
        .of(BulkQuotesPostRequest.self, "BulkQuotesPostRequest") { v2 in
            #"{"bulkQuoteId":"\#(id1)","payer":\#(party(v2: v2)),"geoCode":\#(geoCode),"expiration":"\#(dateTime)","individualQuotes":[{"quoteId":"\#(id2)","transactionId":"\#(id3)","payee":\#(party(v2: v2)),"amountType":"SEND","amount":\#(money("10")),"fees":\#(money("0.5")),"transactionType":\#(transactionType),"note":"Note sent to Payee.","extensionList":\#(extensionList)}],"extensionList":\#(extensionList)}"#
        },
        .of(BulkQuotesIDPutResponse.self, "BulkQuotesIDPutResponse") { v2 in
            #"{"individualQuoteResults":[{"quoteId":"\#(id2)","payee":\#(party(v2: v2)),"transferAmount":\#(money("10.5")),"payeeReceiveAmount":\#(money("10")),"payeeFspFee":\#(money("0.5")),"payeeFspCommission":\#(money("0.1")),"ilpPacket":"\#(ilpPacket)","condition":"\#(condition)","errorInformation":\#(errorInformation),"extensionList":\#(extensionList)}],"expiration":"\#(dateTime)","extensionList":\#(extensionList)}"#
        },
        .of(BulkTransfersPostRequest.self, "BulkTransfersPostRequest") { _ in
            #"{"bulkTransferId":"\#(id1)","bulkQuoteId":"\#(id2)","payerFsp":"payerfsp","payeeFsp":"payeefsp","individualTransfers":[{"transferId":"\#(id3)","transferAmount":\#(money("10.5")),"ilpPacket":"\#(ilpPacket)","condition":"\#(condition)","extensionList":\#(extensionList)}],"expiration":"\#(dateTime)","extensionList":\#(extensionList)}"#
        },
        .of(BulkTransfersIDPutResponse.self, "BulkTransfersIDPutResponse") { _ in
            #"{"completedTimestamp":"\#(dateTime)","individualTransferResults":[{"transferId":"\#(id3)","fulfilment":"\#(fulfilment)","errorInformation":\#(errorInformation),"extensionList":\#(extensionList)}],"bulkTransferState":"COMPLETED","extensionList":\#(extensionList)}"#
        },
        .of(ErrorInformationObject.self, "ErrorInformationObject") { _ in #"{"errorInformation":\#(errorInformation)}"# },
        .of(FxQuotesPostRequest.self, "FxQuotesPostRequest", since: .v2_0) { _ in
            #"{"conversionRequestId":"\#(id3)","conversionTerms":\#(fxConversion(amounts: true))}"#
        },
        .of(FxQuotesIDPutResponse.self, "FxQuotesIDPutResponse", since: .v2_0) { _ in
            #"{"condition":"\#(condition)","conversionTerms":\#(fxConversion(amounts: true))}"#
        },
        .of(FxTransfersPostRequest.self, "FxTransfersPostRequest", since: .v2_0) { _ in
            #"{"commitRequestId":"\#(id3)","determiningTransferId":"\#(id2)","initiatingFsp":"payerfsp","counterPartyFsp":"fxp","sourceAmount":\#(money("100")),"targetAmount":\#(money("92.5", "EUR")),"condition":"\#(condition)","expiration":"\#(dateTime)"}"#
        },
        .of(FxTransfersIDPutResponse.self, "FxTransfersIDPutResponse", since: .v2_0) { _ in
            #"{"fulfilment":"\#(fulfilment)","completedTimestamp":"\#(dateTime)","conversionState":"RESERVED","extensionList":\#(extensionList)}"#
        },
        .of(FxTransfersIDPatchResponse.self, "FxTransfersIDPatchResponse", since: .v2_0) { _ in
            #"{"completedTimestamp":"\#(dateTime)","conversionState":"COMMITTED","extensionList":\#(extensionList)}"#
        },
        .of(ServicesFXPPutResponse.self, "ServicesFXPPutResponse", since: .v2_0) { _ in #"{"providers":["fxp1","fxp2"]}"# },
        .of(ServicesFXPSourceCurrencyTargetCurrencyPutResponse.self, "ServicesFXPSourceCurrencyTargetCurrencyPutResponse", since: .v2_0) { _ in
            #"{"providers":["fxp1"]}"#
        },
    ]
}

/// The JSON value of `data` with sorted keys, so that two documents compare by content.
func canonicalJSON(_ data: Data) throws -> Data {
    try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: data), options: [.sortedKeys])
}

@Suite("Models")
struct ModelTests {
    @Test("A spec-like body decodes, validates and re-encodes to the same JSON", arguments: Examples.all)
    func roundTrip(_ example: BodyExample) throws {
        for version in example.versions {
            let json = Data(example.json(version >= .v2_0).utf8)
            let (encoded, stable) = try example.reencode(json, version)
            #expect(stable, "\(example.schema) \(version)")
            #expect(try canonicalJSON(encoded) == canonicalJSON(json), "\(example.schema) \(version)")
        }
    }

    @Test("Optional fields left nil are omitted when encoding")
    func nilFieldsAreOmitted() throws {
        let body = TransfersIDPutResponse(transferState: TransferState.reserved.rawValue)
        let json = String(decoding: try JSONEncoder().encode(body), as: UTF8.self)
        #expect(json == #"{"transferState":"RESERVED"}"#)
    }

    @Test("extension encodes under its spec name")
    func extensionListWireName() throws {
        let list = ExtensionList([Extension(key: "k", value: "v")])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(list), as: UTF8.self)
        #expect(json == #"{"extension":[{"key":"k","value":"v"}]}"#)
    }

    @Test("Properties FSPIOP 2.0 added are read from a 2.0 body")
    func v2PropertiesReadIn2_0() throws {
        let data = Data(Examples.quotesPostRequest(v2: true).utf8)
        let quote = try FSPIOPBodyDecoder.decode(QuotesPostRequest.self, from: data, version: .v2_0)
        #expect(quote.converter == "PAYER")
        #expect(quote.currencyConversion?.targetAmount == Money(currency: "EUR", amount: "92.5"))
        #expect(quote.payee.supportedCurrencies == ["USD", "EUR"])
        #expect(quote.payee.personalInfo?.kycInformation == #"{"verified":true}"#)
    }

    @Test("Properties FSPIOP 2.0 added are unknown, so ignored, in a 1.1 body", arguments: [APIVersion.v1_0, .v1_1])
    func v2PropertiesIgnoredIn1_x(_ version: APIVersion) throws {
        let data = Data(Examples.quotesPostRequest(v2: true).utf8)
        let quote = try FSPIOPBodyDecoder.decode(QuotesPostRequest.self, from: data, version: version)
        #expect(quote.converter == nil)
        #expect(quote.currencyConversion == nil)
        #expect(quote.payee.supportedCurrencies == nil)
        #expect(quote.payee.personalInfo?.kycInformation == nil)
        #expect(quote.payee.personalInfo?.dateOfBirth == "1966-06-16")
    }

    @Test("A plain JSONDecoder, with no API version, reads the 2.0 properties too")
    func plainDecoderReadsEverything() throws {
        let party = try JSONDecoder().decode(Party.self, from: Data(Examples.party(v2: true).utf8))
        #expect(party.supportedCurrencies == ["USD", "EUR"])
    }

    @Test("Scalars keep the exact text that arrived")
    func scalarsAreKeptVerbatim() throws {
        let json = #"{"completedTimestamp":"2016-05-24T08:38:08.699+05:30","transferState":"COMMITTED","fulfilment":"\#(Examples.fulfilment)"}"#
        let body = try FSPIOPBodyDecoder.decode(TransfersIDPutResponse.self, from: Data(json.utf8), version: .v1_1)
        #expect(body.completedTimestamp == "2016-05-24T08:38:08.699+05:30")
        #expect(TransferState(rawValue: body.transferState) == .committed)
    }

    @Test("AuthenticationValue is a string or a U2F object, both ways")
    func authenticationValueShapes() throws {
        let text = AuthenticationValue.text("123456")
        let pin = AuthenticationValue.u2fPin(U2FPinValue(pinValue: "abc", counter: "1"))
        #expect(String(decoding: try JSONEncoder().encode(text), as: UTF8.self) == #""123456""#)
        #expect(try JSONDecoder().decode(AuthenticationValue.self, from: JSONEncoder().encode(pin)) == pin)
        #expect(try JSONDecoder().decode(AuthenticationValue.self, from: JSONEncoder().encode(text)) == text)
    }

    @Test("Typed enumerations have the spec's values")
    func typedEnumerations() {
        #expect(PartyIdType.allCases.map(\.rawValue) == ["MSISDN", "EMAIL", "PERSONAL_ID", "BUSINESS", "DEVICE", "ACCOUNT_ID", "IBAN", "ALIAS"])
        #expect(TransferState.allCases.map(\.rawValue) == ["RECEIVED", "RESERVED", "COMMITTED", "ABORTED"])
        #expect(AmountType.allCases.map(\.rawValue) == ["SEND", "RECEIVE"])
        #expect(TransactionScenario.allCases.map(\.rawValue) == ["DEPOSIT", "WITHDRAWAL", "TRANSFER", "PAYMENT", "REFUND"])
        #expect(BulkTransferState.allCases.count == 6)
        #expect(Currency.allCases.count == 164)
        #expect(Currency(rawValue: "TRY") == .`try`)
    }

    @Test("The query of GET /authorizations/{ID} is read and validated")
    func authorizationsQuery() throws {
        let query = try AuthorizationsIDGetQuery(
            query: ["authenticationType": "OTP", "retriesLeft": "2", "amount": "102", "currency": "USD"], version: .v1_1)
        #expect(query.retriesLeft == "2")
        #expect(throws: FSPIOPError(.missingElement, "retriesLeft: is required")) {
            try AuthorizationsIDGetQuery(query: ["authenticationType": "OTP", "amount": "102", "currency": "USD"], version: .v1_1)
        }
        #expect(throws: FSPIOPError(.malformedSyntax, "retriesLeft: does not match ^[1-9]\\d*$")) {
            try AuthorizationsIDGetQuery(
                query: ["authenticationType": "OTP", "retriesLeft": "0", "amount": "102", "currency": "USD"], version: .v1_1)
        }
    }
}
