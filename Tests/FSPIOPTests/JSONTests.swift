import Testing
@testable import FSPIOP
@testable import PMCore

struct JSONTests {
    @Test("canonical JSON sorts keys at every level by UTF-16 code units, as JavaScript does")
    func sortedKeys() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":{"z":[{"y":true,"x":null}],"LastName":"L","firstName":"f"},"10":2,"2":3,"\uffff":4,"\ud800\udc00":5}"#)
        #expect(CanonicalJSON.string(value) == #"{"10":2,"2":3,"a":{"LastName":"L","firstName":"f","z":[{"x":null,"y":true}]},"b":1,"𐀀":5,"￿":4}"#)
    }

    @Test("strings are escaped exactly as JSON.stringify escapes them")
    func escaping() {
        let text = "quote \" backslash \\ slash / tab \t newline \n return \r backspace \u{08} formfeed \u{0C} nul \u{00} unit \u{1F} del \u{7F} é 北京 😀 \u{2028}"
        var out: [UInt8] = []
        CanonicalJSON.writeString(text, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""quote \" backslash \\ slash / tab \t newline \n return \r backspace \b formfeed \f nul \u0000 unit \u001f del "# + "\u{7F} é 北京 😀 \u{2028}\"")
    }

    @Test("duplicate members keep the last value at the first position, as JSON.parse does")
    func duplicates() throws {
        let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(String(decoding: CanonicalJSON.insertionOrderBytes(value), as: UTF8.self) == #"{"a":3,"b":2}"#)
        #expect(value.hasDuplicateMemberNames)
    }

    @Test("numbers are written as JavaScript writes them", arguments: [
        ("0", "0"), ("-0", "0"), ("12", "12"), ("1.0", "1"), ("1.50", "1.5"), ("1e3", "1000"), ("1E21", "1e+21"),
        ("123456789012345678901", "123456789012345680000"), ("0.000001", "0.000001"), ("1e-7", "1e-7"),
        ("-2.5e-8", "-2.5e-8"), ("9007199254740993", "9007199254740992"), ("0.1", "0.1"), ("100.25", "100.25"),
    ])
    func numbers(literal: String, expected: String) {
        #expect(JavaScriptNumber.text(literal) == expected)
    }

    @Test("the parser refuses what is not JSON", arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", ".5", "+1", "-", "1e", "tru", "nul",
        "\"\\x\"", "\"\u{01}\"", "\"\\ud800\"", "\"\\udc00\"", "[1] 2", "{\"a\" 1}", "NaN", "\"unterminated",
        "/* comment */ 1", "[" + String(repeating: "[", count: 200) + String(repeating: "]", count: 201),
    ])
    func invalid(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test("invalid UTF-8 in a string is refused")
    func invalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("the parser keeps member order, number text and escapes")
    func parse() throws {
        let value = try JSONParser.parse(" {\"z\": -1.50e+2, \"a\": [true, false, null, \"\\u00e9\\ud83d\\ude00\\/\"]} ")
        #expect(value == .object([("z", .number("-1.50e+2")), ("a", .array([.bool(true), .bool(false), .null, .string("é😀/")]))]))
    }

    struct Sample: Encodable {
        var name: String
        var note: String?
        var count: Int
        var ratio: Double
        var tags: [String]
        var nested: [String: Int]
    }

    @Test("Encodable values become canonical JSON; nil optionals are omitted")
    func encodable() throws {
        let bytes = try CanonicalJSON.bytes(of: Sample(name: "Zoë/1", note: nil, count: 3, ratio: 0.5, tags: ["b", "a"], nested: ["y": 1, "x": 2]))
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"count":3,"name":"Zoë/1","nested":{"x":2,"y":1},"ratio":0.5,"tags":["b","a"]}"#)
    }

    @Test("base64url and base64 round-trip and refuse bad text")
    func base64() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base64.urlDecoded(Base64.urlEncoded(bytes)) == bytes)
            #expect(Base64.standardDecoded(Base64.standardEncoded(bytes)) == bytes)
            #expect(!Base64.urlEncoded(bytes).contains("="))
        }
        #expect(Base64.standardEncoded(Array("secret".utf8)) == "c2VjcmV0")
        #expect(Base64.standardEncoded([0xFB, 0xFF]) == "+/8=")
        #expect(Base64.urlEncoded([0xFB, 0xFF]) == "-_8")
        #expect(Base64.urlDecoded("-_8=") == [0xFB, 0xFF])
        for bad in ["a", "ab=c", "+/8", "a===", "ab!c", "-_9"] { #expect(Base64.urlDecoded(bad) == nil, "\(bad)") }
    }
}

@Suite("Random UUIDs")
struct RandomUUIDTests {
    @Test("ids are lower-case version 4 UUIDs, accepted as CorrelationIds, and do not repeat")
    func format() {
        var seen = Set<String>()
        for _ in 0..<5000 {
            let id = RandomUUID.make()
            #expect(id.count == 36)
            #expect(FSPIOPFormat.correlationId.accepts(id, version: .v1_1), "\(id)")
            let characters = Array(id)
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
            seen.insert(id)
        }
        #expect(seen.count == 5000)
    }
}
