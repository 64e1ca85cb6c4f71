/// An optional message held out of line: the aggregate keeps a reference, not the message's fields.
///
/// The aggregates hold the FSPIOP messages of their exchange (a quote, a prepare, a fulfilment), each a struct of
/// many strings. Inline, an ``OutboundTransfer`` measured 2.8 KB, so every fold copied 2.8 KB of fields (a retain and
/// a release for each string) and every dictionary of aggregates reserved 2.8 KB per slot, free slots included.
/// Behind this wrapper a message costs one reference; setting it allocates one box, and copies of the
/// aggregate share the boxes (they are immutable, so the value semantics hold).
@propertyWrapper
public struct Indirect<Value: Sendable & Hashable>: Sendable, Hashable {
    final class Box: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    private var box: Box?

    public init() { box = nil }

    public init(wrappedValue: Value?) { box = wrappedValue.map(Box.init) }

    public var wrappedValue: Value? {
        get { box?.value }
        set { box = newValue.map(Box.init) }
    }

    public static func == (lhs: Indirect, rhs: Indirect) -> Bool {
        lhs.box === rhs.box || lhs.wrappedValue == rhs.wrappedValue
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(wrappedValue) }
}
