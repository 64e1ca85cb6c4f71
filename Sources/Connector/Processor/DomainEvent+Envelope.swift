import EventLog
import FSPIOP
import PaymentDomain
import Processing

extension DomainEvent {
    /// The event an envelope of `pm.transfers` carries.
    public init(envelope: Envelope) throws(EventDecodingFailure) {
        try self.init(wireName: envelope.type, aggregateID: envelope.aggregateID, payload: envelope.payload)
    }
}
