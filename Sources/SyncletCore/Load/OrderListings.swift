import MariaDB

/// The lists `synclet status` prints on request, each a tab-separated table with a header:
/// the orders that do not reconcile, the rejected ones, and those whose `LastUpdatedDate` lies in
/// the future of when they were fetched.
public enum OrderListing: Sendable {
    case unreconciled
    case rejects
    case futureDated

    /// How far a `LastUpdatedDate` may run ahead of our fetch time before the order needs a
    /// look: the store's clock and ours may disagree by a few minutes without anything wrong.
    public static let futureToleranceMinutes = 10

    /// The SQL condition for an order whose `LastUpdatedDate` is in the future of its fetch.
    static let futureDatedCondition =
        "fetched_at IS NOT NULL AND last_updated_date > fetched_at + INTERVAL \(futureToleranceMinutes) MINUTE"

    public func text(connection: MariaDBConnection) throws -> String {
        let (header, sql): ([String], String)
        switch self {
        case .unreconciled:
            header = ["order_number", "id", "total", "difference", "incomplete_lines"]
            sql = """
                SELECT order_number, id, total, reconciliation_difference, has_incomplete_lines FROM \(TableName.orders.rawValue)
                WHERE reconciles = 0 ORDER BY id
                """
        case .rejects:
            header = ["order_id", "run", "page", "position", "reason"]
            sql = "SELECT COALESCE(order_id, '-'), run_id, page, position, reason FROM \(TableName.orderRejects.rawValue) ORDER BY last_rejected_at DESC"
        case .futureDated:
            header = ["order_number", "id", "last_updated_date", "fetched_at"]
            sql = """
                SELECT order_number, id, DATE_FORMAT(last_updated_date, '%Y-%m-%d %H:%i:%s'), DATE_FORMAT(fetched_at, '%Y-%m-%d %H:%i:%s')
                FROM \(TableName.orders.rawValue) WHERE \(Self.futureDatedCondition) ORDER BY id
                """
        }
        let rows = try connection.query(sql)
        return ([header.joined(separator: "\t")] + rows.map { row in row.values.map { $0 ?? "" }.joined(separator: "\t") })
            .joined(separator: "\n")
    }
}

/// What `synclet show` prints: one order as stored, with its lines, addresses, credit memos and
/// invoices.
public struct StoredOrderReport: Sendable {
    public var order: MariaDBRow
    /// Each child table's title and rows.
    public var sections: [(title: String, rows: [MariaDBRow])]

    /// The newest stored order with this number, or nil.
    public static func gather(connection: MariaDBConnection, orderNumber: String) throws -> StoredOrderReport? {
        guard let order = try connection.query(
            "SELECT * FROM \(TableName.orders.rawValue) WHERE order_number = ? ORDER BY last_updated_date DESC LIMIT 1",
            [.string(orderNumber)]).first,
            let id = order.int("id")
        else { return nil }
        let sections: [(String, TableName, String)] = [
            ("Lines", .orderItems, "line_number"), ("Addresses", .orderAddresses, "address_type"),
            ("Credit memos", .orderCredits, "credit_id"), ("Credit memo lines", .orderCreditItems, "credit_id, line_number"),
            ("Invoices", .orderInvoices, "line_number"),
        ]
        return StoredOrderReport(order: order, sections: try sections.map { title, table, orderBy in
            (title: title, rows: try connection.query("SELECT * FROM \(table.rawValue) WHERE order_id = ? ORDER BY \(orderBy)", [.int(id)]))
        })
    }

    public func text(orderNumber: String) -> String {
        let skip: Set<String> = ["raw_json", "order_id"]
        var lines = ["Order \(orderNumber) (entity \(order["id"] ?? "?"))"]
        for (column, value) in zip(order.columns, order.values) where column != "raw_json" {
            lines.append("  \(column): \(value ?? "NULL")")
        }
        for (title, rows) in sections {
            lines.append("\n\(title):")
            if rows.isEmpty { lines.append("  (none)") }
            for row in rows {
                lines.append("  " + zip(row.columns, row.values).compactMap { column, value in
                    guard !skip.contains(column), let value else { return nil }
                    return "\(column)=\(value)"
                }.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
