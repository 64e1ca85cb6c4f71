import Foundation
import Testing
@testable import FSPIOP

// Checks the models against the published schemas in `../shared/fspiop` (beside the checkout in CI):
// the FSPIOP 2.0 JSON schemas of api-snippets (every `$ref` resolved) and the 1.1 OpenAPI. The tests are
// skipped when that folder is absent; the package never reads it at build time.

/// The shared specification files.
enum SharedSpec {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/fspiop").standardizedFileURL
    static let v2Schemas = folder.appendingPathComponent("json-schemas/fspiop_v2_0.json-schemas.json")
    static let v11OpenAPI = folder.appendingPathComponent("api-snippets/fspiop-rest-v1.1-openapi3-snippets.yaml")
    static let available = FileManager.default.fileExists(atPath: v2Schemas.path)
        && FileManager.default.fileExists(atPath: v11OpenAPI.path)

    /// The 2.0 schemas by name.
    static func loadV2Schemas() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: v2Schemas))
        return try #require(object as? [String: Any])
    }
}

/// One step of a path into a JSON document.
enum JSONStep: Hashable, Sendable {
    case key(String)
    case index(Int)
}

/// Walks a JSON example together with its (dereferenced) JSON schema.
enum SchemaWalk {
    /// The object schema `schema` stands for, looking through `allOf`/`anyOf`/`oneOf`.
    static func objectSchema(_ schema: [String: Any]) -> [String: Any]? {
        if schema["properties"] != nil { return schema }
        for combinator in ["allOf", "anyOf", "oneOf"] {
            for part in schema[combinator] as? [[String: Any]] ?? [] {
                if let object = objectSchema(part) { return object }
            }
        }
        return nil
    }

    /// The array schema `schema` stands for, looking through `allOf`.
    static func arraySchema(_ schema: [String: Any]) -> [String: Any]? {
        if schema["items"] != nil { return schema }
        for part in schema["allOf"] as? [[String: Any]] ?? [] {
            if let array = arraySchema(part) { return array }
        }
        return nil
    }

    /// Calls `visitObject` for every object of `example` and `visitArray` for every array, with its path
    /// and schema.
    static func walk(
        _ schema: [String: Any], _ example: Any, path: [JSONStep] = [],
        visitObject: ([JSONStep], [String: Any], [String: Any]) -> Void,
        visitArray: ([JSONStep], [String: Any], [Any]) -> Void = { _, _, _ in }
    ) {
        if let object = example as? [String: Any], let objectSchema = objectSchema(schema) {
            visitObject(path, objectSchema, object)
            let properties = objectSchema["properties"] as? [String: Any] ?? [:]
            for (name, value) in object {
                guard let propertySchema = properties[name] as? [String: Any] else { continue }
                walk(propertySchema, value, path: path + [.key(name)], visitObject: visitObject, visitArray: visitArray)
            }
        } else if let array = example as? [Any], let arraySchema = arraySchema(schema),
                  let items = arraySchema["items"] as? [String: Any] {
            visitArray(path, arraySchema, array)
            for (index, item) in array.enumerated() {
                walk(items, item, path: path + [.index(index)], visitObject: visitObject, visitArray: visitArray)
            }
        }
    }

    /// `document` with the value at `path` replaced by `transform` of it (removed when it returns nil).
    static func updating(_ document: Any, at path: ArraySlice<JSONStep>, _ transform: (Any) -> Any?) -> Any {
        guard let step = path.first else { return transform(document) ?? document }
        switch step {
        case .key(let key):
            guard var object = document as? [String: Any], let child = object[key] else { return document }
            if path.count == 1 {
                object[key] = transform(child)
            } else {
                object[key] = updating(child, at: path.dropFirst(), transform)
            }
            return object
        case .index(let index):
            guard var array = document as? [Any], array.indices.contains(index) else { return document }
            array[index] = updating(array[index], at: path.dropFirst(), transform)
            return array
        }
    }

    static func render(_ path: [JSONStep]) -> String {
        var out = ""
        for step in path {
            switch step {
            case .key(let key): out += out.isEmpty ? key : "." + key
            case .index(let index): out += "[\(index)]"
            }
        }
        return out
    }
}

@Suite("Models against the published schemas", .enabled(if: SharedSpec.available, "needs ../shared/fspiop beside the checkout"))
struct ValidationSchemaTests {
    /// The 2.0 schema of `example` and its 2.0 JSON.
    func load(_ example: BodyExample) throws -> (schema: [String: Any], json: Any) {
        let schemas = try SharedSpec.loadV2Schemas()
        let schema = try #require(schemas[example.schema] as? [String: Any], "no 2.0 schema \(example.schema)")
        let json = try JSONSerialization.jsonObject(with: Data(example.json(true).utf8))
        return (schema, json)
    }

    func decode(_ example: BodyExample, _ document: Any) throws -> FSPIOPError? {
        let data = try JSONSerialization.data(withJSONObject: document)
        do {
            try example.decode(data, .v2_0)
            return nil
        } catch {
            return error
        }
    }

