import FSPIOP
import PaymentDomain

/// The simulated core bank's books: accounts with balances and reservations, the quotes it gave, the
/// transfers it credited (payee side) and the payments it sent (payer side).
///
/// A plain value with no I/O, no clock and no id generator (times and ids are passed in), held behind a
/// lock by ``CoreSimulator``. Every mutating method either changes the books completely or not at all.
///
/// Invariants: an account's `reserved` never exceeds its balance at the moment of reservation and is
/// the sum of its pending payments; a transfer id is credited at most once; an `ABORTED` notification
/// reverses exactly the credit that was made.
struct CoreLedger: Sendable {
    struct AccountState: Sendable, Hashable {
        var account: CoreAccount
        var balance: CoreAmount
        var reserved: CoreAmount
    }

    /// A quote this core gave, kept to credit the agreed amount when the transfer comes.
    struct Quote: Sendable, Hashable {
        var accountId: String
        var amountType: String
        var amount: CoreAmount
        var currency: String
        var transferAmount: CoreAmount
        var payeeReceiveAmount: CoreAmount
        var fee: CoreAmount
        var response: BackendQuoteResponse
    }

    /// A transfer credited to one of this core's accounts (payee side).
    struct InboundTransfer: Sendable, Hashable {
        var transferId: String
        var accountId: String
        var currency: String
        /// The transfer amount (what the payer's side sent).
        var amount: CoreAmount
        /// What the payee account was credited.
        var credited: CoreAmount
        /// What the core kept (`amount - credited`).
        var fee: CoreAmount
        /// `RESERVED`, `COMMITTED` or `ABORTED`.
        var state: String
        var response: BackendTransferResponse
        var from: TransferParty
        var to: TransferParty
        var amountType: String
        var transactionType: String
        var note: String?
        var receivedAt: Timestamp
        /// The final states reported by notifications, in order of arrival.
        var notifications: [String]
    }

    /// A payment this core sent through the connector (payer side).
    struct OutboundTransfer: Sendable, Hashable {
        enum Phase: String, Sendable, Hashable { case reserved, completed, released }
        var homeTransactionId: String
        var accountId: String
        var currency: String
        var amount: CoreAmount
        var phase: Phase
        var transferId: String?
        var state: String?
    }

    /// A request to pay received for one of this core's accounts (payer side).
    struct TransactionRequest: Sendable, Hashable {
        var transactionRequestId: String
        var accountId: String
        var amount: CoreAmount
        var currency: String
        var response: CoreTransactionRequestResponse
        /// The one-time password the customer "entered" for it (`GET /otp/{transactionRequestId}`).
        var otp: String
    }

    private(set) var accounts: [String: AccountState] = [:]
    /// Account ids in configuration order, for listings.
    private(set) var accountOrder: [String] = []
    private var parties: [CorePartyKey: String] = [:]
    private(set) var quotes: [String: Quote] = [:]
    private(set) var inbound: [String: InboundTransfer] = [:]
    private(set) var outbound: [String: OutboundTransfer] = [:]
    private(set) var transactionRequests: [String: TransactionRequest] = [:]
    /// Payee side: what the payer's DFSP answered to this core's requests to pay (`PUT /requestToPay/{ID}`), in order.
    private(set) var requestToPayNotifications: [String: [CoreRequestToPayCallback]] = [:]
    /// OTPs customers entered at this core's device for the requests to pay it sent, by transaction request id.
    private(set) var enteredOTPs: [String: String] = [:]
    private(set) var totals = CoreLedgerTotals()
    /// When set, only this many finished quotes, credits and payments are kept, the oldest forgotten.
    var keepFinished: Int?
    private var quoteHistory = BoundedHistory()
    private var inboundHistory = BoundedHistory()
    private var outboundHistory = BoundedHistory()

    /// - Throws: ``CoreSimulatorError/invalidConfiguration(_:)`` for a duplicate account id or party, an
    ///   empty identifier, a currency outside the FSPIOP list, or a negative opening balance.
    init(accounts: [CoreAccount]) throws(CoreSimulatorError) {
        var ids = Set<String>()
        for account in accounts {
            guard !account.id.isEmpty, !account.idType.isEmpty, !account.idValue.isEmpty else {
                throw .invalidConfiguration("account \(account.partyKey) has an empty id, idType or idValue")
            }
            guard ids.insert(account.id).inserted else {
                throw .invalidConfiguration("account id \(account.id) is used twice")
            }
            guard parties[account.partyKey] == nil else {
                throw .invalidConfiguration("party \(account.partyKey) belongs to two accounts")
            }
            guard Currency(rawValue: account.currency) != nil else {
                throw .invalidConfiguration("account \(account.id) has currency \(account.currency), not an FSPIOP currency code")
            }
            guard account.balance >= .zero else {
                throw .invalidConfiguration("account \(account.id) has a negative opening balance")
            }
            parties[account.partyKey] = account.id
            self.accounts[account.id] = AccountState(account: account, balance: account.balance, reserved: .zero)
            accountOrder.append(account.id)
        }
    }

