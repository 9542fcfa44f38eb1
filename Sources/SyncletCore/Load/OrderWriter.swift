import MariaDB

/// What happened to the orders of one batch.
public struct WriteCounts: Sendable, Equatable {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    /// Older than the version already stored: left alone, so a replay never regresses data.
    public var stale = 0

    public init() {}

    public mutating func add(_ other: WriteCounts) {
        inserted += other.inserted
        updated += other.updated
        unchanged += other.unchanged
        stale += other.stale
    }
}

/// Upserts canonical orders with all their rows, a batch at a time, inside the caller's
/// transaction.
///
/// For each order of the batch it reads the stored version (`FOR UPDATE`), then: a new order is
/// inserted; a changed one has its child rows deleted and written again; an identical one
/// (same content hash) is left alone; one whose `last_updated_date` is older than the stored
/// one is left alone too. Rows travel as multi-row statements with bound parameters.
public struct OrderWriter {
    public let connection: MariaDBConnection
    public let runId: String

    public init(connection: MariaDBConnection, runId: String) {
        self.connection = connection
        self.runId = runId
    }

    /// Keeps each statement well under MariaDB's 65,535 placeholders.
    static let maximumParametersPerStatement = 30_000

    public func write(_ batch: [CanonicalOrder]) throws -> WriteCounts {
        var counts = WriteCounts()
        // The same order can appear twice in a run (paging shifts); the newest version wins.
        var latest: [Int64: CanonicalOrder] = [:]
        for order in batch {
            if let seen = latest[order.id], seen.lastUpdatedDate > order.lastUpdatedDate { continue }
            latest[order.id] = order
        }
        let orders = latest.values.sorted { $0.id < $1.id }
        guard !orders.isEmpty else { return counts }

        let placeholders = Array(repeating: "?", count: orders.count).joined(separator: ",")
        let stored = try connection.query(
            "SELECT id, DATE_FORMAT(last_updated_date, '%Y-%m-%d %H:%i:%s') AS last_updated_date, content_hash FROM orders WHERE id IN (\(placeholders)) FOR UPDATE",
            orders.map { .int($0.id) })
        var storedVersions: [Int64: (updated: String, hash: String)] = [:]
        for row in stored {
            if let id = row.int("id") { storedVersions[id] = (row["last_updated_date"] ?? "", row["content_hash"] ?? "") }
        }

        var toWrite: [CanonicalOrder] = []
        var replaced: [Int64] = []
        for order in orders {
            guard let version = storedVersions[order.id] else {
                counts.inserted += 1
                toWrite.append(order)
                continue
            }
            if order.lastUpdatedDate < version.updated {
                counts.stale += 1
            } else if order.contentHash == version.hash {
                counts.unchanged += 1
            } else {
                counts.updated += 1
                replaced.append(order.id)
                toWrite.append(order)
            }
        }
        guard !toWrite.isEmpty else { return counts }

        if !replaced.isEmpty {
            // Child rows of a changed order are replaced whole: no line of an older version survives.
            let ids = replaced.map { MariaDBValue.int($0) }
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            for table in ["order_credit_items", "order_credits", "order_invoices", "order_items", "order_addresses"] {
                try connection.execute("DELETE FROM \(table) WHERE order_id IN (\(marks))", ids)
            }
        }
        let now = MariaDBValue.string(UTCTime.now().description)
        try insertRows(OrderRows.orders, toWrite.map { OrderRows.orderValues($0, runId: runId, now: now) }, upsert: true)
        try insertRows(OrderRows.items, toWrite.flatMap(OrderRows.itemValues))
        try insertRows(OrderRows.addresses, toWrite.flatMap(OrderRows.addressValues))
        try insertRows(OrderRows.credits, toWrite.flatMap(OrderRows.creditValues))
        try insertRows(OrderRows.creditItems, toWrite.flatMap(OrderRows.creditItemValues))
        try insertRows(OrderRows.invoices, toWrite.flatMap(OrderRows.invoiceValues))
        let written = toWrite.map { MariaDBValue.int($0.id) }
        try connection.execute(
            "DELETE FROM order_rejects WHERE order_id IN (\(Array(repeating: "?", count: written.count).joined(separator: ",")))",
            written)
        return counts
    }

