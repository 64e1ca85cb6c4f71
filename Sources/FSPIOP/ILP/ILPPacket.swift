/// The ILP packet versions FSPIOP carries: v1 `ilp_payment` (FSPIOP 1.x, `ILP_VERSION=1`) and v4
/// `ILP Prepare` (FSPIOP 2.0 / ISO 20022, `ILP_VERSION=4`).
public enum ILPVersion: Int, Sendable, Hashable, CaseIterable, Codable {
    case v1 = 1
    case v4 = 4
}

/// An ILP packet as FSPIOP uses it (`shared/vectors/README.md`, ILP §5 and §6).
///
/// - v1 (`ilp-packet-v1`, type 1): amount, account address, data, empty extensions.
/// - v4 (`ilp-packet` Prepare, type 12): amount, `expiresAt`, execution condition, destination, data.
///
/// `data` holds the octets as carried: the base64url *text* of the transaction object's JSON.
public struct ILPPacket: Sendable, Hashable {
    public var version: ILPVersion
    public var amount: UInt64
    /// The v1 account or the v4 destination.
    public var address: String
    public var data: [UInt8]
    /// v4 only: `YYYYMMDDHHmmssSSS`, UTC.
    public var expiresAt: String?
    /// v4 only: the 32-byte execution condition.
    public var executionCondition: [UInt8]?

    public init(version: ILPVersion, amount: UInt64, address: String, data: [UInt8], expiresAt: String?, executionCondition: [UInt8]?) {
        self.version = version
        self.amount = amount
        self.address = address
        self.data = data
        self.expiresAt = expiresAt
        self.executionCondition = executionCondition
    }

    /// A v1 packet.
    public static func v1(amount: UInt64, account: String, data: [UInt8]) -> ILPPacket {
        ILPPacket(version: .v1, amount: amount, address: account, data: data, expiresAt: nil, executionCondition: nil)
    }

    /// A v4 Prepare packet.
    public static func v4(amount: UInt64, expiresAt: String, executionCondition: [UInt8], destination: String = "g.mojaloop", data: [UInt8]) -> ILPPacket {
        ILPPacket(version: .v4, amount: amount, address: destination, data: data, expiresAt: expiresAt, executionCondition: executionCondition)
    }

    private static let typePayment: UInt8 = 1
    private static let typePrepare: UInt8 = 12

    /// The OER bytes of the packet.
    public func encoded() -> [UInt8] {
        var contents: [UInt8] = []
        contents.reserveCapacity(data.count + address.utf8.count + 64)
        OER.appendUInt64(amount, to: &contents)
        switch version {
        case .v1:
            OER.appendVarOctetString(Array(address.utf8), to: &contents)
            OER.appendVarOctetString(data, to: &contents)
            contents.append(0x00)  // empty extensions
        case .v4:
            contents.append(contentsOf: Array((expiresAt ?? "").utf8))
            contents.append(contentsOf: executionCondition ?? [])
            OER.appendVarOctetString(Array(address.utf8), to: &contents)
            OER.appendVarOctetString(data, to: &contents)
        }
        var out: [UInt8] = [version == .v1 ? Self.typePayment : Self.typePrepare]
        OER.appendLength(contents.count, to: &out)
        out.append(contentsOf: contents)
        return out
    }

    /// The packet as FSPIOP sends it: base64url without padding.
    public var base64URL: String { Base64.urlEncoded(encoded()) }

    /// Decodes a packet from its FSPIOP text (base64url, padding tolerated as the schema allows).
    public init(base64URL text: String) throws(ILPError) {
        guard !text.isEmpty, let bytes = Base64.urlDecoded(text) else { throw .malformedPacket("not base64url") }
        try self.init(bytes: bytes)
    }

    /// Decodes a packet from its OER bytes. Every length is checked; trailing bytes are refused.
    public init(bytes: [UInt8]) throws(ILPError) {
        var reader = OER.Reader(bytes)
        let type = try reader.byte()
        let length = try reader.length()
        guard length == reader.remaining else {
            throw .malformedPacket("envelope length \(length) but \(reader.remaining) bytes follow")
        }
        switch type {
        case Self.typePayment:
            version = .v1
            amount = try reader.uint64()
            address = try Self.ascii(reader.varOctetString(), "account")
            data = try reader.varOctetString()
            // Extensions: ilp-packet v1 writes an empty list (0x00); tolerate its absence.
            if reader.remaining > 0 {
                let extensions = try reader.byte()
                guard extensions == 0 else { throw .malformedPacket("v1 extensions are not supported") }
            }
            expiresAt = nil
            executionCondition = nil
        case Self.typePrepare:
            version = .v4
            amount = try reader.uint64()
            let expiry = try Self.ascii(reader.take(17), "expiresAt")
            guard Timestamp(interledgerTimestamp: expiry) != nil else { throw .malformedPacket("expiresAt '\(expiry)' is not a timestamp") }
            expiresAt = expiry
            executionCondition = try reader.take(32)
            address = try Self.ascii(reader.varOctetString(), "destination")
            data = try reader.varOctetString()
        default:
            throw .unsupportedPacketType(type)
        }
        guard reader.remaining == 0 else { throw .malformedPacket("\(reader.remaining) unexpected trailing bytes") }
    }

    private static func ascii(_ bytes: [UInt8], _ field: String) throws(ILPError) -> String {
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { throw .malformedPacket("\(field) is not printable ASCII") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The transaction object's JSON bytes: `data` is the base64url text of them. Nil when `data`
    /// is not base64url.
    public var transactionJSON: [UInt8]? {
        guard let text = String(validating: data, as: UTF8.self) else { return nil }
        return Base64.urlDecoded(text)
    }

    /// The transaction object carried in `data`, or nil when it is not base64url JSON.
    public var transaction: JSONValue? {
        guard let json = transactionJSON else { return nil }
        return try? JSONParser.parse(json)
    }
}