    // MARK: Reading

    func account(forParty key: CorePartyKey) -> AccountState? { parties[key].flatMap { accounts[$0] } }

    /// `GET /parties`: the party, or 404 with 3204.
    func party(_ key: CorePartyKey) throws(CoreBackendError) -> TransferParty {
        guard let state = account(forParty: key) else { throw .partyNotFound(key) }
        return state.account.transferParty
    }

    /// Every account with its balance, in configuration order.
    var balances: [CoreAccountBalance] {
        accountOrder.compactMap { accounts[$0] }.map(CoreAccountBalance.init)
    }

    // MARK: Payee side

    /// `POST /quoterequests`: a quote for one of this core's accounts in its currency. A resend of a
    /// quote id with the same terms gets the same answer; with other terms, 3106.
    mutating func quote(_ request: CoreQuoteRequest, fees: CoreFees?, expiration: String) throws(CoreBackendError) -> BackendQuoteResponse {
        guard request.amountType == "SEND" || request.amountType == "RECEIVE" else {
            throw .invalidValue("amountType", request.amountType, allowed: ["SEND", "RECEIVE"])
        }
        guard let amount = CoreAmount(request.amount), amount > .zero else { throw .invalidAmount("amount", request.amount) }
        let key = CorePartyKey(request.to)
        guard let state = account(forParty: key) else { throw .partyNotFound(key) }
        let account = state.account
        guard request.currency == account.currency else {
            throw .unsupportedCurrency(request.currency, accountCurrency: account.currency)
        }
        if let earlier = quotes[request.quoteId] {
            guard earlier.accountId == account.id, earlier.amount == amount, earlier.currency == request.currency,
                  earlier.amountType == request.amountType, earlier.response.transactionId == request.transactionId else {
                throw CoreBackendError(httpStatus: 400, .modifiedRequest, "quote \(request.quoteId) was requested before with other terms")
            }
            return earlier.response
        }

        let fee = fees?.payeeFspFee ?? .zero
        let transferAmount: CoreAmount
        let receiveAmount: CoreAmount
        if request.amountType == "SEND" {
            // The payer sends the amount; the payee receives it less the payee's fee.
            guard let receive = amount.subtracting(fee), receive > .zero else {
                throw CoreBackendError(httpStatus: 400, .payeeFspRejectedQuote,
                                       "the payee fee \(fee) \(account.currency) leaves nothing to receive of \(amount)")
            }
            transferAmount = amount
            receiveAmount = receive
        } else {
            // The payee receives the amount; the transfer carries the fee on top.
            guard let transfer = amount.adding(fee) else { throw .overflow("amount plus fee") }
            transferAmount = transfer
            receiveAmount = amount
        }
        let charged = fee > .zero
        let response = BackendQuoteResponse(
            quoteId: request.quoteId, transactionId: request.transactionId,
            transferAmount: transferAmount.description, transferAmountCurrency: account.currency,
            payeeReceiveAmount: receiveAmount.description, payeeReceiveAmountCurrency: account.currency,
            payeeFspFeeAmount: charged ? fee.description : nil, payeeFspFeeAmountCurrency: charged ? account.currency : nil,
            expiration: expiration)
        quotes[request.quoteId] = Quote(accountId: account.id, amountType: request.amountType, amount: amount,
                                        currency: account.currency, transferAmount: transferAmount,
                                        payeeReceiveAmount: receiveAmount, fee: fee, response: response)
        quoteHistory.inserted(request.quoteId)
        if let limit = keepFinished {
            // The closure reads a copy of the table: it is dropped before the table changes, so that removing
            // entries does not copy the whole table each time.
            var forget: [String] = []
            do {
                let known = quotes
                forget = quoteHistory.forgettable(limit: limit, count: known.count, isFinished: { known[$0] == nil ? nil : true })
            }
            for id in forget { quotes[id] = nil }
        }
        return response
    }

