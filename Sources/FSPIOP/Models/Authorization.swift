/// The body of the callback `PUT /authorizations/{ID}` (API Definition v1.1 §6.6.4.1, OpenAPI
/// `AuthorizationsIDPutResponse`): the Payer's answer to an authorization request.
public struct AuthorizationsIDPutResponse: Codable, Sendable, Hashable {
    /// The OTP or QR code entered, if any.
    public var authenticationInfo: AuthenticationInfo?
    /// ``AuthorizationResponse``.
    public var responseType: String

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(authenticationInfo: AuthenticationInfo? = nil, responseType: String) {
        self.authenticationInfo = authenticationInfo
        self.responseType = responseType
    }
}

extension AuthorizationsIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.object("authenticationInfo", authenticationInfo)
        validator.enumeration("responseType", responseType, AuthorizationResponse.self)
    }
}

/// `AuthenticationInfo` (§7.4.1): an authentication type and the value entered.
///
/// Rule beyond the schema (§7.3.3, Table 47): the value's format depends on the type. With `OTP` it is
/// an `OtpValue` (`^\d{3,10}$`, else 3101); with `QRCODE` a string; with `U2F` a ``U2FPinValue``
/// object (a string where an object is due, or the reverse, is 3100).
public struct AuthenticationInfo: Codable, Sendable, Hashable {
    /// ``AuthenticationType``.
    public var authentication: String
    public var authenticationValue: AuthenticationValue

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(authentication: String, authenticationValue: AuthenticationValue) {
        self.authentication = authentication
        self.authenticationValue = authenticationValue
    }
}

extension AuthenticationInfo: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.enumeration("authentication", authentication, AuthenticationType.self)
        let type = AuthenticationType(rawValue: authentication)
        switch authenticationValue {
        case .text(let text):
            validator.string("authenticationValue", text, .authenticationValue)
            if type == .otp {
                validator.string("authenticationValue", text, .otpValue)
            } else if type == .u2f {
                validator.fail(.validationError, at: "authenticationValue", "must be a U2FPinValue object when authentication is U2F")
            }
        case .u2fPin(let pin):
            if let type, type != .u2f {
                validator.fail(.validationError, at: "authenticationValue", "must be a string when authentication is \(type.rawValue)")
            }
            validator.object("authenticationValue", pin)
        }
    }
}

/// `AuthenticationValue` (§7.3.3, OpenAPI v1.1 `anyOf` of `OtpValue`, `QRCODE` and `U2FPinValue`): a
/// JSON string, or a JSON object for U2F.
public enum AuthenticationValue: Codable, Sendable, Hashable {
    /// An OTP (`^\d{3,10}$`) or a QR code (1 to 64 non-whitespace characters).
    case text(String)
    /// A U2F challenge response.
    case u2fPin(U2FPinValue)

    /// Decodes a JSON string as ``text(_:)`` and a JSON object as ``u2fPin(_:)``.
    ///
    /// - Throws: `DecodingError.typeMismatch` for any other JSON type (3101 from ``FSPIOPBodyDecoder``).
    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer(), let text = try? container.decode(String.self) {
            self = .text(text)
            return
        }
        do {
            self = .u2fPin(try U2FPinValue(from: decoder))
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.count == decoder.codingPath.count {
            // Neither a string nor an object: say both are allowed rather than only "an object".
            throw DecodingError.typeMismatch(AuthenticationValue.self, .init(
                codingPath: decoder.codingPath, debugDescription: "Expected a string or a U2FPinValue object."))
        }
    }

    /// Encodes the string or the object, as it was decoded.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .text(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .u2fPin(let pin):
            try pin.encode(to: encoder)
        }
    }
}

/// `U2FPinValue` (OpenAPI v1.1): a U2F challenge response and its counter.
public struct U2FPinValue: Codable, Sendable, Hashable {
    /// `U2FPIN`: `^\S{1,64}$`.
    public var pinValue: String
    /// Sequential counter for cloning detection, an `Integer` (§7.2.5).
    public var counter: String

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(pinValue: String, counter: String) {
        self.pinValue = pinValue
        self.counter = counter
    }
}

extension U2FPinValue: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("pinValue", pinValue, .u2fPin)
        validator.string("counter", counter, .integer)
    }
}

/// The query of `GET /authorizations/{ID}` (§6.6.3.1), which has no body:
/// `?authenticationType=OTP&retriesLeft=2&amount=102&currency=USD`.
public struct AuthorizationsIDGetQuery: Codable, Sendable, Hashable {
    /// ``AuthenticationType``.
    public var authenticationType: String
    /// Retries left before the transaction is rejected, an `Integer` (§7.2.5); 1 is the last.
    public var retriesLeft: String
    /// `Amount` (§7.2.13) that will be withdrawn from the Payer's account.
    public var amount: String
    /// ``Currency`` of the amount.
    public var currency: String

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(authenticationType: String, retriesLeft: String, amount: String, currency: String) {
        self.authenticationType = authenticationType
        self.retriesLeft = retriesLeft
        self.amount = amount
        self.currency = currency
    }

    /// Reads the four query parameters from `query` (name to value) and validates them by the rules of
    /// `version`.
    ///
    /// - Throws: 3102 naming the first missing parameter, or the error of ``validate(_:)``.
    public init(query: [String: String], version: APIVersion) throws(FSPIOPError) {
        func value(_ name: String) throws(FSPIOPError) -> String {
            guard let value = query[name] else { throw FSPIOPError(.missingElement, "\(name): is required") }
            return value
        }
        self.init(
            authenticationType: try value("authenticationType"), retriesLeft: try value("retriesLeft"),
            amount: try value("amount"), currency: try value("currency"))
        try validate(version: version)
    }
}

extension AuthorizationsIDGetQuery: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.enumeration("authenticationType", authenticationType, AuthenticationType.self)
        validator.string("retriesLeft", retriesLeft, .integer)
        validator.string("amount", amount, .amount)
        validator.string("currency", currency, .currency)
    }
}

/// `AuthenticationType` (§7.5.2).
public enum AuthenticationType: String, Codable, Sendable, Hashable, CaseIterable {
    /// One-time password generated by the Payer FSP.
    case otp = "OTP"
    /// QR code used as one-time password.
    case qrCode = "QRCODE"
    /// U2F, added in v1.1 for the third-party stream.
    case u2f = "U2F"
}

/// `AuthorizationResponse` (§7.5.3).
public enum AuthorizationResponse: String, Codable, Sendable, Hashable, CaseIterable {
    /// The consumer entered the authentication value.
    case entered = "ENTERED"
    /// The consumer rejected the transaction.
    case rejected = "REJECTED"
    /// The consumer asked to resend the authentication value.
    case resend = "RESEND"
}
