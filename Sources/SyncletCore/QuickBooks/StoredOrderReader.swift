import Foundation
import MariaDB

/// A stored order that cannot be read back as a `BookkeepingOrder` (a column the schema requires is
/// empty, typically an order loaded before schema version 3 and not yet refilled by `synclet init`).
public struct StoredOrderError: Error, CustomStringConvertible, Equatable {
    public var orderNumber: String
    public var column: String
    public var description: String {
        "order \(orderNumber): \(column) is empty in the database; run `synclet init` to fill it in from the stored raw_json"
    }
}

/// Reads stored orders back as `BookkeepingOrder`s from the relational tables alone (never
/// `raw_json`), so what QuickBooks would get is what the database holds.
///
/// ```swift
/// let orders = try StoredOrderReader(connection: connection).orders()
/// let one = try StoredOrderReader(connection: connection).orders(numbered: "100000123")
/// ```
public struct StoredOrderReader {
    public let connection: MariaDBConnection

    public init(connection: MariaDBConnection) {
        self.connection = connection
    }

    /// Every stored order, in order number order; throws at the first order with an empty column.
    public func orders() throws -> [BookkeepingOrder] {
        try read(where: "", []).map { try $0.get() }
    }

    /// Every stored order, in order number order, and apart the ones that cannot be rebuilt
    /// (an empty required column): one such order must not stop a summary of all the others.
    public func ordersAndUnreadable() throws -> (orders: [BookkeepingOrder], unreadable: [StoredOrderError]) {
        var orders: [BookkeepingOrder] = []
        var unreadable: [StoredOrderError] = []
        for result in try read(where: "", []) {
            switch result {
            case .success(let order): orders.append(order)
            case .failure(let error): unreadable.append(error)
            }
        }
        return (orders, unreadable)
    }

    /// The stored order(s) with this number (one, unless the store reused a number).
    public func orders(numbered number: String) throws -> [BookkeepingOrder] {
        try read(where: "WHERE o.order_number = ?", [.string(number)]).map { try $0.get() }
    }

