/// Walks a decoded FSPIOP body, tracks the path of the field being checked, and keeps the first failure.
///
/// Models call it from ``FSPIOPValidatable/validate(_:)``:
///
/// ```swift
/// v.string("quoteId", quoteId, .correlationId)
/// v.enumeration("amountType", amountType, AmountType.self)
/// v.object("amount", amount)
/// v.array("individualQuotes", individualQuotes, count: 1...1000)
/// ```
///
/// Invariants: once a failure is recorded every further check is a no-op, so the failure reported is the
/// first one in the order the model checks its fields (the specification's order). The path is only
/// rendered into a string when a failure is recorded, so a valid body costs no string building.
///
/// Error codes follow the mapping of the hub (central-services-shared maps Joi `any.required` to 3102,
/// pattern and type failures to 3101, `array.max` to 3103, anything else to 3100):
/// - a string breaking a pattern, enumeration or length rule: 3101 Malformed syntax;
/// - a field required by another field's value: 3102 Missing mandatory element;
/// - an array above its `maxItems`: 3103 Too many elements;
/// - anything else (below `minItems`, a cross-field rule): 3100 Generic validation error.
public struct FieldValidator: Sendable {
    /// The API version whose rules apply (from the `Content-Type` of the request).
    public let version: APIVersion
    /// The first rule broken, or nil while everything checked so far is valid.
    public private(set) var failure: FSPIOPError?
    private var segments: [PathSegment] = []

    /// One step of a field path: an object property or an array index.
    enum PathSegment: Sendable {
        case key(String)
        case index(Int)
    }

    /// A validator for bodies of `version`, positioned at the root of the body.
    public init(version: APIVersion) {
        self.version = version
        segments.reserveCapacity(8)
    }

    /// Whether nothing checked so far broke a rule.
    public var isValid: Bool { failure == nil }

    /// Whether the rules of FSPIOP 2.0 apply (2.0 and any later major version). Versions 1.0 and 1.1 are
    /// validated by the rules of 1.1, the 1.x version the hub validates against.
    public var usesV2Rules: Bool { version.major >= 2 }

    /// The path of the field being checked, e.g. `extensionList.extension[2].key`; `body` at the root.
    public var path: String { FieldValidator.render(segments) }

    // MARK: - Descending

    /// Runs `body` with the path extended by the property `key`.
    public mutating func field(_ key: String, _ body: (inout FieldValidator) -> Void) {
        guard failure == nil else { return }
        segments.append(.key(key))
        body(&self)
        segments.removeLast()
    }

    /// Validates the nested object `value` under `key`; nothing happens when it is absent.
    public mutating func object<T: FSPIOPValidatable>(_ key: String, _ value: T?) {
        guard failure == nil, let value else { return }
        segments.append(.key(key))
        value.validate(&self)
        segments.removeLast()
    }

    /// Checks the item count of the array under `key` against `count` (the schema's `minItems...maxItems`),
    /// then validates each item; nothing happens when the array is absent.
    public mutating func array<T: FSPIOPValidatable>(_ key: String, _ items: [T]?, count: ClosedRange<Int>) {
        guard failure == nil, let items else { return }
        segments.append(.key(key))
        defer { segments.removeLast() }
        guard checkCount(items.count, count) else { return }
        for (index, item) in items.enumerated() {
            segments.append(.index(index))
            item.validate(&self)
            segments.removeLast()
            if failure != nil { return }
        }
    }

    /// Checks the item count of the string array under `key`, then each item against `format`.
    public mutating func strings(_ key: String, _ items: [String]?, count: ClosedRange<Int>, _ format: FSPIOPFormat) {
        guard failure == nil, let items else { return }
        segments.append(.key(key))
        defer { segments.removeLast() }
        guard checkCount(items.count, count) else { return }
        for (index, item) in items.enumerated() where !format.accepts(item, version: version) {
            segments.append(.index(index))
            record(.malformedSyntax, format.rule(for: version))
            segments.removeLast()
            return
        }
    }

    // MARK: - Scalars

    /// Checks the string under `key` against `format` (3101 when it does not match); nothing happens when
    /// it is absent.
    public mutating func string(_ key: String, _ value: String?, _ format: FSPIOPFormat) {
        guard failure == nil, let value else { return }
        if !format.accepts(value, version: version) {
            fail(.malformedSyntax, at: key, format.rule(for: version))
        }
    }

    /// Checks that the string under `key` is one of the values of the enumeration `type` (API Definition
    /// v1.1 §7.2.2: "Other values than the ones defined in the list are not allowed"); 3101 otherwise.
    public mutating func enumeration<E>(_ key: String, _ value: String?, _ type: E.Type)
    where E: RawRepresentable & CaseIterable, E.RawValue == String {
        guard failure == nil, let value else { return }
        if E(rawValue: value) == nil {
            fail(.malformedSyntax, at: key, "must be one of " + E.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    // MARK: - Rules relating fields

    /// Records 3102 for `key` when `present` is false: a field the specification makes mandatory only in
    /// some situations, named by `condition` (e.g. "when transferState is COMMITTED").
    public mutating func require(_ key: String, present: Bool, _ condition: String) {
        guard failure == nil, !present else { return }
        fail(.missingElement, at: key, "is required \(condition)")
    }

    /// Records 3001 Unacceptable version when the body's version is below `minimum`: the resource `name`
    /// does not exist in that version (e.g. `fxQuotes` only exists from FSPIOP 2.0).
    public mutating func require(version minimum: APIVersion, for name: String) {
        guard failure == nil, version < minimum else { return }
        record(.unacceptableVersion, "\(name) requires FSPIOP API \(minimum) or later, the body is \(version)")
    }

    /// Records a failure at the current path, unless one is already recorded.
    public mutating func fail(_ code: FSPIOPErrorCode, _ rule: String) {
        record(code, rule)
    }

    /// Records a failure at the property `key` of the current path, unless one is already recorded.
    public mutating func fail(_ code: FSPIOPErrorCode, at key: String, _ rule: String) {
        guard failure == nil else { return }
        segments.append(.key(key))
        record(code, rule)
        segments.removeLast()
    }

    // MARK: - Internals

    /// 3103 above the maximum, 3100 below the minimum (Joi `array.max` and `array.min`).
    private mutating func checkCount(_ count: Int, _ range: ClosedRange<Int>) -> Bool {
        if count > range.upperBound {
            record(.tooManyElements, "has \(count) items, at most \(range.upperBound) allowed")
            return false
        }
        if count < range.lowerBound {
            record(.validationError, "has \(count) items, at least \(range.lowerBound) required")
            return false
        }
        return true
    }

    private mutating func record(_ code: FSPIOPErrorCode, _ rule: String) {
        guard failure == nil else { return }
        failure = FSPIOPError(code, "\(path): \(rule)")
    }

    static func render(_ segments: [PathSegment]) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .key(let key):
                if !out.isEmpty { out += "." }
                out += key
            case .index(let index):
                out += "[\(index)]"
            }
        }
        return out.isEmpty ? "body" : out
    }
}