    /// `INSERT INTO table (columns) VALUES (…),(…)…`, chunked; with `upsert`, an existing row
    /// takes every new value except `first_loaded_at`.
    ///
    /// Chunks hold a power-of-two number of rows (128, then 64, 32, … for the rest), so however
    /// the batches vary, each table needs at most eight statement shapes: the connection's
    /// prepared-statement cache stays small and every statement is prepared once.
    func insertRows(_ table: OrderRows.Table, _ rows: [[MariaDBValue]], upsert: Bool = false) throws {
        guard !rows.isEmpty else { return }
        let rowPlaceholder = "(" + Array(repeating: "?", count: table.columns.count).joined(separator: ",") + ")"
        var update = ""
        if upsert {
            update = " ON DUPLICATE KEY UPDATE " + table.columns.filter { $0 != "id" && $0 != "first_loaded_at" }
                .map { "\($0)=VALUES(\($0))" }.joined(separator: ",")
        }
        var start = 0
        while start < rows.count {
            let count = Self.chunkSize(remaining: rows.count - start, columns: table.columns.count)
            let sql = "INSERT INTO \(table.name) (\(table.columns.joined(separator: ","))) VALUES "
                + Array(repeating: rowPlaceholder, count: count).joined(separator: ",") + update
            try connection.execute(sql, Array(rows[start..<start + count].joined()))
            start += count
        }
    }

    static func chunkSize(remaining: Int, columns: Int) -> Int {
        var size = 128
        while size > 1 && (size > remaining || size * columns > maximumParametersPerStatement) { size /= 2 }
        return size
    }
}

/// How a canonical order maps onto rows: one place for every column list. Public so the
/// benchmark's floors write exactly the rows `load` writes.
public enum OrderRows {
    public struct Table: Sendable {
        public let name: String
        public let columns: [String]
    }

    /// Every table an order writes, parents before children.
    public static var all: [Table] { [orders, items, addresses, credits, creditItems, invoices] }

    /// Every row of `order`, table by table in `all`'s order.
    public static func rows(_ order: CanonicalOrder, runId: String, now: MariaDBValue) -> [[[MariaDBValue]]] {
        [[orderValues(order, runId: runId, now: now)], itemValues(order), addressValues(order),
         creditValues(order), creditItemValues(order), invoiceValues(order)]
    }

    public static let orders = Table(name: "orders", columns: [
        "id", "order_number", "replaced_order_id", "replaced_order_number", "order_date", "last_updated_date",
        "order_type", "status", "currency_code", "total", "discounts",
        "shipping_method", "shipping_amount", "shipping_discount", "shipping_tax_name", "shipping_tax_rate", "shipping_tax_amount",
        "payment_method", "payment_amount",
        "customer_id", "is_guest", "customer_salutation", "customer_first_name", "customer_last_name", "customer_email",
        "customer_phone", "customer_company", "customer_business_number",
        "notes", "tags", "store_name", "last_transaction_id", "credit_points", "order_processing_fee", "order_processing_fee_ex_tax",
        "has_incomplete_lines", "reconciles", "reconciliation_difference", "content_hash", "raw_json", "canonical_schema_version",
        "first_loaded_at", "loaded_at", "loaded_by_run",
    ])

    public static func orderValues(_ order: CanonicalOrder, runId: String, now: MariaDBValue) -> [MariaDBValue] {
        [
            .int(order.id), .string(order.orderNumber),
            MariaDBValue(order.replacedOrder?.entityId.flatMap { Int64($0) }), MariaDBValue(order.replacedOrder?.orderNumber),
            .string(order.orderDate), .string(order.lastUpdatedDate),
            MariaDBValue(order.type), .string(order.status), .string(order.currencyCode), .string(order.total), .string(order.discounts),
            MariaDBValue(order.shipping.method), MariaDBValue(order.shipping.amount), MariaDBValue(order.shipping.discount),
            MariaDBValue(order.shipping.taxName), MariaDBValue(order.shipping.taxRate), MariaDBValue(order.shipping.taxAmount),
            MariaDBValue(order.payment?.methodName), MariaDBValue(order.payment?.amount),
            MariaDBValue(order.contact.customerId), MariaDBValue(order.contact.isGuest), MariaDBValue(order.contact.salutation),
            MariaDBValue(order.contact.firstName), MariaDBValue(order.contact.lastName), MariaDBValue(order.contact.email),
            MariaDBValue(order.contact.phone), MariaDBValue(order.contact.company), MariaDBValue(order.contact.businessNumber),
            MariaDBValue(order.notes), MariaDBValue(order.tags), MariaDBValue(order.storeName), MariaDBValue(order.lastTransactionId),
            MariaDBValue(order.creditPoints), MariaDBValue(order.orderProcessingFee), MariaDBValue(order.orderProcessingFeeExTax),
            MariaDBValue(order.hasIncompleteLines), MariaDBValue(order.reconciliation.reconciles), .string(order.reconciliation.difference),
            .string(order.contentHash), .string(order.rawJSON), .int(Int64(order.schemaVersion)),
            now, now, .string(runId),
        ]
    }