    private func read(where condition: String, _ parameters: [MariaDBValue]) throws -> [Result<BookkeepingOrder, StoredOrderError>] {
        let orderRows = try connection.query("""
            SELECT o.id, o.order_number, o.status, o.order_date, o.order_local_date, o.currency_code, o.customer_first_name,
                   o.customer_last_name, o.customer_email, o.payment_method, o.paid_at, o.replaced_order_number,
                   o.prices_include_tax, o.shipping_method, o.shipping_amount, o.shipping_vat, o.shipping_vat_rate,
                   o.total, o.vat_total
            FROM \(TableName.orders.rawValue) o \(condition) ORDER BY o.order_number, o.id
            """, parameters)
        guard !orderRows.isEmpty else { return [] }
        let ids = orderRows.compactMap { $0.int("id") }
        let childFilter = condition.isEmpty ? "" : "WHERE order_id IN (\(ids.map(String.init).joined(separator: ",")))"
        let lineRows = Dictionary(grouping: try connection.query(
            "SELECT * FROM \(TableName.orderItems.rawValue) \(childFilter) ORDER BY order_id, line_number"), by: { $0.int("order_id") ?? 0 })
        let creditRows = Dictionary(grouping: try connection.query(
            "SELECT * FROM \(TableName.orderCredits.rawValue) \(childFilter) ORDER BY order_id, created_at, credit_id"), by: { $0.int("order_id") ?? 0 })
        let creditLineRows = Dictionary(grouping: try connection.query(
            "SELECT * FROM \(TableName.orderCreditItems.rawValue) \(childFilter) ORDER BY order_id, credit_id, line_number"),
            by: { "\($0.int("order_id") ?? 0)/\($0.int("credit_id") ?? 0)" })
        // Whether an order was edited is known from the order that replaced it, which may not be
        // among those asked for.
        let replacements = try connection.query(
            "SELECT order_number, replaced_order_number FROM \(TableName.orders.rawValue) WHERE replaced_order_number IS NOT NULL")
        var replacedBy: [String: String] = [:]
        for row in replacements { if let original = row.string("replaced_order_number") { replacedBy[original] = row.string("order_number") } }
        let fallbackPricesIncludeTax = try StoreConfigurationTable(connection: connection).latest()?.pricesIncludeTax

        return orderRows.map { row in Self.result(number: row.string("order_number") ?? "?") {
            let id = row.int("id") ?? 0
            let number = row.string("order_number") ?? "?"
            let fields = Fields(orderNumber: number)
            let createdText = try fields.text(row, "order_date")
            let created = UTCTime(parsing: createdText)?.date ?? Date(timeIntervalSince1970: 0)
            var lines: [BookkeepingOrder.Line] = []
            var lost = 0
            for line in lineRows[id] ?? [] {
                if line.string("error_code") != nil { lost += 1; continue }
                lines.append(BookkeepingOrder.Line(
                    position: Int(line.int("line_number") ?? 0) + 1, productId: line.string("product_id"),
                    sku: line.string("product_code") ?? "", name: line.string("product_name") ?? "",
                    quantity: try fields.amount(line, "order_items.quantity", "quantity"),
                    unitPriceInclTax: fields.optionalAmount(line, "price"), unitPriceExclTax: fields.optionalAmount(line, "unit_price_ex_tax"),
                    rowTotalInclTax: try fields.amount(line, "order_items.line_total_inc_tax", "line_total_inc_tax"),
                    rowVAT: try fields.amount(line, "order_items.row_vat", "row_vat"),
                    vatRatePercent: try fields.amount(line, "order_items.vat_rate", "vat_rate"),
                    storeTaxCode: line.string("tax_code"),
                    rowDiscount: try fields.amount(line, "order_items.row_discount", "row_discount")))
            }
            let credits = try (creditRows[id] ?? []).map { credit -> BookkeepingOrder.CreditMemo in
                let creditCreated = credit.string("created_at") ?? createdText
                let creditLines = try (creditLineRows["\(id)/\(credit.int("credit_id") ?? 0)"] ?? []).map { item in
                    BookkeepingOrder.CreditLine(
                        orderLinePosition: item.int("order_line_number").map { Int($0) + 1 }, productId: item.string("product_id"),
                        sku: item.string("product_code") ?? "", name: item.string("product_name") ?? "",
                        quantity: try fields.amount(item, "order_credit_items.quantity", "quantity"),
                        unitPriceInclTax: fields.optionalAmount(item, "price"), unitPriceExclTax: fields.optionalAmount(item, "unit_price_ex_tax"),
                        rowVAT: fields.optionalAmount(item, "tax_amount") ?? 0, rowDiscount: fields.optionalAmount(item, "discount") ?? 0,
                        vatRatePercent: fields.optionalAmount(item, "vat_rate"))
                }
                return BookkeepingOrder.CreditMemo(
                    number: credit.string("increment_id") ?? String(credit.int("credit_id") ?? 0),
                    createdAt: UTCTime(parsing: creditCreated)?.date ?? created,
                    localDate: try fields.text(credit, "order_credits.created_local_date", "created_local_date"),
                    grandTotal: try fields.amount(credit, "order_credits.base_grand_total", "base_grand_total"),
                    vatTotal: fields.optionalAmount(credit, "base_tax_amount") ?? 0, lines: creditLines,
                    shippingInclTax: fields.optionalAmount(credit, "shipping_refund_incl_tax") ?? 0,
                    shippingVAT: fields.optionalAmount(credit, "shipping_refund_vat") ?? 0,
                    adjustmentPositive: fields.optionalAmount(credit, "adjustment_positive") ?? 0,
                    adjustmentNegative: fields.optionalAmount(credit, "adjustment_negative") ?? 0,
                    refundedDiscount: fields.optionalAmount(credit, "refunded_discount") ?? 0)
            }
            let name = [row.string("customer_first_name"), row.string("customer_last_name")].compactMap { $0 }.joined(separator: " ")
            return BookkeepingOrder(
                orderNumber: number, status: row.string("status") ?? "", createdAt: created,
                localDate: try fields.text(row, "orders.order_local_date", "order_local_date"),
                currencyCode: row.string("currency_code") ?? "", customerName: name.isEmpty ? nil : name,
                customerEmail: row.string("customer_email"), paymentMethod: row.string("payment_method"),
                paidAt: row.string("paid_at").flatMap { UTCTime(parsing: $0)?.date },
                replacesOrderNumber: row.string("replaced_order_number"), replacedByOrderNumber: replacedBy[number],
                // An order loaded before the store's settings were first read takes the newest reading.
                pricesIncludeTax: row.bool("prices_include_tax") ?? fallbackPricesIncludeTax ?? true,
                lines: lines, lostLineCount: lost,
                shipping: BookkeepingOrder.Shipping(
                    method: row.string("shipping_method"), amountInclTax: fields.optionalAmount(row, "shipping_amount") ?? 0,
                    vat: try fields.amount(row, "orders.shipping_vat", "shipping_vat"), vatRatePercent: fields.optionalAmount(row, "shipping_vat_rate")),
                grandTotal: try fields.amount(row, "orders.total", "total"),
                vatTotal: try fields.amount(row, "orders.vat_total", "vat_total"),
                discountTotal: lines.reduce(0) { $0 + $1.rowDiscount }, creditMemos: credits)
        } }
    }

    /// One order's outcome: the reader throws only `StoredOrderError`, anything else is named as such.
    private static func result(number: String, _ build: () throws -> BookkeepingOrder) -> Result<BookkeepingOrder, StoredOrderError> {
        do {
            return .success(try build())
        } catch let error as StoredOrderError {
            return .failure(error)
        } catch {
            return .failure(StoredOrderError(orderNumber: number, column: "\(error)"))
        }
    }

    /// Reads typed values of one order's rows; an empty required column names itself.
    private struct Fields {
        let orderNumber: String

        func text(_ row: MariaDBRow, _ column: String) throws -> String {
            try text(row, "orders.\(column)", column)
        }

        func text(_ row: MariaDBRow, _ name: String, _ column: String) throws -> String {
            guard let text = row.string(column) else { throw StoredOrderError(orderNumber: orderNumber, column: name) }
            return text
        }

        func amount(_ row: MariaDBRow, _ name: String, _ column: String) throws -> Decimal {
            guard let value = optionalAmount(row, column) else { throw StoredOrderError(orderNumber: orderNumber, column: name) }
            return value
        }

        func optionalAmount(_ row: MariaDBRow, _ column: String) -> Decimal? {
            row.string(column).flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) }
        }
    }
}
