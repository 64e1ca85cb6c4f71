import Foundation
import Testing
@testable import FSPIOP

// The rules of each FSPIOP data type (accepted and rejected values), and how a body that breaks a rule
// is answered: the FSPIOP error code and the field path in its description.

@Suite("Data type rules")
struct ValidationFormatRuleTests {
    @Test("Amount (§7.2.13): Table 44 and more", arguments: [
        ("0", true), ("100", true), ("1.5", true), ("5", true), ("5.5", true), ("5.5555", true), ("0.5", true),
        ("555555555555555555", true), ("123456789012345678.1234", true), ("0.0001", true), ("10.01", true),
        ("01", false), ("1.", false), ("1.50", false), ("5.0", false), ("5.00", false), ("5.55555", false),
        ("5555555555555555555", false), ("-5.5", false), (".5", false), ("00.5", false), ("", false), (" 1", false),
        ("1 ", false), ("1e5", false), ("+1", false), ("1,5", false), ("0.0", false), ("١", false),
    ])
    func amount(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.isAmount(value) == valid)
    }

    @Test("CorrelationId of 1.x (§7.2.16): lowercase UUID of version 1 to 5", arguments: [
        ("b51ec534-ee48-4575-b6a9-ead2955b8069", true), ("a8323bc6-c228-4df2-ae82-e5a997baf898", true),
        ("3d492671-b7af-1f3f-88de-76169b1bdf88", true), ("3d492671-b7af-5f3f-bfde-76169b1bdf88", true),
        ("B51EC534-EE48-4575-B6A9-EAD2955B8069", false), ("b51ec534-ee48-6575-b6a9-ead2955b8069", false),
        ("b51ec534-ee48-7575-b6a9-ead2955b8069", false), ("b51ec534-ee48-0575-b6a9-ead2955b8069", false),
        ("b51ec534-ee48-4575-c6a9-ead2955b8069", false), ("b51ec534ee484575b6a9ead2955b8069", false),
        ("b51ec534-ee48-4575-b6a9-ead2955b806", false), ("b51ec534-ee48-4575-b6a9-ead2955b80699", false),
        ("g51ec534-ee48-4575-b6a9-ead2955b8069", false), ("01ARZ3NDEKTSV4RRFFQ69G5FAV", false), ("", false),
    ])
    func correlationIdV1(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.isCorrelationIdV1(value) == valid)
        #expect(FSPIOPFormat.correlationId.accepts(value, version: .v1_1) == valid)
    }

    @Test("CorrelationId of 2.0: also UUID versions 6 and 7, and uppercase ULIDs", arguments: [
        ("b51ec534-ee48-4575-b6a9-ead2955b8069", true), ("0190a5b0-7c1e-7b3a-9f1e-123456789abc", true),
        ("1ef21d2f-1207-6660-8c4f-419efbd44d48", true), ("01ARZ3NDEKTSV4RRFFQ69G5FAV", true),
        ("01HZY6Q7F3R8N2K5M9P4T6W8XZ", true), ("7ZZZZZZZZZZZZZZZZZZZZZZZZZ", true),
        ("0190a5b0-7c1e-8b3a-9f1e-123456789abc", false), ("01arz3ndektsv4rrffq69g5fav", false),
        ("01ARZ3NDEKTSV4RRFFQ69G5FAI", false), ("01ARZ3NDEKTSV4RRFFQ69G5FAL", false), ("01ARZ3NDEKTSV4RRFFQ69G5FAO", false),
        ("01ARZ3NDEKTSV4RRFFQ69G5FAU", false), ("01ARZ3NDEKTSV4RRFFQ69G5FA", false), ("01ARZ3NDEKTSV4RRFFQ69G5FAVV", false),
        ("01ARZ3NDEKTSV4RRFFQ69G5FA-", false),
    ])
    func correlationIdV2(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.isCorrelationIdV2(value) == valid)
        #expect(FSPIOPFormat.correlationId.accepts(value, version: .v2_0) == valid)
    }

    @Test("DateTime (§7.2.14): milliseconds and a zone are mandatory, the date must exist", arguments: [
        ("2016-05-24T08:38:08.699-04:00", true), ("2016-05-24T08:38:08.699Z", true), ("2000-02-29T23:59:59.999+19:59", true),
        ("2024-02-29T00:00:00.000Z", true), ("9999-12-31T23:59:59.999Z", true), ("1000-01-01T00:00:00.000-00:00", true),
        ("2016-05-24T08:38:08Z", false), ("2016-05-24T08:38:08.69Z", false), ("2016-05-24T08:38:08.6999Z", false),
        ("2016-05-24T24:00:00.000Z", false), ("2016-05-24T08:60:08.699Z", false), ("2016-05-24T08:38:60.699Z", false),
        ("1900-02-29T08:38:08.699Z", false), ("2023-02-29T08:38:08.699Z", false), ("2016-04-31T08:38:08.699Z", false),
        ("0999-05-24T08:38:08.699Z", false), ("2016-05-24 08:38:08.699Z", false), ("2016-05-24T08:38:08.699+20:00", false),
        ("2016-05-24T08:38:08.699+04:60", false), ("2016-05-24T08:38:08.699+0400", false), ("2016-05-24T08:38:08.699", false),
        ("2016-05-24T08:38:08.699z", false), ("2016-05-24t08:38:08.699Z", false), ("", false),
    ])
    func dateTime(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.isDateTime(value) == valid)
    }

    @Test("Date (§7.2.15): yyyy-MM-dd of a day that exists", arguments: [
        ("1982-05-23", true), ("1987-08-05", true), ("2000-02-29", true), ("2400-02-29", true), ("2004-02-29", true),
        ("2016-12-31", true), ("2016-11-30", true), ("1900-02-29", false), ("2100-02-29", false), ("2023-02-29", false),
        ("2016-02-30", false), ("2016-11-31", false), ("2016-13-01", false), ("2016-00-10", false), ("2016-01-00", false),
        ("2016-01-32", false), ("0999-01-01", false), ("16-01-01", false), ("2016-1-01", false), ("2016/01/01", false),
        ("2016-01-01T00:00:00.000Z", false),
    ])
    func date(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.isDate(value) == valid)
    }

    @Test("IlpCondition and IlpFulfilment: exactly 43 base64url characters", arguments: [
        ("fH9pAYDQbmoZLPbvv3CSW2RfjU4jvM4ApG_fqGnR7Xs", true), ("WLctttbu2HvTsa1XWvUoGRcQozHsqeu9Ahl2JW9Bsu8", true),
        ("GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM", true), ("fH9pAYDQbmoZLPbvv3CSW2RfjU4jvM4ApG_fqGnR7X", false),
        ("fH9pAYDQbmoZLPbvv3CSW2RfjU4jvM4ApG_fqGnR7Xs=", false), ("fH9pAYDQbmoZLPbvv3CSW2RfjU4jvM4ApG/fqGnR7Xs", false),
        ("fH9pAYDQbmoZLPbvv3CSW2RfjU4jvM4ApG+fqGnR7Xs", false), ("", false),
    ])
    func binaryString32(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.ilpCondition.accepts(value, version: .v1_1) == valid)
        #expect(FSPIOPFormat.ilpFulfilment.accepts(value, version: .v2_0) == valid)
    }

    @Test("IlpPacket (§7.3.19): base64url with up to two padding characters, 1 to 32768 characters", arguments: [
        ("AQ==", true), ("AQ=", true), ("AQ", true), ("a-_b", true), (String(repeating: "A", count: 32768), true),
        ("", false), ("=", false), ("==", false), ("AQ===", false), ("A=Q", false), ("A Q", false), ("A+Q", false),
        ("A/Q", false), (String(repeating: "A", count: 32769), false),
    ])
    func ilpPacket(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.isIlpPacket(value) == valid)
    }

    @Test("Name (§7.2.4): letters of any script, marks, digits, space . , ' -", arguments: [
        ("Zoë", true), ("Henrik", true), ("O'Brien", true), ("Jean-Luc", true), ("محمد", true), ("王小明", true),
        ("José María", true), ("Nguyễn Văn An", true), ("A.B., Jr", true), ("Zoe\u{0308}", true), ("x\u{200D}y", true),
        ("Anne_Marie", true), ("Σωκράτης", true), ("अर्जुन", true), (" Zoë ", true), (String(repeating: "王", count: 128), true),
        ("", false), ("   ", false), ("Bob!", false), ("a@b", false), ("tab\there", false), ("Zoë\n", false), ("😀", false),
        ("Ann & Bob", false), ("‘Quoted’", false), (String(repeating: "王", count: 129), false),
    ])
    func name(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.isName(value) == valid)
    }

    @Test("Latitude (§7.2.11)", arguments: [
        ("+45.4215", true), ("-90", true), ("90", true), ("90.000000", true), ("0", true), ("-0.5", true), ("89.999999", true),
        ("9.5", true), ("90.1", false), ("90.0000001", false), ("91", false), ("09", false), ("+", false), ("45.", false),
        ("45.1234567", false), ("100", false), ("", false), ("4 5", false),
    ])
    func latitude(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.isLatitude(value) == valid)
    }

    @Test("Longitude (§7.2.12)", arguments: [
        ("+75.6972", true), ("180", true), ("-180.0", true), ("179.999999", true), ("99", true), ("0", true),
        ("180.000001", false), ("181", false), ("1800", false), ("099", false), ("-", false), ("", false), ("1.", false),
    ])
    func longitude(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.isLongitude(value) == valid)
    }

    @Test("Currency (§7.5.5): the codes of the enumeration only", arguments: [
        ("USD", true), ("EUR", true), ("XTS", true), ("TZS", true), ("ZWD", true), ("AED", true),
        ("usd", false), ("US", false), ("USDD", false), ("ABC", false), ("XXY", false), ("", false), ("ÜSD", false),
    ])
    func currency(_ value: String, _ valid: Bool) {
        #expect(FSPIOPFormat.isCurrency(value) == valid)
    }

    @Test("An FspId is 1 to 32 visible ASCII characters: it travels in FSPIOP-Source and FSPIOP-Destination")
    func fspIdFitsInAHeader() {
        #expect(FSPIOPFormat.fspId.accepts(String(repeating: "a", count: 32), version: .v1_1))
        #expect(FSPIOPFormat.fspId.accepts("dfsp-1_A.b", version: .v1_1))
        for bad in ["", String(repeating: "a", count: 33), "payer fsp", "payer\nfsp", "payer\r", "payée", "tab\tfsp", "\u{7F}"] {
            #expect(!FSPIOPFormat.fspId.accepts(bad, version: .v1_1), "\(bad.debugDescription)")
        }
    }

    @Test("Every code of the Currency enumeration is accepted")
    func everyCurrency() {
        for currency in Currency.allCases {
            #expect(FSPIOPFormat.isCurrency(currency.rawValue), "\(currency.rawValue)")
        }
    }

    @Test("String(min..max) counts code points, not bytes")
    func lengthsInCodePoints() {
        #expect(FSPIOPFormat.text(min: 1, max: 32).accepts(String(repeating: "é", count: 32), version: .v1_1))
        #expect(!FSPIOPFormat.text(min: 1, max: 32).accepts(String(repeating: "é", count: 33), version: .v1_1))
        #expect(FSPIOPFormat.text(min: 1, max: 128).accepts(String(repeating: "😀", count: 128), version: .v1_1))
        #expect(!FSPIOPFormat.text(min: 1, max: 128).accepts(String(repeating: "😀", count: 129), version: .v1_1))
        #expect(!FSPIOPFormat.text(min: 3, max: 3).accepts("éé", version: .v1_1))
    }

    @Test("Digit and token types")
    func digitTypes() {
        #expect(FSPIOPFormat.isInteger("1") && FSPIOPFormat.isInteger("10") && !FSPIOPFormat.isInteger("0") && !FSPIOPFormat.isInteger("01"))
        #expect(FSPIOPFormat.isOtpValue("000") && FSPIOPFormat.isOtpValue("1234567890") && !FSPIOPFormat.isOtpValue("12"))
        #expect(!FSPIOPFormat.isOtpValue("12345678901") && !FSPIOPFormat.isOtpValue("12a"))
        #expect(FSPIOPFormat.isBopCode("123") && !FSPIOPFormat.isBopCode("023") && !FSPIOPFormat.isBopCode("1234"))
        #expect(FSPIOPFormat.isTokenCode("Test1234") && !FSPIOPFormat.isTokenCode("Test-Code") && !FSPIOPFormat.isTokenCode("abc"))
        #expect(FSPIOPFormat.isMerchantClassificationCode("0") && FSPIOPFormat.isMerchantClassificationCode("4321"))
        #expect(!FSPIOPFormat.isMerchantClassificationCode("12345") && !FSPIOPFormat.isMerchantClassificationCode(""))
        #expect(FSPIOPFormat.isUndefinedEnum("LOCALLY_DEFINED") && !FSPIOPFormat.isUndefinedEnum("lower"))
        #expect(!FSPIOPFormat.isUndefinedEnum(String(repeating: "A", count: 33)))
        #expect(FSPIOPFormat.u2fPin.accepts("MEUCIQD-x", version: .v1_1) && !FSPIOPFormat.u2fPin.accepts("a b", version: .v1_1))
        #expect(!FSPIOPFormat.u2fPin.accepts(String(repeating: "a", count: 65), version: .v1_1))
    }
}

