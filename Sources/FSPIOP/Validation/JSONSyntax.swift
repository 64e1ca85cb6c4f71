/// A strict, allocation-light check that bytes are one JSON text (RFC 8259), run before `JSONDecoder`.
///
/// Foundation's `JSONDecoder` checks lazily: a value that no model property reads is never looked at,
/// so an invalid number (`01`, `1.`), a bad escape (`"\x"`), a raw control character or invalid UTF-8
/// in an unknown property, and a trailing comma in an object, would pass. FSPIOP answers invalid JSON
/// with 3101 whatever the field, so the whole text is checked first. The check is iterative (no
/// recursion to overflow) and limits nesting to ``maximumDepth``.
enum JSONSyntax {
    /// Deeper nesting is refused; FSPIOP bodies are fewer than ten levels deep.
    static let maximumDepth = 256

    /// A syntax error: where and what.
    struct Failure: Sendable, Equatable {
        let offset: Int
        let reason: String
    }

    /// What a scan found: the first syntax error, if any, and how many object members the text has.
    struct Summary: Sendable, Equatable {
        /// Nil when the bytes are exactly one JSON value (surrounded by whitespace and optionally
        /// preceded by a UTF-8 byte order mark, which RFC 8259 §8.1 lets a parser ignore).
        let failure: Failure?
        /// The number of name/value pairs of all objects, at any depth (meaningful without a failure).
        let memberCount: Int
    }

