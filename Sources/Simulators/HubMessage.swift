import FSPIOP

/// An FSPIOP request as the hub received it: kept byte for byte, so that forwarding it never changes
/// what the sender signed (the hub passes JWS through and never re-serialises a body).
struct HubInboundMessage: Sendable {
    /// The HTTP method, upper case.
    let method: String
    /// The request target as received, from the resource segment on, query included
    /// (`/parties/MSISDN/123?currency=USD`).
    let target: String
    /// The request path, without the query.
    let path: String
    let headers: HeaderFields
    let body: [UInt8]
    /// The checked `FSPIOP-Source`.
    let source: String
    /// The API version of the message: its `Content-Type` version, or for a GET the best version its
    /// `Accept` allows. Messages the hub originates because of this one use it.
    let version: APIVersion
}

/// A request the hub sends to a DFSP: a forwarded message or one the hub originates.
struct HubOutboundMessage: Sendable {
    /// The FSP id of the DFSP called.
    let destination: String
    /// The absolute URL called: the DFSP's endpoint and the request target.
    let url: String
    let method: String
    let headers: HeaderFields
    /// The body, empty for a GET.
    let body: [UInt8]
    /// Why the hub sends it, for the logs (`forward POST /transfers`, `error 3204`).
    let purpose: String
}

/// What the hub last told a transfer's payer about its outcome, kept so that a resent `POST /transfers`
/// of a finished transfer gets the same answer again (API Definition v1.1 §6.7.3.2: the ID is reused
/// for resends).
enum HubPayerNotification: Sendable {
    /// The payee's own `PUT /transfers/{ID}` or `PUT /transfers/{ID}/error`, forwarded as received.
    case forwarded(HubInboundMessage)
    /// The switch's `PUT /transfers/{ID}` with state COMMITTED, after the payee reserved.
    case committedBySwitch(TransfersIDPutResponse)
    /// The switch's `PUT /transfers/{ID}/error`.
    case error(FSPIOPError)
}
