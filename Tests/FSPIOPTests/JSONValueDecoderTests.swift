import FSPIOP
import Foundation
import Testing

/// `JSONValueDecoder` decodes a parsed tree as `JSONDecoder` decodes the bytes: the same values, and the
/// same errors at the same coding paths (the outbound API and the dead letters quote them).
struct JSONValueDecoderTests {
    @Test("every FSPIOP body example decodes from its tree to the value JSONDecoder gives", arguments: Examples.all)
    func parity(example: BodyExample) throws {
        for v2 in [false, true] {
            #expect(try example.decodesAlikeFromTree(Data(example.json(v2).utf8)), "\(example.schema) v2=\(v2)")
        }
    }

    struct Sample: Codable, Equatable {
        var name: String
        var count: Int
        var ratio: Double?
        var flags: [Bool]
        var nested: Nested?
        struct Nested: Codable, Equatable { var id: Int64 }
    }

    /// The error's case and coding path, for comparing.
    static func shape(_ error: any Error) -> String {
        switch error as? DecodingError {
        case let .typeMismatch(_, context)?: return "typeMismatch \(context.codingPath.map(\.stringValue))"
        case let .valueNotFound(_, context)?: return "valueNotFound \(context.codingPath.map(\.stringValue))"
        case let .keyNotFound(key, context)?: return "keyNotFound \(key.stringValue) \(context.codingPath.map(\.stringValue))"
        // JSONDecoder leaves the path of a number that does not fit empty; the tree decoder names it.
        case .dataCorrupted?: return "dataCorrupted"
        default: return "other \(error)"
        }
    }

    @Test("values and failures match JSONDecoder's", arguments: [
        #"{"name":"a","count":3,"ratio":0.5,"flags":[true,false],"nested":{"id":9007199254740993}}"#,
        #"{"name":"a","count":3.0,"flags":[],"nested":null}"#,
        #"{"name":"a","count":"3","flags":[]}"#,
        #"{"name":null,"count":3,"flags":[]}"#,
        #"{"count":3,"flags":[]}"#,
        #"{"name":"a","count":3,"flags":[1]}"#,
        #"{"name":"a","count":3.5,"flags":[]}"#,
        #"{"name":"a","count":3,"flags":[true],"nested":{"id":"x"}}"#,
        #"[1,2]"#,
        #"{"name":"a","count":3,"flags":null}"#,
        #"null"#,
    ])
    func sameAsJSONDecoder(text: String) throws {
        let bytes = Array(text.utf8)
        let expected = Result { try JSONDecoder().decode(Sample.self, from: Data(bytes)) }
        let actual = Result { try JSONValueDecoder.decode(Sample.self, from: try JSONParser.parse(bytes)) }
        switch (expected, actual) {
        case let (.success(a), .success(b)): #expect(a == b)
        case let (.failure(a), .failure(b)): #expect(Self.shape(a) == Self.shape(b), "\(text)")
        default: Issue.record("\(text): JSONDecoder \(expected), JSONValueDecoder \(actual)")
        }
    }
}
