import FSPIOP
import PaymentDomain

/// One event of `pm.transfers`: which aggregate it belongs to and what happened.
public enum DomainEvent: Sendable, Hashable {
    case outbound(transferId: String, OutboundTransferEvent)
    case inbound(transactionId: String, InboundTransferEvent)
    case party(key: String, PartyLookupEvent)
    case relayed(key: String, RelayedRequestEvent)
    case requestToPay(transactionRequestId: String, RequestToPayEvent)
    case transactionRequest(transactionRequestId: String, IncomingTransactionRequestEvent)
    case bulkQuote(bulkQuoteId: String, InboundBulkQuoteEvent)
    case bulkTransfer(bulkTransferId: String, InboundBulkTransferEvent)

    public var ref: AggregateRef {
        switch self {
        case let .outbound(id, _): return AggregateRef(.outbound, id)
        case let .inbound(id, _): return AggregateRef(.inbound, id)
        case let .party(key, _): return AggregateRef(.party, key)
        case let .relayed(key, _): return AggregateRef(.relayed, key)
        case let .requestToPay(id, _): return AggregateRef(.requestToPay, id)
        case let .transactionRequest(id, _): return AggregateRef(.transactionRequest, id)
        case let .bulkQuote(id, _): return AggregateRef(.bulkQuote, id)
        case let .bulkTransfer(id, _): return AggregateRef(.bulkTransfer, id)
        }
    }

    /// The schema version it is written at (`schemas/events/<wireName>.v<N>.schema.json`).
    public var schemaVersion: Int {
        // Version 2: bulk quotes and bulk transfers are relayed too (version 1 is a subset).
        if case .relayed(_, .sent) = self { return 2 }
        return 1
    }

    public var wireName: String {
        switch self {
        case let .outbound(_, event): return event.wireName
        case let .inbound(_, event): return event.wireName
        case let .party(_, event): return event.wireName
        case let .relayed(_, event): return event.wireName
        case let .requestToPay(_, event): return event.wireName
        case let .transactionRequest(_, event): return event.wireName
        case let .bulkQuote(_, event): return event.wireName
        case let .bulkTransfer(_, event): return event.wireName
        }
    }

    public var payload: JSONValue {
        get throws {
            switch self {
            case let .outbound(_, event): return try event.payload
            case let .inbound(_, event): return try event.payload
            case let .party(_, event): return try PartyLookup.payload(event)
            case let .relayed(_, event): return try RelayedRequest.payload(event)
            case let .requestToPay(_, event): return try event.payload
            case let .transactionRequest(_, event): return try event.payload
            case let .bulkQuote(_, event): return try event.payload
            case let .bulkTransfer(_, event): return try event.payload
            }
        }
    }

    /// Every wire name of `pm.transfers`.
    public static var wireNames: [String] {
        OutboundTransferEvent.wireNames + InboundTransferEvent.wireNames + PartyLookupEvent.wireNames + RelayedRequestEvent.wireNames
            + RequestToPayEvent.wireNames + IncomingTransactionRequestEvent.wireNames
            + InboundBulkQuoteEvent.wireNames + InboundBulkTransferEvent.wireNames
    }
}
