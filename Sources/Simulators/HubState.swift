import FSPIOP
import Synchronization

/// The hub's ``HubLedger`` behind a lock, shared by the HTTP handlers, the expiry timers and the
/// public API. Every use is one short synchronous critical section: decide and change the state, then
/// perform the effects outside the lock.
final class HubState: Sendable {
    private let ledger: Mutex<HubLedger>

    init(keepFinishedTransfers: Int? = nil) {
        var ledger = HubLedger()
        ledger.keepFinishedTransfers = keepFinishedTransfers
        self.ledger = Mutex(ledger)
    }

    func withLedger<Result: Sendable>(_ body: (inout HubLedger) -> Result) -> Result {
        ledger.withLock { body(&$0) }
    }

    func withLedger<Result: Sendable>(_ body: (inout HubLedger) throws(HubSimulatorError) -> Result) throws(HubSimulatorError) -> Result {
        try ledger.withLock { (ledger: inout HubLedger) throws(HubSimulatorError) -> Result in try body(&ledger) }
    }

    func participant(_ fspId: String) -> HubParticipant? {
        withLedger { $0.account(fspId)?.participant }
    }

    /// The participants and their positions, by fspId.
    func participantStates() -> [HubParticipantState] {
        withLedger { ledger in ledger.accounts.values.map(HubParticipantState.init).sorted { $0.fspId < $1.fspId } }
    }
}
