/// The bytes of a record's headers in the SQLite log: for each header, its name and its value, each as
/// a LEB128 length followed by the bytes. An empty list is zero bytes.
enum HeaderCodec {
    static func encode(_ headers: [LogHeader]) -> [UInt8] {
        guard !headers.isEmpty else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.count + 4 })
        for header in headers {
            appendLength(header.name.utf8.count, to: &out)
            out.append(contentsOf: header.name.utf8)
            appendLength(header.value.count, to: &out)
            out.append(contentsOf: header.value)
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) -> [LogHeader] {
        var headers: [LogHeader] = []
        var index = 0
        func length() -> Int? {
            var value = 0
            var shift = 0
            while index < bytes.count, shift < 63 {
                let byte = bytes[index]
                index += 1
                value |= Int(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while index < bytes.count {
            guard let nameLength = length(), nameLength <= bytes.count - index else { break }
            let name = String(decoding: bytes[index..<index + nameLength], as: UTF8.self)
            index += nameLength
            guard let valueLength = length(), valueLength <= bytes.count - index else { break }
            headers.append(LogHeader(name: name, value: Array(bytes[index..<index + valueLength])))
            index += valueLength
        }
        return headers
    }

    private static func appendLength(_ value: Int, to out: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            out.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }
}
