import Foundation
import Testing
@testable import FSPIOP

// Differential tests: each hand-written scanner must agree with the specification's regular expression
// (compiled here with NSRegularExpression, which is fine in a test) on thousands of generated strings,
// boundary cases included.
//
// Two differences between ICU (NSRegularExpression) and the JavaScript engine of the hub are kept out
// of the corpora: ICU's `\d` also matches non-ASCII decimal digits, and ICU's `$` also matches before a
// final line terminator. The corpora of `\d` patterns are ASCII and no corpus has line terminators.

/// One data type: the spec's pattern, the scanner under test, and the strings to compare them on.
struct DifferentialCase: Sendable, CustomTestStringConvertible {
    let name: String
    /// The pattern exactly as in the OpenAPI (`components/schemas`).
    let pattern: String
    let scanner: @Sendable (String) -> Bool
    let corpus: @Sendable () -> [String]

    var testDescription: String { name }
}

/// Generators of test strings; deterministic so that a failure can be replayed.
enum Corpus {
    /// Every string of at most `maxLength` elements of `alphabet`.
    static func exhaustive(_ alphabet: [String], maxLength: Int) -> [String] {
        var all = [""]
        var level = [""]
        for _ in 0..<maxLength {
            level = level.flatMap { prefix in alphabet.map { prefix + $0 } }
            all += level
        }
        return all
    }

    /// `count` strings of random length in `lengths` over `alphabet`.
    static func random(_ alphabet: [String], lengths: ClosedRange<Int>, count: Int, seed: UInt64) -> [String] {
        var generator = ValidationRobustnessTests.SplitMix64(state: seed)
        return (0..<count).map { _ in
            let length = Int.random(in: lengths, using: &generator)
            return (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "" }.joined()
        }
    }

    /// `valid`, and every string made by replacing one of its characters by one of `alphabet`, deleting
    /// one, or appending one.
    static func mutations(of valid: [String], _ alphabet: [String]) -> [String] {
        var out: [String] = []
        for base in valid {
            let characters = base.map(String.init)
            out.append(base)
            for index in characters.indices {
                var deleted = characters
                deleted.remove(at: index)
                out.append(deleted.joined())
                for replacement in alphabet {
                    var changed = characters
                    changed[index] = replacement
                    out.append(changed.joined())
                }
            }
            out += alphabet.map { base + $0 }
        }
        return out
    }

    static func characters(_ text: String) -> [String] { text.map(String.init) }
}

extension DifferentialCase {
    static let dateLike = Corpus.characters("0123456789-:TZ.+ z")

