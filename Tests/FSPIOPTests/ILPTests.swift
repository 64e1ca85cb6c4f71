import Foundation
import Testing
@testable import FSPIOP

struct ILPVectorTests {
    static let ids: [String] = (try? Shared.ilpVectors().compactMap { $0["id"] as? String }) ?? []

    @Test("shared ILP vectors are present") func present() throws {
        #expect(try Shared.ilpVectors().count >= 4)
    }

    @Test("shared ILP vector", arguments: ids)
    func vector(id: String) throws {
        let vector = try #require(try Shared.ilpVectors().first { $0["id"] as? String == id })
        switch vector["kind"] as? String {
        case "fulfilment->condition":
            let fulfilment = try #require(vector["fulfilment"] as? String)
            #expect(try ILP.condition(fulfilment: fulfilment) == vector["condition"] as? String)
            #expect(ILP.fulfils(fulfilment, condition: try #require(vector["condition"] as? String)))
        case "ilp-v1":
            let text = try #require(vector["ilpPacket"] as? String)
            let secret = try #require(vector["secret"] as? String)
            try checkDecoded(text, vector: vector)
            let fulfilment = Base64.urlEncoded(try ILP.fulfilment(secret: secret, packet: text))
            #expect(fulfilment == vector["fulfilment_derived_verified"] as? String)
            #expect(try ILP.condition(fulfilment: fulfilment) == vector["condition"] as? String)
        case "ilp-v1-decode-only":
            try checkDecoded(try #require(vector["ilpPacket"] as? String), vector: vector)
        case "ilp-v4-prepare":
            let text = try #require(vector["ilpPacket"] as? String)
            let secret = try #require(vector["secret"] as? String)
            try checkDecoded(text, vector: vector)
            let fulfilment = Base64.urlEncoded(try ILP.fulfilment(secret: secret, packet: text))
            #expect(fulfilment == vector["fulfilment"] as? String)
            #expect(try ILP.condition(fulfilment: fulfilment) == vector["condition"] as? String)
            // Built from the exact transaction JSON, the packet is the upstream one bit for bit.
            let json = Array(try #require(vector["input_transaction_json_exact"] as? String).utf8)
            let transaction = try JSONParser.parse(json)
            let made = try ILP.quotePacket(version: .v4, secret: secret, transaction: transaction, transactionJSON: json)
            #expect(made.ilpPacket == text)
            #expect(made.fulfilment == vector["fulfilment"] as? String)
            #expect(made.condition == vector["condition"] as? String)
        default:
            Issue.record("unknown vector kind in \(id)")
        }
    }

    func checkDecoded(_ text: String, vector: [String: Any]) throws {
        let decoded = try #require(vector["decoded"] as? [String: Any])
        let packet = try ILPPacket(base64URL: text)
        #expect(packet.version == (decoded["type"] as? Int == 1 ? .v1 : .v4))
        #expect(String(packet.amount) == decoded["amount"] as? String)
        #expect(packet.address == (decoded["account"] as? String ?? decoded["destination"] as? String))
        #expect(String(decoding: packet.data, as: UTF8.self) == decoded["data_ascii"] as? String)
        if let json = decoded["data_json"] as? String {
            #expect(packet.transactionJSON == Array(json.utf8))
        }
        if let expiresAt = decoded["expiresAt"] as? String { #expect(packet.expiresAt == expiresAt) }
        if let condition = decoded["executionCondition"] as? String {
            #expect(packet.executionCondition.map { Base64.urlEncoded($0) } == condition)
        }
        // Re-encoding the decoded fields gives the same bytes.
        #expect(packet.base64URL == text.replacingOccurrences(of: "=", with: ""))
    }
}

struct ILPTests {
    static let quoteRequest: JSONValue = try! JSONParser.parse(#"""
    {"quoteId":"7c23e80c-d078-4077-8263-2c047876fcf6","transactionId":"85feac2f-39b2-491b-817e-4a03203d4f14",
     "payee":{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"27713803912","partySubIdOrType":"Wallet","fspId":"PayeeFSP"},"name":"Zoë Ünal"},
     "payer":{"partyIdInfo":{"partyIdType":"MSISDN","partyIdentifier":"27713803911","fspId":"payerfsp"}},
     "amountType":"SEND","amount":{"amount":"100","currency":"USD"},
     "transactionType":{"scenario":"TRANSFER","initiator":"PAYER","initiatorType":"CONSUMER"},"note":"rent / Nov"}
    """#)
    static let quoteResponse: JSONValue = try! JSONParser.parse(#"""
    {"transferAmount":{"amount":"100.5","currency":"USD"},"expiration":"2026-11-29T12:00:00.000+02:00",
     "ilpPacket":"x","condition":"y","note":"for you"}
    """#)

    @Test("the transaction object has the SDK's members in the SDK's order")
    func transactionObject() throws {
        let transaction = try ILP.transactionObject(quoteRequest: Self.quoteRequest, quoteResponse: Self.quoteResponse)
        guard case let .object(members) = transaction else { Issue.record("not an object"); return }
        #expect(members.map(\.0) == ["quoteId", "transactionId", "transactionType", "payee", "payer", "expiration", "amount", "note"])
        #expect(transaction["amount"]?["amount"]?.stringValue == "100.5")
        var noNote = Self.quoteResponse
        if case var .object(responseMembers) = noNote {
            responseMembers.removeAll { $0.0 == "note" }
            noNote = .object(responseMembers)
        }
        guard case let .object(withoutNote) = try ILP.transactionObject(quoteRequest: Self.quoteRequest, quoteResponse: noNote) else { return }
        #expect(!withoutNote.contains { $0.0 == "note" })
    }

    @Test("a payee's packet decodes back, and its fulfilment and condition agree", arguments: ILPVersion.allCases, ILP.MemberOrder.allCases)
    func quotePacketRoundTrip(version: ILPVersion, order: ILP.MemberOrder) throws {
        let made = try ILP.quotePacket(version: version, secret: "s3cr3t", quoteRequest: Self.quoteRequest, quoteResponse: Self.quoteResponse, order: order)
        let packet = try ILPPacket(base64URL: made.ilpPacket)
        #expect(packet.version == version)
        #expect(packet.amount == 10050)
        #expect(packet.transaction == (order == .insertion ? made.transaction : try JSONParser.parse(CanonicalJSON.bytes(made.transaction))))
        #expect(Base64.urlEncoded(try ILP.fulfilment(secret: "s3cr3t", packet: made.ilpPacket)) == made.fulfilment)
        #expect(try ILP.condition(fulfilment: made.fulfilment) == made.condition)
        #expect(made.ilpPacket.range(of: "=") == nil)
        #expect(made.condition.count == 43 && made.fulfilment.count == 43)
        switch version {
        case .v1:
            #expect(packet.address == "g.PayeeFSP.msisdn.27713803912.wallet")
        case .v4:
            #expect(packet.address == "g.mojaloop")
            #expect(packet.expiresAt == "20261129100000000")
            #expect(packet.executionCondition.map { Base64.urlEncoded($0) } == made.condition)
        }
        // Another secret gives another fulfilment.
        #expect(Base64.urlEncoded(try ILP.fulfilment(secret: "other", packet: made.ilpPacket)) != made.fulfilment)
    }

    @Test("amounts scale by the currency's decimals", arguments: [
        ("100", "USD", UInt64(10000)), ("1.5", "USD", 150), ("0", "USD", 0), ("123.45", "EUR", 12345),
        ("100", "JPY", 100), ("7", "XOF", 7), ("1.234", "BHD", 1234), ("5", "KWD", 5000),
        ("100", "XXX", 1_000_000), ("0.0001", "XTS", 1), ("1.2345", "CLF", 12345),
        ("1.50", "USD", 150), ("184467440737095516.15", "USD", UInt64.max),
    ])
    func scaling(amount: String, currency: String, expected: UInt64) throws {
        #expect(try CurrencyScale.scaledAmount(amount, currency: currency) == expected)
    }

    @Test("every currency in the table scales its smallest unit to 1")
    func everyScale() throws {
        for (currency, decimals) in CurrencyScale.table {
            let smallest = decimals == 0 ? "1" : "0." + String(repeating: "0", count: decimals - 1) + "1"
            #expect(try CurrencyScale.scaledAmount(smallest, currency: currency) == 1, "\(currency)")
            if decimals > 0 {
                let tooFine = "0." + String(repeating: "0", count: decimals) + "1"
                #expect(throws: ILPError.amountNotWhole(amount: tooFine, currency: currency)) {
                    try CurrencyScale.scaledAmount(tooFine, currency: currency)
                }
            }
        }
        #expect(CurrencyScale.table.count >= 150)
    }

    @Test("amounts that cannot be scaled are refused")
    func badAmounts() {
        #expect(throws: ILPError.unknownCurrency("ABC")) { try CurrencyScale.scaledAmount("1", currency: "ABC") }
        #expect(throws: ILPError.amountNotWhole(amount: "1.5", currency: "JPY")) { try CurrencyScale.scaledAmount("1.5", currency: "JPY") }
        #expect(throws: ILPError.amountTooLarge("184467440737095516.16")) { try CurrencyScale.scaledAmount("184467440737095516.16", currency: "USD") }
        for bad in ["", "-1", "1.", ".5", "1e3", "1,5", "0x10", " 1"] {
            #expect(throws: ILPError.self, "\(bad)") { try CurrencyScale.scaledAmount(bad, currency: "USD") }
        }
    }

    @Test("length determinants use the short form below 128 and the minimal long form above")
    func lengthDeterminants() throws {
        for (length, expected) in [(0, [0x00]), (127, [0x7F]), (128, [0x81, 0x80]), (255, [0x81, 0xFF]), (256, [0x82, 0x01, 0x00]), (773, [0x82, 0x03, 0x05])] as [(Int, [UInt8])] {
            var out: [UInt8] = []
            OER.appendLength(length, to: &out)
            #expect(out == expected)
            var reader = OER.Reader(out)
            #expect(try reader.length() == length)
        }
        var nonMinimal = OER.Reader([0x81, 0x05])
        #expect(throws: ILPError.self) { try nonMinimal.length() }
        var leadingZero = OER.Reader([0x82, 0x00, 0x90])
        #expect(throws: ILPError.self) { try leadingZero.length() }
    }

    @Test("packets of every size round-trip", arguments: [0, 1, 100, 127, 128, 1000, 40000])
    func sizes(dataLength: Int) throws {
        let data = Array(repeating: UInt8(ascii: "A"), count: dataLength)
        for packet in [ILPPacket.v1(amount: 42, account: "g.fsp.msisdn.1", data: data),
                       ILPPacket.v4(amount: UInt64.max, expiresAt: "20261129235959999", executionCondition: Array(repeating: 7, count: 32), data: data)] {
            #expect(try ILPPacket(base64URL: packet.base64URL) == packet)
        }
    }

    @Test("malformed packets are refused, never trapped")
    func malformedPackets() throws {
        let good = ILPPacket.v1(amount: 1, account: "g.a.b.c", data: Array("eyJ9".utf8)).encoded()
        let goodV4 = ILPPacket.v4(amount: 1, expiresAt: "20261129235959999", executionCondition: Array(repeating: 1, count: 32), data: [65]).encoded()
        var cases: [[UInt8]] = [[], [0x01], [0x01, 0x05], [0x02, 0x00], [0x0D, 0x00]]
        for cut in 1..<good.count { cases.append(Array(good.prefix(cut))) }
        for cut in 1..<goodV4.count { cases.append(Array(goodV4.prefix(cut))) }
        cases.append(good + [0x00])                                  // trailing byte beyond the envelope
        var wrongLength = good; wrongLength[1] += 1; cases.append(wrongLength)
        var badExtensions = good; badExtensions[badExtensions.count - 1] = 0x01; cases.append(badExtensions)
        var badExpiry = goodV4; badExpiry[10] = UInt8(ascii: "x"); cases.append(badExpiry)
        var binaryAccount = good; binaryAccount[11] = 0x00; cases.append(binaryAccount)
        for bytes in cases {
            #expect(throws: ILPError.self, "\(bytes)") { try ILPPacket(bytes: bytes) }
        }
        for text in ["", "!!!", "AYIDBQ+/", "A"] {
            #expect(throws: ILPError.self) { try ILPPacket(base64URL: text) }
        }
        #expect(try ILPPacket(bytes: good).address == "g.a.b.c")
    }

    @Test("a fulfilment must be 32 bytes")
    func fulfilmentLength() {
        #expect(throws: ILPError.self) { try ILP.condition(fulfilment: Base64.urlEncoded([UInt8](repeating: 1, count: 31))) }
        #expect(throws: ILPError.self) { try ILP.condition(fulfilment: "not base64!") }
        #expect(!ILP.fulfils("WLctttbu2HvTsa1XWvUoGRcQozHsqeu9Ahl2JW9Bsu8", condition: "f5sqb7tBTWPd5Y8BDFdMm9BJR_MNI4isf8p8n4D5pHB"))
    }

    @Test("the HMAC key is the base64 text of the secret")
    func hmacKey() {
        #expect(ILP.hmacKey(secret: "secret") == Array("c2VjcmV0".utf8))
    }
}
