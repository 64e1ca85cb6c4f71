import FSPIOP
import Foundation

/// The hub's state: participants and their positions, the account-lookup oracle, and the transfers.
///
/// A plain value with no I/O and no clock (the time is passed in): every method decides, changes the
/// state, and returns what happened; the caller holds it behind a lock and performs the effects (HTTP
/// calls, timers) outside it.
///
/// Positions follow the Mojaloop central ledger in its simplest form: a prepare reserves the amount on
/// the payer (`reserved`), a commit moves it into the payer's position (`position += amount`) and out
/// of the payee's (`position -= amount`), an abort releases the reservation. A prepare is refused when
/// `position + reserved + amount` would exceed the payer's net debit cap.
struct HubLedger: Sendable {
    private(set) var accounts: [String: HubAccount] = [:]
    private(set) var parties: [HubPartyKey: String] = [:]
    private(set) var transfers: [String: HubTransferRecord] = [:]
    private(set) var bulkTransfers: [String: HubBulkTransferRecord] = [:]
    /// When set, finished transfers beyond this many are forgotten, oldest first.
    var keepFinishedTransfers: Int?
    private var history = BoundedHistory()

    // MARK: Participants and parties

    /// Adds a participant, or updates the endpoint, currency and cap of a known one (keeping its
    /// position and reservations, so a DFSP restarted on another port keeps its history).
    mutating func register(_ participant: HubParticipant) throws(HubSimulatorError) {
        guard !participant.fspId.isEmpty, participant.fspId.count <= 32 else {
            throw .invalidParticipant(fspId: participant.fspId, reason: "fspId must be 1 to 32 characters")
        }
        guard let cap = HubAmount.parse(participant.netDebitCap) else {
            throw .invalidParticipant(fspId: participant.fspId, reason: "netDebitCap '\(participant.netDebitCap)' is not a non-negative decimal")
        }
        guard Currency(rawValue: participant.currency) != nil else {
            throw .invalidParticipant(fspId: participant.fspId, reason: "currency '\(participant.currency)' is not an ISO 4217 code")
        }
        let endpoint = try Self.endpoint(participant)
        var registered = participant
        registered.endpoint = endpoint
        if var account = accounts[participant.fspId] {
            account.participant = registered
            account.netDebitCap = cap
            accounts[participant.fspId] = account
        } else {
            accounts[participant.fspId] = HubAccount(participant: registered, netDebitCap: cap)
        }
    }

    /// The endpoint without a trailing slash; `http` or `https` with a host are required.
    private static func endpoint(_ participant: HubParticipant) throws(HubSimulatorError) -> String {
        var text = participant.endpoint
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil else {
            throw .invalidParticipant(fspId: participant.fspId,
                                      reason: "endpoint '\(participant.endpoint)' is not an http(s)://host[:port][/path] URL")
        }
        return text
    }

    /// Records which DFSP owns a party identifier (replacing an earlier owner).
    mutating func register(party: HubParty) {
        parties[HubPartyKey(party)] = party.fspId
    }

    /// The owner of a party: the record with the exact sub-id, else the record of the identifier
    /// without sub-id.
    func owner(of key: HubPartyKey) -> String? {
        if let owner = parties[key] { return owner }
        guard key.subId != nil else { return nil }
        return parties[HubPartyKey(type: key.type, identifier: key.identifier, subId: nil)]
    }

    func account(_ fspId: String) -> HubAccount? { accounts[fspId] }

    func transfer(_ transferId: String) -> HubTransferRecord? { transfers[transferId] }

    // MARK: Transfers

