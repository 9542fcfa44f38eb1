/// Makes realistic orders from a seed: the same seed and settings always give the same store.
///
/// ```swift
/// var generator = OrderGenerator(seed: 42, quirks: .realistic, tax: .pricesIncludingTax)
/// let orders = generator.makeStore(count: 2000, from: start, until: now, badOrders: 3)
/// ```
struct OrderGenerator {
    let quirks: QuirkMode
    let tax: TaxConfiguration
    var random: SeededRandom
    private(set) var nextOrderSequence = 1
    private(set) var nextCreditMemoId = 1

    init(seed: UInt64, quirks: QuirkMode, tax: TaxConfiguration = .pricesIncludingTax) {
        self.quirks = quirks
        self.tax = tax
        random = SeededRandom(seed: seed)
    }

    private var isRealistic: Bool { quirks == .realistic }

    /// The initial store: `count` orders created between `start` and an hour before `now`,
    /// in entity-id order, each updated somewhere between its creation and `now`.
    mutating func makeStore(count: Int, from start: Int64, until now: Int64, badOrders: Int) -> [Order] {
        let end = max(now - 3600, start + Int64(count))
        let span = Double(end - start)
        var orders: [Order] = []
        orders.reserveCapacity(count)
        for index in 0..<count {
            let createdAt = start + Int64((Double(index) + random.fraction()) * span / Double(max(count, 1)))
            let age = Double(max(now - createdAt, 0))
            let updatedAt = createdAt + Int64(age * pow3(random.fraction()))
            var order = makeOrder(id: index + 1, createdAt: createdAt, updatedAt: updatedAt, allowsDisruptiveQuirks: true)
            if isRealistic, index >= 10, random.chance(0.015) {
                makeEdit(of: &orders, into: &order)
            }
            orders.append(order)
        }
        markDefects(count: badOrders, in: &orders)
        return orders
    }

    /// One new order. Disruptive quirks (dropped, lost product) are kept off for orders created by
    /// mutations, which must always render and reconcile.
    mutating func makeOrder(id: Int, createdAt: Int64, updatedAt: Int64, allowsDisruptiveQuirks: Bool) -> Order {
        let isGiftCardOrder = isRealistic && random.chance(0.01)
        let items = isGiftCardOrder ? [giftCardLine()] : makeLines()
        let status = makeStatus(isNew: !allowsDisruptiveQuirks)
        let paid = !Self.unpaidStatuses.contains(status)
        let paymentMethod = random.element(of: Catalog.paymentMethods)
        var order = Order(
            id: id,
            number: String(100_000_000 + nextOrderSequence),
            replaced: nil,
            createdAt: createdAt,
            updatedAt: updatedAt,
            status: status,
            customerId: random.chance(0.35) ? 0 : random.integer(in: 1...5000),
            detailSeed: random.next(),
            items: items,
            shipping: isGiftCardOrder ? ShippingCharge(methodIndex: nil, pricePence: 0) : makeShipping(for: items),
            paymentMethod: (isRealistic && (random.chance(0.07) || !paid)) ? nil : paymentMethod,
            transactionId: paid ? makeTransactionId(for: paymentMethod) : nil,
            invoicedAt: nil,
            credits: [],
            addressing: isGiftCardOrder ? .billingOnly : .billingAndShipping,
            noteIndex: makeNoteIndex(),
            quirks: makeOrderQuirks(),
            defect: nil,
            tax: tax
        )
        nextOrderSequence += 1
        if Self.invoicedStatuses.contains(status) {
            order.invoicedAt = min(createdAt + Int64(random.integer(in: 20...900)), updatedAt)
        }
        if allowsDisruptiveQuirks, isRealistic {
            addDisruptiveQuirks(to: &order)
        }
        if isRealistic { addLineQuirks(to: &order) }
        if status == "complete", random.chance(0.06) {
            refund(&order, at: order.updatedAt, everything: false)
        } else if status == "complete", random.chance(0.02) {
            refund(&order, at: order.updatedAt, everything: true)
        }
        return order
    }

    /// Statuses a shop reaches only once the order is invoiced (paid): `CustomFields.Invoices` lists the invoice.
    static let invoicedStatuses: Set<String> = ["processing", "complete", "closed", "dispatched_partial", "ready_to_collect"]
    /// Statuses of orders not paid yet: no payment details, no transaction.
    static let unpaidStatuses: Set<String> = ["pending", "pending_payment", "payment_review", "holded"]

    private func pow3(_ value: Double) -> Double { value * value * value }