    /// Checks `bytes` and counts their object members.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> Summary {
        var scanner = Scanner(bytes: bytes)
        let failure = scanner.run()
        return Summary(failure: failure, memberCount: scanner.memberCount)
    }

    private enum Expectation {
        case value, valueOrEnd, key, keyOrEnd, colon, commaOrEnd, nothing
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0
        /// `true` for an object, `false` for an array, innermost last.
        var containers: [Bool] = []
        var memberCount = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
            containers.reserveCapacity(16)
        }

        mutating func run() -> Failure? {
            let count = bytes.count
            if count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
            var expectation = Expectation.value
            while true {
                while index < count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                    index += 1
                }
                guard index < count else {
                    return expectation == .nothing ? nil : Failure(offset: index, reason: "unexpected end of the text")
                }
                let byte = bytes[index]
                switch expectation {
                case .value, .valueOrEnd:
                    if expectation == .valueOrEnd, byte == 0x5D {
                        containers.removeLast()
                        index += 1
                        expectation = afterValue
                        continue
                    }
                    if let failure = scanValue(byte) { return failure }
                    if byte == 0x7B {
                        expectation = .keyOrEnd
                    } else if byte == 0x5B {
                        expectation = .valueOrEnd
                    } else {
                        expectation = afterValue
                    }
                case .key, .keyOrEnd:
                    if expectation == .keyOrEnd, byte == 0x7D {
                        containers.removeLast()
                        index += 1
                        expectation = afterValue
                        continue
                    }
                    guard byte == 0x22 else {
                        return Failure(offset: index, reason: expectation == .key ? "expected a property name (trailing comma?)" : "expected a property name")
                    }
                    if let failure = scanString() { return failure }
                    memberCount += 1
                    expectation = .colon
                case .colon:
                    guard byte == 0x3A else { return Failure(offset: index, reason: "expected ':'") }
                    index += 1
                    expectation = .value
                case .commaOrEnd:
                    let inObject = containers.last ?? false
                    if byte == 0x2C {
                        index += 1
                        expectation = inObject ? .key : .value
                    } else if (inObject && byte == 0x7D) || (!inObject && byte == 0x5D) {
                        containers.removeLast()
                        index += 1
                        expectation = afterValue
                    } else {
                        return Failure(offset: index, reason: inObject ? "expected ',' or '}'" : "expected ',' or ']'")
                    }
                case .nothing:
                    return Failure(offset: index, reason: "unexpected data after the JSON value")
                }
            }
        }

        private var afterValue: Expectation { containers.isEmpty ? .nothing : .commaOrEnd }

        /// Consumes the value starting with `byte`; an object or array is only opened.
        private mutating func scanValue(_ byte: UInt8) -> Failure? {
            switch byte {
            case 0x7B, 0x5B:
                guard containers.count < maximumDepth else { return Failure(offset: index, reason: "nested too deeply") }
                containers.append(byte == 0x7B)
                index += 1
                return nil
            case 0x22:
                return scanString()
            case 0x2D, 0x30...0x39:
                return scanNumber()
            case 0x74:
                return scanLiteral("true")
            case 0x66:
                return scanLiteral("false")
            case 0x6E:
                return scanLiteral("null")
            default:
                return Failure(offset: index, reason: "unexpected character")
            }
        }

        private mutating func scanLiteral(_ literal: StaticString) -> Failure? {
            let start = index
            let length = literal.utf8CodeUnitCount
            guard bytes.count - index >= length else { return Failure(offset: start, reason: "invalid literal") }
            let matches = literal.withUTF8Buffer { expected in
                (0..<length).allSatisfy { bytes[index + $0] == expected[$0] }
            }
            guard matches else { return Failure(offset: start, reason: "invalid literal") }
            index += length
            return nil
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` (RFC 8259 §6).
        private mutating func scanNumber() -> Failure? {
            let start = index
            let count = bytes.count
            if bytes[index] == 0x2D { index += 1 }
            guard index < count, isDigit(bytes[index]) else { return Failure(offset: start, reason: "invalid number") }
            if bytes[index] == 0x30 {
                index += 1
            } else {
                while index < count, isDigit(bytes[index]) { index += 1 }
            }
            if index < count, bytes[index] == 0x2E {
                index += 1
                guard index < count, isDigit(bytes[index]) else { return Failure(offset: start, reason: "invalid number") }
                while index < count, isDigit(bytes[index]) { index += 1 }
            }
            if index < count, bytes[index] == 0x65 || bytes[index] == 0x45 {
                index += 1
                if index < count, bytes[index] == 0x2B || bytes[index] == 0x2D { index += 1 }
                guard index < count, isDigit(bytes[index]) else { return Failure(offset: start, reason: "invalid number") }
                while index < count, isDigit(bytes[index]) { index += 1 }
            }
            return nil
        }

        /// A string from its opening quote: no raw control character, only the escapes of RFC 8259 §7,
        /// and well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF).
        private mutating func scanString() -> Failure? {
            let start = index
            let count = bytes.count
            index += 1
            while index < count {
                let byte = bytes[index]
                switch byte {
                case 0x22:
                    index += 1
                    return nil
                case 0x5C:
                    guard index + 1 < count else { return Failure(offset: start, reason: "unterminated string") }
                    switch bytes[index + 1] {
                    case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
                        index += 2
                    case 0x75:
                        guard index + 5 < count, (2...5).allSatisfy({ isHexDigit(bytes[index + $0]) }) else {
                            return Failure(offset: index, reason: "invalid \\u escape")
                        }
                        index += 6
                    default:
                        return Failure(offset: index, reason: "invalid escape")
                    }
                case 0x00..<0x20:
                    return Failure(offset: index, reason: "control character in a string")
                case 0x20..<0x80:
                    index += 1
                default:
                    guard let length = utf8SequenceLength(at: index) else {
                        return Failure(offset: index, reason: "invalid UTF-8")
                    }
                    index += length
                }
            }
            return Failure(offset: start, reason: "unterminated string")
        }

        /// The length of the well-formed UTF-8 sequence of two to four bytes at `at`, or nil.
        private func utf8SequenceLength(at start: Int) -> Int? {
            let lead = bytes[start]
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return nil
            }
            guard start + length <= bytes.count else { return nil }
            let second = bytes[start + 1]
            guard second >= low && second <= high else { return nil }
            for offset in 2..<length where bytes[start + offset] & 0xC0 != 0x80 { return nil }
            return length
        }

        @inline(__always) private func isDigit(_ byte: UInt8) -> Bool { (byte &- 0x30) < 10 }

        @inline(__always) private func isHexDigit(_ byte: UInt8) -> Bool {
            isDigit(byte) || ((byte | 0x20) &- 0x61) < 6
        }
    }
}
