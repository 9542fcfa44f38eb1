import MariaDB

/// Every table name of Synclet's schema, in one place. Migrations keep their literal SQL (they
/// are history and must not change when a name is used differently later); every statement
/// built at run time takes its table name from here.
public enum TableName: String, CaseIterable, Sendable {
    case orders
    case orderItems = "order_items"
    case orderAddresses = "order_addresses"
    case orderCredits = "order_credits"
    case orderCreditItems = "order_credit_items"
    case orderInvoices = "order_invoices"
    case orderRejects = "order_rejects"
    case syncHistory = "sync_history"
    case syncState = "sync_state"
    case storeConfiguration = "store_configuration"
    /// The QuickBooks connection's tokens: never emptied by `synclet clear`.
    case qboTokens = "qbo_tokens"
    /// What was pushed to QuickBooks; `synclet clear` keeps it, since QuickBooks keeps the documents.
    case qboDocuments = "qbo_documents"

    /// The tables `synclet clear` empties, children first so no foreign key is in the way.
    /// `sync_state` is reset rather than emptied (see `SyncHistory.resetAfterClear`).
    public static let clearedByClear: [TableName] =
        OrderTables.all.reversed().map(\.name) + [.orderRejects, .syncHistory]
}

/// One column of a table, paired with how its value is taken from a row, so a column and its
/// value cannot drift apart: adding, removing or moving a column is one line.
///
/// ```swift
/// Column<OrderTables.OrderRow>("order_number") { .string($0.order.orderNumber) }
/// ```
public struct Column<Row>: Sendable {
    public let name: String
    let value: @Sendable (Row) -> MariaDBValue

    public init(_ name: String, _ value: @escaping @Sendable (Row) -> MariaDBValue) {
        self.name = name
        self.value = value
    }
}

/// One table an order writes: its name, its columns paired with their values, and how an order
/// becomes its rows.
public struct OrderTable: Sendable {
    public let name: TableName
    public let columns: [String]
    /// The rows of one order, each with one value per column, in column order.
    public let rows: @Sendable (CanonicalOrder, OrderTables.Context) -> [[MariaDBValue]]

    init<Row>(_ name: TableName, _ columns: [Column<Row>], rows: @escaping @Sendable (CanonicalOrder) -> [Row],
              context: @escaping @Sendable (Row, OrderTables.Context) -> Row = { row, _ in row }) {
        self.name = name
        self.columns = columns.map(\.name)
        self.rows = { order, loadContext in
            rows(order).map { row in
                let row = context(row, loadContext)
                return columns.map { $0.value(row) }
            }
        }
    }
}

/// How a canonical order maps onto rows: one description per table. Public so the benchmark's
/// floors write exactly the rows `load` writes.
///
/// Adding a column to `orders`: the model (`CanonicalOrder`), its codec, one `Column` line in
/// `orders` below, and one migration in `SchemaMigrator`.
public enum OrderTables {
    /// What a row takes from the load rather than from the order.
    public struct Context: Sendable {
        public var runId: String
        /// The load's clock, UTC `YYYY-MM-DD HH:MM:SS`.
        public var now: String
        /// The store's configuration as last read (`store_configuration`), nil when never read:
        /// its time zone gives each order its local date, QuickBooks' `TxnDate`.
        public var store: StoreConfiguration?

        public init(runId: String, now: String, store: StoreConfiguration? = nil) {
            self.runId = runId
            self.now = now
            self.store = store
        }

        /// `utc` (`YYYY-MM-DD HH:MM:SS`) as a date in the store's time zone; UTC's when the store's is unknown.
        func localDate(_ utc: String?) -> MariaDBValue {
            MariaDBValue(utc.flatMap { StoreConfiguration.localDate(ofUTC: $0, timeZone: store?.timeZone) })
        }
    }

    public struct OrderRow: Sendable {
        public var order: CanonicalOrder
        public var context = Context(runId: "", now: "")
    }

