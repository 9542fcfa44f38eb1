import MariaDB

/// Fills the columns schema version 3 added (VAT, exact row discounts, paid at, local dates,
/// credit lines' links) for orders loaded before it, from each order's stored `raw_json`, by the
/// same `OrderNormalizer` and table descriptions a sync uses: nobody has to sync again.
/// `synclet init` runs it after migrating; it touches only orders whose `vat_total` is empty, so
/// running it again does nothing.
///
/// ```swift
/// let result = try RawJSONRefill(connection: connection).run()   // (refilled: 2000, failed: [])
/// ```
public struct RawJSONRefill {
    public let connection: MariaDBConnection
    public var batchSize = 500

    public init(connection: MariaDBConnection) {
        self.connection = connection
    }

    public struct Result: Equatable, Sendable {
        public var refilled = 0
        /// Orders whose stored JSON no longer normalizes, by order number, with the reason.
        public var failed: [String: String] = [:]
    }

    public func run() throws -> Result {
        var result = Result()
        let store = try StoreConfigurationTable(connection: connection).latest()
        var afterId: Int64 = 0
        while true {
            let rows = try connection.query("""
                SELECT id, order_number, raw_json, DATE_FORMAT(fetched_at, '%Y-%m-%d %H:%i:%s') AS fetched_at
                FROM \(TableName.orders.rawValue) WHERE vat_total IS NULL AND id > ? ORDER BY id LIMIT \(batchSize)
                """, [.int(afterId)])
            guard let last = rows.last?.int("id") else { break }
            afterId = last
            var orders: [CanonicalOrder] = []
            for row in rows {
                let number = row.string("order_number") ?? "?"
                do {
                    let raw = row.string("raw_json") ?? ""
                    let value = try JSONParser.parse(Array(raw.utf8))
                    orders.append(try OrderNormalizer.normalize(
                        value, rawJSON: raw, source: .init(page: 0, position: 0, fetchedAt: row.string("fetched_at"))))
                } catch {
                    result.failed[number] = "\(error)"
                }
            }
            try connection.withTransaction {
                try OrderWriter(connection: connection, runId: "", store: store).refill(orders)
            }
            result.refilled += orders.count
        }
        return result
    }
}