/// Decodes `json` as `T` by the rules of `version`, returning the error thrown, or nil.
func decodingError<T: Decodable & FSPIOPValidatable>(_ type: T.Type, _ json: String, _ version: APIVersion = .v1_1) -> FSPIOPError? {
    do {
        _ = try FSPIOPBodyDecoder.decode(type, from: Data(json.utf8), version: version)
        return nil
    } catch {
        return error
    }
}

@Suite("Body decoding and validation errors")
struct ValidationTests {
    let quote = Examples.quotesPostRequest(v2: false)

    /// The end of the quote example, where its own `extensionList` is.
    static let tail = #""expiration":"\#(Examples.dateTime)","extensionList":{"extension":[{"key":"scheme","value":"demo"}]}"#

    /// The quote example with `old` replaced by `new`; records an issue when the example has no `old`.
    func quote(replacing old: String, with new: String) -> String {
        if !quote.contains(old) { Issue.record("the example has no \(old)") }
        return quote.replacingOccurrences(of: old, with: new)
    }

    @Test("The description names the field and the rule, as the hub does")
    func descriptionFormat() throws {
        let error = try #require(decodingError(Money.self, #"{"currency":"USD","amount":"1.50"}"#))
        #expect(error.code == .malformedSyntax)
        #expect(error.errorDescription == "Malformed syntax - amount: does not match ^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$")
        #expect(error.httpStatus == 400)
    }

