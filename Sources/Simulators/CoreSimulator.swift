import AsyncHTTPClient
import Foundation
import FSPIOP
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A simulated core banking system (`pm core-sim`): the DFSP backend that a Mojaloop connector calls,
/// and the system that starts payments through the connector.
///
/// - As the **payee's core** it serves the SDK backend API (sdk-scheme-adapter-backend v2.1.0) that the
///   connector calls: `GET /parties/{idType}/{idValue}[/{idSubValue}]`, `POST /quoterequests`,
///   `POST /transfers` (credits once per transfer id), `PUT /transfers/{transferId}` (final state;
///   `ABORTED` reverses the credit), `GET /transfers/{transferId}`, `POST /transactionrequests`, `GET /`
///   and `GET /health`; and `GET /accounts` (balances) for people and scripts. Refusals are the backend
///   API's `errorResponse`, `{"statusCode": "<FSPIOP error code>", "message": "..."}`.
/// - As the **payer's core** it sends payments with
///   ``sendTransfer(from:to:amount:currency:homeTransactionId:note:)`` to the connector's outbound API
///   (`POST /transfers`), reserving the money first and debiting it only when the transfer completed.
///
/// A swift-service-lifecycle `Service`: ``run()`` serves until the task is cancelled or the service group
/// shuts down gracefully.
public final class CoreSimulator: Service {
    public let configuration: CoreSimulatorConfiguration
    let logger: Logger
    let ledger: Mutex<CoreLedger>
    let lifecycle = Mutex(CoreSimulatorLifecycle())

    /// - Throws: ``CoreSimulatorError/invalidConfiguration(_:)`` when the accounts or settings are
    ///   unusable (duplicate account id or party, unknown currency, bad port or URL).
    public init(configuration: CoreSimulatorConfiguration, logger: Logger) throws(CoreSimulatorError) {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        var ledger = try CoreLedger(accounts: configuration.accounts)
        ledger.keepFinished = configuration.keepFinished
        self.ledger = Mutex(ledger)
    }

    /// Serves the backend API until the task is cancelled or a graceful shutdown is asked for. Can run
    /// once.
    /// - Throws: ``CoreSimulatorError/alreadyStarted`` on a second call; the server's error when it
    ///   cannot bind.
    public func run() async throws {
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.maxOutboundConnections
        clientConfiguration.timeout.connect = CoreSimulatorConfiguration.timeAmount(configuration.outboundConnectTimeout)
        clientConfiguration.tracing.tracer = nil
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        guard lifecycle.withLock({ $0.start(client: client) }) else {
            try await client.shutdown()
            throw CoreSimulatorError.alreadyStarted
        }

        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port
                for waiter in lifecycle.withLock({ $0.listening(port: port) }) {
                    if let port { waiter.resume(returning: port) }
                }
                logger.info("core simulator listening", metadata: [
                    "core.host": .string(configuration.host), "core.port": .stringConvertible(port ?? -1),
                    "core.accounts": .stringConvertible(configuration.accounts.count),
                ])
            },
            logger: logger)

        let result: Result<Void, any Error>
        do {
            try await app.run()
            result = .success(())
        } catch {
            result = .failure(error)
        }
        for waiter in lifecycle.withLock({ $0.finish() }) {
            waiter.resume(throwing: CoreSimulatorError.notRunning)
        }
        do {
            try await client.shutdown()
        } catch {
            logger.warning("core simulator: the HTTP client did not shut down cleanly", metadata: ["error": "\(error)"])
        }
        if case .failure(let error) = result {
            if !(error is CancellationError) {
                logger.error("core simulator stopped with an error", metadata: ["error": "\(error)"])
            }
            throw error
        }
    }

    /// The port the backend API listens on, once it listens (useful with port 0).
    /// - Throws: ``CoreSimulatorError/notRunning`` if the server stopped (or could not start) first;
    ///   `CancellationError` if the calling task is cancelled while waiting.
    public func listeningPort() async throws -> Int {
        let id = lifecycle.withLock { $0.makeWaiterId() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                switch lifecycle.withLock({ $0.wait(id: id, continuation: continuation) }) {
                case .resume(let port): continuation.resume(returning: port)
                case .fail(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            lifecycle.withLock { $0.cancel(id: id) }?.resume(throwing: CancellationError())
        }
    }

    /// The booked balance of an account (reservations not deducted), or nil if there is no such account.
    public func balance(of accountId: String) -> CoreAmount? {
        ledger.withLock { $0.accounts[accountId]?.balance }
    }

    /// Every account with its balance, reservations and available amount, in configuration order (what
    /// `GET /accounts` answers).
    public func accountBalances() -> [CoreAccountBalance] {
        ledger.withLock { $0.balances }
    }

    /// What moved through this core, per currency. For completed transfers between simulated cores, the
    /// payer cores' `debited` equals the payee cores' `credited` plus `fees`.
    public func totals() -> CoreLedgerTotals {
        ledger.withLock { $0.totals }
    }

    /// The state of a transfer this core was asked to credit (`RESERVED`, `COMMITTED`, `ABORTED`), or nil.
    public func inboundTransferState(_ transferId: String) -> String? {
        ledger.withLock { $0.inbound[transferId]?.state }
    }

    /// The requests to pay this core received as the payer's core (`POST /transactionrequests`), by id:
    /// the paying account and the answer given.
    public func receivedRequestToPay(_ transactionRequestId: String) -> (accountId: String, amount: CoreAmount, state: String)? {
        ledger.withLock { ledger in
            ledger.transactionRequests[transactionRequestId].map { ($0.accountId, $0.amount, $0.response.transactionRequestState) }
        }
    }

    /// The one-time password this core sent its customer for a request to pay it received (the customer then
    /// types it at the payee's device), or nil.
    public func issuedOTP(forRequestToPay transactionRequestId: String) -> String? {
        ledger.withLock { $0.transactionRequests[transactionRequestId]?.otp }
    }

    /// The customer typed `otp` at this (the payee's) core's device for its request to pay: `GET /otp/{ID}`
    /// answers it from now on.
    public func enterOTP(_ otp: String, forRequestToPay transactionRequestId: String) {
        ledger.withLock { $0.enter(otp: otp, for: transactionRequestId) }
    }

    /// What the payer's DFSPs answered to this core's requests to pay (`PUT /requestToPay/{ID}`), in order.
    public func requestToPayNotifications(_ transactionRequestId: String) -> [CoreRequestToPayCallback] {
        ledger.withLock { $0.requestToPayNotifications[transactionRequestId] ?? [] }
    }

    /// The current time as an FSPIOP timestamp (the ledger is given times; it never reads a clock).
    static func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// A fresh identifier for the core's own records.
    static func makeId() -> String { RandomUUID.make() }
}