    /// `POST /transfers` (API Definition v1.1 §6.7.3.2), after the caller checked that the sender is
    /// the payer. Checks, in order: a resend of a known transfer, the payee, the currency, the
    /// expiration, the payer's net debit cap; then reserves. Refused prepares are recorded as aborted
    /// so that a resend gets the same answer.
    mutating func prepare(_ request: TransfersPostRequest, fingerprint: [UInt8], version: APIVersion, now: Timestamp) -> HubPrepareOutcome {
        if let existing = transfers[request.transferId] {
            guard existing.fingerprint == fingerprint else { return .modified }
            return existing.isFinal ? .resendFinal(existing) : .inProgress
        }
        guard let amount = HubAmount.parse(request.amount.amount) else {
            return .rejected(FSPIOPError(.malformedSyntax, "amount.amount '\(request.amount.amount)' is not a decimal"))
        }
        guard let expiration = Timestamp(dateTime: request.expiration) else {
            return .rejected(FSPIOPError(.malformedSyntax, "expiration '\(request.expiration)' is not a DateTime"))
        }
        var record = HubTransferRecord(request: request, amount: amount, expiration: expiration,
                                       fingerprint: fingerprint, version: version)
        func refuse(_ error: FSPIOPError) -> HubPrepareOutcome {
            record.abort(error, at: now)
            transfers[request.transferId] = record
            recorded(request.transferId)
            return .rejected(error)
        }
        guard var payer = accounts[request.payerFsp] else {
            return refuse(FSPIOPError(.payerFspIdNotFound, "'\(request.payerFsp)' is not a participant"))
        }
        guard let payee = accounts[request.payeeFsp] else {
            return refuse(FSPIOPError(.payeeFspIdNotFound, "'\(request.payeeFsp)' is not a participant"))
        }
        guard payer.participant.currency == request.amount.currency else {
            return refuse(FSPIOPError(.payerUnsupportedCurrency, "'\(payer.participant.fspId)' has no \(request.amount.currency) account"))
        }
        guard payee.participant.currency == request.amount.currency else {
            return refuse(FSPIOPError(.payeeUnsupportedCurrency, "'\(payee.participant.fspId)' has no \(request.amount.currency) account"))
        }
        guard expiration > now else {
            return refuse(FSPIOPError(.transferExpired, "expiration \(request.expiration) is not in the future"))
        }
        guard payer.position + payer.reserved + amount <= payer.netDebitCap else {
            return refuse(FSPIOPError(.payerFspInsufficientLiquidity,
                                      "position \(HubAmount.text(payer.position)) + reserved \(HubAmount.text(payer.reserved)) + amount \(request.amount.amount) exceeds net debit cap \(HubAmount.text(payer.netDebitCap))"))
        }
        payer.reserved += amount
        accounts[request.payerFsp] = payer
        transfers[request.transferId] = record
        recorded(request.transferId)
        return .reserved(record, payee: payee.participant)
    }

    /// A new transfer record: with a cap set, the oldest finished ones beyond it are forgotten (a resend
    /// of a forgotten transfer is then treated as new, as the cap's documentation says).
    private mutating func recorded(_ transferId: String) {
        history.inserted(transferId)
        guard let limit = keepFinishedTransfers else { return }
        // The closure reads a copy of the table, dropped before the table changes: removing entries must not
        // copy the whole table each time.
        var forget: [String] = []
        do {
            let known = transfers
            forget = history.forgettable(limit: limit, count: known.count, isFinished: { known[$0]?.isFinal })
        }
        for id in forget { transfers[id] = nil }
    }

    /// `PUT /transfers/{ID}` from the payee (§6.7.4.1, §6.7.2.6): checks that the sender is the payee,
    /// the transfer is still reserved and not expired, the state is COMMITTED or RESERVED, and the
    /// fulfilment hashes to the condition (§4.4); then commits. A wrong fulfilment aborts.
    mutating func fulfil(_ transferId: String, response: TransfersIDPutResponse, message: HubInboundMessage,
                         fingerprint: [UInt8], now: Timestamp) -> HubFulfilOutcome {
        guard var record = transfers[transferId] else { return .notFound }
        guard message.source == record.request.payeeFsp else { return .notPayee(record) }
        guard !record.isFinal else {
            if record.phase == .aborted { return .alreadyFinal(record, answer: record.abortReason) }
            return .alreadyFinal(record, answer: record.fulfilFingerprint == fingerprint
                ? nil : FSPIOPError(.modifiedRequest, "transfer \(transferId) is already COMMITTED"))
        }
        guard now < record.expiration else {
            release(&record, FSPIOPError(.transferExpired, "the fulfilment arrived after expiration \(record.request.expiration)"), now: now)
            return .expired(record)
        }
        let payeeState = TransferState(rawValue: response.transferState)
        guard payeeState == .committed || payeeState == .reserved else {
            let error = FSPIOPError(.validationError, "transferState \(response.transferState) is not COMMITTED or RESERVED; reject with PUT /transfers/\(transferId)/error")
            release(&record, error, now: now)
            return .invalid(record, error)
        }
        guard let fulfilment = response.fulfilment, ILP.fulfils(fulfilment, condition: record.request.condition) else {
            let error = FSPIOPError(.validationError, "Invalid fulfilment: its SHA-256 is not the condition")
            release(&record, error, now: now)
            return .invalid(record, error)
        }
        let payeeReserved = payeeState == .reserved
        let completed = payeeReserved ? now.dateTime : (response.completedTimestamp ?? now.dateTime)
        record.phase = .committed
        record.fulfilment = fulfilment
        record.completedTimestamp = completed
        record.fulfilFingerprint = fingerprint
        record.payerNotification = payeeReserved
            ? .committedBySwitch(TransfersIDPutResponse(fulfilment: fulfilment, completedTimestamp: completed, transferState: TransferState.committed.rawValue))
            : .forwarded(message)
        if var payer = accounts[record.request.payerFsp] {
            payer.reserved -= record.amount
            payer.position += record.amount
            accounts[record.request.payerFsp] = payer
        }
        if var payee = accounts[record.request.payeeFsp] {
            payee.position -= record.amount
            accounts[record.request.payeeFsp] = payee
        }
        transfers[transferId] = record
        return .committed(record, payeeReserved: payeeReserved)
    }

