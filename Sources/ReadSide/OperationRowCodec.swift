import EventLog
import ReadModel

/// An ``OperationRow`` to and from the `operations` table.
enum OperationRowCodec {
    static let columns = """
        kind, id, state, status, counterparty, party_id_type, party_id_value, party_id_sub_value, party_name, party_dfsp,
        amount, currency, items, reference, started_at, completed_at, error_code, error_description, last_sequence
        """
    static let columnCount: Int32 = 19

    static func load(kind: OperationKind, id: String, connection: SQLiteConnection) throws(LogError) -> OperationRow? {
        let select = try connection.statement("SELECT \(columns) FROM operations WHERE kind = ?1 AND id = ?2")
        select.bind(1, kind.rawValue)
        select.bind(2, id)
        defer { select.reset() }
        return try select.step() ? row(select) : nil
    }

    /// The row at the statement's current result, whose first columns are ``columns``.
    static func row(_ s: SQLiteConnection.Statement) -> OperationRow? {
        guard let kind = OperationKind(rawValue: s.text(0)), let status = TransferStatus(rawValue: s.text(3)) else { return nil }
        var row = OperationRow(kind: kind, id: s.text(1), state: s.text(2), startedAt: s.int64(14), lastSequence: s.int64(18))
        row.status = status
        row.counterparty = s.optionalText(4)
        row.party = PartyColumns(idType: s.optionalText(5), idValue: s.optionalText(6), idSubValue: s.optionalText(7), name: s.optionalText(8),
                                 dfsp: s.optionalText(9))
        row.amount = s.optionalText(10)
        row.currency = s.optionalText(11)
        row.items = s.optionalInt64(12)
        row.reference = s.optionalText(13)
        row.completedAt = s.optionalInt64(15)
        row.errorCode = s.optionalText(16)
        row.errorDescription = s.optionalText(17)
        return row
    }

    static func save(_ row: OperationRow, connection: SQLiteConnection) throws(LogError) {
        let placeholders = (1...columnCount).map { "?\($0)" }.joined(separator: ", ")
        let upsert = try connection.statement("INSERT OR REPLACE INTO operations(\(columns)) VALUES (\(placeholders))")
        upsert.bind(1, row.kind.rawValue)
        upsert.bind(2, row.id)
        upsert.bind(3, row.state)
        upsert.bind(4, row.status.rawValue)
        upsert.bind(5, row.counterparty)
        upsert.bind(6, row.party.idType)
        upsert.bind(7, row.party.idValue)
        upsert.bind(8, row.party.idSubValue)
        upsert.bind(9, row.party.name)
        upsert.bind(10, row.party.dfsp)
        upsert.bind(11, row.amount)
        upsert.bind(12, row.currency)
        upsert.bind(13, row.items)
        upsert.bind(14, row.reference)
        upsert.bind(15, row.startedAt)
        upsert.bind(16, row.completedAt)
        upsert.bind(17, row.errorCode)
        upsert.bind(18, row.errorDescription)
        upsert.bind(19, row.lastSequence)
        try upsert.run()
    }
}
