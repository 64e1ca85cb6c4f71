import Foundation
import NIOCore

/// Settings of one simulated core bank. Defaults suit tests and `pm demo`: loopback, an ephemeral port,
/// no fees, transfers committed at once.
public struct CoreSimulatorConfiguration: Sendable {
    /// Address the backend API listens on.
    public var host: String
    /// Port of the backend API; 0 picks a free one (``CoreSimulator/listeningPort()`` tells which).
    public var port: Int
    /// The customer accounts, their parties and opening balances.
    public var accounts: [CoreAccount]
    /// Base URL of the connector's outbound API (the SDK's is `http://<host>:4001`), for
    /// ``CoreSimulator/sendTransfer(from:to:amount:currency:homeTransactionId:note:)``. Without it the
    /// simulator is a payee core only.
    public var connectorOutboundURL: URL?
    /// The bearer token the connector's outbound API requires (`PM_OUTBOUND_API_TOKEN_PATH`), sent as
    /// `Authorization: Bearer ...` on every call; nil sends none.
    public var connectorToken: String?
    /// Fees the payee core charges on quotes; none when nil.
    public var fees: CoreFees?
    /// Lifetime of a quote this core gives (the quote's `expiration`).
    public var quoteExpirySeconds: Int
    /// The `transferState` answered to `POST /transfers`: `COMMITTED` (the default) or `RESERVED` (the
    /// core waits for the final notification; the credit is made at once either way and reversed on
    /// `ABORTED`).
    public var payeeTransferState: CorePayeeTransferState
    /// When the connector stops at `WAITING_FOR_PARTY_ACCEPTANCE`, `WAITING_FOR_QUOTE_ACCEPTANCE` or
    /// `WAITING_FOR_CONVERSION_ACCEPTANCE` (its `AUTO_ACCEPT_*` off), accept and continue with
    /// `PUT /transfers/{transferId}`; when false such an answer ends the payment and releases the money.
    public var acceptPausedTransfers: Bool
    /// How long one call to the connector may take: `POST /transfers` blocks for the whole transfer (the
    /// SDK waits up to three stages of 30 s).
    public var outboundTimeout: Duration
    /// How long to keep trying to connect to the connector before the payment fails as unreachable.
    public var outboundConnectTimeout: Duration
    /// Most connections kept to the connector at once; each in-flight payment holds one.
    public var maxOutboundConnections: Int
    /// Largest request body the backend API reads.
    public var maxBodyBytes: Int
    /// When set, only this many finished quotes, credits and payments are kept (the oldest forgotten; a
    /// resend of a forgotten one is treated as new). Nil keeps them all, as tests and reconciliation need.
    public var keepFinished: Int?

    public init(host: String = "127.0.0.1", port: Int = 0, accounts: [CoreAccount], connectorOutboundURL: URL? = nil,
                fees: CoreFees? = nil, quoteExpirySeconds: Int = 60, payeeTransferState: CorePayeeTransferState = .committed,
                acceptPausedTransfers: Bool = true, outboundTimeout: Duration = .seconds(95),
                outboundConnectTimeout: Duration = .seconds(5), maxOutboundConnections: Int = 256,
                maxBodyBytes: Int = 1 << 20) {
        self.host = host
        self.port = port
        self.accounts = accounts
        self.connectorOutboundURL = connectorOutboundURL
        self.fees = fees
        self.quoteExpirySeconds = quoteExpirySeconds
        self.payeeTransferState = payeeTransferState
        self.acceptPausedTransfers = acceptPausedTransfers
        self.outboundTimeout = outboundTimeout
        self.outboundConnectTimeout = outboundConnectTimeout
        self.maxOutboundConnections = maxOutboundConnections
        self.maxBodyBytes = maxBodyBytes
    }

    /// A duration as NIO's `TimeAmount` (whole nanoseconds, saturating).
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return .nanoseconds(overflow ? Int64.max : whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }

    /// Checks the settings that the accounts do not cover.
    func validate() throws(CoreSimulatorError) {
        guard (0...65_535).contains(port) else { throw .invalidConfiguration("port \(port) is not 0 to 65535") }
        guard !host.isEmpty else { throw .invalidConfiguration("host is empty") }
        guard quoteExpirySeconds > 0 else { throw .invalidConfiguration("quoteExpirySeconds must be positive") }
        guard outboundTimeout > .zero else { throw .invalidConfiguration("outboundTimeout must be positive") }
        guard outboundConnectTimeout > .zero else { throw .invalidConfiguration("outboundConnectTimeout must be positive") }
        guard maxOutboundConnections > 0 else { throw .invalidConfiguration("maxOutboundConnections must be positive") }
        guard maxBodyBytes > 0 else { throw .invalidConfiguration("maxBodyBytes must be positive") }
        if let url = connectorOutboundURL {
            guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                throw .invalidConfiguration("connectorOutboundURL \(url) is not an http(s) URL with a host")
            }
        }
        if let fees, fees.payeeFspFee < .zero {
            throw .invalidConfiguration("payeeFspFee \(fees.payeeFspFee) is negative")
        }
    }
}

/// Fees a payee core charges, as the backend API's quote response carries them (`payeeFspFeeAmount`).
///
/// With amount type `SEND` the payer's amount is transferred and the payee receives it less the fee;
/// with `RECEIVE` the payee receives the amount and the transfer is the amount plus the fee. The payee
/// core keeps the fee: for completed transfers, payer debits = payee credits + payee fees.
public struct CoreFees: Sendable, Hashable, Codable {
    /// A fixed fee per quote, in the quote's currency.
    public var payeeFspFee: CoreAmount

    public init(payeeFspFee: CoreAmount) { self.payeeFspFee = payeeFspFee }
}

/// The state a payee core reports when it credits (`TransferStateFromBackend`).
public enum CorePayeeTransferState: String, Sendable, Hashable, Codable, CaseIterable {
    case committed = "COMMITTED"
    case reserved = "RESERVED"
}
