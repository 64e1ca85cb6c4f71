import PaymentDomain

// Bodies of the SDK backend API (sdk-scheme-adapter-backend v2.1.0) that the connector sends to the
// core, as far as the simulator reads them. Unknown members are ignored; members the document marks
// required are required (a missing one is answered 400 with error 3102).

/// `POST /quoterequests` (`quoteRequest`).
struct CoreQuoteRequest: Decodable, Sendable {
    var quoteId: String
    var transactionId: String
    var to: TransferParty
    /// Not read (a quote depends on the payee's account); absent in the items of a bulk quote.
    var from: TransferParty?
    var amountType: String
    var amount: String
    var currency: String
    var transactionType: String
    var initiator: String
    var initiatorType: String
    var feesAmount: String?
    var feesCurrency: String?
    var expiration: String?
    var note: String?
}

/// `POST /transfers` (`transferRequest`).
struct CoreTransferRequest: Decodable, Sendable {
    var transferId: String
    var quote: BackendQuoteResponse
    var from: TransferParty
    var to: TransferParty
    var amountType: String
    var currency: String
    var amount: String
    var transactionType: String
    var ilpPacket: CorePresentValue
    var note: String?
    var subScenario: String?
}

/// A member that must be present but whose content the simulator does not read (the ILP packet: the
/// connector, not the core, checks it).
struct CorePresentValue: Decodable, Sendable {
    init() {}
    init(from decoder: Decoder) throws {}
}

/// `PUT /transfers/{transferId}` (`fulfilNotification`): the connector's whole view of the inbound
/// transfer, of which the simulator reads the final state. The SDK sends `currentState` (`COMPLETED`,
/// `ABORTED`, `ERROR_OCCURRED`) and `finalNotification.transferState` (the hub's PATCH: `COMMITTED` or
/// `ABORTED`); a bare PATCH body (`transferState` at the top) is accepted as well.
struct CoreTransferNotification: Decodable, Sendable {
    struct FinalNotification: Decodable, Sendable {
        var transferState: String?
        var completedTimestamp: String?
    }

    var currentState: String?
    var transferState: String?
    var finalNotification: FinalNotification?

    /// The final transfer state this notification reports (`COMMITTED`, `ABORTED`, ...), if any.
    var reportedTransferState: String? {
        if let state = finalNotification?.transferState { return state }
        if let state = transferState { return state }
        switch currentState {
        case "COMPLETED": return "COMMITTED"
        case "ABORTED": return "ABORTED"
        default: return nil
        }
    }
}

/// `POST /transactionrequests` (`transactionRequest`): a request to pay arriving at the payer's core.
/// `to` is the payer (this core's customer), `from` the payee asking to be paid.
struct CoreTransactionRequest: Decodable, Sendable {
    var transactionRequestId: String
    var to: TransferParty
    var from: TransferParty
    var amount: String
    var currency: String
    var transactionType: String
    var initiator: String
    var initiatorType: String
    var note: String?
}

/// `PUT /requestToPay/{transactionRequestId}` (`requestToPayCallback`): the payer's DFSP answered.
public struct CoreRequestToPayCallback: Codable, Sendable, Hashable {
    public var homeR2PTransactionId: String?
    public var transactionRequestState: String
}

/// The answer to `GET /otp/{transactionRequestId}` (`otpDetails`).
struct CoreOTP: Codable, Sendable, Hashable {
    var otpValue: String
}

/// The answer to `POST /transactionrequests` (`transactionRequestResponse`).
struct CoreTransactionRequestResponse: Codable, Sendable, Hashable {
    var homeR2PTransactionId: String
    var transactionId: String
    var transactionRequestState: String
}

/// The answer to `GET /transfers/{transferId}` (`transferDetailsResponse`).
struct CoreTransferDetails: Codable, Sendable, Hashable {
    var homeTransactionId: String
    var from: TransferParty
    var to: TransferParty
    var amountType: String
    var currency: String
    var amount: String
    var transferState: String
    var transactionType: String
    var timestamp: String
    var note: String?
}

// MARK: Outbound API (the core calling the connector)

/// The parts of the outbound API's `transferResponse` (and of `errorTransferResponse.transferState`) that
/// the payer core reads.
struct CoreOutboundTransferState: Decodable, Sendable {
    struct TransferError: Decodable, Sendable {
        struct MojaloopError: Decodable, Sendable {
            struct Information: Decodable, Sendable {
                var errorCode: String?
                var errorDescription: String?
            }
            var errorInformation: Information?
        }
        var httpStatusCode: Int?
        var mojaloopError: MojaloopError?
    }

    var transferId: String?
    var homeTransactionId: String?
    var currentState: String?
    var lastError: TransferError?

    enum CodingKeys: String, CodingKey { case transferId, homeTransactionId, currentState, lastError }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        transferId = try container.decodeIfPresent(String.self, forKey: .transferId)
        homeTransactionId = try container.decodeIfPresent(String.self, forKey: .homeTransactionId)
        currentState = try container.decodeIfPresent(String.self, forKey: .currentState)
        // The SDK sometimes keeps a plain message here instead of the documented object; the state and
        // id still matter, so an unreadable `lastError` is read as none.
        lastError = try? container.decodeIfPresent(TransferError.self, forKey: .lastError)
    }

    /// The Mojaloop error code of `lastError`, if any.
    var mojaloopErrorCode: String? { lastError?.mojaloopError?.errorInformation?.errorCode }
    var mojaloopErrorDescription: String? { lastError?.mojaloopError?.errorInformation?.errorDescription }
}

/// The outbound API's `errorTransferResponse`: `{statusCode, message, transferState}`.
struct CoreOutboundErrorResponse: Decodable, Sendable {
    var statusCode: String?
    var message: String?
    var transferState: CoreOutboundTransferState?

    enum CodingKeys: String, CodingKey { case statusCode, message, transferState }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Documented as a string; some implementations send the number.
        if let text = try? container.decodeIfPresent(String.self, forKey: .statusCode) {
            statusCode = text
        } else if let number = try? container.decodeIfPresent(Int.self, forKey: .statusCode) {
            statusCode = String(number)
        } else {
            statusCode = nil
        }
        message = try? container.decodeIfPresent(String.self, forKey: .message)
        transferState = try? container.decodeIfPresent(CoreOutboundTransferState.self, forKey: .transferState)
    }
}
