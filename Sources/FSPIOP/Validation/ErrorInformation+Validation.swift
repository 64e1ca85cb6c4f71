// Validation of the error types of `Errors/ErrorInformation.swift`, which this module shares between
// the error callbacks (`PUT /{resource}/{ID}/error`) and the bodies that embed them.

extension ErrorInformationObject: FSPIOPValidatable {
    /// `ErrorInformationObject` (OpenAPI v1.1): the body of every `PUT /.../error` callback.
    public func validate(_ validator: inout FieldValidator) {
        validator.object("errorInformation", errorInformation)
    }
}

extension ErrorInformation: FSPIOPValidatable {
    /// `ErrorInformation` (§7.4.2). `errorCode` (§7.2.8, `^[1-9]\d{3}$`) is checked when it is decoded:
    /// ``FSPIOPErrorCode`` holds nothing else. `errorDescription` is String(1..128) (§7.3.12).
    public func validate(_ validator: inout FieldValidator) {
        validator.string("errorDescription", errorDescription, .text(min: 1, max: 128))
        validator.object("extensionList", extensionList)
    }
}

extension ExtensionList: FSPIOPValidatable {
    /// `ExtensionList` (§7.4.4): 1 to 16 extensions; above 16 is 3103 Too many elements.
    public func validate(_ validator: inout FieldValidator) {
        validator.array("extension", `extension`, count: 1...16)
    }
}

extension Extension: FSPIOPValidatable {
    /// `Extension` (§7.4.3): `key` is String(1..32) (§7.3.13), `value` String(1..128) (§7.3.14).
    public func validate(_ validator: inout FieldValidator) {
        validator.string("key", key, .text(min: 1, max: 32))
        validator.string("value", value, .text(min: 1, max: 128))
    }
}
