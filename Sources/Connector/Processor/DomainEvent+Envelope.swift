import EventLog
import FSPIOP
import PaymentDomain
import Processing

extension DomainEvent {
    /// The event an envelope of `pm.transfers` carries.
    public init(envelope: Envelope) throws(EventDecodingFailure) {
        let type = envelope.type
        if type.hasPrefix("transfer.outbound.") {
            self = .outbound(transferId: envelope.aggregateID, try OutboundTransferEvent(wireName: type, payload: envelope.payload))
        } else if type.hasPrefix("transfer.inbound.") {
            self = .inbound(transactionId: envelope.aggregateID, try InboundTransferEvent(wireName: type, payload: envelope.payload))
        } else if type.hasPrefix("party.") {
            self = .party(key: envelope.aggregateID, try PartyLookup.event(wireName: type, payload: envelope.payload))
        } else if type.hasPrefix("r2p.outbound.") {
            self = .requestToPay(transactionRequestId: envelope.aggregateID, try RequestToPayEvent(wireName: type, payload: envelope.payload))
        } else if type.hasPrefix("r2p.inbound.") {
            self = .transactionRequest(transactionRequestId: envelope.aggregateID,
                                       try IncomingTransactionRequestEvent(wireName: type, payload: envelope.payload))
        } else if type.hasPrefix(BulkQuotesPostRequest.eventPrefix + ".") {
            self = .bulkQuote(bulkQuoteId: envelope.aggregateID, try InboundBulkQuoteEvent(wireName: type, payload: envelope.payload))
        } else if type.hasPrefix(BulkTransfersPostRequest.eventPrefix + ".") {
            self = .bulkTransfer(bulkTransferId: envelope.aggregateID, try InboundBulkTransferEvent(wireName: type, payload: envelope.payload))
        } else if type.hasPrefix("relayed.") {
            self = .relayed(key: envelope.aggregateID, try RelayedRequest.event(wireName: type, payload: envelope.payload))
        } else {
            throw EventDecodingFailure("'\(type)' is not an event of pm.transfers")
        }
    }
}
