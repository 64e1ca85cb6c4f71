import Foundation

/// A JSON Schema validator for the subset the project's own schemas use (draft 2020-12 keywords):
/// `type`, `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `minLength`,
/// `maxLength`, `pattern`, `minimum`, `maximum`, `minItems`, `maxItems`, `oneOf`, `anyOf`, `allOf`,
/// `$ref` to `#/$defs/...`, and `format` `date-time` checked as an FSPIOP DateTime. Unknown keywords
/// are ignored, as the specification says (`$schema`, `$id`, `title`, `description`, `examples`).
public struct JSONSchema: Sendable {
    public let root: JSONValue

    public init(_ root: JSONValue) { self.root = root }

    /// Reads a schema from its JSON text.
    public init(bytes: [UInt8]) throws(JSONParser.Failure) { root = try JSONParser.parse(bytes) }

    /// Every violation of the schema by `value`, as `path: problem`; empty when it is valid.
    public func violations(of value: JSONValue) -> [String] {
        var problems: [String] = []
        check(value, against: root, path: "$", problems: &problems, depth: 0)
        return problems
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = root
        for part in reference.dropFirst(2).split(separator: "/") {
            node = node?[String(part).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
        return node
    }

    private func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case let .number(text): return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? "number" : "integer"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    private func check(_ value: JSONValue, against schema: JSONValue, path: String, problems: inout [String], depth: Int) {
        guard depth < 64 else { problems.append("\(path): schema nesting too deep"); return }
        if case let .bool(allowed) = schema {
            if !allowed { problems.append("\(path): not allowed") }
            return
        }
        guard case .object = schema else { return }
        if let reference = schema["$ref"]?.stringValue {
            guard let target = resolve(reference) else { problems.append("\(path): unresolvable $ref \(reference)"); return }
            check(value, against: target, path: path, problems: &problems, depth: depth + 1)
        }
        if let type = schema["type"] {
            let actual = typeName(value)
            let allowed: [String]
            switch type {
            case let .string(name): allowed = [name]
            case let .array(names): allowed = names.compactMap(\.stringValue)
            default: allowed = []
            }
            let matches = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
            if !matches { problems.append("\(path): expected \(allowed.joined(separator: " or ")), found \(actual)"); return }
        }
        if case let .array(options)? = schema["enum"], !options.contains(value) {
            problems.append("\(path): not one of the allowed values")
        }
        if let constant = schema["const"], constant != value { problems.append("\(path): must be \(CanonicalJSON.string(constant))") }
        switch value {
        case let .string(text):
            let length = text.unicodeScalars.count
            if case let .number(n)? = schema["minLength"], let min = Int(n), length < min { problems.append("\(path): shorter than \(min)") }
            if case let .number(n)? = schema["maxLength"], let max = Int(n), length > max { problems.append("\(path): longer than \(max)") }
            if let pattern = schema["pattern"]?.stringValue {
                if let regex = try? NSRegularExpression(pattern: pattern) {
                    if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                        problems.append("\(path): does not match \(pattern)")
                    }
                } else {
                    problems.append("\(path): invalid pattern \(pattern)")
                }
            }
            if schema["format"]?.stringValue == "date-time", Timestamp(dateTime: text) == nil {
                problems.append("\(path): not a date-time")
            }
        case let .number(text):
            let number = Double(text) ?? .nan
            if case let .number(n)? = schema["minimum"], let min = Double(n), number < min { problems.append("\(path): below \(n)") }
            if case let .number(n)? = schema["maximum"], let max = Double(n), number > max { problems.append("\(path): above \(n)") }
        case let .array(elements):
            if case let .number(n)? = schema["minItems"], let min = Int(n), elements.count < min { problems.append("\(path): fewer than \(min) items") }
            if case let .number(n)? = schema["maxItems"], let max = Int(n), elements.count > max { problems.append("\(path): more than \(max) items") }
            if let items = schema["items"] {
                for (index, element) in elements.enumerated() {
                    check(element, against: items, path: "\(path)[\(index)]", problems: &problems, depth: depth + 1)
                }
            }
        case let .object(members):
            let properties: [(String, JSONValue)]
            if case let .object(declared)? = schema["properties"] { properties = declared } else { properties = [] }
            if case let .array(required)? = schema["required"] {
                for name in required.compactMap(\.stringValue) where !members.contains(where: { $0.0 == name }) {
                    problems.append("\(path): missing required '\(name)'")
                }
            }
            for (name, member) in members {
                if let property = properties.first(where: { $0.0 == name }) {
                    check(member, against: property.1, path: "\(path).\(name)", problems: &problems, depth: depth + 1)
                } else if let additional = schema["additionalProperties"] {
                    if case .bool(false) = additional {
                        problems.append("\(path): unexpected property '\(name)'")
                    } else {
                        check(member, against: additional, path: "\(path).\(name)", problems: &problems, depth: depth + 1)
                    }
                }
            }
        default:
            break
        }
        if case let .array(all)? = schema["allOf"] {
            for sub in all { check(value, against: sub, path: path, problems: &problems, depth: depth + 1) }
        }
        if case let .array(any)? = schema["anyOf"] {
            let passing = any.contains { sub in
                var local: [String] = []
                check(value, against: sub, path: path, problems: &local, depth: depth + 1)
                return local.isEmpty
            }
            if !passing { problems.append("\(path): matches none of anyOf") }
        }
        if case let .array(one)? = schema["oneOf"] {
            let passing = one.filter { sub in
                var local: [String] = []
                check(value, against: sub, path: path, problems: &local, depth: depth + 1)
                return local.isEmpty
            }.count
            if passing != 1 { problems.append("\(path): matches \(passing) of oneOf, not exactly one") }
        }
    }
}
