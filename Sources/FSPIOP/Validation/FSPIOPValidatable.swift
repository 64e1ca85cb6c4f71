/// A body that can be validated by the rules of an FSPIOP API version.
///
/// A conformer checks each of its fields against the data type the specification gives it (API Definition
/// v1.1 §7.2 to §7.5, and the `components/schemas` of the OpenAPI of the version), descends into its
/// nested objects, and records the first rule broken in the validator. It never throws and never traps:
/// the validator collects the failure and the caller decides what to do with it.
///
/// Presence of required fields and JSON types are checked when the body is decoded (a required field is
/// a non-optional Swift property); `validate` checks what `Codable` cannot: patterns, enumerations,
/// lengths, item counts and the rules that relate fields to each other.
public protocol FSPIOPValidatable {
    /// Checks `self` and records the first failure in `validator`, whose path names where `self` sits.
    func validate(_ validator: inout FieldValidator)
}

extension FSPIOPValidatable {
    /// Validates `self` by the rules of `version`.
    ///
    /// - Throws: the first rule broken, as an ``FSPIOPError`` of the 3100 family whose detail names the
    ///   field path and the rule (see ``FSPIOPBodyDecoder``).
    public func validate(version: APIVersion) throws(FSPIOPError) {
        var validator = FieldValidator(version: version)
        validate(&validator)
        if let failure = validator.failure { throw failure }
    }
}