    @Test("Each example sets every property of its schema, so the round trip proves the models know them all",
          arguments: Examples.all)
    func examplesAreComplete(_ example: BodyExample) throws {
        let (schema, json) = try load(example)
        var missing: [String] = []
        SchemaWalk.walk(schema, json, visitObject: { path, objectSchema, object in
            let properties = (objectSchema["properties"] as? [String: Any] ?? [:]).keys
            for name in properties where object[name] == nil {
                missing.append(SchemaWalk.render(path + [.key(name)]))
            }
        })
        #expect(missing.isEmpty, "\(example.schema) example lacks \(missing)")
    }

    @Test("Removing any required property, at any depth, is 3102 naming it", arguments: Examples.all)
    func requiredProperties(_ example: BodyExample) throws {
        let (schema, json) = try load(example)
        var required: [[JSONStep]] = []
        SchemaWalk.walk(schema, json, visitObject: { path, objectSchema, _ in
            for name in objectSchema["required"] as? [String] ?? [] { required.append(path + [.key(name)]) }
        })
        for path in required {
            let mutated = SchemaWalk.updating(json, at: path[...]) { _ in nil }
            let error = try decode(example, mutated)
            #expect(error?.code == .missingElement, "\(SchemaWalk.render(path)): \(String(describing: error))")
            #expect(error?.detail == "\(SchemaWalk.render(path)): is required", "\(String(describing: error))")
        }
    }

    @Test("Every array accepts maxItems items, answers 3103 above, and 3100 below minItems", arguments: Examples.all)
    func itemCounts(_ example: BodyExample) throws {
        let (schema, json) = try load(example)
        var arrays: [(path: [JSONStep], min: Int, max: Int)] = []
        SchemaWalk.walk(schema, json, visitObject: { _, _, _ in }, visitArray: { path, arraySchema, _ in
            arrays.append((path, arraySchema["minItems"] as? Int ?? 0, arraySchema["maxItems"] as? Int ?? Int.max))
        })
        for array in arrays {
            let name = SchemaWalk.render(array.path)
            func resized(_ count: Int) -> Any {
                SchemaWalk.updating(json, at: array.path[...]) { value in
                    guard let items = value as? [Any], let first = items.first else { return value }
                    return Array(repeating: first, count: count)
                }
            }
            #expect(array.max != Int.max, "\(example.schema).\(name) has no maxItems")
            guard array.max != Int.max else { continue }
            #expect(try decode(example, resized(array.max)) == nil, "\(name) with \(array.max) items")
            let above = try decode(example, resized(array.max + 1))
            #expect(above?.code == .tooManyElements, "\(name)")
            #expect(above?.detail?.hasPrefix("\(name): has \(array.max + 1) items") == true, "\(String(describing: above))")
            if array.min > 0 {
                let below = try decode(example, resized(array.min - 1))
                #expect(below?.code == .validationError, "\(name)")
                #expect(below?.detail?.hasPrefix("\(name):") == true, "\(String(describing: below))")
            }
        }
    }

    @Test("The Currency enumeration is the one of the 1.1 OpenAPI and of the 2.0 schemas")
    func currencies() throws {
        let schemas = try SharedSpec.loadV2Schemas()
        let currency = try #require(schemas["Currency"] as? [String: Any])
        #expect(currency["enum"] as? [String] == Currency.allCases.map(\.rawValue))

        let yaml = try String(contentsOf: SharedSpec.v11OpenAPI, encoding: .utf8)
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0 == "    Currency:" })
        var codes: [String] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("    ") && !line.hasPrefix("     ") { break }
            if line.hasPrefix("        - ") { codes.append(String(line.dropFirst(10))) }
        }
        #expect(codes == Currency.allCases.map(\.rawValue))
    }

    @Test("The patterns the differential tests use are those of the schemas")
    func patternsAreTheSchemas() throws {
        let schemas = try SharedSpec.loadV2Schemas()
        let patterns = Dictionary(DifferentialCase.all.map { ($0.name, $0.pattern) }, uniquingKeysWith: { first, _ in first })
        let pairs: [(schema: String, testCase: String)] = [
            ("Amount", "Amount"), ("CorrelationId", "CorrelationId 2.0"), ("Date", "Date"), ("DateTime", "DateTime"),
            ("IlpCondition", "IlpCondition"), ("IlpFulfilment", "IlpCondition"), ("IlpPacket", "IlpPacket"),
            ("Latitude", "Latitude"), ("Longitude", "Longitude"), ("FirstName", "Name (FirstName, MiddleName, LastName)"),
            ("LastName", "Name (FirstName, MiddleName, LastName)"), ("Integer", "Integer"), ("OtpValue", "OtpValue"),
            ("BalanceOfPayments", "BalanceOfPayments"), ("TokenCode", "TokenCode"),
            ("MerchantClassificationCode", "MerchantClassificationCode"), ("UndefinedEnum", "UndefinedEnum"),
            ("TransactionSubScenario", "UndefinedEnum"), ("U2FPIN", "U2FPIN"), ("AuthenticationValue", "AuthenticationValue"),
        ]
        for pair in pairs {
            let schema = try #require(schemas[pair.schema] as? [String: Any], "\(pair.schema)")
            #expect(schema["pattern"] as? String == patterns[pair.testCase], "\(pair.schema)")
        }
        let yaml = try String(contentsOf: SharedSpec.v11OpenAPI, encoding: .utf8)
        let v11 = try #require(patterns["CorrelationId 1.1"])
        #expect(yaml.contains(v11), "the 1.1 CorrelationId pattern")
    }
}
