import PMCore

/// A deterministic source of random and hostile input, from one seed: mutated FSPIOP and outbound-API bodies, header
/// sets, paths and values. The same seed gives the same input, so that a failure can be replayed.
public struct HostileInput: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// SplitMix64.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &self)] }

    // MARK: Values

    /// Strings that have broken parsers, headers, URLs and arithmetic elsewhere.
    public static let nastyStrings: [String] = [
        "", " ", "0", "-1", "1e309", "NaN", "Infinity", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "9300000000000000", "0.0000", "1.23456", "00", "+1", "1,000", "null", "true", "{}", "[]", "\u{0}", "\r\n", "a\r\nX-Injected: 1",
        "é", "😀", "\u{202E}", "\u{FEFF}", "%", "%00", "%2F", "../..", "/", "?", "#", "\\", "\"", "'", "<script>",
        String(repeating: "A", count: 129), String(repeating: "9", count: 40), String(repeating: "é", count: 300),
        "2026-02-30T10:00:00.000Z", "9999-12-31T23:59:59.999-19:59", "0000-01-01T00:00:00.000Z", "2026-12-07T10:00:00.000+24:00",
        "XXX", "USD", "usd", "ZZZ", "MSISDN", "switch", "payerfsp", "payeefsp", "COMMITTED", "ABORTED", "RESERVED",
    ]

    /// A random string: a nasty one, random printable characters, or random Unicode.
    public mutating func string() -> String {
        switch Int.random(in: 0..<4, using: &self) {
        case 0, 1: return pick(Self.nastyStrings)
        case 2: return String((0..<Int.random(in: 0...40, using: &self)).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &self))) })
        default:
            var text = ""
            for _ in 0..<Int.random(in: 0...20, using: &self) {
                if let scalar = Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &self)) { text.unicodeScalars.append(scalar) }
            }
            return text
        }
    }

    /// A random JSON value, `depth` levels deep at most.
    public mutating func json(depth: Int = 3) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 8 : 5), using: &self) {
        case 0: return .null
        case 1: return .bool(chance(0.5))
        case 2: return .number(pick(["0", "-0", "1", "-1", "1.5", "1e3", "1E-7", "123456789012345678901234567890", "9300000000000000",
                                     "2147483648", "-2147483649", String(Int64.max), String(UInt64.max)]))
        case 3, 4: return .string(string())
        case 5: return .array((0..<Int.random(in: 0...4, using: &self)).map { _ in json(depth: depth - 1) })
        default: return .object((0..<Int.random(in: 0...4, using: &self)).map { _ in (string(), json(depth: depth - 1)) })
        }
    }

    // MARK: Mutations

    /// `value` with one to a few mutations: a member removed, repeated, renamed or given another value or type;
    /// an array emptied or grown; a string replaced.
    public mutating func mutate(_ value: JSONValue) -> JSONValue {
        var result = value
        for _ in 0..<Int.random(in: 1...3, using: &self) { result = mutateOnce(result) }
        return result
    }

    private mutating func mutateOnce(_ value: JSONValue) -> JSONValue {
        switch value {
        case var .object(members) where !members.isEmpty:
            let index = Int.random(in: 0..<members.count, using: &self)
            switch Int.random(in: 0..<7, using: &self) {
            case 0: members.remove(at: index)
            case 1: members.append((members[index].0, json()))
            case 2: members[index].0 = string()
            case 3: members[index].1 = json()
            case 4: members.append((string(), json()))
            default: members[index].1 = mutateOnce(members[index].1)
            }
            return .object(members)
        case var .array(items) where !items.isEmpty:
            let index = Int.random(in: 0..<items.count, using: &self)
            switch Int.random(in: 0..<4, using: &self) {
            case 0: return .array([])
            case 1: items.append(contentsOf: Array(repeating: items[index], count: Int.random(in: 1...30, using: &self)))
            case 2: items[index] = json()
            default: items[index] = mutateOnce(items[index])
            }
            return .array(items)
        case .string:
            return chance(0.8) ? .string(string()) : json()
        default:
            return json()
        }
    }

    /// Bytes of a body: the value written out, sometimes broken as bytes (truncated, a byte flipped, deeply nested,
    /// not UTF-8, empty).
    public mutating func bytes(_ value: JSONValue) -> [UInt8] {
        var bytes = CanonicalJSON.insertionOrderBytes(value)
        switch Int.random(in: 0..<12, using: &self) {
        case 0 where !bytes.isEmpty: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &self)))
        case 1 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &self)] = UInt8.random(in: 0...255, using: &self)
        case 2: bytes = Array(repeating: UInt8(ascii: "["), count: 5000) + Array(repeating: UInt8(ascii: "]"), count: 5000)
        case 3: bytes = [0xFF, 0xFE] + bytes
        case 4: bytes = []
        default: break
        }
        return bytes
    }
}
