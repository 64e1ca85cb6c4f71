/// The value of the `FSPIOP-Signature` header: the JWS signature and protected header, both base64url
/// (Signature v1.1 §3; `shared/vectors/README.md`).
public struct FSPIOPSignature: Sendable, Hashable {
    public var signature: String
    public var protectedHeader: String

    public init(signature: String, protectedHeader: String) {
        self.signature = signature
        self.protectedHeader = protectedHeader
    }

    /// The header text, `{"signature":"…","protectedHeader":"…"}`, in the member order of the SDK's
    /// signer up to 19.18.8 and of vNext; validators parse it, so order and whitespace do not matter.
    public var headerValue: String {
        var out: [UInt8] = []
        out.append(contentsOf: #"{"signature":"#.utf8)
        CanonicalJSON.writeString(signature, into: &out)
        out.append(contentsOf: #","protectedHeader":"#.utf8)
        CanonicalJSON.writeString(protectedHeader, into: &out)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a header value as validators do (`JSON.parse`): any member order and whitespace; both
    /// members must be strings. `"` characters inside them are removed, as the SDK does.
    public init(headerValue: String) throws(JWSFailure) {
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(headerValue) } catch {
            throw .malformedSignatureHeader("FSPIOP-Signature is not JSON (\(error.reason))")
        }
        guard case .object = parsed else { throw .malformedSignatureHeader("FSPIOP-Signature is not a JSON object") }
        guard let signature = parsed["signature"]?.stringValue else {
            throw .malformedSignatureHeader("FSPIOP-Signature has no string member 'signature'")
        }
        guard let protectedHeader = parsed["protectedHeader"]?.stringValue else {
            throw .malformedSignatureHeader("FSPIOP-Signature has no string member 'protectedHeader'")
        }
        self.signature = Self.withoutQuotes(signature)
        self.protectedHeader = Self.withoutQuotes(protectedHeader)
    }

    private static func withoutQuotes(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "\"")) else { return text }
        return String(decoding: text.utf8.filter { $0 != UInt8(ascii: "\"") }, as: UTF8.self)
    }
}

/// Why a JWS could not be made or did not validate. Every case answers FSPIOP error 3105
/// "Invalid signature", as the SDK's inbound server does, with the reason as the detail.
public enum JWSFailure: Error, Sendable, Hashable, CustomStringConvertible {
    case missingBody
    case missingHeader(String)
    case unknownSource(String)
    case malformedSignatureHeader(String)
    case malformedProtectedHeader(String)
    case unsupportedAlgorithm(String)
    case protectedHeaderMismatch(String)
    case badSignature
    case signingFailed(String)

    public var description: String {
        switch self {
        case .missingBody: return "a signed FSPIOP message needs a body"
        case let .missingHeader(name): return "missing header \(name)"
        case let .unknownSource(source): return "no public key for FSPIOP-Source '\(source)'"
        case let .malformedSignatureHeader(reason): return reason
        case let .malformedProtectedHeader(reason): return reason
        case let .unsupportedAlgorithm(alg): return "algorithm '\(alg)' is not accepted"
        case let .protectedHeaderMismatch(reason): return reason
        case .badSignature: return "signature does not match the message"
        case let .signingFailed(reason): return "cannot sign: \(reason)"
        }
    }

    /// The FSPIOP error to answer with: 3105 Invalid signature.
    public var fspiopError: FSPIOPError { FSPIOPError(.invalidSignature, description) }
}
