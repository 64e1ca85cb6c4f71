import FSPIOP

/// The core's answer to backend `POST /transactionrequests` (`transactionRequestResponse`).
public struct BackendTransactionRequestResponse: Codable, Sendable, Hashable {
    public var homeR2PTransactionId: String?
    public var transactionId: String?
    public var transactionRequestState: String

    public init(homeR2PTransactionId: String? = nil, transactionId: String? = nil, transactionRequestState: String) {
        self.homeR2PTransactionId = homeR2PTransactionId
        self.transactionId = transactionId
        self.transactionRequestState = transactionRequestState
    }

    /// The `PUT /transactionRequests/{ID}` answer it makes, or why it makes none (a state FSPIOP does not have).
    public var fspiopAnswer: Result<TransactionRequestsIDPutResponse, FSPIOPError> {
        guard ["RECEIVED", "PENDING", "ACCEPTED", "REJECTED"].contains(transactionRequestState) else {
            return .failure(FSPIOPError(.internalServerError, "the core answered transactionRequestState '\(transactionRequestState)'"))
        }
        return .success(TransactionRequestsIDPutResponse(transactionId: transactionId, transactionRequestState: transactionRequestState))
    }
}

/// A request to pay that another DFSP sent to this one for one of its customers (`POST /transactionRequests`,
/// the SDK's `InboundTransfersModel.transactionRequest`): the core is asked (backend
/// `POST /transactionrequests`) and its answer goes back as `PUT /transactionRequests/{ID}`, or the
/// refusal as `PUT /transactionRequests/{ID}/error`. A resent request gets the same answer again.
public typealias IncomingTransactionRequest = InboundExchange<TransactionRequestsPostRequest>
public typealias IncomingTransactionRequestFact = InboundExchangeFact<TransactionRequestsPostRequest>
public typealias IncomingTransactionRequestEvent = InboundExchangeEvent<TransactionRequestsPostRequest>

extension TransactionRequestsPostRequest: InboundExchangeRequest {
    public typealias Answer = TransactionRequestsIDPutResponse
    public static var eventPrefix: String { "r2p.inbound" }
    public static var payloadMember: String { "transactionRequest" }
    public static var idMember: String { "transactionRequestId" }
}