    /// `POST /transfers`: credits the payee account once per transfer id. A resend with the same terms
    /// gets the first answer and credits nothing; with other terms, 3106; after an abort, 5105.
    ///
    /// The credit is the quote's `payeeReceiveAmount` when this core gave the quote (or the request's
    /// quote names one), else the transfer amount; the difference is the core's fee.
    mutating func credit(_ request: CoreTransferRequest, homeTransactionId: String, reportedState: CorePayeeTransferState,
                         now: Timestamp) throws(CoreBackendError) -> BackendTransferResponse {
        guard let amount = CoreAmount(request.amount), amount > .zero else { throw .invalidAmount("amount", request.amount) }
        let key = CorePartyKey(request.to)
        guard let state = account(forParty: key) else { throw .partyNotFound(key) }
        let account = state.account
        guard request.currency == account.currency else {
            throw .unsupportedCurrency(request.currency, accountCurrency: account.currency)
        }
        if let earlier = inbound[request.transferId] {
            guard earlier.accountId == account.id, earlier.amount == amount, earlier.currency == request.currency else {
                throw CoreBackendError(httpStatus: 400, .modifiedRequest, "transfer \(request.transferId) was received before with other terms")
            }
            guard earlier.state != "ABORTED" else {
                throw CoreBackendError(httpStatus: 400, .payeeFspRejectedTxn, "transfer \(request.transferId) was aborted")
            }
            return earlier.response
        }

        let credited: CoreAmount
        if let quote = quotes[request.quote.quoteId], quote.accountId == account.id {
            guard quote.transferAmount == amount else {
                throw CoreBackendError(httpStatus: 400, .modifiedRequest,
                                       "the transfer amount \(amount) is not the quoted \(quote.transferAmount)")
            }
            credited = quote.payeeReceiveAmount
        } else if let text = request.quote.payeeReceiveAmount, let receive = CoreAmount(text),
                  request.quote.payeeReceiveAmountCurrency ?? request.currency == request.currency,
                  receive > .zero, receive <= amount {
            credited = receive
        } else {
            credited = amount
        }
        guard let fee = amount.subtracting(credited), let balance = state.balance.adding(credited),
              let newTotals = totals.recordingCredit(credited, fee: fee, currency: account.currency) else {
            throw .overflow("the credit")
        }

        let response = BackendTransferResponse(
            homeTransactionId: homeTransactionId, transferState: reportedState.rawValue,
            completedTimestamp: reportedState == .committed ? now.dateTime : nil)
        self.accounts[account.id]?.balance = balance
        totals = newTotals
        inbound[request.transferId] = InboundTransfer(
            transferId: request.transferId, accountId: account.id, currency: account.currency, amount: amount,
            credited: credited, fee: fee, state: reportedState.rawValue, response: response, from: request.from,
            to: request.to, amountType: request.amountType, transactionType: request.transactionType, note: request.note,
            receivedAt: now, notifications: [])
        inboundHistory.inserted(request.transferId)
        if let limit = keepFinished {
            var forget: [String] = []
            do {
                let known = inbound
                forget = inboundHistory.forgettable(limit: limit, count: known.count, isFinished: { known[$0].map { $0.state != "RESERVED" } })
            }
            for id in forget { inbound[id] = nil }
        }
        return response
    }

    /// `PUT /transfers/{transferId}`: records the final state; `ABORTED` reverses the credit (once),
    /// `COMMITTED` confirms a reserved credit. A `COMMITTED` after an abort is recorded but changes
    /// nothing: the money went back already.
    /// - Returns: the transfer's state after the notification.
    @discardableResult
    mutating func notify(transferId: String, _ notification: CoreTransferNotification) throws(CoreBackendError) -> String {
        guard var transfer = inbound[transferId] else { throw .transferNotFound(transferId) }
        let reported = notification.reportedTransferState ?? notification.currentState ?? "UNKNOWN"
        transfer.notifications.append(reported)
        switch reported {
        case "ABORTED" where transfer.state != "ABORTED":
            guard let state = accounts[transfer.accountId],
                  let balance = state.balance.subtracting(transfer.credited),
                  let newTotals = totals.recordingReversal(transfer.credited, fee: transfer.fee, currency: transfer.currency) else {
                throw .overflow("the reversal")
            }
            self.accounts[transfer.accountId]?.balance = balance
            totals = newTotals
            transfer.state = "ABORTED"
        case "COMMITTED" where transfer.state == "RESERVED":
            transfer.state = "COMMITTED"
        default:
            break
        }
        inbound[transferId] = transfer
        return transfer.state
    }