    /// A child row: the order it belongs to and the element it comes from.
    public struct Part<Element: Sendable>: Sendable {
        public var order: CanonicalOrder
        public var element: Element
        public var index: Int
        public var context = Context(runId: "", now: "")
    }

    public struct CreditLine: Sendable {
        public var credit: CanonicalOrder.CreditMemo
        public var item: CanonicalOrder.CreditMemoItem
    }

    /// Every table an order writes, parents before children.
    public static let all: [OrderTable] = [orders, items, addresses, credits, creditItems, invoices]

    /// The child tables, whose rows of a changed order are deleted and written again.
    public static var children: [OrderTable] { all.filter { $0.name != .orders } }

    /// Every row of `order`, table by table in `all`'s order.
    public static func rows(_ order: CanonicalOrder, context: Context) -> [[[MariaDBValue]]] {
        all.map { $0.rows(order, context) }
    }

    public static let orders = OrderTable(.orders, orderColumns, rows: { [OrderRow(order: $0)] },
                                          context: { row, context in OrderRow(order: row.order, context: context) })

    private static let orderColumns: [Column<OrderRow>] = [
        Column("id") { .int($0.order.id) },
        Column("order_number") { .string($0.order.orderNumber) },
        Column("replaced_order_id") { MariaDBValue($0.order.replacedOrder?.entityId.flatMap { Int64($0) }) },
        Column("replaced_order_number") { MariaDBValue($0.order.replacedOrder?.orderNumber) },
        Column("order_date") { .string($0.order.orderDate) },
        Column("last_updated_date") { .string($0.order.lastUpdatedDate) },
        Column("fetched_at") { MariaDBValue($0.order.source.fetchedAt) },
        Column("order_type") { MariaDBValue($0.order.type) },
        Column("status") { .string($0.order.status) },
        Column("currency_code") { .string($0.order.currencyCode) },
        Column("total") { .string($0.order.total) },
        Column("discounts") { .string($0.order.discounts) },
        Column("shipping_method") { MariaDBValue($0.order.shipping.method) },
        Column("shipping_amount") { MariaDBValue($0.order.shipping.amount) },
        Column("shipping_discount") { MariaDBValue($0.order.shipping.discount) },
        Column("shipping_tax_name") { MariaDBValue($0.order.shipping.taxName) },
        Column("shipping_tax_rate") { MariaDBValue($0.order.shipping.taxRate) },
        Column("shipping_tax_amount") { MariaDBValue($0.order.shipping.taxAmount) },
        Column("payment_method") { MariaDBValue($0.order.payment?.methodName) },
        Column("payment_amount") { MariaDBValue($0.order.payment?.amount) },
        Column("customer_id") { MariaDBValue($0.order.contact.customerId) },
        Column("is_guest") { MariaDBValue($0.order.contact.isGuest) },
        Column("customer_salutation") { MariaDBValue($0.order.contact.salutation) },
        Column("customer_first_name") { MariaDBValue($0.order.contact.firstName) },
        Column("customer_last_name") { MariaDBValue($0.order.contact.lastName) },
        Column("customer_email") { MariaDBValue($0.order.contact.email) },
        Column("customer_phone") { MariaDBValue($0.order.contact.phone) },
        Column("customer_company") { MariaDBValue($0.order.contact.company) },
        Column("customer_business_number") { MariaDBValue($0.order.contact.businessNumber) },
        Column("notes") { MariaDBValue($0.order.notes) },
        Column("tags") { MariaDBValue($0.order.tags) },
        Column("store_name") { MariaDBValue($0.order.storeName) },
        Column("last_transaction_id") { MariaDBValue($0.order.lastTransactionId) },
        Column("credit_points") { MariaDBValue($0.order.creditPoints) },
        Column("order_processing_fee") { MariaDBValue($0.order.orderProcessingFee) },
        Column("order_processing_fee_ex_tax") { MariaDBValue($0.order.orderProcessingFeeExTax) },
        Column("order_local_date") { $0.context.localDate($0.order.orderDate) },
        Column("vat_total") { MariaDBValue($0.order.vatTotal) },
        Column("shipping_vat_rate") { MariaDBValue($0.order.shipping.vatRate) },
        Column("shipping_vat") { MariaDBValue($0.order.shipping.vat) },
        Column("paid_at") { MariaDBValue($0.order.paidAt) },
        Column("prices_include_tax") { MariaDBValue($0.context.store?.pricesIncludeTax) },
        Column("has_incomplete_lines") { MariaDBValue($0.order.hasIncompleteLines) },
        Column("reconciles") { MariaDBValue($0.order.reconciliation.reconciles) },
        Column("reconciliation_difference") { .string($0.order.reconciliation.difference) },
        Column("content_hash") { .string($0.order.contentHash) },
        Column("raw_json") { .string($0.order.rawJSON) },
        Column("canonical_schema_version") { .int(Int64($0.order.schemaVersion)) },
        Column("first_loaded_at") { .string($0.context.now) },
        Column("loaded_at") { .string($0.context.now) },
        Column("loaded_by_run") { .string($0.context.runId) },
    ]