    @Test("Invalid JSON is 3101", arguments: ["", "{", "not json", #"{"a":1}}"#, #"{"quoteId":}"#, "\u{FF}\u{FE}", #"{"a":"\x"}"#])
    func invalidJSON(_ body: String) throws {
        let error = try #require(decodingError(QuotesPostRequest.self, body))
        #expect(error.code == .malformedSyntax)
        #expect(error.detail?.hasPrefix("body: is not valid JSON") == true)
    }

    @Test("A trailing comma is invalid JSON (Foundation would accept it)")
    func trailingComma() throws {
        let error = try #require(decodingError(Money.self, #"{"currency":"USD","amount":"1", }"#))
        #expect(error.code == .malformedSyntax)
        #expect(decodingError(Money.self, #"{"currency":"USD,}","amount":"1"}"#)?.code == .malformedSyntax)
        #expect(decodingError(Money.self, #"{"currency":"USD","amount":"1","x":"a\",}"}"#) == nil)
    }

    @Test("Invalid JSON in a property no model reads is still 3101", arguments: [
        "01", "1.", "-", "1e", "1.e5", "-01", "[1,]", #"{"x":1,}"#, #""\x""#, #""\u12G4""#, "\"tab\there\"", "tru", "[1 2]",
        #"{"x" 1}"#, #"{1:2}"#, "'single'",
    ])
    func invalidJSONAnywhere(_ value: String) throws {
        let error = try #require(decodingError(Money.self, #"{"currency":"USD","amount":"1","unread":\#(value)}"#))
        #expect(error.code == .malformedSyntax)
        #expect(error.detail?.hasPrefix("body: is not valid JSON") == true, "\(error.detail ?? "")")
    }

    @Test("Invalid UTF-8 and deep nesting are 3101, not a crash")
    func invalidBytes() throws {
        var bytes = Array(#"{"currency":"USD","amount":"1","unread":""#.utf8)
        bytes += [0xC3, 0x28] + Array(#""}"#.utf8)
        let utf8 = #expect(throws: FSPIOPError.self) {
            try FSPIOPBodyDecoder.decode(Money.self, from: Data(bytes), version: .v1_1)
        }
        #expect(utf8?.code == .malformedSyntax)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let nested = #expect(throws: FSPIOPError.self) {
            try FSPIOPBodyDecoder.decode(Money.self, from: Data(#"{"currency":"USD","amount":"1","x":\#(deep)}"#.utf8), version: .v1_1)
        }
        #expect(nested?.code == .malformedSyntax)
    }

    @Test("Valid JSON of every kind is accepted around the fields that are read", arguments: [
        "-0.5e+10", "0", "1E-3", "true", "false", "null", "[]", "{}", #"[1,"a",{"b":[null]}]"#, #""\u00e9\/\n\"\\""#, #""Zoë 王""#,
    ])
    func validJSON(_ value: String) {
        #expect(decodingError(Money.self, #"{"currency":"USD","amount":"1","unread":\#(value)}"#) == nil)
        #expect(decodingError(Money.self, "\u{FEFF} \n{\"currency\":\"USD\",\"amount\":\"1\"}\t") == nil)
    }

    @Test("A body that is not an object is 3101", arguments: ["[]", "null", "\"text\"", "42", "true"])
    func notAnObject(_ body: String) throws {
        let error = try #require(decodingError(TransfersPostRequest.self, body))
        #expect(error.code == .malformedSyntax)
        #expect(error.detail?.hasPrefix("body:") == true)
    }

    @Test("A missing required field is 3102 with its path", arguments: [
        (#""amountType":"RECEIVE","#, "", "amountType"),
        (#""amount":{"currency":"USD","amount":"123.45"}"#, #""amount":{"amount":"123.45"}"#, "amount.currency"),
        (#""scenario":"REFUND","#, "", "transactionType.scenario"),
        (#""partyIdType":"PERSONAL_ID","#, "", "payee.partyIdInfo.partyIdType"),
        (#"{"key":"scheme","value":"demo"}"#, #"{"value":"demo"}"#, "payee.partyIdInfo.extensionList.extension[0].key"),
    ])
    func missingField(_ old: String, _ new: String, _ path: String) throws {
        let body = quote(replacing: old, with: new)
        let error = try #require(decodingError(QuotesPostRequest.self, body))
        #expect(error.code == .missingElement)
        #expect(error.detail == "\(path): is required")
    }

    @Test("A required field that is null is 3102")
    func nullField() throws {
        let error = try #require(decodingError(QuotesPostRequest.self, quote(replacing: #""amountType":"RECEIVE""#, with: #""amountType":null"#)))
        #expect(error.code == .missingElement)
        #expect(error.detail?.hasPrefix("amountType:") == true)
    }

    @Test("An optional field that is null counts as absent")
    func nullOptionalField() {
        #expect(decodingError(QuotesPostRequest.self, quote(replacing: #""note":"Note sent to Payee.""#, with: #""note":null"#)) == nil)
    }

    @Test("A value of the wrong JSON type is 3101 with its path", arguments: [
        (#""amount":"123.45""#, #""amount":123.45"#, "amount.amount: must be a string"),
        (#""amount":{"currency":"USD","amount":"123.45"}"#, #""amount":"123.45""#, "amount: must be an object"),
        (ValidationTests.tail, #""expiration":"\#(Examples.dateTime)","extensionList":{"extension":{"key":"scheme","value":"demo"}}"#,
         "extensionList.extension: must be an array"),
        (#""quoteId":"b51ec534-ee48-4575-b6a9-ead2955b8069""#, #""quoteId":true"#, "quoteId: must be a string"),
    ])
    func wrongType(_ old: String, _ new: String, _ detail: String) throws {
        let error = try #require(decodingError(QuotesPostRequest.self, quote(replacing: old, with: new)))
        #expect(error.code == .malformedSyntax)
        #expect(error.detail == detail)
    }

    @Test("A null array item is 3101")
    func nullArrayItem() throws {
        let body = quote(replacing: Self.tail, with: #""expiration":"\#(Examples.dateTime)","extensionList":{"extension":[{"key":"a","value":"b"},null]}"#)
        let error = try #require(decodingError(QuotesPostRequest.self, body))
        #expect(error.code == .malformedSyntax)
        #expect(error.detail == "extensionList.extension[1]: must not be null")
    }

    @Test("More than 16 extensions is 3103, none is 3100, a bad item is 3101 with its index")
    func extensionCounts() throws {
        func body(_ items: [String]) -> String {
            quote(replacing: Self.tail, with: #""expiration":"\#(Examples.dateTime)","extensionList":{"extension":[\#(items.joined(separator: ","))]}"#)
        }
        let item = #"{"key":"k","value":"v"}"#
        #expect(decodingError(QuotesPostRequest.self, body(Array(repeating: item, count: 16))) == nil)

        let tooMany = try #require(decodingError(QuotesPostRequest.self, body(Array(repeating: item, count: 17))))
        #expect(tooMany.code == .tooManyElements)
        #expect(tooMany.detail == "extensionList.extension: has 17 items, at most 16 allowed")

        let none = try #require(decodingError(QuotesPostRequest.self, body([])))
        #expect(none.code == .validationError)
        #expect(none.detail == "extensionList.extension: has 0 items, at least 1 required")

        let longKey = #"{"key":"\#(String(repeating: "k", count: 33))","value":"v"}"#
        let bad = try #require(decodingError(QuotesPostRequest.self, body([item, item, longKey])))
        #expect(bad.code == .malformedSyntax)
        #expect(bad.detail == "extensionList.extension[2].key: must be 1 to 32 characters")
    }

    @Test("A value breaking its pattern or enumeration is 3101 with its path", arguments: [
        (#""123.45""#, #""1.50""#, "amount.amount"),
        (#""amountType":"RECEIVE""#, #""amountType":"BOTH""#, "amountType"),
        (#""currency":"USD","amount":"1.5""#, #""currency":"usd","amount":"1.5""#, "fees.currency"),
        (#""dateOfBirth":"1966-06-16""#, #""dateOfBirth":"1966-02-29""#, "payee.personalInfo.dateOfBirth"),
        (#""expiration":"2016-05-24T08:38:08.699-04:00""#, #""expiration":"2016-05-24T08:38:08-04:00""#, "expiration"),
        (#""firstName":"Henrik""#, #""firstName":"Henrik!""#, "payee.personalInfo.complexName.firstName"),
        (#""latitude":"+45.4215""#, #""latitude":"+95""#, "geoCode.latitude"),
        (#""balanceOfPayments":"123""#, #""balanceOfPayments":"012""#, "transactionType.balanceOfPayments"),
        (#""subScenario":"LOCALLY_DEFINED_SUBSCENARIO""#, #""subScenario":"local""#, "transactionType.subScenario"),
        (#""merchantClassificationCode":"4321""#, #""merchantClassificationCode":"43210""#, "payee.merchantClassificationCode"),
        (#""fspId":"payeefsp""#, #""fspId":"\#(String(repeating: "f", count: 33))""#, "payee.partyIdInfo.fspId"),
    ])
    func patternViolations(_ old: String, _ new: String, _ path: String) throws {
        let error = try #require(decodingError(QuotesPostRequest.self, quote(replacing: old, with: new)))
        #expect(error.code == .malformedSyntax)
        #expect(error.detail?.hasPrefix("\(path):") == true, "\(error.detail ?? "")")
    }

    @Test("The first rule broken is the one reported")
    func firstFailureWins() throws {
        let body = quote(replacing: #""quoteId":"\#(Examples.id1)""#, with: #""quoteId":"nope""#)
            .replacingOccurrences(of: #""amountType":"RECEIVE""#, with: #""amountType":"BOTH""#)
        let error = try #require(decodingError(QuotesPostRequest.self, body))
        #expect(error.detail?.hasPrefix("quoteId:") == true)
    }

    @Test("Names in any script pass where the Name pattern allows them", arguments: [
        "Zoë", "محمد", "王小明", "Nguyễn", "Σωκράτης", "O'Brien-Smith",
    ])
    func unicodeNames(_ name: String) {
        let body = quote(replacing: #""firstName":"Henrik""#, with: #""firstName":"\#(name)""#)
        #expect(decodingError(QuotesPostRequest.self, body) == nil)
        #expect(decodingError(QuotesPostRequest.self, body, .v2_0) == nil)
    }

    @Test("A fulfil reporting COMMITTED must carry the fulfilment (§6.7.4.1)")
    func committedNeedsFulfilment() throws {
        let error = try #require(decodingError(TransfersIDPutResponse.self, #"{"transferState":"COMMITTED"}"#))
        #expect(error.code == .missingElement)
        #expect(error.detail == "fulfilment: is required when transferState is COMMITTED")
        #expect(decodingError(TransfersIDPutResponse.self, #"{"transferState":"RESERVED"}"#) == nil)
        #expect(decodingError(TransfersIDPutResponse.self, #"{"transferState":"DONE"}"#)?.code == .malformedSyntax)
    }

    @Test("AuthenticationValue follows the authentication type (§7.3.3)")
    func authenticationValue() throws {
        func body(_ type: String, _ value: String) -> String {
            #"{"authenticationInfo":{"authentication":"\#(type)","authenticationValue":\#(value)},"responseType":"ENTERED"}"#
        }
        #expect(decodingError(AuthorizationsIDPutResponse.self, body("OTP", #""0123""#)) == nil)
        #expect(decodingError(AuthorizationsIDPutResponse.self, body("QRCODE", #""QR-code_value/123""#)) == nil)
        #expect(decodingError(AuthorizationsIDPutResponse.self, body("OTP", #""12ab""#))?.code == .malformedSyntax)
        #expect(decodingError(AuthorizationsIDPutResponse.self, body("QRCODE", #""has space""#))?.code == .malformedSyntax)
        #expect(decodingError(AuthorizationsIDPutResponse.self, body("U2F", #""123456""#))?.code == .validationError)
        #expect(decodingError(AuthorizationsIDPutResponse.self, body("OTP", #"{"pinValue":"a","counter":"1"}"#))?.code == .validationError)
        let number = try #require(decodingError(AuthorizationsIDPutResponse.self, body("OTP", "123456")))
        #expect(number.code == .malformedSyntax)
        #expect(number.detail == "authenticationInfo.authenticationValue: must be a string or a U2FPinValue object")
        let counter = try #require(decodingError(AuthorizationsIDPutResponse.self, body("U2F", #"{"pinValue":"a","counter":"0"}"#)))
        #expect(counter.detail?.hasPrefix("authenticationInfo.authenticationValue.counter:") == true)
    }

    @Test("An errorCode that is not four digits is 3101 at its path")
    func errorCode() throws {
        let error = try #require(decodingError(ErrorInformationObject.self, #"{"errorInformation":{"errorCode":"0100","errorDescription":"x"}}"#))
        #expect(error.code == .malformedSyntax)
        #expect(error.detail?.hasPrefix("errorInformation.errorCode:") == true)
        #expect(decodingError(ErrorInformationObject.self, #"{"errorInformation":{"errorCode":"5100","errorDescription":""}}"#)?.code == .malformedSyntax)
    }

    @Test("The validator alone reports the path of the first failure")
    func validatorDirectly() {
        let list = ExtensionList([Extension(key: "ok", value: "v"), Extension(key: "", value: "v")])
        var validator = FieldValidator(version: .v1_1)
        validator.object("extensionList", list)
        #expect(!validator.isValid)
        #expect(validator.failure == FSPIOPError(.malformedSyntax, "extensionList.extension[1].key: must be 1 to 32 characters"))
        #expect(validator.path == "body")
        #expect(throws: FSPIOPError.self) { try list.validate(version: .v1_1) }
    }
}

@Suite("FSPIOP 2.0 rules")
struct ValidationV2Tests {
    let quote = Examples.quotesPostRequest(v2: true)

    @Test("An unknown property is accepted and ignored in 1.x", arguments: [APIVersion.v1_0, .v1_1])
    func unknownPropertyIn1_x(_ version: APIVersion) {
        let body = quote.replacingOccurrences(of: #""amountType":"RECEIVE""#, with: #""amountType":"RECEIVE","nickname":{"any":[1,2]}"#)
        #expect(decodingError(QuotesPostRequest.self, body, version) == nil)
    }

    @Test("An unknown property is 3100 naming it in 2.0 (additionalProperties false)", arguments: [
        (#""amountType":"RECEIVE""#, #""amountType":"RECEIVE","nickname":"x""#, "nickname"),
        (#""fspId":"payeefsp","extensionList""#, #""fspId":"payeefsp","zz":1,"aa":2,"extensionList""#, "payee.partyIdInfo.aa"),
        (#""key":"scheme","value":"demo""#, #""key":"scheme","value":"demo","x":null"#, "payee.partyIdInfo.extensionList.extension[0].x"),
        (#""latitude":"+45.4215""#, #""latitude":"+45.4215","altitude":"1""#, "geoCode.altitude"),
    ])
    func unknownPropertyIn2_0(_ old: String, _ new: String, _ path: String) throws {
        let body = quote.replacingOccurrences(of: old, with: new)
        #expect(body != quote)
        let error = try #require(decodingError(QuotesPostRequest.self, body, .v2_0))
        #expect(error.code == .validationError)
        #expect(error.detail?.hasPrefix("\(path): is not allowed") == true, "\(error.detail ?? "")")
    }

    @Test("Explicit nulls and repeated names are not unknown properties")
    func nullsAndRepeatsIn2_0() {
        let nulls = quote.replacingOccurrences(of: #""amountType":"RECEIVE""#, with: #""amountType":"RECEIVE","fees":null,"note":null"#)
        #expect(decodingError(QuotesPostRequest.self, nulls, .v2_0) == nil)
        let repeated = quote.replacingOccurrences(of: #""amountType":"RECEIVE""#, with: #""amountType":"SEND","amountType":"RECEIVE""#)
        #expect(decodingError(QuotesPostRequest.self, repeated, .v2_0) == nil)
    }

    @Test("A valid 2.0 body has as many members as its model encodes, so the fast path decides", arguments: Examples.all)
    func memberCountsMatch(_ example: BodyExample) throws {
        let json = Data(example.json(true).utf8)
        let (encoded, _) = try example.reencode(json, .v2_0)
        let body = json.withUnsafeBytes { JSONSyntax.scan($0) }
        let again = encoded.withUnsafeBytes { JSONSyntax.scan($0) }
        #expect(body.failure == nil)
        #expect(body.memberCount == again.memberCount)
        let value = try JSONSerialization.jsonObject(with: json)
        #expect(body.memberCount == Self.members(of: value))
        #expect(try example.encodedMemberCount(json) == body.memberCount)
    }

    /// Counts object members the slow way, to check `JSONSyntax`'s count.
    static func members(of value: Any) -> Int {
        if let object = value as? [String: Any] { return object.count + object.values.map(members(of:)).reduce(0, +) }
        if let array = value as? [Any] { return array.map(members(of:)).reduce(0, +) }
        return 0
    }

    @Test("A ULID is a CorrelationId in 2.0 only")
    func ulid() throws {
        let body = quote.replacingOccurrences(of: Examples.id1, with: "01ARZ3NDEKTSV4RRFFQ69G5FAV")
        #expect(decodingError(QuotesPostRequest.self, body, .v2_0) == nil)
        let v1 = Examples.quotesPostRequest(v2: false).replacingOccurrences(of: Examples.id1, with: "01ARZ3NDEKTSV4RRFFQ69G5FAV")
        let error = try #require(decodingError(QuotesPostRequest.self, v1, .v1_1))
        #expect(error.code == .malformedSyntax)
        #expect(error.detail?.hasPrefix("quoteId:") == true)
    }

    @Test("The rules of 2.0-only properties apply in 2.0", arguments: [
        (#""supportedCurrencies":["USD","EUR"]"#, #""supportedCurrencies":["USD","EUX"]"#, FSPIOPErrorCode.malformedSyntax, "payee.supportedCurrencies[1]"),
        (#""supportedCurrencies":["USD","EUR"]"#, #""supportedCurrencies":[\#(Array(repeating: "\"USD\"", count: 17).joined(separator: ","))]"#,
         .tooManyElements, "payee.supportedCurrencies"),
        (#""converter":"PAYER""#, #""converter":"FXP""#, .malformedSyntax, "converter"),
        (#""currency":"EUR","amount":"92.5""#, #""currency":"EUR","amount":"92.50""#, .malformedSyntax, "currencyConversion.targetAmount.amount"),
        (#""kycInformation":"{\"verified\":true}""#, #""kycInformation":"""#, .malformedSyntax, "payee.personalInfo.kycInformation"),
    ])
    func v2PropertyRules(_ old: String, _ new: String, _ code: FSPIOPErrorCode, _ path: String) throws {
        let body = quote.replacingOccurrences(of: old, with: new)
        #expect(body != quote)
        let error = try #require(decodingError(QuotesPostRequest.self, body, .v2_0))
        #expect(error.code == code)
        #expect(error.detail?.hasPrefix("\(path):") == true, "\(error.detail ?? "")")
        #expect(decodingError(QuotesPostRequest.self, body, .v1_1) == nil, "ignored in 1.1")
    }

    @Test("A 2.0-only resource in a 1.x body is 3001", arguments: Examples.all.filter { $0.since >= .v2_0 })
    func fxResourcesNeed2_0(_ example: BodyExample) throws {
        let data = Data(example.json(true).utf8)
        #expect(throws: Never.self) { try example.decode(data, .v2_0) }
        let error = #expect(throws: FSPIOPError.self) { try example.decode(data, .v1_1) }
        #expect(error?.code == .unacceptableVersion)
    }

    @Test("FxMoney may leave out the amount, Money may not")
    func fxMoney() throws {
        let body = #"{"conversionRequestId":"\#(Examples.id1)","conversionTerms":\#(Examples.fxConversion(amounts: false))}"#
        #expect(decodingError(FxQuotesPostRequest.self, body, .v2_0) == nil)
        let error = try #require(decodingError(FxRate.self, #"{"sourceAmount":{"currency":"USD"},"targetAmount":{"currency":"EUR","amount":"1"}}"#, .v2_0))
        #expect(error.detail == "sourceAmount.amount: is required")
    }

    @Test("A conversion reported COMMITTED must carry the fulfilment")
    func fxCommittedNeedsFulfilment() {
        #expect(decodingError(FxTransfersIDPutResponse.self, #"{"conversionState":"COMMITTED"}"#, .v2_0)?.code == .missingElement)
        #expect(decodingError(FxTransfersIDPutResponse.self, #"{"conversionState":"ABORTED"}"#, .v2_0) == nil)
    }

    @Test("More than 16 FXP providers is 3103")
    func providers() throws {
        let many = Array(repeating: "\"fxp\"", count: 17).joined(separator: ",")
        let error = try #require(decodingError(ServicesFXPPutResponse.self, #"{"providers":[\#(many)]}"#, .v2_0))
        #expect(error.code == .tooManyElements)
        #expect(decodingError(ServicesFXPPutResponse.self, #"{"providers":[]}"#, .v2_0) == nil)
    }
}

@Suite("Robustness")
struct ValidationRobustnessTests {
    /// Deterministic pseudo-random numbers (SplitMix64), so that a failure can be replayed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("Mutated bodies never trap: they decode or fail with a 3xxx error", arguments: Examples.all)
    func mutations(_ example: BodyExample) {
        var random = SplitMix64(state: UInt64(truncatingIfNeeded: example.schema.utf8.count) &* 7919)
        let original = Array(example.json(true).utf8)
        let noise: [UInt8] = Array(#"{}[]",:\0aZ9.-_=é "#.utf8) + [0x00, 0xFF, 0x7F, 0xC3]
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[at] = noise.randomElement(using: &random) ?? 0
                case 1: bytes.remove(at: at)
                default: bytes.insert(noise.randomElement(using: &random) ?? 0, at: at)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            for version in [APIVersion.v1_1, .v2_0] {
                do {
                    try example.decode(Data(bytes), version)
                } catch {
                    #expect(error.code.rawValue.hasPrefix("3"), "\(error)")
                    #expect(error.detail?.isEmpty == false)
                }
            }
        }
    }
}