    public static let items = Table(name: "order_items", columns: [
        "order_id", "line_number", "product_id", "product_code", "product_name", "quantity", "price", "unit_price_ex_tax",
        "discount", "tax_id", "tax_code", "tax_name", "tax_rate", "tax_amount", "line_total_inc_tax", "error_code", "error_message",
    ])

    public static func itemValues(_ order: CanonicalOrder) -> [[MariaDBValue]] {
        order.items.map { item in
            [
                .int(order.id), .int(Int64(item.position)), MariaDBValue(item.productId), MariaDBValue(item.productCode),
                MariaDBValue(item.productName), MariaDBValue(item.quantity), MariaDBValue(item.price), MariaDBValue(item.unitPriceExTax),
                MariaDBValue(item.discount), MariaDBValue(item.taxId), MariaDBValue(item.taxCode), MariaDBValue(item.taxName),
                MariaDBValue(item.taxRate), MariaDBValue(item.taxAmount), MariaDBValue(item.lineTotalIncTax),
                MariaDBValue(item.errorCode), MariaDBValue(item.errorMessage),
            ]
        }
    }

    public static let addresses = Table(name: "order_addresses", columns: [
        "order_id", "address_type", "salutation", "first_name", "last_name", "company", "phone", "line1", "line2", "city",
        "post_code", "region", "country_code",
    ])

    public static func addressValues(_ order: CanonicalOrder) -> [[MariaDBValue]] {
        order.addresses.map { address in
            [
                .int(order.id), .string(address.addressType), MariaDBValue(address.salutation), MariaDBValue(address.firstName),
                MariaDBValue(address.lastName), MariaDBValue(address.company), MariaDBValue(address.phone), MariaDBValue(address.line1),
                MariaDBValue(address.line2), MariaDBValue(address.city), MariaDBValue(address.postCode), MariaDBValue(address.region),
                MariaDBValue(address.countryCode),
            ]
        }
    }

    public static let credits = Table(name: "order_credits", columns: [
        "order_id", "credit_id", "increment_id", "state", "created_at", "updated_at", "grand_total", "base_grand_total",
        "base_tax_amount", "base_shipping_amount", "adjustment_positive", "adjustment_negative", "base_currency_code", "raw_json",
    ])

    public static func creditValues(_ order: CanonicalOrder) -> [[MariaDBValue]] {
        order.credits.map { credit in
            [
                .int(order.id), .int(credit.creditId), MariaDBValue(credit.incrementId), MariaDBValue(credit.state),
                MariaDBValue(credit.createdAt), MariaDBValue(credit.updatedAt), MariaDBValue(credit.grandTotal),
                MariaDBValue(credit.baseGrandTotal), MariaDBValue(credit.baseTaxAmount), MariaDBValue(credit.baseShippingAmount),
                MariaDBValue(credit.adjustmentPositive), MariaDBValue(credit.adjustmentNegative), MariaDBValue(credit.baseCurrencyCode),
                .string(credit.rawJSON),
            ]
        }
    }

    public static let creditItems = Table(name: "order_credit_items", columns: [
        "order_id", "credit_id", "line_number", "product_id", "product_code", "product_name", "quantity", "price",
        "unit_price_ex_tax", "tax_amount", "discount",
    ])

    public static func creditItemValues(_ order: CanonicalOrder) -> [[MariaDBValue]] {
        order.credits.flatMap { credit in
            credit.items.map { item in
                [
                    .int(order.id), .int(credit.creditId), .int(Int64(item.position)), MariaDBValue(item.productId),
                    MariaDBValue(item.productCode), MariaDBValue(item.productName), MariaDBValue(item.quantity), MariaDBValue(item.price),
                    MariaDBValue(item.unitPriceExTax), MariaDBValue(item.taxAmount), MariaDBValue(item.discount),
                ]
            }
        }
    }

    public static let invoices = Table(name: "order_invoices", columns: ["order_id", "line_number", "invoice_number", "invoice_date"])

    public static func invoiceValues(_ order: CanonicalOrder) -> [[MariaDBValue]] {
        order.invoices.enumerated().map { index, invoice in
            [.int(order.id), .int(Int64(index)), MariaDBValue(invoice.number), MariaDBValue(invoice.date)]
        }
    }
}