    /// Columns an upsert of an existing order leaves as they are.
    static let keptOnUpdate: Set<String> = ["id", "first_loaded_at"]

    public static let items = OrderTable(.orderItems, itemsColumns, rows: { order in parts(order, order.items) })

    private static let itemsColumns: [Column<Part<CanonicalOrder.Item>>] = [
        Column("order_id") { .int($0.order.id) },
        Column("line_number") { .int(Int64($0.element.position)) },
        Column("product_id") { MariaDBValue($0.element.productId) },
        Column("product_code") { MariaDBValue($0.element.productCode) },
        Column("product_name") { MariaDBValue($0.element.productName) },
        Column("quantity") { MariaDBValue($0.element.quantity) },
        Column("price") { MariaDBValue($0.element.price) },
        Column("unit_price_ex_tax") { MariaDBValue($0.element.unitPriceExTax) },
        Column("discount") { MariaDBValue($0.element.discount) },
        Column("tax_id") { MariaDBValue($0.element.taxId) },
        Column("tax_code") { MariaDBValue($0.element.taxCode) },
        Column("tax_name") { MariaDBValue($0.element.taxName) },
        Column("tax_rate") { MariaDBValue($0.element.taxRate) },
        Column("tax_amount") { MariaDBValue($0.element.taxAmount) },
        Column("line_total_inc_tax") { MariaDBValue($0.element.lineTotalIncTax) },
        Column("row_discount") { MariaDBValue($0.element.rowDiscount) },
        Column("vat_rate") { MariaDBValue($0.element.vatRate) },
        Column("row_vat") { MariaDBValue($0.element.rowVAT) },
        Column("error_code") { MariaDBValue($0.element.errorCode) },
        Column("error_message") { MariaDBValue($0.element.errorMessage) },
    ]

    public static let addresses = OrderTable(.orderAddresses, addressesColumns, rows: { order in parts(order, order.addresses) })

    private static let addressesColumns: [Column<Part<CanonicalOrder.Address>>] = [
        Column("order_id") { .int($0.order.id) },
        Column("address_type") { .string($0.element.addressType) },
        Column("salutation") { MariaDBValue($0.element.salutation) },
        Column("first_name") { MariaDBValue($0.element.firstName) },
        Column("last_name") { MariaDBValue($0.element.lastName) },
        Column("company") { MariaDBValue($0.element.company) },
        Column("phone") { MariaDBValue($0.element.phone) },
        Column("line1") { MariaDBValue($0.element.line1) },
        Column("line2") { MariaDBValue($0.element.line2) },
        Column("city") { MariaDBValue($0.element.city) },
        Column("post_code") { MariaDBValue($0.element.postCode) },
        Column("region") { MariaDBValue($0.element.region) },
        Column("country_code") { MariaDBValue($0.element.countryCode) },
    ]

