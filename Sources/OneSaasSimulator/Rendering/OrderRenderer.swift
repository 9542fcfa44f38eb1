/// Renders a stored order exactly as the OneSaas Connect extension's controller does, quirks included.
struct OrderRenderer {
    let quirks: QuirkMode

    static let tags = "StoreName:Main Website\nMain Website Store\nDefault Store View"

    /// The element of `Orders` for this order: `""` when it has no address at all.
    func render(_ order: Order) -> JSONValue {
        guard !order.isDropped else { return .string("") }
        let amounts = AmountStyle(asNumbers: order.quirks.contains(.amountsAsNumbers))
        let contact = ContactRenderer(order: order)
        var members: [JSONValue.Member] = []
        members.reserveCapacity(24)
        if order.defect != .missingId { members.append(.init("Id", .string(String(order.id)))) }
        members.append(.init("OrderNumber", .string(order.number)))
        if let replaced = order.replaced {
            members.append(.init("ReplaceOrderNumber Id=\"\(replaced.id)\"", .string(replaced.number)))
        } else {
            members.append(.init("ReplaceOrderNumber", .string("")))
        }
        let date = order.defect == .invalidDate ? "not a date" : UTCTime.databaseText(order.createdAt)
        members.append(.init("Date", .string(date)))
        members.append(.init("LastUpdatedDate", .string(UTCTime.databaseText(order.updatedAt))))
        members.append(.init("Type", .string("Order")))
        members.append(.init("Status", .string(order.status)))
        members.append(.init("CurrencyCode", .string("GBP")))
        members.append(.init("Notes", .optionalString(order.noteIndex.map { People.notes[$0] })))
        members.append(.init("Tags", .string(Self.tags)))
        members.append(.init("Discounts", .number(discountsText(order))))
        let total: JSONValue = order.defect == .invalidTotal ? .string("abc") : amounts.value(order.totalPence)
        members.append(.init("Total", total))
        members.append(.init("Contact", contact.contact()))
        members.append(.init("Addresses", contact.addresses()))
        let figures = order.lineFigures
        members.append(.init("Items", .array(zip(order.items, figures).map { item($0, $1, order: order, amounts: amounts) })))
        members.append(.init("Shipping", shipping(order, amounts: amounts)))
        members.append(.init("Payments", payments(order, amounts: amounts)))
        members.append(.init("Credits", .array(order.credits.map { CreditMemoRenderer(order: order, memo: $0).render() })))
        members.append(.init("CustomFields", customFields(order)))
        if order.quirks.contains(.extraFields) {
            let message = People.giftMessages[Int(order.detailSeed % UInt64(People.giftMessages.count))]
            members.append(.init("GiftMessage", .object([
                .init("Sender", .string("Gran")), .init("Recipient", .string("Tom")), .init("Message", .string(message)),
            ])))
            members.append(.init("x_custom", .string("imported/ebay")))
        }
        return .object(members)
    }

    /// PHP sums the line discounts as floats, so realistic stores leak binary noise such as
    /// `0.30000000000000004`; without quirks the exact decimal is shown.
    private func discountsText(_ order: Order) -> String {
        let discounts = order.lineFigures.map(\.discountPence)
        let total = discounts.reduce(0, +)
        guard total > 0 else { return "0" }
        guard quirks == .realistic else { return PHPFloat.text(Double(total) / 100) }
        var sum = 0.0
        for discount in discounts where discount > 0 { sum += Double(discount) / 100 }
        return PHPFloat.text(sum)
    }

    /// The extension divides the row discount by the quantity in PHP floats: 1.00 over 3 units
    /// arrives as 0.3333333333333333; the row's discount is that × quantity, rounded to the penny.
    /// Without quirks the quotient is the double nearest the exact one, so a quotient with few
    /// decimals prints without noise; realistic stores divide twice, as PHP does, and can leak noise.
    private func perUnitDiscountText(_ discountPence: Int, quantity: Int) -> String {
        if quirks == .realistic { return PHPFloat.text(Double(discountPence) / 100 / Double(quantity)) }
        return PHPFloat.text(Double(discountPence) / Double(100 * quantity))
    }

    static let productNotFound: JSONValue = .object([
        .init("ErrorCode", .string("Product.ProductNotFound")),
        .init("Message", .string("Ordered product could not be found!")),
    ])

