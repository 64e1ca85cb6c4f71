import FSPIOP

/// A participant as the hub sees it: its registration and positions. The body of the admin API's
/// `GET /admin/participants` (an array of these).
public struct HubParticipantState: Sendable, Hashable, Codable {
    public var fspId: String
    public var endpoint: String
    public var currency: String
    public var netDebitCap: String
    /// Net position of committed transfers, a decimal string: positive when the DFSP has sent more
    /// than it received.
    public var position: String
    /// Sum of its prepared transfers not yet committed or aborted.
    public var reserved: String
    /// What it may still send: `netDebitCap - position - reserved`.
    public var availableLiquidity: String

    init(_ account: HubAccount) {
        fspId = account.participant.fspId
        endpoint = account.participant.endpoint
        currency = account.participant.currency
        netDebitCap = HubAmount.text(account.netDebitCap)
        position = HubAmount.text(account.position)
        reserved = HubAmount.text(account.reserved)
        availableLiquidity = HubAmount.text(account.netDebitCap - account.position - account.reserved)
    }
}

/// One transfer as the hub sees it. The body of the admin API's `GET /admin/transfers/{ID}`.
public struct HubTransferSnapshot: Sendable, Hashable, Codable {
    public var transferId: String
    public var payerFsp: String
    public var payeeFsp: String
    public var amount: Money
    /// `RESERVED` (prepared, the payer's position holds the amount), `COMMITTED` or `ABORTED`.
    public var transferState: String
    public var condition: String
    public var expiration: String
    public var fulfilment: String?
    /// When it was committed or aborted.
    public var completedTimestamp: String?
    /// Why it was aborted.
    public var errorInformation: ErrorInformation?

    init(_ record: HubTransferRecord) {
        transferId = record.request.transferId
        payerFsp = record.request.payerFsp
        payeeFsp = record.request.payeeFsp
        amount = record.request.amount
        transferState = record.phase.rawValue
        condition = record.request.condition
        expiration = record.request.expiration
        fulfilment = record.fulfilment
        completedTimestamp = record.completedTimestamp
        errorInformation = record.error
    }
}
