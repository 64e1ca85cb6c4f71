/// The ILP pieces a DFSP computes: conditions and fulfilments (API Definition v1.1 §4 and Listing 12,
/// with the exact byte choices of sdk-standard-components, `shared/vectors/README.md` ILP §5–§6), the
/// transaction object, and the packet a payee returns in its quote.
public enum ILP {
    /// The HMAC key the SDK derives from a secret: the ASCII of the standard base64 of its UTF-8 bytes
    /// (secret `secret` gives key bytes `c2VjcmV0`).
    public static func hmacKey(secret: String) -> [UInt8] {
        Base64.standardEncodedBytes(Array(secret.utf8))
    }

    /// The 32-byte fulfilment of a packet given as its FSPIOP text.
    ///
    /// - v1: HMAC-SHA256 over the packet's base64url text.
    /// - v4: HMAC-SHA256 over the standard (padded) base64 of the transaction JSON embedded in the packet,
    ///   exactly as embedded (so a packet written with any member order keeps its fulfilment).
    public static func fulfilment(secret: String, packet: String) throws(ILPError) -> [UInt8] {
        let decoded = try ILPPacket(base64URL: packet)
        switch decoded.version {
        case .v1:
            return Digest.hmacSHA256(key: hmacKey(secret: secret), message: Array(packet.utf8))
        case .v4:
            guard let json = decoded.transactionJSON else { throw .malformedPacket("data is not base64url") }
            return fulfilmentV4(secret: secret, transactionJSON: json)
        }
    }

    static func fulfilmentV4(secret: String, transactionJSON: [UInt8]) -> [UInt8] {
        Digest.hmacSHA256(key: hmacKey(secret: secret), message: Base64.standardEncodedBytes(transactionJSON))
    }

    /// The condition of a fulfilment: SHA-256 of its 32 bytes.
    public static func condition(fulfilment: [UInt8]) throws(ILPError) -> [UInt8] {
        guard fulfilment.count == 32 else { throw .invalidFulfilment("a fulfilment is 32 bytes, this one is \(fulfilment.count)") }
        return Digest.sha256(fulfilment)
    }

    /// The condition of a fulfilment given as FSPIOP text (base64url of 32 bytes), as base64url.
    public static func condition(fulfilment text: String) throws(ILPError) -> String {
        guard let bytes = Base64.urlDecoded(text) else { throw .invalidFulfilment("not base64url") }
        return Base64.urlEncoded(try condition(fulfilment: bytes))
    }

    /// Whether `fulfilment` (FSPIOP text) fulfils `condition` (FSPIOP text), as the switch checks a
    /// `PUT /transfers/{ID}`: 32 bytes whose SHA-256 in base64url equals the condition string.
    public static func fulfils(_ fulfilment: String, condition: String) -> Bool {
        guard let bytes = Base64.urlDecoded(fulfilment), bytes.count == 32 else { return false }
        return Base64.urlEncoded(Digest.sha256(bytes)) == condition
    }

    /// The ILP v1 account of a payee: `g.<fspId>.<lower(type)>.<lower(identifier)>[.<lower(subId)>]`;
    /// the FSP id keeps its case (`IlpV1._getIlpAddress`).
    public static func address(fspId: String, partyIdType: String, partyIdentifier: String, partySubIdOrType: String?) -> String {
        var address = "g.\(fspId).\(partyIdType.lowercased()).\(partyIdentifier.lowercased())"
        if let partySubIdOrType, !partySubIdOrType.isEmpty { address += ".\(partySubIdOrType.lowercased())" }
        return address
    }

