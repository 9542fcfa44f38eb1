import MariaDB
import SyncletCore

/// The rows the `load` stage writes for a canonical order, column for column.
///
/// A copy of `OrderRows` in `SyncletCore/Load/OrderWriter.swift`, which is internal to the
/// library: the floors and the naive baseline must write exactly the same rows. The benchmark
/// checks the copy by comparing row counts of every table with what `load` wrote.
enum LoaderRows {
    struct Table {
        let name: String
        let columns: [String]
    }

    static var all: [Table] { [orders, items, addresses, credits, creditItems, invoices] }

    /// Every row of `order`, table by table in `all`'s order (parents before children).
    static func rows(_ order: CanonicalOrder, runId: String, now: MariaDBValue) -> [[[MariaDBValue]]] {
        [[orderValues(order, runId: runId, now: now)], itemValues(order), addressValues(order),
         creditValues(order), creditItemValues(order), invoiceValues(order)]
    }

    static let orders = Table(name: "orders", columns: [
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

    static func orderValues(_ order: CanonicalOrder, runId: String, now: MariaDBValue) -> [MariaDBValue] {
        return [
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

    static let items = Table(name: "order_items", columns: [
        "order_id", "line_number", "product_id", "product_code", "product_name", "quantity", "price", "unit_price_ex_tax",
        "discount", "tax_id", "tax_code", "tax_name", "tax_rate", "tax_amount", "line_total_inc_tax", "error_code", "error_message",
    ])

    static func itemValues(_ order: CanonicalOrder) -> [[MariaDBValue]] {
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

    static let addresses = Table(name: "order_addresses", columns: [
        "order_id", "address_type", "salutation", "first_name", "last_name", "company", "phone", "line1", "line2", "city",
        "post_code", "region", "country_code",
    ])

    static func addressValues(_ order: CanonicalOrder) -> [[MariaDBValue]] {
        order.addresses.map { address in
            [
                .int(order.id), .string(address.addressType), MariaDBValue(address.salutation), MariaDBValue(address.firstName),
                MariaDBValue(address.lastName), MariaDBValue(address.company), MariaDBValue(address.phone), MariaDBValue(address.line1),
                MariaDBValue(address.line2), MariaDBValue(address.city), MariaDBValue(address.postCode), MariaDBValue(address.region),
                MariaDBValue(address.countryCode),
            ]
        }
    }

    static let credits = Table(name: "order_credits", columns: [
        "order_id", "credit_id", "increment_id", "state", "created_at", "updated_at", "grand_total", "base_grand_total",
        "base_tax_amount", "base_shipping_amount", "adjustment_positive", "adjustment_negative", "base_currency_code", "raw_json",
    ])

    static func creditValues(_ order: CanonicalOrder) -> [[MariaDBValue]] {
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

    static let creditItems = Table(name: "order_credit_items", columns: [
        "order_id", "credit_id", "line_number", "product_id", "product_code", "product_name", "quantity", "price",
        "unit_price_ex_tax", "tax_amount", "discount",
    ])

    static func creditItemValues(_ order: CanonicalOrder) -> [[MariaDBValue]] {
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

    static let invoices = Table(name: "order_invoices", columns: ["order_id", "line_number", "invoice_number", "invoice_date"])

    static func invoiceValues(_ order: CanonicalOrder) -> [[MariaDBValue]] {
        order.invoices.enumerated().map { index, invoice in
            [.int(order.id), .int(Int64(index)), MariaDBValue(invoice.number), MariaDBValue(invoice.date)]
        }
    }
}