    static let all: [DifferentialCase] = [
        DifferentialCase(
            name: "Amount", pattern: #"^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$"#, scanner: FSPIOPFormat.isAmount,
            corpus: {
                Corpus.exhaustive(Corpus.characters("019.-"), maxLength: 6)
                    + Corpus.random(Corpus.characters("0123456789.."), lengths: 15...25, count: 3000, seed: 1)
            }),
        DifferentialCase(
            name: "CorrelationId 1.1", pattern: #"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#,
            scanner: FSPIOPFormat.isCorrelationIdV1,
            corpus: {
                Corpus.mutations(
                    of: ["b51ec534-ee48-4575-b6a9-ead2955b8069", "00000000-0000-1000-8000-000000000000", "ffffffff-ffff-5fff-bfff-ffffffffffff"],
                    Corpus.characters("0123456789abcdefgABF-67c "))
            }),
        DifferentialCase(
            name: "CorrelationId 2.0",
            pattern: #"^[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$|^[0-9A-HJKMNP-TV-Z]{26}$"#,
            scanner: FSPIOPFormat.isCorrelationIdV2,
            corpus: {
                Corpus.mutations(
                    of: ["b51ec534-ee48-7575-b6a9-ead2955b8069", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "0000000000000000000000000Z"],
                    Corpus.characters("0189afgAHIJKLMNOPTUVZaz-67c "))
            }),
        DifferentialCase(
            name: "Date",
            pattern: #"^(?:[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)$"#,
            scanner: FSPIOPFormat.isDate,
            corpus: {
                let years = ["0999", "1000", "1600", "1700", "1900", "1904", "1999", "2000", "2004", "2023", "2024", "2100", "2400", "9996", "9999"]
                let dates = years.flatMap { year in
                    (0...13).flatMap { month in
                        (0...32).map { day in "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)" }
                    }
                }
                return dates + Corpus.mutations(of: ["2016-05-24"], dateLike)
            }),
        DifferentialCase(
            name: "DateTime",
            pattern: #"^(?:[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:(\.\d{3}))(?:Z|[+-][01]\d:[0-5]\d)$"#,
            scanner: FSPIOPFormat.isDateTime,
            corpus: {
                let times = (18...25).flatMap { hour in
                    [0, 9, 59, 60].flatMap { minute in
                        ["Z", "+19:59", "-20:00", "+00:60", "+0000", ""].map { zone in
                            String(format: "2000-02-29T%02d:%02d:%02d.123", hour, minute, minute) + zone
                        }
                    }
                }
                return times + Corpus.mutations(of: ["2016-05-24T08:38:08.699-04:00", "2016-05-24T08:38:08.699Z"], dateLike)
            }),
        DifferentialCase(
            name: "IlpCondition", pattern: #"^[A-Za-z0-9-_]{43}$"#, scanner: FSPIOPFormat.isBinaryString32,
            corpus: {
                Corpus.mutations(of: ["fH9pAYDQbmoZLPbvv3CSW2RfjU4jvM4ApG_fqGnR7Xs"], Corpus.characters("Aa9-_=+/ .é"))
                    + Corpus.random(Corpus.characters("Aa9-_="), lengths: 42...44, count: 500, seed: 2)
            }),
        DifferentialCase(
            name: "IlpPacket", pattern: #"^[A-Za-z0-9-_]+[=]{0,2}$"#, scanner: FSPIOPFormat.isIlpPacket,
            corpus: { Corpus.exhaustive(Corpus.characters("Az9-_=+/ "), maxLength: 4) }),
        DifferentialCase(
            name: "Latitude", pattern: #"^(\+|-)?(?:90(?:(?:\.0{1,6})?)|(?:[0-9]|[1-8][0-9])(?:(?:\.[0-9]{1,6})?))$"#,
            scanner: FSPIOPFormat.isLatitude,
            corpus: {
                Corpus.exhaustive(Corpus.characters("+-0189."), maxLength: 5)
                    + Corpus.random(Corpus.characters("0123456789.0"), lengths: 6...10, count: 3000, seed: 3)
            }),
        DifferentialCase(
            name: "Longitude",
            pattern: #"^(\+|-)?(?:180(?:(?:\.0{1,6})?)|(?:[0-9]|[1-9][0-9]|1[0-7][0-9])(?:(?:\.[0-9]{1,6})?))$"#,
            scanner: FSPIOPFormat.isLongitude,
            corpus: {
                Corpus.exhaustive(Corpus.characters("+-01789."), maxLength: 5)
                    + Corpus.random(Corpus.characters("0123456789.0"), lengths: 6...10, count: 3000, seed: 4)
            }),
        DifferentialCase(
            name: "Name (FirstName, MiddleName, LastName)",
            pattern: #"^(?!\s*$)[\p{L}\p{gc=Mark}\p{digit}\p{gc=Connector_Punctuation}\p{Join_Control} .,''-]{1,128}$"#,
            scanner: FSPIOPFormat.isName,
            corpus: {
                let alphabet = ["a", "Z", "0", " ", ".", ",", "'", "-", "_", "!", "@", "\t", "é", "e\u{301}", "王", "م", "\u{200D}",
                                "\u{00A0}", "😀", "‘", "١", "Ⅻ", "ǅ", "ʰ", "\u{20DD}", "‿", "&", "/", "\u{0903}"]
                let long = [127, 128, 129].flatMap { count in
                    [String(repeating: "a", count: count), String(repeating: "王", count: count), String(repeating: " ", count: count),
                     String(repeating: "😀", count: count), " " + String(repeating: "é", count: count - 1)]
                }
                return Corpus.random(alphabet, lengths: 0...6, count: 5000, seed: 5) + long
            }),
        DifferentialCase(
            name: "Integer", pattern: #"^[1-9]\d*$"#, scanner: FSPIOPFormat.isInteger,
            corpus: { Corpus.exhaustive(Corpus.characters("019a-"), maxLength: 5) }),
        DifferentialCase(
            name: "OtpValue", pattern: #"^\d{3,10}$"#, scanner: FSPIOPFormat.isOtpValue,
            corpus: { Corpus.random(Corpus.characters("0123456789x"), lengths: 0...12, count: 3000, seed: 6) }),
        DifferentialCase(
            name: "BalanceOfPayments", pattern: #"^[1-9]\d{2}$"#, scanner: FSPIOPFormat.isBopCode,
            corpus: { Corpus.exhaustive(Corpus.characters("019a"), maxLength: 4) }),
        DifferentialCase(
            name: "TokenCode", pattern: #"^[0-9a-zA-Z]{4,32}$"#, scanner: FSPIOPFormat.isTokenCode,
            corpus: { Corpus.random(Corpus.characters("09azAZ-_ é"), lengths: 0...34, count: 3000, seed: 7) }),
        DifferentialCase(
            name: "MerchantClassificationCode", pattern: #"^[\d]{1,4}$"#, scanner: FSPIOPFormat.isMerchantClassificationCode,
            corpus: { Corpus.exhaustive(Corpus.characters("09a"), maxLength: 5) }),
        DifferentialCase(
            name: "UndefinedEnum", pattern: #"^[A-Z_]{1,32}$"#, scanner: FSPIOPFormat.isUndefinedEnum,
            corpus: { Corpus.random(Corpus.characters("AZ_a0- "), lengths: 0...34, count: 3000, seed: 8) }),
        DifferentialCase(
            name: "U2FPIN", pattern: #"^\S{1,64}$"#, scanner: { FSPIOPFormat.u2fPin.accepts($0, version: .v1_1) },
            corpus: { Corpus.random(["a", "0", "-", " ", "\t", "\u{00A0}", "é", "\u{3000}", "😀"], lengths: 0...66, count: 3000, seed: 9) }),
        DifferentialCase(
            name: "AuthenticationValue", pattern: #"^\d{3,10}$|^\S{1,64}$"#,
            scanner: { FSPIOPFormat.authenticationValue.accepts($0, version: .v1_1) },
            corpus: { Corpus.random(["1", "0", "a", " ", "\u{00A0}", "é"], lengths: 0...66, count: 3000, seed: 10) }),
    ]
}

@Suite("Scanners agree with the specification's regular expressions")
struct ValidationRegexTests {
    @Test(arguments: DifferentialCase.all)
    func agreesWithSpecPattern(_ testCase: DifferentialCase) throws {
        let regex = try NSRegularExpression(pattern: testCase.pattern)
        var disagreements: [String] = []
        var accepted = 0
        let corpus = testCase.corpus()
        for value in corpus {
            let expected = regex.firstMatch(in: value, range: NSRange(location: 0, length: (value as NSString).length)) != nil
            if expected { accepted += 1 }
            if testCase.scanner(value) != expected, disagreements.count < 10 {
                disagreements.append("\(expected ? "spec accepts" : "spec rejects") \(value.debugDescription)")
            }
        }
        #expect(disagreements.isEmpty, "\(testCase.name): \(disagreements)")
        // A corpus that the pattern rejects (or accepts) entirely would prove nothing.
        #expect(accepted > 0 && accepted < corpus.count, "\(testCase.name): \(accepted) of \(corpus.count) accepted")
    }
}