    public static let credits = OrderTable(.orderCredits, creditsColumns, rows: { order in parts(order, order.credits) },
                                           context: { part, context in withContext(part, context) })

    private static let creditsColumns: [Column<Part<CanonicalOrder.CreditMemo>>] = [
        Column("order_id") { .int($0.order.id) },
        Column("credit_id") { .int($0.element.creditId) },
        Column("increment_id") { MariaDBValue($0.element.incrementId) },
        Column("state") { MariaDBValue($0.element.state) },
        Column("created_at") { MariaDBValue($0.element.createdAt) },
        Column("updated_at") { MariaDBValue($0.element.updatedAt) },
        Column("grand_total") { MariaDBValue($0.element.grandTotal) },
        Column("base_grand_total") { MariaDBValue($0.element.baseGrandTotal) },
        Column("base_tax_amount") { MariaDBValue($0.element.baseTaxAmount) },
        Column("base_shipping_amount") { MariaDBValue($0.element.baseShippingAmount) },
        Column("adjustment_positive") { MariaDBValue($0.element.adjustmentPositive) },
        Column("adjustment_negative") { MariaDBValue($0.element.adjustmentNegative) },
        Column("base_currency_code") { MariaDBValue($0.element.baseCurrencyCode) },
        Column("created_local_date") { $0.context.localDate($0.element.createdAt) },
        Column("shipping_refund_incl_tax") { MariaDBValue($0.element.shippingInclTax) },
        Column("shipping_refund_vat") { MariaDBValue($0.element.shippingVAT) },
        Column("refunded_discount") { MariaDBValue($0.element.refundedDiscount) },
        Column("raw_json") { .string($0.element.rawJSON) },
    ]

    public static let creditItems = OrderTable(.orderCreditItems, creditItemColumns, rows: { order in
        parts(order, order.credits.flatMap { credit in credit.items.map { CreditLine(credit: credit, item: $0) } })
    })

    private static let creditItemColumns: [Column<Part<CreditLine>>] = [
        Column("order_id") { .int($0.order.id) },
        Column("credit_id") { .int($0.element.credit.creditId) },
        Column("line_number") { .int(Int64($0.element.item.position)) },
        Column("product_id") { MariaDBValue($0.element.item.productId) },
        Column("product_code") { MariaDBValue($0.element.item.productCode) },
        Column("product_name") { MariaDBValue($0.element.item.productName) },
        Column("quantity") { MariaDBValue($0.element.item.quantity) },
        Column("price") { MariaDBValue($0.element.item.price) },
        Column("unit_price_ex_tax") { MariaDBValue($0.element.item.unitPriceExTax) },
        Column("tax_amount") { MariaDBValue($0.element.item.taxAmount) },
        Column("discount") { MariaDBValue($0.element.item.discount) },
        Column("order_line_number") { MariaDBValue($0.element.item.orderLinePosition) },
        Column("vat_rate") { MariaDBValue($0.element.item.vatRate) },
    ]

    public static let invoices = OrderTable(.orderInvoices, invoicesColumns, rows: { order in parts(order, order.invoices) })

    private static let invoicesColumns: [Column<Part<CanonicalOrder.Invoice>>] = [
        Column("order_id") { .int($0.order.id) },
        Column("line_number") { .int(Int64($0.index)) },
        Column("invoice_number") { MariaDBValue($0.element.number) },
        Column("invoice_date") { MariaDBValue($0.element.date) },
    ]

    private static func withContext<Element: Sendable>(_ part: Part<Element>, _ context: Context) -> Part<Element> {
        var part = part
        part.context = context
        return part
    }

    private static func parts<Element: Sendable>(_ order: CanonicalOrder, _ elements: [Element]) -> [Part<Element>] {
        elements.enumerated().map { Part(order: order, element: $1, index: $0) }
    }
}
