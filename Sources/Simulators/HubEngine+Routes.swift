import FSPIOP
import Hummingbird

/// The hub's HTTP surface: the FSPIOP API the DFSPs call, and a small admin API for tests and
/// benchmarks.
extension HubEngine {
    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        addAdminRoutes(to: router)

        // Account lookup (§6.2, §6.3). The literal `error` segment takes precedence over `{SubId}`.
        for party in ["parties/:type/:id", "parties/:type/:id/:subId"] {
            router.get(RouterPath(party)) { request, _ in
                await receive(request, .parties) { message, headers throws(FSPIOPError) in try getParty(message, headers) }
            }
            router.put(RouterPath(party)) { request, _ in
                await receive(request, .parties) { message, headers throws(FSPIOPError) in try putParty(message, headers, isError: false) }
            }
            router.put(RouterPath(party + "/error")) { request, _ in
                await receive(request, .parties) { message, headers throws(FSPIOPError) in try putParty(message, headers, isError: true) }
            }
        }
        for participant in ["participants/:type/:id", "participants/:type/:id/:subId"] {
            router.post(RouterPath(participant)) { request, _ in
                await receive(request, .participants) { message, _ throws(FSPIOPError) in try postParticipant(message) }
            }
            router.get(RouterPath(participant)) { request, _ in
                await receive(request, .participants) { message, _ throws(FSPIOPError) in try getParticipant(message) }
            }
            router.put(RouterPath(participant)) { request, _ in
                await receive(request, .participants) { message, headers throws(FSPIOPError) in try putParticipant(message, headers, isError: false) }
            }
            router.put(RouterPath(participant + "/error")) { request, _ in
                await receive(request, .participants) { message, headers throws(FSPIOPError) in try putParticipant(message, headers, isError: true) }
            }
        }

        // Quotes (§6.5).
        router.post("quotes") { request, _ in
            await receive(request, .quotes) { message, headers throws(FSPIOPError) in try postQuote(message, headers) }
        }
        router.get("quotes/:id") { request, _ in
            await receive(request, .quotes) { message, headers throws(FSPIOPError) in try getQuote(message, headers) }
        }
        router.put("quotes/:id") { request, _ in
            await receive(request, .quotes) { message, headers throws(FSPIOPError) in try putQuote(message, headers, isError: false) }
        }
        router.put("quotes/:id/error") { request, _ in
            await receive(request, .quotes) { message, headers throws(FSPIOPError) in try putQuote(message, headers, isError: true) }
        }

        // Bulk quotes (§6.9) and bulk transfers (§6.10).
        router.post("bulkQuotes") { request, _ in
            await receive(request, .bulkQuotes) { message, headers throws(FSPIOPError) in try postBulkQuote(message, headers) }
        }
        router.get("bulkQuotes/:id") { request, _ in
            await receive(request, .bulkQuotes) { message, headers throws(FSPIOPError) in try forwardQuery(message, headers, resource: .bulkQuotes) }
        }
        router.put("bulkQuotes/:id") { request, _ in
            await receive(request, .bulkQuotes) { message, headers throws(FSPIOPError) in try putBulkQuote(message, headers, isError: false) }
        }
        router.put("bulkQuotes/:id/error") { request, _ in
            await receive(request, .bulkQuotes) { message, headers throws(FSPIOPError) in try putBulkQuote(message, headers, isError: true) }
        }
        router.post("bulkTransfers") { request, _ in
            await receive(request, .bulkTransfers) { message, headers throws(FSPIOPError) in try postBulkTransfer(message, headers) }
        }
        router.get("bulkTransfers/:id") { request, _ in
            await receive(request, .bulkTransfers) { message, headers throws(FSPIOPError) in try forwardQuery(message, headers, resource: .bulkTransfers) }
        }
        router.put("bulkTransfers/:id") { request, _ in
            await receive(request, .bulkTransfers) { message, headers throws(FSPIOPError) in try putBulkTransfer(message, headers, isError: false) }
        }
        router.put("bulkTransfers/:id/error") { request, _ in
            await receive(request, .bulkTransfers) { message, headers throws(FSPIOPError) in try putBulkTransfer(message, headers, isError: true) }
        }

        // Transaction requests (§6.4).
        router.post("transactionRequests") { request, _ in
            await receive(request, .transactionRequests) { message, headers throws(FSPIOPError) in try postTransactionRequest(message, headers) }
        }
        router.get("transactionRequests/:id") { request, _ in
            await receive(request, .transactionRequests) { message, headers throws(FSPIOPError) in try getTransactionRequest(message, headers) }
        }
        router.put("transactionRequests/:id") { request, _ in
            await receive(request, .transactionRequests) { message, headers throws(FSPIOPError) in
                try putTransactionRequest(message, headers, isError: false)
            }
        }
        router.put("transactionRequests/:id/error") { request, _ in
            await receive(request, .transactionRequests) { message, headers throws(FSPIOPError) in
                try putTransactionRequest(message, headers, isError: true)
            }
        }

        // Authorizations (§6.6).
        router.get("authorizations/:id") { request, _ in
            await receive(request, .authorizations) { message, headers throws(FSPIOPError) in try getAuthorization(message, headers) }
        }
        router.put("authorizations/:id") { request, _ in
            await receive(request, .authorizations) { message, headers throws(FSPIOPError) in try putAuthorization(message, headers, isError: false) }
        }
        router.put("authorizations/:id/error") { request, _ in
            await receive(request, .authorizations) { message, headers throws(FSPIOPError) in try putAuthorization(message, headers, isError: true) }
        }

        // Pings: the DFSP's answer to the hub's connectivity check (HubSimulator.ping).
        router.put("ping/:id") { request, _ in
            await receive(request, .ping) { message, _ throws(FSPIOPError) in try putPing(message, isError: false) }
        }
        router.put("ping/:id/error") { request, _ in
            await receive(request, .ping) { message, _ throws(FSPIOPError) in try putPing(message, isError: true) }
        }

        // Transactions (§6.8): a payer asks the payee's DFSP about a transaction.
        router.get("transactions/:id") { request, _ in
            await receive(request, .transactions) { message, headers throws(FSPIOPError) in try forwardQuery(message, headers, resource: .transactions) }
        }
        router.put("transactions/:id") { request, _ in
            await receive(request, .transactions) { message, headers throws(FSPIOPError) in
                try forwardCallback(message, headers, resource: .transactions, isError: false, TransactionsIDPutResponse.self)
            }
        }
        router.put("transactions/:id/error") { request, _ in
            await receive(request, .transactions) { message, headers throws(FSPIOPError) in
                try forwardCallback(message, headers, resource: .transactions, isError: true, TransactionsIDPutResponse.self)
            }
        }

        // Transfers (§6.7).
        router.post("transfers") { request, _ in
            await receive(request, .transfers) { message, _ throws(FSPIOPError) in try postTransfer(message) }
        }
        router.get("transfers/:id") { request, _ in
            await receive(request, .transfers) { message, _ throws(FSPIOPError) in try getTransfer(message) }
        }
        router.put("transfers/:id") { request, _ in
            await receive(request, .transfers) { message, _ throws(FSPIOPError) in try putTransfer(message) }
        }
        router.put("transfers/:id/error") { request, _ in
            await receive(request, .transfers) { message, _ throws(FSPIOPError) in try putTransferError(message) }
        }

        // Anything else: 3002 Unknown URI (404), with an errorInformation body.
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("**", method: method) { request, _ in
                errorResponse(FSPIOPError(.unknownUri, "\(request.method.rawValue) \(request.uri.path)"), request)
            }
        }
        return router
    }
}
