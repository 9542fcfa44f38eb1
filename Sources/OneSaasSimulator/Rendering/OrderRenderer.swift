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
        members.append(.init("Items", .array(order.items.map { item($0, amounts: amounts) })))
        members.append(.init("Shipping", shipping(order.shipping, amounts: amounts)))
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
        let total = order.discountPence
        guard total > 0 else { return "0" }
        guard quirks == .realistic else { return PHPFloat.text(Double(total) / 100) }
        var sum = 0.0
        for line in order.items where line.discountPence > 0 { sum += Double(line.discountPence) / 100 }
        return PHPFloat.text(sum)
    }

    private func perUnitDiscountText(_ line: LineItem) -> String {
        if quirks == .realistic { return PHPFloat.text(Double(line.discountPence) / 100 / Double(line.quantity)) }
        return PHPFloat.text(Double(Money.roundedDivision(line.discountPence, line.quantity)) / 100)
    }

    static let productNotFound: JSONValue = .object([
        .init("ErrorCode", .string("Product.ProductNotFound")),
        .init("Message", .string("Ordered product could not be found!")),
    ])

    private func item(_ line: LineItem, amounts: AmountStyle) -> JSONValue {
        guard !line.quirks.contains(.productNotFound) else { return Self.productNotFound }
        let product = Catalog.product(at: line.productIndex)
        var members = Self.productMembers(product, quantity: line.quantity) + [
            .init("Price", amounts.value(line.unitPricePence)),
            .init("UnitPriceExTax", line.quirks.contains(.nullUnitPriceExTax)
                ? .null : .string(Money.text(tenThousandths: line.unitPriceExTaxTenThousandths))),
        ]
        if line.discountPence > 0 { members.append(.init("Discount", .number(perUnitDiscountText(line)))) }
        if line.taxRatePercent > 0 {
            members.append(.init("Taxes", taxes(rate: line.taxRatePercent, amountPence: line.taxPence,
                                                 matchedRule: !line.quirks.contains(.unmatchedTaxRule), amounts: amounts)))
        }
        members.append(.init("LineTotalIncTax", amounts.value(line.lineTotalPence)))
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

    private func shipping(_ charge: ShippingCharge, amounts: AmountStyle) -> JSONValue {
        var members: [JSONValue.Member] = [
            .init("ShippingMethod", .optionalString(charge.methodIndex.map { Catalog.shippingMethods[$0].name })),
            .init("Amount", amounts.value(charge.amountPence)),
        ]
        if charge.amountPence > 0 {
            let tax = charge.amountPence - Money.roundedDivision(charge.amountPence * 100, 120)
            members.append(.init("Taxes", taxes(rate: 20, amountPence: tax, matchedRule: true, amounts: amounts)))
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
