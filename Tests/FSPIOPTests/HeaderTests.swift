import Testing
@testable import FSPIOP

struct HeaderTests {
    static func headers(_ changes: [String: String?] = [:]) -> HeaderFields {
        var fields: HeaderFields = [
            "Accept": "application/vnd.interoperability.parties+json;version=1",
            "Content-Type": "application/vnd.interoperability.parties+json;version=1.1",
            "Date": "Sat, 28 Nov 2026 23:32:08 GMT",
            "FSPIOP-Source": "payerfsp",
            "FSPIOP-Destination": "payeefsp",
        ]
        for (name, value) in changes { fields[name] = value }
        return fields
    }

    func code(_ method: String = "POST", _ headers: HeaderFields, hasBody: Bool = true) -> FSPIOPErrorCode? {
        do {
            _ = try RequestHeaders.validate(method: method, resource: "parties", headers: headers, hasBody: hasBody)
            return nil
        } catch { return error.code }
    }

    @Test("valid headers give the content and response versions")
    func valid() throws {
        let checked = try RequestHeaders.validate(method: "POST", resource: "parties", headers: Self.headers(), hasBody: true)
        #expect(checked.contentVersion == .v1_1)
        #expect(checked.responseVersion == .v1_1)
        #expect(checked.source == "payerfsp")
        #expect(checked.destination == "payeefsp")
        #expect(checked.date.httpDate == "Sat, 28 Nov 2026 23:32:08 GMT")
    }

    @Test("content types", arguments: [
        ("application/vnd.interoperability.parties+json;version=1.0", nil),
        ("application/vnd.interoperability.parties+json;version=2.0", nil),
        ("application/vnd.interoperability.parties+json ; version=1.1", nil),
        ("application/vnd.interoperability.iso20022.parties+json;version=2.0", nil),
        ("application/vnd.interoperability.parties+json;version=1", FSPIOPErrorCode.malformedSyntax),
        ("application/vnd.interoperability.quotes+json;version=1.1", .malformedSyntax),
        ("application/json", .malformedSyntax),
        ("application/vnd.interoperability.parties+json;version=1.1;charset=utf-8", .malformedSyntax),
        ("application/vnd.interoperability.parties+json;  version=1.1", .malformedSyntax),
        ("application/vnd.interoperability.parties+json;version=3.0", .unacceptableVersion),
        ("application/vnd.interoperability.parties+json;version=1.2", .unacceptableVersion),
    ] as [(String, FSPIOPErrorCode?)])
    func contentTypes(value: String, expected: FSPIOPErrorCode?) {
        #expect(code("POST", Self.headers(["Content-Type": value])) == expected)
    }

    @Test("accept headers", arguments: [
        ("application/vnd.interoperability.parties+json;version=1", nil),
        ("application/vnd.interoperability.parties+json;version=1.0", nil),
        ("application/vnd.interoperability.parties+json", nil),
        ("application/vnd.interoperability.parties+json;version=2,application/vnd.interoperability.parties+json;version=1", nil),
        ("application/vnd.interoperability.parties+json;version=2, application/vnd.interoperability.parties+json;version=1", FSPIOPErrorCode.malformedSyntax),
        ("application/vnd.interoperability.quotes+json;version=1", .malformedSyntax),
        ("application/vnd.interoperability.parties+json;version=3", .unacceptableVersion),
        ("application/vnd.interoperability.parties+json;version=1.5", .unacceptableVersion),
    ] as [(String, FSPIOPErrorCode?)])
    func acceptHeaders(value: String, expected: FSPIOPErrorCode?) {
        #expect(code("GET", Self.headers(["Accept": value, "Content-Type": nil]), hasBody: false) == expected)
    }

