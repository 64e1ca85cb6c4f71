/// Validates the `FSPIOP-Signature` of a received message, with every check of the SDK's validator
/// (sdk-standard-components `jwsValidator.js`) and the specification's rule that the signature covers
/// the raw received body (Signature v1.1 §3; `shared/vectors/README.md`, "Validating").
public struct JWSValidator: Sendable {
    /// Public keys by FSP id: the key for a message is the one of its `FSPIOP-Source`.
    public var keys: [String: VerificationKey]
    /// The `alg` values accepted: RS256 and ES256, as the SDK validator accepts.
    public var algorithms: Set<SignatureAlgorithm>
    /// Also accept a signature over the body as Node validators re-serialise it (compact JSON in
    /// received or in sorted member order). Off by default. When on, a body with duplicate member
    /// names is refused, since a re-serialised form keeps only one of them and could differ from
    /// what the receiver decodes.
    public var acceptReserialisedBody: Bool

    public init(keys: [String: VerificationKey], algorithms: Set<SignatureAlgorithm> = [.rs256, .es256], acceptReserialisedBody: Bool = false) {
        self.keys = keys
        self.algorithms = algorithms
        self.acceptReserialisedBody = acceptReserialisedBody
    }

    /// Validates one message: its raw body and its HTTP headers. Throws the first failed check.
    public func validate(body: [UInt8], headers: HeaderFields) throws(JWSFailure) {
        guard !body.isEmpty else { throw .missingBody }
        guard let source = headers[FSPIOPHeader.source] else { throw .missingHeader(FSPIOPHeader.source) }
        guard let key = keys[source] else { throw .unknownSource(source) }
        guard let uri = headers[FSPIOPHeader.uri] else { throw .missingHeader(FSPIOPHeader.uri) }
        guard let method = headers[FSPIOPHeader.httpMethod] else { throw .missingHeader(FSPIOPHeader.httpMethod) }
        guard let signatureHeader = headers[FSPIOPHeader.signature] else { throw .missingHeader(FSPIOPHeader.signature) }
        let signature = try FSPIOPSignature(headerValue: signatureHeader)

        guard let headerBytes = Base64.urlDecoded(signature.protectedHeader) else {
            throw .malformedProtectedHeader("protected header is not base64url")
        }
        let protected: JSONValue
        do { protected = try JSONParser.parse(headerBytes) } catch {
            throw .malformedProtectedHeader("protected header is not JSON (\(error.reason))")
        }
        guard case .object = protected else { throw .malformedProtectedHeader("protected header is not a JSON object") }

        guard let algName = protected["alg"]?.stringValue else { throw .malformedProtectedHeader("protected header has no 'alg'") }
        guard let alg = SignatureAlgorithm(rawValue: algName), algorithms.contains(alg) else { throw .unsupportedAlgorithm(algName) }
        guard alg == key.algorithm else {
            throw .unsupportedAlgorithm("\(algName) with the \(key.algorithm == .rs256 ? "RSA" : "EC") key of '\(source)'")
        }

        try check(protected, "FSPIOP-URI", equals: uri)
        try check(protected, "FSPIOP-HTTP-Method", equals: method)
        try check(protected, "FSPIOP-Source", equals: source)
        if let protectedDate = protected["Date"] {
            guard let date = headers[FSPIOPHeader.date] else {
                throw .protectedHeaderMismatch("Date is protected but the Date header is missing")
            }
            guard protectedDate.stringValue == date else { throw .protectedHeaderMismatch("Date header does not match the protected header") }
        }
        let protectedDestination = protected["FSPIOP-Destination"]
        if let destination = headers[FSPIOPHeader.destination] {
            guard let protectedDestination else {
                throw .protectedHeaderMismatch("FSPIOP-Destination header is present but not protected")
            }
            guard protectedDestination.stringValue == destination else {
                throw .protectedHeaderMismatch("FSPIOP-Destination header does not match the protected header")
            }
        } else if protectedDestination != nil {
            throw .protectedHeaderMismatch("FSPIOP-Destination is protected but the FSPIOP-Destination header is missing")
        }

        guard let signatureBytes = Base64.urlDecoded(signature.signature), !signatureBytes.isEmpty else {
            throw .malformedSignatureHeader("signature is not base64url")
        }
        if verify(key, header: signature.protectedHeader, payload: body, signature: signatureBytes) { return }
        if acceptReserialisedBody, let parsed = try? JSONParser.parse(body) {
            guard !parsed.hasDuplicateMemberNames else { throw .badSignature }
            for form in [CanonicalJSON.insertionOrderBytes(parsed), CanonicalJSON.bytes(parsed)] where form != body {
                if verify(key, header: signature.protectedHeader, payload: form, signature: signatureBytes) { return }
            }
        }
        throw .badSignature
    }

    private func check(_ protected: JSONValue, _ member: String, equals value: String) throws(JWSFailure) {
        guard let protectedValue = protected[member] else {
            throw .protectedHeaderMismatch("protected header has no '\(member)'")
        }
        guard protectedValue.stringValue == value else {
            throw .protectedHeaderMismatch("\(member) header does not match the protected header")
        }
    }

    private func verify(_ key: VerificationKey, header: String, payload: [UInt8], signature: [UInt8]) -> Bool {
        var input = Array(header.utf8)
        input.append(UInt8(ascii: "."))
        input.append(contentsOf: Base64.urlEncodedBytes(payload))
        return key.verify(input, signature: signature)
    }
}