    private mutating func makeLines() -> [LineItem] {
        let count = random.weighted([(1, 40), (2, 25), (3, 15), (4, 10), (5, 6), (6, 4)])
        let discountPercent = random.weighted([(0, 80), (10, 10), (15, 5), (25, 3), (33, 2)])
        // Magento's cart merges a product added twice into one line, so an order names each product once
        // (a credit memo's ProductId then finds its order line).
        var chosen = Set<Int>()
        return (0..<count).map { _ in
            var productIndex = random.integer(in: 0...(Catalog.products.count - 1))
            while chosen.contains(productIndex) { productIndex = (productIndex + 1) % Catalog.products.count }
            chosen.insert(productIndex)
            let product = Catalog.products[productIndex]
            let quantity = random.weighted([(1, 70), (2, 18), (3, 7), (4, 3), (6, 2)])
            return LineItem(
                productIndex: productIndex,
                quantity: quantity,
                catalogPricePence: product.pricePence,
                discountPercent: discountPercent,
                taxRatePercent: product.taxRatePercent,
                refundedQuantity: 0,
                quirks: []
            )
        }
    }

    private func giftCardLine() -> LineItem {
        LineItem(productIndex: Catalog.giftCardIndex, quantity: 1, catalogPricePence: Catalog.giftCard.pricePence,
                 discountPercent: 0, taxRatePercent: 0, refundedQuantity: 0, quirks: [])
    }

    private mutating func makeShipping(for items: [LineItem]) -> ShippingCharge {
        let subtotal = items.reduce(0) { $0 + $1.catalogPricePence * $1.quantity }
        var methodIndex = random.weighted([(0, 40), (1, 25), (2, 15), (4, 5)])
        if subtotal >= 5000, random.chance(0.5) { methodIndex = 3 }
        return ShippingCharge(methodIndex: methodIndex, pricePence: Catalog.shippingMethods[methodIndex].pricePence)
    }

    private mutating func makeStatus(isNew: Bool) -> String {
        if isNew { return random.weighted([("pending", 30), ("processing", 70)]) }
        var choices = [("complete", 60), ("processing", 20), ("pending", 5), ("pending_payment", 2),
                       ("payment_review", 1), ("holded", 1), ("canceled", 5)]
        if isRealistic { choices += Catalog.customStatuses.map { ($0, 2) } }
        return random.weighted(choices)
    }

    private mutating func makeTransactionId(for method: String) -> String? {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        func token(_ length: Int, _ letters: ArraySlice<Character>) -> String {
            String((0..<length).map { _ in letters[letters.startIndex + random.integer(in: 0...(letters.count - 1))] })
        }
        switch method {
        case "stripe_payments": return "pi_3" + token(23, alphabet[...])
        case "paypal_express": return token(17, alphabet[0..<36])
        case "braintree": return token(8, alphabet[36...])
        default: return nil
        }
    }

    private mutating func makeNoteIndex() -> Int? {
        guard random.chance(isRealistic ? 0.15 : 0.1) else { return nil }
        // Without quirks, only the notes free of newlines and quotes.
        return isRealistic ? random.integer(in: 0...(People.notes.count - 1)) : random.element(of: [0, 5])
    }

    private mutating func makeOrderQuirks() -> OrderQuirks {
        guard isRealistic else { return [] }
        var quirks: OrderQuirks = []
        if random.chance(0.02) { quirks.insert(.amountsAsNumbers) }
        if random.chance(0.03) { quirks.insert(.extraFields) }
        if random.chance(0.02) { quirks.insert(.addressExtraFields) }
        if random.chance(0.3) { quirks.insert(.creditAdjustmentsNull) }
        return quirks
    }

    private mutating func addDisruptiveQuirks(to order: inout Order) {
        if random.chance(0.01) { order.addressing = .none }
        if order.addressing == .billingAndShipping, random.chance(0.01) {
            if order.items.count == 1 { order.items += makeLines().prefix(1) }
            order.items[random.integer(in: 0...(order.items.count - 1))].quirks.insert(.productNotFound)
        }
    }

    private mutating func addLineQuirks(to order: inout Order) {
        let lineCount = order.items.count
        if random.chance(0.03), let taxed = order.items.firstIndex(where: { $0.taxRatePercent > 0 }) {
            order.items[taxed].quirks.insert(.unmatchedTaxRule)
        }
        if random.chance(0.01) { order.items[random.integer(in: 0...(lineCount - 1))].quirks.insert(.nullUnitPriceExTax) }
        if random.chance(0.02) { order.items[random.integer(in: 0...(lineCount - 1))].quirks.insert(.extraFields) }
    }