    @Test("the highest acceptable version answers")
    func negotiation() throws {
        let both = try RequestHeaders.validate(method: "GET", resource: "parties", headers: Self.headers([
            "Accept": "application/vnd.interoperability.parties+json;version=1,application/vnd.interoperability.parties+json;version=2",
            "Content-Type": nil]), hasBody: false)
        #expect(both.responseVersion == .v2_0)
        let onlyOne = try RequestHeaders.validate(method: "GET", resource: "parties", headers: Self.headers([
            "Accept": "application/vnd.interoperability.parties+json;version=1", "Content-Type": nil]), hasBody: false)
        #expect(onlyOne.responseVersion == .v1_1)
    }

    @Test("3001 lists the supported versions as major/minor extensions (§3.3.4.3)")
    func unacceptableVersionExtensions() {
        do {
            _ = try RequestHeaders.validate(method: "GET", resource: "parties", headers: Self.headers([
                "Accept": "application/vnd.interoperability.parties+json;version=9"]), hasBody: false)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .unacceptableVersion)
            #expect(error.httpStatus == 406)
            let info = error.errorInformation.errorInformation
            #expect(info.extensionList?.extension == [Extension(key: "1", value: "0"), Extension(key: "1", value: "1"), Extension(key: "2", value: "0")])
        }
    }

    @Test("missing and bad headers", arguments: [
        ("POST", "Content-Type", nil, FSPIOPErrorCode.missingElement),
        ("POST", "Accept", nil, .missingElement),
        ("GET", "Accept", nil, .missingElement),
        ("PUT", "Accept", nil, nil),
        ("PATCH", "Accept", nil, nil),
        ("PUT", "Date", nil, .missingElement),
        ("PUT", "Date", "2026-11-28T23:32:08Z", .malformedSyntax),
        ("PUT", "Date", "Sat, 28 Nov 2026 23:32:08 UTC", .malformedSyntax),
        ("PUT", "Date", "Fri, 28 Nov 2026 23:32:08 GMT", .malformedSyntax),
        ("PUT", "Date", "Sat, 8 Nov 2026 23:32:08 GMT", .malformedSyntax),
        ("PUT", "FSPIOP-Source", nil, .missingElement),
        ("PUT", "FSPIOP-Source", "", .missingElement),
        ("PUT", "FSPIOP-Destination", nil, nil),
    ] as [(String, String, String?, FSPIOPErrorCode?)])
    func missingHeaders(method: String, name: String, value: String?, expected: FSPIOPErrorCode?) {
        #expect(code(method, Self.headers([name: value])) == expected)
    }

    @Test("header names match in any case")
    func caseInsensitive() {
        let fields = HeaderFields(Self.headers().map { ($0.name.lowercased(), $0.value) })
        #expect(code("POST", fields) == nil)
        var upper = fields
        upper["FSPIOP-SOURCE"] = "x"
        #expect(upper["fspiop-source"] == "x")
    }

    @Test("media types are written as the SDK writes them")
    func mediaTypes() {
        #expect(MediaType.contentType("transfers", .v1_1) == "application/vnd.interoperability.transfers+json;version=1.1")
        #expect(MediaType.accept("transfers", major: 1) == "application/vnd.interoperability.transfers+json;version=1")
    }

    @Test("FSPIOP-URI is the right-most resource suffix, query included", arguments: [
        ("https://someswitch.com:443/prefix/parties/MSISDN/12345678", "/parties/MSISDN/12345678"),
        ("http://stg-simulator.moja.live/payerfsp/participants/MSISDN/123456789", "/participants/MSISDN/123456789"),
        ("http://hub/transfers/1234/error", "/transfers/1234/error"),
        ("http://hub/authorizations/1?authenticationType=OTP&retriesLeft=1", "/authorizations/1?authenticationType=OTP&retriesLeft=1"),
        ("http://hub/quotes", "/quotes"),
        ("/transfers", "/transfers"),
    ])
    func fspiopURI(url: String, expected: String) {
        #expect(FSPIOPURI.from(url: url) == expected)
    }
}