    private func item(_ line: LineItem, _ figures: LineFigures, order: Order, amounts: AmountStyle) -> JSONValue {
        guard !line.quirks.contains(.productNotFound) else { return Self.productNotFound }
        let product = Catalog.product(at: line.productIndex)
        var members = Self.productMembers(product, quantity: line.quantity) + [
            .init("Price", amounts.value(figures.unitPriceInclPence)),
            .init("UnitPriceExTax", line.quirks.contains(.nullUnitPriceExTax)
                ? .null : .string(Money.text(pence: figures.unitPriceExclPence))),
        ]
        if figures.discountPence > 0 {
            members.append(.init("Discount", .number(perUnitDiscountText(figures.discountPence, quantity: line.quantity))))
        }
        if line.taxRatePercent > 0 || order.tax.zeroRatedTaxes == .zeroRate {
            members.append(.init("Taxes", taxes(rate: line.taxRatePercent, amountPence: figures.taxPence,
                                                 matchedRule: !line.quirks.contains(.unmatchedTaxRule), amounts: amounts)))
        }
        members.append(.init("LineTotalIncTax", amounts.value(figures.rowTotalInclPence)))
        if line.quirks.contains(.extraFields) {
            members.append(.init("x_custom", .object([.init("engraving", .string("J.W. – 2025"))])))
            members.append(.init("GiftWrap", .bool(false)))
        }
        return .object(members)
    }

    /// The product columns an order line and a credit memo line share.
    static func productMembers(_ product: Catalog.Product, quantity: Int) -> [JSONValue.Member] {
        [
            .init("ProductId", .string(String(product.id))),
            .init("ProductCode", .string(product.sku)),
            .init("ProductName", .string(product.name)),
            .init("Quantity", .string(Money.text(tenThousandths: quantity * 10_000))),
        ]
    }

    func taxes(rate: Int, amountPence: Int, matchedRule: Bool, amounts: AmountStyle) -> JSONValue {
        let rule = Catalog.taxRule(forRate: rate)
        return .object([
            .init("TaxId", matchedRule ? .string(rule.id) : .null),
            .init("TaxCode", matchedRule ? .string(rule.code) : .null),
            .init("TaxName", matchedRule ? .string(rule.name) : .null),
            .init("TaxRate", .number(PHPFloat.text(Double(rate) / 100))),
            .init("TaxAmount", amounts.value(amountPence)),
        ])
    }

    private func shipping(_ order: Order, amounts: AmountStyle) -> JSONValue {
        let figures = order.shippingFigures
        var members: [JSONValue.Member] = [
            .init("ShippingMethod", .optionalString(order.shipping.methodIndex.map { Catalog.shippingMethods[$0].name })),
            .init("Amount", amounts.value(figures.amountInclPence)),
        ]
        if figures.amountInclPence > 0 {
            members.append(.init("Taxes", taxes(rate: ShippingFigures.ratePercent, amountPence: figures.taxPence,
                                                 matchedRule: true, amounts: amounts)))
        }
        return .object(members)
    }

    private func payments(_ order: Order, amounts: AmountStyle) -> JSONValue {
        guard let method = order.paymentMethod else { return .array([]) }
        return .object([.init("PaymentMethod", .object([
            .init("MethodName", .string(method)),
            .init("Amount", amounts.value(order.totalPence)),
        ]))])
    }

    private func customFields(_ order: Order) -> JSONValue {
        let invoices: [JSONValue] = order.invoicedAt.map { time in
            [.object([.init("InvNumber", .string("Inv-" + order.number)), .init("Date", .string(UTCTime.databaseText(time)))])]
        } ?? []
        return .object([
            .init("CreditPoints", .string("0.0000")),
            .init("OrderProcessingFeeExTax", .string("0.0000")),
            .init("OrderProcessingFee", .string("0.0000")),
            .init("LastTransactionId", .optionalString(order.transactionId)),
            .init("Invoices", .array(invoices)),
        ])
    }
}

/// Amounts are decimal strings with four places, except on orders with the quirk where PHP
/// handed the controller floats and they arrive as JSON numbers.
struct AmountStyle {
    var asNumbers: Bool

    func value(_ pence: Int) -> JSONValue {
        asNumbers ? .number(Money.number(pence: pence)) : .string(Money.text(pence: pence))
    }
}

extension Store {
    /// Every order exactly as the endpoint renders it (a dropped one as `""`), in entity-id order,
    /// so a test can rebuild the whole store from what a client would read.
    public func renderedOrders() -> [[UInt8]] {
        let encoder = PHPJSONEncoder()
        return snapshot().map { encoder.encode(renderer.render($0)) }
    }
}
