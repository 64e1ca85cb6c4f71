import Foundation
import EventLog
import ReadModel

/// A ``TransferRow`` to and from the `transfers` table.
enum TransferRowCodec {
    static let columns = """
        direction, aggregate_id, transfer_id, home_transaction_id, quote_id, transaction_id, transaction_request_id,
        payer_id_type, payer_id_value, payer_id_sub_value, payer_name, payer_dfsp,
        payee_id_type, payee_id_value, payee_id_sub_value, payee_name, payee_dfsp,
        amount_type, amount, amount_value, currency, transfer_amount, payee_receive_amount, payee_fsp_fee, payee_fsp_commission,
        scenario, note, state, status, initiated_at, party_resolved_at, quoted_at, prepared_at, completed_at,
        error_code, error_description, last_sequence
        """
    static let columnCount: Int32 = 37
    static let updates = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        .filter { $0 != "direction" && $0 != "aggregate_id" }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")

    static func load(direction: TransferDirection, aggregateId: String, connection: SQLiteConnection) throws(LogError) -> TransferRow? {
        let select = try connection.statement("SELECT \(columns) FROM transfers WHERE direction = ?1 AND aggregate_id = ?2")
        select.bind(1, direction.rawValue)
        select.bind(2, aggregateId)
        defer { select.reset() }
        return try select.step() ? row(select) : nil
    }

    /// The row at the statement's current result, whose first columns are ``columns``.
    static func row(_ s: SQLiteConnection.Statement) -> TransferRow? {
        guard let direction = TransferDirection(rawValue: s.text(0)), let status = TransferStatus(rawValue: s.text(28)) else { return nil }
        var row = TransferRow(direction: direction, aggregateId: s.text(1), state: s.text(27), initiatedAt: s.int64(29), lastSequence: s.int64(36))
        row.transferId = s.optionalText(2)
        row.homeTransactionId = s.optionalText(3)
        row.quoteId = s.optionalText(4)
        row.transactionId = s.optionalText(5)
        row.transactionRequestId = s.optionalText(6)
        row.payer = PartyColumns(idType: s.optionalText(7), idValue: s.optionalText(8), idSubValue: s.optionalText(9), name: s.optionalText(10), dfsp: s.optionalText(11))
        row.payee = PartyColumns(idType: s.optionalText(12), idValue: s.optionalText(13), idSubValue: s.optionalText(14), name: s.optionalText(15), dfsp: s.optionalText(16))
        row.amountType = s.optionalText(17)
        row.amount = s.optionalText(18)
        row.currency = s.optionalText(20)
        row.transferAmount = s.optionalText(21)
        row.payeeReceiveAmount = s.optionalText(22)
        row.payeeFspFee = s.optionalText(23)
        row.payeeFspCommission = s.optionalText(24)
        row.scenario = s.optionalText(25)
        row.note = s.optionalText(26)
        row.status = status
        row.partyResolvedAt = s.optionalInt64(30)
        row.quotedAt = s.optionalInt64(31)
        row.preparedAt = s.optionalInt64(32)
        row.completedAt = s.optionalInt64(33)
        row.errorCode = s.optionalText(34)
        row.errorDescription = s.optionalText(35)
        return row
    }

    static func save(_ row: TransferRow, connection: SQLiteConnection) throws(LogError) {
        let placeholders = (1...columnCount).map { "?\($0)" }.joined(separator: ", ")
        // An upsert, not INSERT OR REPLACE: the row keeps its rowid and the update trigger keeps the text index in step.
        let upsert = try connection.statement("INSERT INTO transfers(\(columns)) VALUES (\(placeholders)) "
                                              + "ON CONFLICT(direction, aggregate_id) DO UPDATE SET \(updates)")
        upsert.bind(1, row.direction.rawValue)
        upsert.bind(2, row.aggregateId)
        upsert.bind(3, row.transferId)
        upsert.bind(4, row.homeTransactionId)
        upsert.bind(5, row.quoteId)
        upsert.bind(6, row.transactionId)
        upsert.bind(7, row.transactionRequestId)
        for (offset, party) in [(7, row.payer), (12, row.payee)] {
            let base = Int32(offset)
            upsert.bind(base + 1, party.idType)
            upsert.bind(base + 2, party.idValue)
            upsert.bind(base + 3, party.idSubValue)
            upsert.bind(base + 4, party.name)
            upsert.bind(base + 5, party.dfsp)
        }
        upsert.bind(18, row.amountType)
        upsert.bind(19, row.amount)
        if let value = row.amount.flatMap(Double.init) { upsert.bind(20, value) } else { upsert.bind(20, nil as Int64?) }
        upsert.bind(21, row.currency)
        upsert.bind(22, row.transferAmount)
        upsert.bind(23, row.payeeReceiveAmount)
        upsert.bind(24, row.payeeFspFee)
        upsert.bind(25, row.payeeFspCommission)
        upsert.bind(26, row.scenario)
        upsert.bind(27, row.note)
        upsert.bind(28, row.state)
        upsert.bind(29, row.status.rawValue)
        upsert.bind(30, row.initiatedAt)
        upsert.bind(31, row.partyResolvedAt)
        upsert.bind(32, row.quotedAt)
        upsert.bind(33, row.preparedAt)
        upsert.bind(34, row.completedAt)
        upsert.bind(35, row.errorCode)
        upsert.bind(36, row.errorDescription)
        upsert.bind(37, row.lastSequence)
        try upsert.run()
    }
}
