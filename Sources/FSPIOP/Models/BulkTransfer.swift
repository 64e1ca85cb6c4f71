/// The body of `POST /bulkTransfers` (API Definition v1.1 §6.10.3.2, OpenAPI `BulkTransfersPostRequest`):
/// the transfers of a bulk quote, prepared together.
public struct BulkTransfersPostRequest: Codable, Sendable, Hashable {
    /// Identifies the bulk transfer (`CorrelationId`).
    public var bulkTransferId: String
    /// The bulk quote it executes (`CorrelationId`).
    public var bulkQuoteId: String
    /// `FspId` of the Payer FSP.
    public var payerFsp: String
    /// `FspId` of the Payee FSP.
    public var payeeFsp: String
    /// 1 to 1000 transfers.
    public var individualTransfers: [IndividualTransfer]
    /// When the bulk transfer expires (`DateTime`).
    public var expiration: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        bulkTransferId: String, bulkQuoteId: String, payerFsp: String, payeeFsp: String,
        individualTransfers: [IndividualTransfer], expiration: String, extensionList: ExtensionList? = nil
    ) {
        self.bulkTransferId = bulkTransferId
        self.bulkQuoteId = bulkQuoteId
        self.payerFsp = payerFsp
        self.payeeFsp = payeeFsp
        self.individualTransfers = individualTransfers
        self.expiration = expiration
        self.extensionList = extensionList
    }
}

extension BulkTransfersPostRequest: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("bulkTransferId", bulkTransferId, .correlationId)
        validator.string("bulkQuoteId", bulkQuoteId, .correlationId)
        validator.string("payerFsp", payerFsp, .fspId)
        validator.string("payeeFsp", payeeFsp, .fspId)
        validator.array("individualTransfers", individualTransfers, count: 1...1000)
        validator.string("expiration", expiration, .dateTime)
        validator.object("extensionList", extensionList)
    }
}

/// The body of the callback `PUT /bulkTransfers/{ID}` (§6.10.4.1, OpenAPI `BulkTransfersIDPutResponse`).
public struct BulkTransfersIDPutResponse: Codable, Sendable, Hashable {
    /// When the bulk transfer was completed (`DateTime`).
    public var completedTimestamp: String?
    /// At most 1000 results, one per transfer.
    public var individualTransferResults: [IndividualTransferResult]?
    /// ``BulkTransferState``.
    public var bulkTransferState: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        completedTimestamp: String? = nil, individualTransferResults: [IndividualTransferResult]? = nil,
        bulkTransferState: String, extensionList: ExtensionList? = nil
    ) {
        self.completedTimestamp = completedTimestamp
        self.individualTransferResults = individualTransferResults
        self.bulkTransferState = bulkTransferState
        self.extensionList = extensionList
    }
}

extension BulkTransfersIDPutResponse: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("completedTimestamp", completedTimestamp, .dateTime)
        validator.array("individualTransferResults", individualTransferResults, count: 0...1000)
        validator.enumeration("bulkTransferState", bulkTransferState, BulkTransferState.self)
        validator.object("extensionList", extensionList)
    }
}

/// `IndividualTransfer` (§7.4.7): one transfer of a bulk transfer.
public struct IndividualTransfer: Codable, Sendable, Hashable {
    /// `CorrelationId` of the transfer.
    public var transferId: String
    public var transferAmount: Money
    /// `IlpPacket` (§7.3.19).
    public var ilpPacket: String
    /// `IlpCondition` (§7.3.17).
    public var condition: String
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(transferId: String, transferAmount: Money, ilpPacket: String, condition: String, extensionList: ExtensionList? = nil) {
        self.transferId = transferId
        self.transferAmount = transferAmount
        self.ilpPacket = ilpPacket
        self.condition = condition
        self.extensionList = extensionList
    }
}

extension IndividualTransfer: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("transferId", transferId, .correlationId)
        validator.object("transferAmount", transferAmount)
        validator.string("ilpPacket", ilpPacket, .ilpPacket)
        validator.string("condition", condition, .ilpCondition)
        validator.object("extensionList", extensionList)
    }
}

/// `IndividualTransferResult` (§7.4.8): the result of one transfer of a bulk transfer.
public struct IndividualTransferResult: Codable, Sendable, Hashable {
    /// `CorrelationId` of the transfer.
    public var transferId: String
    /// `IlpFulfilment` (§7.3.18).
    public var fulfilment: String?
    public var errorInformation: ErrorInformation?
    public var extensionList: ExtensionList?

    /// The value with these fields, as given: nothing is checked until it is validated.
    public init(
        transferId: String, fulfilment: String? = nil, errorInformation: ErrorInformation? = nil,
        extensionList: ExtensionList? = nil
    ) {
        self.transferId = transferId
        self.fulfilment = fulfilment
        self.errorInformation = errorInformation
        self.extensionList = extensionList
    }
}

extension IndividualTransferResult: FSPIOPValidatable {
    public func validate(_ validator: inout FieldValidator) {
        validator.string("transferId", transferId, .correlationId)
        validator.string("fulfilment", fulfilment, .ilpFulfilment)
        validator.object("errorInformation", errorInformation)
        validator.object("extensionList", extensionList)
    }
}

/// `BulkTransferState` (§7.5.4).
public enum BulkTransferState: String, Codable, Sendable, Hashable, CaseIterable {
    /// The Payee FSP has received the bulk transfer.
    case received = "RECEIVED"
    /// The Payee FSP has validated the bulk transfer.
    case pending = "PENDING"
    /// The Payee FSP has accepted to process the bulk transfer.
    case accepted = "ACCEPTED"
    /// The Payee FSP has started to transfer funds to the Payees.
    case processing = "PROCESSING"
    /// The Payee FSP has completed the transfers to the Payees.
    case completed = "COMPLETED"
    /// The Payee FSP has rejected to process the bulk transfer.
    case rejected = "REJECTED"
}