    /// Makes a credit memo for `order` and records it there: a partial one refunds one unit of one
    /// or two lines, perhaps the shipping and an adjustment; `everything` refunds every unit left
    /// and the shipping not yet refunded, and closes the order. Returns false when nothing is left.
    @discardableResult
    mutating func refund(_ order: inout Order, at time: Int64, everything: Bool) -> Bool {
        let refundable = order.items.indices.filter {
            let line = order.items[$0]
            return !line.quirks.contains(.productNotFound) && line.refundedQuantity < line.quantity
        }
        guard !refundable.isEmpty else { return false }
        var chosen: [(index: Int, quantity: Int)]
        if everything {
            chosen = refundable.map { ($0, order.items[$0].quantity - order.items[$0].refundedQuantity) }
        } else {
            let first = random.element(of: refundable)
            chosen = [(first, 1)]
            if refundable.count > 1, random.chance(0.25), let second = refundable.first(where: { $0 != first }) {
                chosen.append((second, 1))
            }
        }
        let figures = order.lineFigures
        var lines: [CreditedLine] = []
        for (index, quantity) in chosen.sorted(by: { $0.index < $1.index }) {
            let line = order.items[index]
            let row = figures[index]
            func share(_ total: Int) -> Int {
                Proration.share(of: total, refunding: quantity, after: line.refundedQuantity, of: line.quantity)
            }
            var credited = CreditedLine(itemIndex: index, quantity: quantity, rowTotalExclPence: share(row.rowTotalExclPence),
                                        taxPence: share(row.taxPence), discountPence: share(row.discountPence), chargedPence: 0)
            // The same arithmetic as the order row: incl. VAT prices are exact per unit, net prices too.
            credited.chargedPence = order.tax.pricesIncludeTax
                ? row.unitPriceInclPence * quantity - credited.discountPence
                : row.unitPriceExclPence * quantity - credited.discountPence + credited.taxPence
            lines.append(credited)
            order.items[index].refundedQuantity += quantity
        }
        let shipping = order.shippingFigures
        let shippingLeft = order.shippingRefundedPence == 0 ? shipping.amountInclPence : 0
        let refundsShipping = shippingLeft > 0 && (everything || random.chance(0.3))
        var memo = CreditMemo(
            entityId: nextCreditMemoId,
            number: String(100_000_000 + nextCreditMemoId),
            createdAt: time,
            lines: lines,
            shippingRefundPence: refundsShipping ? shippingLeft : 0,
            shippingTaxPence: refundsShipping ? shipping.taxPence : 0,
            adjustmentPositivePence: 0,
            adjustmentNegativePence: 0
        )
        if !everything {
            if random.chance(0.05) { memo.adjustmentPositivePence = 250 }
            if random.chance(0.1), memo.grandTotalPence > 500 { memo.adjustmentNegativePence = 500 }
        }
        nextCreditMemoId += 1
        order.credits.append(memo)
        if order.items.allSatisfy({ $0.refundedQuantity == $0.quantity || $0.quirks.contains(.productNotFound) }) {
            order.status = "closed"
        }
        return true
    }

    /// Turns `order` into Magento's "edit order" result: it takes a recent order's number with "-1",
    /// and that order is cancelled.
    private mutating func makeEdit(of orders: inout [Order], into order: inout Order) {
        let candidateIndex = orders.count - random.integer(in: 1...8)
        let original = orders[candidateIndex]
        guard original.replaced == nil, original.status != "canceled", original.addressing == .billingAndShipping,
              !original.hasLostLine, order.addressing == .billingAndShipping
        else { return }
        order.number = original.number + "-1"
        order.replaced = Order.ReplacedOrder(id: original.id, number: original.number)
        order.customerId = original.customerId
        order.detailSeed = original.detailSeed
        nextOrderSequence -= 1
        orders[candidateIndex].status = "canceled"
        orders[candidateIndex].invoicedAt = nil
        orders[candidateIndex].credits = []
        orders[candidateIndex].paymentMethod = nil
        orders[candidateIndex].updatedAt = max(original.updatedAt, order.createdAt)
    }

    /// Spreads `count` invalid orders evenly through the store, rotating the kind of damage.
    private func markDefects(count: Int, in orders: inout [Order]) {
        guard count > 0, !orders.isEmpty else { return }
        var taken = Set<Int>()
        for index in 0..<count {
            var position = (2 * index + 1) * orders.count / (2 * count)
            var tries = 0
            while tries < orders.count {
                let order = orders[position]
                if !taken.contains(position), order.addressing == .billingAndShipping, order.replaced == nil,
                   order.status != "canceled", !order.hasLostLine {
                    break
                }
                position = (position + 1) % orders.count
                tries += 1
            }
            guard tries < orders.count else { return }
            taken.insert(position)
            orders[position].defect = OrderDefect.allCases[index % OrderDefect.allCases.count]
        }
    }
}
