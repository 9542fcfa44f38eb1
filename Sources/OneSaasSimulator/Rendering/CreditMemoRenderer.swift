/// A credit memo as the extension sends it: the whole `sales_creditmemo` row as strings or null,
/// plus its items.
struct CreditMemoRenderer {
    let order: Order
    let memo: CreditMemo

    func render() -> JSONValue {
        let shippingTax = memo.shippingRefundPence - Money.roundedDivision(memo.shippingRefundPence * 100, 120)
        let taxTotal = memo.itemTaxPence + shippingTax
        let subtotal = memo.itemRefundPence - memo.itemTaxPence
        let nullAdjustments = order.quirks.contains(.creditAdjustmentsNull)
        func money(_ pence: Int) -> JSONValue { .string(Money.text(pence: pence)) }
        func adjustment(_ pence: Int) -> JSONValue { nullAdjustments && pence == 0 ? .null : money(pence) }
        let created = JSONValue.string(UTCTime.databaseText(memo.createdAt))
        let adjustmentNet = memo.adjustmentPositivePence - memo.adjustmentNegativePence
        let row: [(String, JSONValue)] = [
            ("entity_id", .string(String(memo.entityId))),
            ("store_id", .string("1")),
            ("adjustment_positive", adjustment(memo.adjustmentPositivePence)),
            ("base_shipping_tax_amount", money(shippingTax)),
            ("store_to_order_rate", .string("0.0000")),
            ("base_discount_amount", money(-memo.itemDiscountPence)),
            ("base_to_order_rate", .string("1.0000")),
            ("grand_total", money(memo.grandTotalPence)),
            ("base_adjustment_negative", adjustment(memo.adjustmentNegativePence)),
            ("base_subtotal_incl_tax", money(memo.itemRefundPence)),
            ("shipping_amount", money(memo.shippingRefundPence - shippingTax)),
            ("subtotal_incl_tax", money(memo.itemRefundPence)),
            ("adjustment_negative", adjustment(memo.adjustmentNegativePence)),
            ("base_shipping_amount", money(memo.shippingRefundPence - shippingTax)),
            ("store_to_base_rate", .string("0.0000")),
            ("base_to_global_rate", .string("1.0000")),
            ("base_adjustment", adjustment(adjustmentNet)),
            ("base_subtotal", money(subtotal)),
            ("discount_amount", money(-memo.itemDiscountPence)),
            ("subtotal", money(subtotal)),
            ("adjustment", adjustment(adjustmentNet)),
            ("base_grand_total", money(memo.grandTotalPence)),
            ("base_adjustment_positive", adjustment(memo.adjustmentPositivePence)),
            ("base_tax_amount", money(taxTotal)),
            ("shipping_tax_amount", money(shippingTax)),
            ("tax_amount", money(taxTotal)),
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
            ("discount_tax_compensation_amount", .string("0.0000")),
            ("base_discount_tax_compensation_amount", .string("0.0000")),
            ("shipping_discount_tax_compensation_amount", .string("0.0000")),
            ("base_shipping_discount_tax_compensation_amnt", .null),
            ("shipping_incl_tax", money(memo.shippingRefundPence)),
            ("base_shipping_incl_tax", money(memo.shippingRefundPence)),
            ("discount_description", .null),
            ("customer_note", .null),
            ("customer_note_notify", .null),
        ]
        var members = row.map { JSONValue.Member($0.0, $0.1) }
        members.append(.init("Items", .array([item()])))
        return .object(members)
    }

    private func item() -> JSONValue {
        let line = order.items[memo.itemIndex]
        let product = Catalog.product(at: line.productIndex)
        var members = OrderRenderer.productMembers(product, quantity: memo.quantity) + [
            .init("Price", .string(Money.text(pence: line.unitPricePence))),
            .init("UnitPriceExTax", .string(Money.text(tenThousandths: line.unitPriceExTaxTenThousandths))),
            .init("TaxAmount", .string(Money.text(pence: memo.itemTaxPence))),
        ]
        if memo.itemDiscountPence > 0 {
            members.append(.init("Discount", .string(Money.text(pence: memo.itemDiscountPence))))
        }
        return .object(members)
    }
}