    /// `PUT /transfers/{ID}/error` from the payee (§6.7.5.1): aborts a reserved transfer and releases
    /// the reservation; the payee's message is what the payer is told.
    mutating func abortByPayee(_ transferId: String, error: ErrorInformation, message: HubInboundMessage, now: Timestamp) -> HubPayeeAbortOutcome {
        guard var record = transfers[transferId] else { return .notFound }
        guard message.source == record.request.payeeFsp else { return .notPayee(record) }
        guard !record.isFinal else { return .alreadyFinal(record) }
        record.phase = .aborted
        record.error = error
        record.completedTimestamp = now.dateTime
        record.payerNotification = .forwarded(message)
        releaseReservation(of: record)
        transfers[transferId] = record
        return .aborted(record)
    }

    /// The expiry timer of a transfer fired: a transfer still reserved is aborted with 3303 (§6.7.2.5).
    /// Nil when the transfer already finished.
    mutating func expire(_ transferId: String, now: Timestamp) -> HubTransferRecord? {
        guard var record = transfers[transferId], !record.isFinal else { return nil }
        release(&record, FSPIOPError(.transferExpired, "no fulfilment before expiration \(record.request.expiration)"), now: now)
        return record
    }

    /// Aborts a reserved transfer with a switch error and releases its reservation.
    private mutating func release(_ record: inout HubTransferRecord, _ error: FSPIOPError, now: Timestamp) {
        record.abort(error, at: now)
        releaseReservation(of: record)
        transfers[record.request.transferId] = record
    }

    private mutating func releaseReservation(of record: HubTransferRecord) {
        guard var payer = accounts[record.request.payerFsp] else { return }
        payer.reserved -= record.amount
        accounts[record.request.payerFsp] = payer
    }
}

/// A participant's account in the hub.
struct HubAccount: Sendable {
    var participant: HubParticipant
    var netDebitCap: Decimal
    /// Net position of committed transfers: positive when the DFSP owes the scheme.
    var position: Decimal = 0
    /// Sum of the DFSP's prepared transfers not yet committed or aborted.
    var reserved: Decimal = 0
}

/// An oracle key: `{Type}/{ID}[/{SubId}]` as in the URL.
struct HubPartyKey: Hashable, Sendable {
    let type: String
    let identifier: String
    let subId: String?

    init(type: String, identifier: String, subId: String?) {
        self.type = type
        self.identifier = identifier
        self.subId = subId.flatMap { $0.isEmpty ? nil : $0 }
    }

    init(_ party: HubParty) {
        self.init(type: party.partyIdType, identifier: party.partyIdentifier, subId: party.partySubIdOrType)
    }
}

/// The hub's record of one transfer.
struct HubTransferRecord: Sendable {
    enum Phase: String, Sendable {
        /// Prepared: the payer's position holds the amount, the payee has been asked.
        case reserved = "RESERVED"
        case committed = "COMMITTED"
        case aborted = "ABORTED"
    }

    let request: TransfersPostRequest
    let amount: Decimal
    let expiration: Timestamp
    /// SHA-256 of the prepare body in canonical JSON: a resend with another body is a modified request.
    let fingerprint: [UInt8]
    /// The API version of the payer's prepare; the hub's own messages to the payer use it.
    let version: APIVersion
    var phase: Phase = .reserved
    var fulfilment: String?
    var completedTimestamp: String?
    var error: ErrorInformation?
    /// Why the switch aborted it, when it did.
    var abortReason: FSPIOPError?
    var payerNotification: HubPayerNotification?
    var fulfilFingerprint: [UInt8]?