    /// The transaction object a payee builds from a quote request and its answer, with the members in
    /// the SDK's order (`dto.transactionObjectDto`): quoteId, transactionId, transactionType, payee,
    /// payer, expiration, amount (the transfer amount), and note when it is a non-empty string.
    public static func transactionObject(quoteRequest: JSONValue, quoteResponse: JSONValue) throws(ILPError) -> JSONValue {
        func required(_ value: JSONValue?, _ name: String) throws(ILPError) -> JSONValue {
            guard let value, value != .null else { throw .invalidTransaction("\(name) is missing") }
            return value
        }
        var members: [(String, JSONValue)] = [
            ("quoteId", try required(quoteRequest["quoteId"], "quoteRequest.quoteId")),
            ("transactionId", try required(quoteRequest["transactionId"], "quoteRequest.transactionId")),
            ("transactionType", try required(quoteRequest["transactionType"], "quoteRequest.transactionType")),
            ("payee", try required(quoteRequest["payee"], "quoteRequest.payee")),
            ("payer", try required(quoteRequest["payer"], "quoteRequest.payer")),
            ("expiration", try required(quoteResponse["expiration"], "quoteResponse.expiration")),
            ("amount", try required(quoteResponse["transferAmount"], "quoteResponse.transferAmount")),
        ]
        if let note = quoteResponse["note"]?.stringValue, !note.isEmpty { members.append(("note", .string(note))) }
        return .object(members)
    }

    /// How the transaction object's JSON is written into the packet: sorted members (the SDK since
    /// 19.18.9, `safe-stable-stringify`) or the members' order (earlier SDKs). Nothing re-parses it for
    /// the condition, so both verify everywhere.
    public enum MemberOrder: String, Sendable, CaseIterable {
        case sorted
        case insertion
    }

    /// What a payee puts in its quote answer.
    public struct QuotePacket: Sendable, Hashable {
        public let ilpPacket: String
        public let condition: String
        public let fulfilment: String
        public let transaction: JSONValue
    }

    /// Builds the packet, condition and fulfilment for a quote answer.
    public static func quotePacket(version: ILPVersion, secret: String, quoteRequest: JSONValue, quoteResponse: JSONValue, order: MemberOrder = .sorted) throws(ILPError) -> QuotePacket {
        let transaction = try transactionObject(quoteRequest: quoteRequest, quoteResponse: quoteResponse)
        let json = order == .sorted ? CanonicalJSON.bytes(transaction) : CanonicalJSON.insertionOrderBytes(transaction)
        return try quotePacket(version: version, secret: secret, transaction: transaction, transactionJSON: json)
    }

    /// Builds the packet from a transaction object and the exact JSON bytes to embed for it.
    public static func quotePacket(version: ILPVersion, secret: String, transaction: JSONValue, transactionJSON json: [UInt8]) throws(ILPError) -> QuotePacket {
        guard let amountObject = transaction["amount"], let amount = amountObject["amount"]?.stringValue,
              let currency = amountObject["currency"]?.stringValue else {
            throw .invalidTransaction("amount.amount and amount.currency are required")
        }
        let units = try CurrencyScale.scaledAmount(amount, currency: currency)
        let data = Base64.urlEncodedBytes(json)
        switch version {
        case .v1:
            guard let info = transaction["payee"]?["partyIdInfo"], let fspId = info["fspId"]?.stringValue,
                  let type = info["partyIdType"]?.stringValue, let identifier = info["partyIdentifier"]?.stringValue else {
                throw .invalidTransaction("payee.partyIdInfo needs fspId, partyIdType and partyIdentifier")
            }
            let account = address(fspId: fspId, partyIdType: type, partyIdentifier: identifier,
                                  partySubIdOrType: info["partySubIdOrType"]?.stringValue)
            let packet = ILPPacket.v1(amount: units, account: account, data: data).base64URL
            let fulfilment = Digest.hmacSHA256(key: hmacKey(secret: secret), message: Array(packet.utf8))
            return QuotePacket(ilpPacket: packet, condition: Base64.urlEncoded(Digest.sha256(fulfilment)),
                               fulfilment: Base64.urlEncoded(fulfilment), transaction: transaction)
        case .v4:
            guard let expiration = transaction["expiration"]?.stringValue, let expiry = Timestamp(dateTime: expiration) else {
                throw .invalidTransaction("expiration must be an FSPIOP DateTime")
            }
            let fulfilment = fulfilmentV4(secret: secret, transactionJSON: json)
            let condition = Digest.sha256(fulfilment)
            let packet = ILPPacket.v4(amount: units, expiresAt: expiry.interledgerTimestamp, executionCondition: condition, data: data).base64URL
            return QuotePacket(ilpPacket: packet, condition: Base64.urlEncoded(condition),
                               fulfilment: Base64.urlEncoded(fulfilment), transaction: transaction)
        }
    }
}