    /// `GET /transfers/{transferId}`.
    func details(transferId: String) throws(CoreBackendError) -> CoreTransferDetails {
        guard let transfer = inbound[transferId] else { throw .transferNotFound(transferId) }
        return CoreTransferDetails(
            homeTransactionId: transfer.response.homeTransactionId, from: transfer.from, to: transfer.to,
            amountType: transfer.amountType, currency: transfer.currency, amount: transfer.amount.description,
            transferState: transfer.state, transactionType: transfer.transactionType,
            timestamp: transfer.receivedAt.dateTime, note: transfer.note)
    }

    // MARK: Payer side

    /// `POST /transactionrequests`: records a request to pay for one of this core's accounts and answers
    /// `RECEIVED` (the customer has not approved it yet; this simulator never pays it by itself). A resend
    /// gets the same answer.
    mutating func receive(_ request: CoreTransactionRequest, homeR2PTransactionId: String,
                          transactionId: String, otp: String) throws(CoreBackendError) -> CoreTransactionRequestResponse {
        if let earlier = transactionRequests[request.transactionRequestId] { return earlier.response }
        guard let amount = CoreAmount(request.amount), amount > .zero else { throw .invalidAmount("amount", request.amount) }
        let key = CorePartyKey(request.to)
        guard let state = account(forParty: key) else { throw .partyNotFound(key) }
        guard request.currency == state.account.currency else {
            throw CoreBackendError(httpStatus: 400, .payerUnsupportedCurrency,
                                   "the payer account holds \(state.account.currency), not \(request.currency)")
        }
        let response = CoreTransactionRequestResponse(homeR2PTransactionId: homeR2PTransactionId, transactionId: transactionId,
                                                      transactionRequestState: "RECEIVED")
        transactionRequests[request.transactionRequestId] = TransactionRequest(
            transactionRequestId: request.transactionRequestId, accountId: state.account.id, amount: amount,
            currency: request.currency, response: response, otp: otp)
        return response
    }

    /// `GET /otp/{transactionRequestId}`: the OTP a customer entered at this core's device for a request to pay
    /// it sent (``enter(otp:for:)``), else the OTP of a request to pay this core received.
    func otp(_ transactionRequestId: String) throws(CoreBackendError) -> CoreOTP {
        if let entered = enteredOTPs[transactionRequestId] { return CoreOTP(otpValue: entered) }
        guard let request = transactionRequests[transactionRequestId] else {
            throw CoreBackendError(httpStatus: 404, .txnRequestIdNotFound, "no request to pay \(transactionRequestId)")
        }
        return CoreOTP(otpValue: request.otp)
    }

    /// The payer typed `otp` into this (the payee's) core's device for its request to pay.
    mutating func enter(otp: String, for transactionRequestId: String) {
        enteredOTPs[transactionRequestId] = otp
    }

    /// `PUT /requestToPay/{transactionRequestId}`: the payer's DFSP answered a request to pay of this core.
    mutating func notified(_ transactionRequestId: String, _ callback: CoreRequestToPayCallback) throws(CoreBackendError) {
        guard ["RECEIVED", "PENDING", "ACCEPTED", "REJECTED"].contains(callback.transactionRequestState) else {
            throw CoreBackendError(httpStatus: 400, .malformedSyntax, "transactionRequestState '\(callback.transactionRequestState)' is not a TransactionRequestState")
        }
        requestToPayNotifications[transactionRequestId, default: []].append(callback)
    }

    /// Sets money aside for a payment before the connector is called.
    /// - Returns: the paying account.
    /// - Throws: ``CoreSimulatorError/unknownAccount(_:)``, `.currencyMismatch`, `.invalidAmount`,
    ///   `.insufficientFunds` (available = balance − reserved), `.invalidConfiguration` for a reused
    ///   home transaction id.
    mutating func reserve(account accountId: String, amount: CoreAmount, currency: String,
                          homeTransactionId: String) throws(CoreSimulatorError) -> CoreAccount {
        guard let state = accounts[accountId] else { throw .unknownAccount(accountId) }
        guard state.account.currency == currency else {
            throw .currencyMismatch(account: accountId, accountCurrency: state.account.currency, requested: currency)
        }
        guard amount > .zero else { throw .invalidAmount(amount.description) }
        guard outbound[homeTransactionId] == nil else {
            throw .invalidConfiguration("home transaction id \(homeTransactionId) was used before")
        }
        let available = state.balance.subtracting(state.reserved) ?? .zero
        guard amount <= available, let reserved = state.reserved.adding(amount) else {
            throw .insufficientFunds(account: accountId, available: available, requested: amount)
        }
        self.accounts[accountId]?.reserved = reserved
        outbound[homeTransactionId] = OutboundTransfer(homeTransactionId: homeTransactionId, accountId: accountId,
                                                       currency: currency, amount: amount, phase: .reserved)
        outboundHistory.inserted(homeTransactionId)
        if let limit = keepFinished {
            var forget: [String] = []
            do {
                let known = outbound
                forget = outboundHistory.forgettable(limit: limit, count: known.count, isFinished: { known[$0].map { $0.phase != .reserved } })
            }
            for id in forget { outbound[id] = nil }
        }
        return state.account
    }

