/// A credit memo as the extension sends it: the whole `sales_creditmemo` row as strings or null,
/// plus its items.
struct CreditMemoRenderer {
    let order: Order
    let memo: CreditMemo

    func render() -> JSONValue {
        let shippingExcl = memo.shippingRefundPence - memo.shippingTaxPence
        let subtotalExcl = memo.lines.reduce(0) { $0 + $1.rowTotalExclPence }
        let figures = order.lineFigures
        let subtotalIncl = memo.lines.reduce(0) {
            $0 + (order.tax.pricesIncludeTax ? figures[$1.itemIndex].unitPriceInclPence * $1.quantity : $1.rowTotalExclPence + $1.taxPence)
        }
        let adjustmentNet = memo.adjustmentPositivePence - memo.adjustmentNegativePence
        // With prices including VAT, VAT not charged because of the discount is Magento's
        // "discount tax compensation": whatever makes the row's parts add up to its grand total.
        let compensation = memo.grandTotalPence
            - (subtotalExcl + memo.taxPence + shippingExcl - memo.discountPence + adjustmentNet)
        let nullAdjustments = order.quirks.contains(.creditAdjustmentsNull)
        func money(_ pence: Int) -> JSONValue { .string(Money.text(pence: pence)) }
        func adjustment(_ pence: Int) -> JSONValue { nullAdjustments && pence == 0 ? .null : money(pence) }
        let created = JSONValue.string(UTCTime.databaseText(memo.createdAt))
        let row: [(String, JSONValue)] = [
            ("entity_id", .string(String(memo.entityId))),
            ("store_id", .string("1")),
            ("adjustment_positive", adjustment(memo.adjustmentPositivePence)),
            ("base_shipping_tax_amount", money(memo.shippingTaxPence)),
            ("store_to_order_rate", .string("0.0000")),
            ("base_discount_amount", money(-memo.discountPence)),
            ("base_to_order_rate", .string("1.0000")),
            ("grand_total", money(memo.grandTotalPence)),
            ("base_adjustment_negative", adjustment(memo.adjustmentNegativePence)),
            ("base_subtotal_incl_tax", money(subtotalIncl)),
            ("shipping_amount", money(shippingExcl)),
            ("subtotal_incl_tax", money(subtotalIncl)),
            ("adjustment_negative", adjustment(memo.adjustmentNegativePence)),
            ("base_shipping_amount", money(shippingExcl)),
            ("store_to_base_rate", .string("0.0000")),
            ("base_to_global_rate", .string("1.0000")),
            ("base_adjustment", adjustment(adjustmentNet)),
            ("base_subtotal", money(subtotalExcl)),
            ("discount_amount", money(-memo.discountPence)),
            ("subtotal", money(subtotalExcl)),
            ("adjustment", adjustment(adjustmentNet)),
            ("base_grand_total", money(memo.grandTotalPence)),
            ("base_adjustment_positive", adjustment(memo.adjustmentPositivePence)),
            ("base_tax_amount", money(memo.taxPence)),
            ("shipping_tax_amount", money(memo.shippingTaxPence)),
            ("tax_amount", money(memo.taxPence)),
            ("order_id", .string(String(order.id))),
            ("email_sent", .string("1")),
            ("send_email", .string("1")),
            ("creditmemo_status", .null),
            ("state", .string("2")),
            ("shipping_address_id", order.addressing == .billingAndShipping ? .string(String(order.id * 2)) : .null),
            ("billing_address_id", .string(String(order.id * 2 - 1))),
            ("invoice_id", order.invoicedAt == nil ? .null : .string(String(order.id))),
            ("store_currency_code", .string("GBP")),
            ("order_currency_code", .string("GBP")),
            ("base_currency_code", .string("GBP")),
            ("global_currency_code", .string("GBP")),
            ("transaction_id", .optionalString(order.transactionId.map { $0 + "-refund" })),
            ("increment_id", .string(memo.number)),
            ("created_at", created),
            ("updated_at", created),
            ("discount_tax_compensation_amount", money(compensation)),
            ("base_discount_tax_compensation_amount", money(compensation)),
            ("shipping_discount_tax_compensation_amount", .string("0.0000")),
            ("base_shipping_discount_tax_compensation_amnt", .null),
            ("shipping_incl_tax", money(memo.shippingRefundPence)),
            ("base_shipping_incl_tax", money(memo.shippingRefundPence)),
            ("discount_description", .null),
            ("customer_note", .null),
            ("customer_note_notify", .null),
        ]
        var members = row.map { JSONValue.Member($0.0, $0.1) }
        members.append(.init("Items", .array(memo.lines.map { item($0, figures: figures[$0.itemIndex]) })))
        return .object(members)
    }

    /// One refunded line; `ProductId` links it to the order line it refunds.
    private func item(_ credited: CreditedLine, figures: LineFigures) -> JSONValue {
        let line = order.items[credited.itemIndex]
        let product = Catalog.product(at: line.productIndex)
        var members = OrderRenderer.productMembers(product, quantity: credited.quantity) + [
            .init("Price", .string(Money.text(pence: figures.unitPriceInclPence))),
            .init("UnitPriceExTax", .string(Money.text(pence: figures.unitPriceExclPence))),
            .init("TaxAmount", .string(Money.text(pence: credited.taxPence))),
        ]
        if credited.discountPence > 0 {
            members.append(.init("Discount", .string(Money.text(pence: credited.discountPence))))
        }
        return .object(members)
    }
}
