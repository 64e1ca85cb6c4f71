import FSPIOP
import PMCore
import PaymentDomain

extension DomainEvent {
    /// The event of `pm.transfers` with this wire type, for this aggregate id, with this payload (an
    /// envelope's `type`, `aggregateId` and `payload`).
    public init(wireName type: String, aggregateID: String, payload: JSONValue) throws(EventDecodingFailure) {
        if type.hasPrefix("transfer.outbound.") {
            self = .outbound(transferId: aggregateID, try OutboundTransferEvent(wireName: type, payload: payload))
        } else if type.hasPrefix("transfer.inbound.") {
            self = .inbound(transactionId: aggregateID, try InboundTransferEvent(wireName: type, payload: payload))
        } else if type.hasPrefix("party.") {
            self = .party(key: aggregateID, try PartyLookup.event(wireName: type, payload: payload))
        } else if type.hasPrefix("r2p.outbound.") {
            self = .requestToPay(transactionRequestId: aggregateID, try RequestToPayEvent(wireName: type, payload: payload))
        } else if type.hasPrefix("r2p.inbound.") {
            self = .transactionRequest(transactionRequestId: aggregateID, try IncomingTransactionRequestEvent(wireName: type, payload: payload))
        } else if type.hasPrefix(BulkQuotesPostRequest.eventPrefix + ".") {
            self = .bulkQuote(bulkQuoteId: aggregateID, try InboundBulkQuoteEvent(wireName: type, payload: payload))
        } else if type.hasPrefix(BulkTransfersPostRequest.eventPrefix + ".") {
            self = .bulkTransfer(bulkTransferId: aggregateID, try InboundBulkTransferEvent(wireName: type, payload: payload))
        } else if type.hasPrefix("relayed.") {
            self = .relayed(key: aggregateID, try RelayedRequest.event(wireName: type, payload: payload))
        } else {
            throw EventDecodingFailure("'\(type)' is not an event of pm.transfers")
        }
    }
}
