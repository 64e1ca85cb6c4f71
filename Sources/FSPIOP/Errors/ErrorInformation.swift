/// A key/value pair of an FSPIOP `ExtensionList` (API Definition v1.1 §7.4.4).
public struct Extension: Codable, Sendable, Hashable {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// `ExtensionList`: 1 to 16 extensions (§7.4.4).
public struct ExtensionList: Codable, Sendable, Hashable {
    public var `extension`: [Extension]
    public init(_ extensions: [Extension]) { self.extension = extensions }
}

/// `ErrorInformation` (§7.4.2): the code, a description, and optional extensions.
public struct ErrorInformation: Codable, Sendable, Hashable {
    public var errorCode: FSPIOPErrorCode
    public var errorDescription: String
    public var extensionList: ExtensionList?

    public init(errorCode: FSPIOPErrorCode, errorDescription: String, extensionList: ExtensionList? = nil) {
        self.errorCode = errorCode
        self.errorDescription = errorDescription
        self.extensionList = extensionList
    }
}

/// `ErrorInformationObject`: the body of `PUT /{resource}/{ID}/error` and of synchronous error answers.
public struct ErrorInformationObject: Codable, Sendable, Hashable {
    public var errorInformation: ErrorInformation
    public init(errorInformation: ErrorInformation) { self.errorInformation = errorInformation }
}

/// An FSPIOP error raised by the protocol layer: the code, what exactly went wrong, and extensions.
///
/// `errorDescription` follows the reference implementation (central-services-error-handling):
/// the catalogue name, then ` - ` and the detail when there is one, e.g.
/// `Malformed syntax - amount: does not match ^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$`.
public struct FSPIOPError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: FSPIOPErrorCode
    public var detail: String?
    public var extensions: [Extension]

    public init(_ code: FSPIOPErrorCode, _ detail: String? = nil, extensions: [Extension] = []) {
        self.code = code
        self.detail = detail
        self.extensions = extensions
    }

    /// The HTTP status of a synchronous answer carrying this error.
    public var httpStatus: Int { code.httpStatus }

    public var errorDescription: String {
        guard let detail, !detail.isEmpty else { return code.name }
        return "\(code.name) - \(detail)"
    }

    /// The `errorInformation` body for an error callback or a synchronous error answer. The description
    /// is cut to the 128 characters the `ErrorDescription` type allows (§7.3.10).
    public var errorInformation: ErrorInformationObject {
        let text = errorDescription.count > 128 ? String(errorDescription.prefix(128)) : errorDescription
        return ErrorInformationObject(errorInformation: ErrorInformation(
            errorCode: code, errorDescription: text,
            extensionList: extensions.isEmpty ? nil : ExtensionList(extensions)))
    }

    public var description: String { "FSPIOP \(code.rawValue): \(errorDescription)" }
}