    init(request: TransfersPostRequest, amount: Decimal, expiration: Timestamp, fingerprint: [UInt8], version: APIVersion) {
        self.request = request
        self.amount = amount
        self.expiration = expiration
        self.fingerprint = fingerprint
        self.version = version
    }

    var isFinal: Bool { phase != .reserved }

    mutating func abort(_ reason: FSPIOPError, at now: Timestamp) {
        phase = .aborted
        abortReason = reason
        error = reason.errorInformation.errorInformation
        completedTimestamp = now.dateTime
        payerNotification = .error(reason)
    }
}

/// What a `POST /transfers` did.
enum HubPrepareOutcome: Sendable {
    /// Reserved: forward the prepare to the payee and start the expiry timer.
    case reserved(HubTransferRecord, payee: HubParticipant)
    /// Refused: tell the payer.
    case rejected(FSPIOPError)
    /// A resend of a finished transfer: tell the payer its outcome again.
    case resendFinal(HubTransferRecord)
    /// A resend of a transfer in progress: nothing to do, its outcome will follow.
    case inProgress
    /// The ID of a known transfer with another body: 3106 to the payer.
    case modified
}

/// What a `PUT /transfers/{ID}` did.
enum HubFulfilOutcome: Sendable {
    case notFound
    /// The sender is not the transfer's payee.
    case notPayee(HubTransferRecord)
    /// Committed. When the payee reserved, the switch tells the payer and notifies the payee.
    case committed(HubTransferRecord, payeeReserved: Bool)
    /// Aborted for a wrong fulfilment or state: errors to payee and payer.
    case invalid(HubTransferRecord, FSPIOPError)
    /// Aborted because it arrived after expiration: 3303 to payee and payer.
    case expired(HubTransferRecord)
    /// Already finished; answer the payee with this error, or nothing for an identical resend.
    case alreadyFinal(HubTransferRecord, answer: FSPIOPError?)
}

/// What a `PUT /transfers/{ID}/error` did.
enum HubPayeeAbortOutcome: Sendable {
    case notFound
    case notPayee(HubTransferRecord)
    case aborted(HubTransferRecord)
    case alreadyFinal(HubTransferRecord)
}

// MARK: - Bulk transfers

/// The hub's record of one bulk transfer: each transfer's amount is reserved on the payer at the prepare
/// and committed or released by the payee's answer, item by item.
struct HubBulkTransferRecord: Sendable {
    enum Phase: String, Sendable {
        case reserved = "PROCESSING"
        case completed = "COMPLETED"
        case aborted = "REJECTED"
    }

    let request: BulkTransfersPostRequest
    let amounts: [String: Decimal]
    let expiration: Timestamp
    let fingerprint: [UInt8]
    let version: APIVersion
    var phase: Phase = .reserved
    /// The transfers that committed.
    var committed: Set<String> = []

    var total: Decimal { amounts.values.reduce(0, +) }
}

enum HubBulkPrepareOutcome: Sendable {
    case reserved(HubBulkTransferRecord, payee: HubParticipant)
    case rejected(FSPIOPError)
    /// A resend of a bulk transfer already prepared: ignored.
    case resent
    case modified
}

enum HubBulkFulfilOutcome: Sendable {
    case notFound
    case notPayee
    case alreadyFinal
    case expired(HubBulkTransferRecord)
    /// Committed what was fulfilled; `refused` are the transfers released, with why.
    case completed(HubBulkTransferRecord, refused: [String: FSPIOPError])
}

extension HubLedger {
    func bulkTransfer(_ id: String) -> HubBulkTransferRecord? { bulkTransfers[id] }

