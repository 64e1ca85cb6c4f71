import Foundation

/// Decodes an FSPIOP request or callback body and validates it by the rules of the API version it
/// arrived with.
///
/// The error codes follow the mapping of the hub (central-services-shared maps Joi `any.required` to
/// 3102, pattern and type failures to 3101, `array.max` to 3103, anything else to 3100):
///
/// | What is wrong | Code |
/// | --- | --- |
/// | not JSON (checked strictly, see `JSONSyntax`) | 3101 Malformed syntax |
/// | a required field missing or `null` | 3102 Missing mandatory element |
/// | a value of the wrong JSON type, a `null` array item | 3101 Malformed syntax |
/// | a string breaking a pattern, enumeration or length rule | 3101 Malformed syntax |
/// | an array above its `maxItems` | 3103 Too many elements |
/// | an unknown property in a 2.0 body (`additionalProperties: false`) | 3100 Generic validation error |
/// | anything else (below `minItems`, a rule relating fields) | 3100 Generic validation error |
/// | a 2.0-only resource in a 1.x body | 3001 Unacceptable version requested |
///
/// The detail of the error starts with the field path, e.g. `amount.amount: does not match ...` or
/// `extensionList.extension[2].key: must be 1 to 32 characters`; `body` stands for the whole body.
///
/// Versions 1.0 and 1.1 are validated by the rules of 1.1 (unknown properties accepted and ignored);
/// 2.0 and later by the rules of 2.0. An optional property sent as `null` is taken as absent.
public enum FSPIOPBodyDecoder {
    /// Decodes `data` as `T` and validates it by the rules of `version`.
    ///
    /// - Throws: ``FSPIOPError`` as in the table above; never traps on any input.
    public static func decode<T: Decodable & FSPIOPValidatable>(_ type: T.Type, from data: Data, version: APIVersion) throws(FSPIOPError) -> T {
        let value = try decodeWithoutValidating(type, from: data, version: version)
        try value.validate(version: version)
        return value
    }

    /// Decodes `data` as `T` by the decoding rules of `version` (JSON syntax, required fields, JSON
    /// types, unknown properties in 2.0) without the checks of ``FSPIOPValidatable``.
    ///
    /// Unknown properties of a 2.0 body are found by comparing the number of object members of the body
    /// with the number its model encodes back (``MemberCounter``); only when they differ is the body
    /// decoded again through ``ClosedObjectDecoder``, which names the property.
    public static func decodeWithoutValidating<T: Decodable>(_ type: T.Type, from data: Data, version: APIVersion) throws(FSPIOPError) -> T {
        let syntax = data.withUnsafeBytes { JSONSyntax.scan($0) }
        if let failure = syntax.failure {
            throw FSPIOPError(.malformedSyntax, "body: is not valid JSON (\(failure.reason) at byte \(failure.offset))")
        }
        let decoder = jsonDecoder(for: version)
        let value: T
        do {
            value = try decoder.decode(T.self, from: data)
        } catch {
            throw fspiopError(forDecoding: error)
        }
        if version.major >= 2 {
            let encodedMembers = (value as? any Encodable).flatMap { MemberCounter.count($0) }
            if encodedMembers != syntax.memberCount {
                do {
                    _ = try decoder.decode(ClosedObjectRoot<T>.self, from: data)
                } catch let error as UnknownPropertyError {
                    throw FSPIOPError(.validationError, "\(error.path): is not allowed (additionalProperties false in FSPIOP \(version))")
                } catch {
                    // The body decoded once already; extra members were explicit nulls or repeated names.
                }
            }
        }
        return value
    }

    /// The FSPIOP error for an error thrown while decoding.
    private static func fspiopError(forDecoding error: any Error) -> FSPIOPError {
        if let error = error as? DecodingError { return fspiopError(for: error) }
        return FSPIOPError(.validationError, "body: \(error)")
    }

    /// The `userInfo` key under which the decoders store the ``APIVersion`` of the body, so that models
    /// decode the properties of that version only.
    static let apiVersionKey = CodingUserInfoKey(rawValue: "org.mojaloop.fspiop.apiVersion")

    private static let sharedDecoders: [APIVersion: JSONDecoder] = Dictionary(
        uniqueKeysWithValues: APIVersion.supported.map { ($0, makeJSONDecoder(for: $0)) })

    private static func jsonDecoder(for version: APIVersion) -> JSONDecoder {
        sharedDecoders[version] ?? makeJSONDecoder(for: version)
    }

    private static func makeJSONDecoder(for version: APIVersion) -> JSONDecoder {
        let decoder = JSONDecoder()
        if let key = apiVersionKey { decoder.userInfo[key] = version }
        return decoder
    }

    // MARK: - Errors

    /// Maps a `DecodingError` to the FSPIOP error of the hub, naming the field from its coding path.
    static func fspiopError(for error: DecodingError) -> FSPIOPError {
        switch error {
        case .keyNotFound(let key, let context):
            return FSPIOPError(.missingElement, "\(render(context.codingPath + [key])): is required")
        case .valueNotFound(_, let context):
            if context.codingPath.isEmpty {
                return FSPIOPError(.malformedSyntax, "body: must be a JSON object, found null")
            }
            if context.codingPath.last?.intValue != nil {
                return FSPIOPError(.malformedSyntax, "\(render(context.codingPath)): must not be null")
            }
            return FSPIOPError(.missingElement, "\(render(context.codingPath)): is required and must not be null")
        case .typeMismatch(let type, let context):
            return FSPIOPError(.malformedSyntax, "\(render(context.codingPath)): must be \(jsonTypeName(type))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return FSPIOPError(.malformedSyntax, "body: is not valid JSON")
            }
            return FSPIOPError(.malformedSyntax, "\(render(context.codingPath)): \(context.debugDescription)")
        @unknown default:
            return FSPIOPError(.validationError, "body: \(error)")
        }
    }

    /// Renders a coding path as `a.b[2].c`; `body` for the root.
    static func render(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            }
        }
        return out.isEmpty ? "body" : out
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        if type == String.self { return "a string" }
        if type == AuthenticationValue.self { return "a string or a U2FPinValue object" }
        if type == Bool.self { return "a boolean" }
        let name = String(describing: type)
        if name.hasPrefix("Dictionary") { return "an object" }
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Int") || name.hasPrefix("UInt") || name == "Double" || name == "Float" || name == "Decimal" {
            return "a number"
        }
        return "of type \(name)"
    }
}