    /// Ends a payment: debits the reservation when the connector completed it, releases it otherwise.
    /// Ending a payment that is not reserved changes nothing.
    mutating func finish(homeTransactionId: String, completed: Bool, transferId: String?, state: String?) {
        guard var payment = outbound[homeTransactionId], payment.phase == .reserved,
              let account = accounts[payment.accountId] else { return }
        // The reservation is part of the balance, so neither subtraction can overflow.
        let reserved = account.reserved.subtracting(payment.amount) ?? .zero
        self.accounts[payment.accountId]?.reserved = reserved
        if completed, let balance = account.balance.subtracting(payment.amount),
           let newTotals = totals.recordingDebit(payment.amount, currency: payment.currency) {
            self.accounts[payment.accountId]?.balance = balance
            totals = newTotals
            payment.phase = .completed
        } else {
            totals.outboundFailed += 1
            payment.phase = .released
        }
        payment.transferId = transferId
        payment.state = state
        outbound[homeTransactionId] = payment
    }
}

/// One account as `GET /accounts` lists it.
public struct CoreAccountBalance: Codable, Sendable, Hashable {
    public var id: String
    public var idType: String
    public var idValue: String
    public var idSubValue: String?
    public var displayName: String?
    public var firstName: String?
    public var lastName: String?
    public var currency: String
    /// The booked balance.
    public var balance: CoreAmount
    /// Set aside for payments in flight.
    public var reserved: CoreAmount
    /// What can still be sent: balance − reserved.
    public var available: CoreAmount

    init(_ state: CoreLedger.AccountState) {
        id = state.account.id
        idType = state.account.idType
        idValue = state.account.idValue
        idSubValue = state.account.idSubValue
        displayName = state.account.displayName
        firstName = state.account.firstName
        lastName = state.account.lastName
        currency = state.account.currency
        balance = state.balance
        reserved = state.reserved
        available = state.balance.subtracting(state.reserved) ?? .zero
    }
}

/// Money that moved through one core, per currency, for checking that the books of payer and payee cores
/// agree: for completed transfers, the payer cores' `debited` equals the payee cores' `credited + fees`.
public struct CoreLedgerTotals: Codable, Sendable, Hashable {
    /// Debited from payer accounts for completed outbound payments.
    public var debited: [String: CoreAmount] = [:]
    /// Credited to payee accounts for inbound transfers, less reversals.
    public var credited: [String: CoreAmount] = [:]
    /// Payee fees kept for inbound transfers, less reversals.
    public var fees: [String: CoreAmount] = [:]
    /// Credits taken back by `ABORTED` notifications.
    public var reversed: [String: CoreAmount] = [:]
    /// Outbound payments completed / not completed.
    public var outboundCompleted = 0
    public var outboundFailed = 0
    /// Inbound transfers credited (and not reversed) / reversed.
    public var inboundCredited = 0
    public var inboundReversed = 0

    public init() {}

    func recordingDebit(_ amount: CoreAmount, currency: String) -> CoreLedgerTotals? {
        var next = self
        guard let debited = (debited[currency] ?? .zero).adding(amount) else { return nil }
        next.debited[currency] = debited
        next.outboundCompleted += 1
        return next
    }

    func recordingCredit(_ amount: CoreAmount, fee: CoreAmount, currency: String) -> CoreLedgerTotals? {
        var next = self
        guard let credited = (credited[currency] ?? .zero).adding(amount),
              let fees = (fees[currency] ?? .zero).adding(fee) else { return nil }
        next.credited[currency] = credited
        next.fees[currency] = fees
        next.inboundCredited += 1
        return next
    }

    func recordingReversal(_ amount: CoreAmount, fee: CoreAmount, currency: String) -> CoreLedgerTotals? {
        var next = self
        guard let credited = (credited[currency] ?? .zero).subtracting(amount),
              let fees = (fees[currency] ?? .zero).subtracting(fee),
              let reversed = (reversed[currency] ?? .zero).adding(amount) else { return nil }
        next.credited[currency] = credited
        next.fees[currency] = fees
        next.reversed[currency] = reversed
        next.inboundCredited -= 1
        next.inboundReversed += 1
        return next
    }
}