    /// `POST /bulkTransfers` (§6.10.3.2) from its payer: the participants, the currency and expiration,
    /// then the payer's net debit cap for the sum of the transfers, all reserved together or refused.
    mutating func prepareBulk(_ request: BulkTransfersPostRequest, fingerprint: [UInt8], version: APIVersion,
                              now: Timestamp) -> HubBulkPrepareOutcome {
        if let existing = bulkTransfers[request.bulkTransferId] { return existing.fingerprint == fingerprint ? .resent : .modified }
        guard let expiration = Timestamp(dateTime: request.expiration), expiration > now else {
            return .rejected(FSPIOPError(.transferExpired, "expiration \(request.expiration) is not in the future"))
        }
        guard var payer = accounts[request.payerFsp] else {
            return .rejected(FSPIOPError(.payerFspIdNotFound, "'\(request.payerFsp)' is not a participant"))
        }
        guard let payee = accounts[request.payeeFsp] else {
            return .rejected(FSPIOPError(.payeeFspIdNotFound, "'\(request.payeeFsp)' is not a participant"))
        }
        var amounts: [String: Decimal] = [:]
        for item in request.individualTransfers {
            guard item.transferAmount.currency == payer.participant.currency, item.transferAmount.currency == payee.participant.currency else {
                return .rejected(FSPIOPError(.payerUnsupportedCurrency, "transfer \(item.transferId) is in \(item.transferAmount.currency)"))
            }
            guard let amount = HubAmount.parse(item.transferAmount.amount), amounts[item.transferId] == nil else {
                return .rejected(FSPIOPError(.malformedSyntax, "transfer \(item.transferId): a repeated id or an amount that is not a decimal"))
            }
            amounts[item.transferId] = amount
        }
        let record = HubBulkTransferRecord(request: request, amounts: amounts, expiration: expiration, fingerprint: fingerprint, version: version)
        guard payer.position + payer.reserved + record.total <= payer.netDebitCap else {
            return .rejected(FSPIOPError(.payerFspInsufficientLiquidity,
                                         "position \(HubAmount.text(payer.position)) + reserved \(HubAmount.text(payer.reserved)) + \(HubAmount.text(record.total)) exceeds net debit cap \(HubAmount.text(payer.netDebitCap))"))
        }
        payer.reserved += record.total
        accounts[request.payerFsp] = payer
        bulkTransfers[request.bulkTransferId] = record
        return .reserved(record, payee: payee.participant)
    }

    /// `PUT /bulkTransfers/{ID}` from the payee (§6.10.4.1): each transfer whose fulfilment hashes to its
    /// condition commits; one with an error, without a fulfilment or with a wrong one is released.
    mutating func fulfilBulk(_ id: String, response: BulkTransfersIDPutResponse, source: String, now: Timestamp) -> HubBulkFulfilOutcome {
        guard var record = bulkTransfers[id] else { return .notFound }
        guard source == record.request.payeeFsp else { return .notPayee }
        guard record.phase == .reserved else { return .alreadyFinal }
        guard now < record.expiration else {
            releaseBulk(&record, committing: [])
            return .expired(record)
        }
        let results = Dictionary((response.individualTransferResults ?? []).map { ($0.transferId, $0) }, uniquingKeysWith: { first, _ in first })
        var refused: [String: FSPIOPError] = [:]
        var fulfilled: Set<String> = []
        for item in record.request.individualTransfers {
            guard let result = results[item.transferId] else {
                refused[item.transferId] = FSPIOPError(.validationError, "the payee gave no result for this transfer")
                continue
            }
            if result.errorInformation != nil { continue }
            guard let fulfilment = result.fulfilment, ILP.fulfils(fulfilment, condition: item.condition) else {
                refused[item.transferId] = FSPIOPError(.validationError, "Invalid fulfilment: its SHA-256 is not the condition")
                continue
            }
            fulfilled.insert(item.transferId)
        }
        releaseBulk(&record, committing: fulfilled)
        return .completed(record, refused: refused)
    }

    /// `PUT /bulkTransfers/{ID}/error` from the payee, or the expiry: every reservation is released.
    mutating func abortBulk(_ id: String, source: String?) -> HubBulkTransferRecord? {
        guard var record = bulkTransfers[id], record.phase == .reserved, source == nil || source == record.request.payeeFsp else { return nil }
        releaseBulk(&record, committing: [])
        return record
    }

    /// Commits the transfers in `committing` and releases the rest of the bulk's reservation.
    private mutating func releaseBulk(_ record: inout HubBulkTransferRecord, committing: Set<String>) {
        let committed = record.amounts.filter { committing.contains($0.key) }.values.reduce(0, +)
        // Each account read and written in turn (a DFSP paying itself is one account).
        if var payer = accounts[record.request.payerFsp] {
            payer.reserved -= record.total
            payer.position += committed
            accounts[record.request.payerFsp] = payer
        }
        if var payee = accounts[record.request.payeeFsp] {
            payee.position -= committed
            accounts[record.request.payeeFsp] = payee
        }
        record.committed = committing
        record.phase = committing.isEmpty ? .aborted : .completed
        bulkTransfers[record.request.bulkTransferId] = record
    }
}