struct TimestampTests {
    @Test("HTTP dates in the hub's form", arguments: [
        (Int64(0), "Thu, 01 Jan 1970 00:00:00 GMT"),
        (1_795_908_728_000, "Sat, 28 Nov 2026 23:32:08 GMT"),
        (951_782_400_000, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (978_307_200_000, "Mon, 01 Jan 2001 00:00:00 GMT"),
    ])
    func httpDates(milliseconds: Int64, text: String) throws {
        #expect(Timestamp(millisecondsSinceEpoch: milliseconds).httpDate == text)
        #expect(try #require(Timestamp(httpDate: text)).millisecondsSinceEpoch == milliseconds)
    }

    @Test("FSPIOP DateTime with offsets", arguments: [
        ("2016-05-24T08:38:08.699-04:00", "2016-05-24T12:38:08.699Z"),
        ("2016-05-24T08:38:08.699Z", "2016-05-24T08:38:08.699Z"),
        ("2026-01-01T01:00:00.000+02:00", "2025-12-31T23:00:00.000Z"),
        ("2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"),
    ])
    func dateTimes(text: String, utc: String) throws {
        #expect(try #require(Timestamp(dateTime: text)).dateTime == utc)
    }

    @Test("invalid DateTimes are refused", arguments: [
        "2016-05-24T08:38:08Z", "2016-05-24T08:38:08.69Z", "2023-02-29T00:00:00.000Z", "2016-13-01T00:00:00.000Z",
        "2016-04-31T00:00:00.000Z", "2016-05-24T24:00:00.000Z", "0999-05-24T08:38:08.699Z", "2016-05-24 08:38:08.699Z",
        "2016-05-24T08:38:08.699+0400", "2016-05-24T08:38:08.699", "",
    ])
    func invalidDateTimes(text: String) {
        #expect(Timestamp(dateTime: text) == nil)
    }

    @Test("ILP v4 expiresAt")
    func interledger() throws {
        let value = try #require(Timestamp(dateTime: "2026-01-25T20:04:19.921Z"))
        #expect(value.interledgerTimestamp == "20260125200419921")
        #expect(Timestamp(interledgerTimestamp: "20260125200419921") == value)
        #expect(Timestamp(interledgerTimestamp: "2026012520041992") == nil)
    }
}

struct ErrorCatalogueTests {
    @Test("the Swift table holds the whole shared catalogue with the same names")
    func wholeCatalogue() throws {
        let document = try #require(try Shared.json("fspiop/errorcodes.json") as? [String: Any])
        let codes = try #require(document["codes"] as? [[String: Any]])
        #expect(ErrorCatalogue.entries.count == codes.count)
        for code in codes {
            let text = try #require(code["code"] as? String)
            let entry = try #require(ErrorCatalogue.entry(for: text), "\(text) missing")
            #expect(entry.name == code["name"] as? String)
        }
    }

    @Test("codes, statuses and descriptions")
    func statuses() {
        #expect(FSPIOPErrorCode.malformedSyntax.rawValue == "3101")
        #expect(FSPIOPErrorCode.invalidSignature.httpStatus == 400)
        #expect(FSPIOPErrorCode.unacceptableVersion.httpStatus == 406)
        #expect(FSPIOPErrorCode.unknownUri.httpStatus == 404)
        #expect(FSPIOPErrorCode.notImplemented.httpStatus == 501)
        #expect(FSPIOPErrorCode.serverError.httpStatus == 500)
        #expect(FSPIOPErrorCode.communicationError.httpStatus == 503)
        // A scheme-specific code is understood as its category's generic code (§7.6).
        #expect(FSPIOPErrorCode("5142")?.name == "Generic Payee rejection")
        #expect(FSPIOPErrorCode("0123") == nil)
        #expect(FSPIOPErrorCode("31a1") == nil)
        let error = FSPIOPError(.malformedSyntax, "amount.amount: does not match the Amount pattern")
        #expect(error.errorInformation.errorInformation.errorDescription == "Malformed syntax - amount.amount: does not match the Amount pattern")
        #expect(FSPIOPError(.partyNotFound).errorInformation.errorInformation.errorDescription == "Party not found")
        let long = FSPIOPError(.validationError, String(repeating: "x", count: 300))
        #expect(long.errorInformation.errorInformation.errorDescription.count == 128)
    }
}
