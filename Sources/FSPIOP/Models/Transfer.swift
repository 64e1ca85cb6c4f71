/// The body of `POST /transfers` (API Definition v1.1 §6.7.3.2, OpenAPI `TransfersPostRequest`): the
/// Payer FSP's prepare, a conditional transfer to the Payee FSP.
public struct TransfersPostRequest: Codable, Sendable, Hashable {
    /// Identifies the transfer (`CorrelationId`), decided by the Payer FSP.
    public var transferId: String
    /// `FspId` of the Payee FSP.
    public var payeeFsp: String
    /// `FspId` of the Payer FSP.
    public var payerFsp: String
    /// The amount transferred, the `transferAmount` of the quote.
    public var amount: Money
    /// `IlpPacket` (§7.3.19), the one of the quote.
    public var ilpPacket: String
    /// `IlpCondition` (§7.3.17), the one of the quote.
    public var condition: String
    /// When the transfer expires (`DateTime`).
    public var expiration: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        transferId: String, payeeFsp: String, payerFsp: String, amount: Money, ilpPacket: String,
        condition: String, expiration: String, extensionList: ExtensionList? = nil
    ) {
        self.transferId = transferId
        self.payeeFsp = payeeFsp
        self.payerFsp = payerFsp
        self.amount = amount
        self.ilpPacket = ilpPacket
        self.condition = condition
        self.expiration = expiration
        self.extensionList = extensionList
    }
}

extension TransfersPostRequest: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("transferId", transferId, .correlationId)
        validator.string("payeeFsp", payeeFsp, .fspId)
        validator.string("payerFsp", payerFsp, .fspId)
        validator.object("amount", amount)
        validator.string("ilpPacket", ilpPacket, .ilpPacket)
        validator.string("condition", condition, .ilpCondition)
        validator.string("expiration", expiration, .dateTime)
        validator.object("extensionList", extensionList)
    }
}

/// The body of the callback `PUT /transfers/{ID}` (§6.7.4.1, OpenAPI `TransfersIDPutResponse`): the
/// Payee FSP's fulfil, or the answer to `GET /transfers/{ID}`.
///
/// Rule beyond the schema (Table 31): `fulfilment` is "mandatory if transfer has completed
/// successfully", so a body with `transferState` `COMMITTED` and no fulfilment is 3102. `ABORTED` is not
/// valid in a fulfil but is in the answer to a GET (§6.7.4.1 note); the body alone cannot tell them
/// apart, so that is left to the caller.
public struct TransfersIDPutResponse: Codable, Sendable, Hashable {
    /// `IlpFulfilment` (§7.3.18): the preimage of the condition.
    public var fulfilment: String?
    /// When the transfer was completed (`DateTime`).
    public var completedTimestamp: String?
    /// ``TransferState``.
    public var transferState: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        fulfilment: String? = nil, completedTimestamp: String? = nil, transferState: String,
        extensionList: ExtensionList? = nil
    ) {
        self.fulfilment = fulfilment
        self.completedTimestamp = completedTimestamp
        self.transferState = transferState
        self.extensionList = extensionList
    }
}

extension TransfersIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("fulfilment", fulfilment, .ilpFulfilment)
        validator.string("completedTimestamp", completedTimestamp, .dateTime)
        validator.enumeration("transferState", transferState, TransferState.self)
        if transferState == TransferState.committed.rawValue {
            validator.require("fulfilment", present: fulfilment != nil, "when transferState is COMMITTED")
        }
        validator.object("extensionList", extensionList)
    }
}

/// The body of `PATCH /transfers/{ID}` (§6.7.3.3, OpenAPI `TransfersIDPatchResponse`): the Switch's
/// commit notification for a transfer the Payee FSP reserved.
public struct TransfersIDPatchResponse: Codable, Sendable, Hashable {
    /// When the transfer was completed (`DateTime`).
    public var completedTimestamp: String
    /// ``TransferState``, `COMMITTED` or `ABORTED` in practice.
    public var transferState: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(completedTimestamp: String, transferState: String, extensionList: ExtensionList? = nil) {
        self.completedTimestamp = completedTimestamp
        self.transferState = transferState
        self.extensionList = extensionList
    }
}

extension TransfersIDPatchResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("completedTimestamp", completedTimestamp, .dateTime)
        validator.enumeration("transferState", transferState, TransferState.self)
        validator.object("extensionList", extensionList)
    }
}

/// `TransferState` (§7.5.13): the state of a transfer in the next ledger.
public enum TransferState: String, Codable, Sendable, Hashable, CaseIterable {
    /// The next ledger has received the transfer.
    case received = "RECEIVED"
    /// The next ledger has reserved the transfer.
    case reserved = "RESERVED"
    /// The next ledger has successfully performed the transfer.
    case committed = "COMMITTED"
    /// The next ledger has aborted the transfer after a rejection or a failure.
    case aborted = "ABORTED"
}
