/// Signs FSPIOP messages: the `FSPIOP-Signature` header over exactly the body bytes that will be sent
/// (Signature v1.1 §3; sdk-standard-components `jwsSigner.js`).
///
/// The protected header members are written in the SDK's order: `alg`, `FSPIOP-URI`,
/// `FSPIOP-HTTP-Method`, `FSPIOP-Source`, then `FSPIOP-Destination` and `Date` when those HTTP headers
/// are present.
public struct JWSSigner: Sendable {
    public let key: SigningKey

    public init(key: SigningKey) { self.key = key }

    /// The protected header for these HTTP headers. Needs `FSPIOP-URI`, `FSPIOP-HTTP-Method` and
    /// `FSPIOP-Source`; the method must be upper case, as `FSPIOP-HTTP-Method` requires (§3.2.1).
    public func protectedHeader(for headers: HeaderFields) throws(JWSFailure) -> [UInt8] {
        guard let uri = headers[FSPIOPHeader.uri] else { throw .missingHeader(FSPIOPHeader.uri) }
        guard let method = headers[FSPIOPHeader.httpMethod] else { throw .missingHeader(FSPIOPHeader.httpMethod) }
        guard let source = headers[FSPIOPHeader.source] else { throw .missingHeader(FSPIOPHeader.source) }
        var members: [(String, JSONValue)] = [
            ("alg", .string(key.algorithm.rawValue)),
            ("FSPIOP-URI", .string(uri)),
            ("FSPIOP-HTTP-Method", .string(method)),
            ("FSPIOP-Source", .string(source)),
        ]
        if let destination = headers[FSPIOPHeader.destination] { members.append(("FSPIOP-Destination", .string(destination))) }
        if let date = headers[FSPIOPHeader.date] { members.append(("Date", .string(date))) }
        return CanonicalJSON.insertionOrderBytes(.object(members))
    }

    /// The `FSPIOP-Signature` for `body` (the exact bytes sent) under `headers`.
    public func sign(body: [UInt8], headers: HeaderFields) throws(JWSFailure) -> FSPIOPSignature {
        guard !body.isEmpty else { throw .missingBody }
        let header = Base64.urlEncodedBytes(try protectedHeader(for: headers))
        var signingInput = header
        signingInput.reserveCapacity(header.count + 1 + (body.count + 2) / 3 * 4)
        signingInput.append(UInt8(ascii: "."))
        signingInput.append(contentsOf: Base64.urlEncodedBytes(body))
        let signature: [UInt8]
        do { signature = try key.sign(signingInput) } catch { throw .signingFailed(error.reason) }
        return FSPIOPSignature(signature: Base64.urlEncoded(signature),
                               protectedHeader: String(decoding: header, as: UTF8.self))
    }
}
