import Foundation

/// Turns one stored order into the QuickBooks Online documents it should become: a sales receipt
/// or invoice for the order, a refund receipt or credit memo per credit memo, with UK VAT explicit.
///
/// The documents use the combination that does not depend on how QuickBooks treats an override
/// (reference, section 4): `GlobalTaxCalculation` `TaxExcluded`; net lines made from Magento's own
/// figures (net = what the customer paid − Magento's VAT, any rounding residue put on one line per
/// rate, so that each rate's net is exact); the discount as a negative item line carrying its rate's
/// VAT code; shipping as a Service item line; and a `TxnTaxDetail.TaxLine` per rate whose `Amount`
/// is Magento's VAT. Each document is then checked with QuickBooks' arithmetic (each line rounded
/// to the penny, the per-rate override) against Magento's grand total and VAT.
///
/// Pure: no database, no network.
///
/// ```swift
/// let builder = DocumentBuilder(rules: DocumentRules(), mapping: QuickBooksMapping())
/// let documents = builder.documents(for: order)
/// if documents.order.isDocument { print(documents.order.document!.json) }
/// ```
public struct DocumentBuilder: Sendable {
    public var rules: DocumentRules
    public var mapping: QuickBooksMapping

    /// QuickBooks' limit on `DocNumber`.
    static let maximumDocumentNumberLength = 21
    /// `UnitPrice` keeps at most seven decimals.
    static let unitPricePlaces = 7

    public init(rules: DocumentRules = DocumentRules(), mapping: QuickBooksMapping = QuickBooksMapping()) {
        self.rules = rules
        self.mapping = mapping
    }

    public func documents(for order: BookkeepingOrder) -> OrderDocuments {
        let orderOutcome = outcome(for: order)
        let memos = order.creditMemos.map { outcome(for: $0, of: order, orderOutcome: orderOutcome) }
        return OrderDocuments(order: orderOutcome, creditMemos: memos)
    }

    // MARK: - Orders

    func outcome(for order: BookkeepingOrder) -> DocumentOutcome {
        var reasons = statusReasons(order)
        if let start = rules.startTime, UTCTime(order.createdAt) < start {
            reasons.append(.beforeStartDate(createdAt: UTCTime(order.createdAt), start: start))
        }
        if order.lostLineCount > 0 { reasons.append(.lostLines(count: order.lostLineCount)) }
        if order.orderNumber.count > Self.maximumDocumentNumberLength {
            reasons.append(.documentNumberTooLong(order.orderNumber))
        }

        let rows = order.lines.map { chargedRow(for: $0, pricesIncludeTax: order.pricesIncludeTax) }
        var shippingRows: [ChargedRow] = []
        if order.shipping.amountInclTax != 0 {
            shippingRows.append(ChargedRow(
                description: order.shipping.method ?? "Shipping", item: mapping.shippingItem, quantity: nil,
                vat: .rate(order.shipping.vatRatePercent ?? 0), gross: order.shipping.amountInclTax,
                vatAmount: order.shipping.vat, netBeforeDiscount: order.shipping.amountInclTax - order.shipping.vat,
                discount: 0))
        }
        let linesGross = (rows + shippingRows).reduce(Decimal(0)) { $0 + $1.gross }
        let linesVAT = (rows + shippingRows).reduce(Decimal(0)) { $0 + $1.vatAmount }
        // A lost line's figures are gone: its order is already held, and would not add up either.
        if order.lostLineCount == 0 {
            if linesGross != order.grandTotal {
                reasons.append(.linesDoNotReconcile(lines: linesGross, grandTotal: order.grandTotal))
            }
            if linesVAT != order.vatTotal { reasons.append(.vatDoesNotReconcile(lines: linesVAT, vatTotal: order.vatTotal)) }
        }

        let entity = orderEntity(for: order)
        var header: [(key: String, value: JSONValue)] = [
            ("DocNumber", .string(order.orderNumber)),
            ("TxnDate", .string(order.localDate)),
            ("GlobalTaxCalculation", .string("TaxExcluded")),
            ("CustomerRef", customerReference(order).json),
        ]
        if entity == "SalesReceipt" {
            if let method = order.paymentMethod.flatMap(mapping.paymentMethod) { header.append(("PaymentMethodRef", method.json)) }
            header.append(("DepositToAccountRef", mapping.depositAccount(paymentMethod: order.paymentMethod).json))
        }
        header.append(("PrivateNote", .string(privateNote(for: order))))
        return assemble(entity: entity, docNumber: order.orderNumber, source: order.orderNumber, header: header,
                        rows: rows, fixedRows: shippingRows, magentoTotal: order.grandTotal, magentoVAT: order.vatTotal,
                        reasons: reasons)
    }

    private func statusReasons(_ order: BookkeepingOrder) -> [HeldReason] {
        if let replacement = order.replacedByOrderNumber { return [.replacedByEdit(by: replacement)] }
        if rules.documentStatuses.contains(order.status) { return [] }
        if rules.neverStatuses.contains(order.status) { return [.cancelled(status: order.status)] }
        if rules.waitingStatuses.contains(order.status) { return [.waiting(status: order.status)] }
        return [.unconfiguredStatus(order.status)]
    }

    private func orderEntity(for order: BookkeepingOrder) -> String {
        switch rules.orderDocument {
        case .salesReceipt: return "SalesReceipt"
        case .invoice: return "Invoice"
        case .invoiceUnlessPaid: return order.paidAt == nil ? "Invoice" : "SalesReceipt"
        }
    }

    private func customerReference(_ order: BookkeepingOrder) -> QuickBooksReference {
        guard mapping.customerMatch == .perEmail, let email = order.customerEmailKey else { return mapping.defaultCustomer }
        return mapping.customersByEmail[email] ?? QuickBooksReference(name: order.customerDisplayName ?? mapping.defaultCustomer.name)
    }

    private func privateNote(for order: BookkeepingOrder) -> String {
        var note = "Magento order \(order.orderNumber)"
        if let original = order.replacesOrderNumber { note += ", an edit replacing \(original)" }
        return note
    }

    /// One order line's figures: what the customer paid for it (VAT included, after the discount),
    /// its VAT, and its net before the discount as Magento shows it.
    private func chargedRow(for line: BookkeepingOrder.Line, pricesIncludeTax: Bool) -> ChargedRow {
        let rate = line.vatRatePercent
        let netBeforeDiscount: Decimal
        let gross: Decimal
        if pricesIncludeTax {
            // Magento: row_total_incl_tax − discount is what was paid; the VAT is inside it.
            gross = line.rowTotalInclTax - line.rowDiscount
            netBeforeDiscount = line.unitPriceExclTax.map { ($0 * line.quantity).roundedToPennies }
                ?? (line.rowTotalInclTax * 100 / (100 + rate)).roundedToPennies
        } else {
            // Net prices: row_total − discount + VAT; row_total_incl_tax holds the VAT before the discount.
            if let unitNet = line.unitPriceExclTax {
                netBeforeDiscount = (unitNet * line.quantity).roundedToPennies
            } else if line.rowDiscount == 0 {
                // Without a discount the VAT before it is the VAT charged.
                netBeforeDiscount = line.rowTotalInclTax - line.rowVAT
            } else {
                // Per-row rounding leaves one penny value whose VAT gives row_total_incl_tax; if the store
                // rounds otherwise and this is a penny out, the order's total check holds it.
                netBeforeDiscount = (line.rowTotalInclTax * 100 / (100 + rate)).roundedToPennies
            }
            gross = netBeforeDiscount - line.rowDiscount + line.rowVAT
        }
        return ChargedRow(description: line.name, item: mapping.item(sku: line.sku), quantity: line.quantity,
                          vat: .rate(rate), gross: gross, vatAmount: line.rowVAT,
                          netBeforeDiscount: netBeforeDiscount, discount: line.rowDiscount)
    }

    // MARK: - Credit memos

    func outcome(for memo: BookkeepingOrder.CreditMemo, of order: BookkeepingOrder, orderOutcome: DocumentOutcome) -> DocumentOutcome {
        let docNumber = rules.creditMemoNumberPrefix + memo.number
        var reasons: [HeldReason] = []
        if !orderOutcome.isDocument {
            // Sales before the start date were booked by the old system; their later refunds are not.
            let soldBeforeStart = rules.startTime.map { UTCTime(order.createdAt) < $0 } ?? false
            if !soldBeforeStart { reasons.append(.orderNotADocument(orderNumber: order.orderNumber)) }
        }
        if let start = rules.startTime, UTCTime(memo.createdAt) < start {
            reasons.append(.beforeStartDate(createdAt: UTCTime(memo.createdAt), start: start))
        }
        if docNumber.count > Self.maximumDocumentNumberLength { reasons.append(.documentNumberTooLong(docNumber)) }

        var rows: [ChargedRow] = []
        for line in memo.lines {
            guard line.orderLinePosition != nil, let rate = line.vatRatePercent else {
                reasons.append(.unlinkedCreditLine(sku: line.sku))
                continue
            }
            let netBeforeDiscount: Decimal
            let gross: Decimal
            if order.pricesIncludeTax, let unitGross = line.unitPriceInclTax {
                gross = (unitGross * line.quantity).roundedToPennies - line.rowDiscount
                netBeforeDiscount = line.unitPriceExclTax.map { ($0 * line.quantity).roundedToPennies }
                    ?? (unitGross * line.quantity * 100 / (100 + rate)).roundedToPennies
            } else if !order.pricesIncludeTax, let unitNet = line.unitPriceExclTax {
                netBeforeDiscount = (unitNet * line.quantity).roundedToPennies
                gross = netBeforeDiscount - line.rowDiscount + line.rowVAT
            } else {
                reasons.append(.incompleteLine("credit line \(line.sku) has no unit price"))
                continue
            }
            rows.append(ChargedRow(description: line.name, item: mapping.item(sku: line.sku), quantity: line.quantity,
                                   vat: .rate(rate), gross: gross, vatAmount: line.rowVAT,
                                   netBeforeDiscount: netBeforeDiscount, discount: line.rowDiscount))
        }
        var fixedRows: [ChargedRow] = []
        if memo.shippingInclTax != 0 {
            fixedRows.append(ChargedRow(
                description: "Shipping refund", item: mapping.shippingItem, quantity: nil,
                vat: .rate(order.shipping.vatRatePercent ?? 0), gross: memo.shippingInclTax, vatAmount: memo.shippingVAT,
                netBeforeDiscount: memo.shippingInclTax - memo.shippingVAT, discount: 0))
        }
        // Magento puts no VAT on adjustments: they are outside the scope of VAT.
        for (amount, text) in [(memo.adjustmentPositive, "Adjustment refund"), (-memo.adjustmentNegative, "Adjustment fee")]
        where amount != 0 {
            fixedRows.append(ChargedRow(description: text, item: mapping.adjustmentItem, quantity: nil, vat: .outsideScope,
                                        gross: amount, vatAmount: 0, netBeforeDiscount: amount, discount: 0))
        }
        let all = rows + fixedRows
        let gross = all.reduce(Decimal(0)) { $0 + $1.gross }
        let vat = all.reduce(Decimal(0)) { $0 + $1.vatAmount }
        if gross != memo.grandTotal { reasons.append(.linesDoNotReconcile(lines: gross, grandTotal: memo.grandTotal)) }
        if vat != memo.vatTotal { reasons.append(.vatDoesNotReconcile(lines: vat, vatTotal: memo.vatTotal)) }
        if memo.grandTotal <= 0 { reasons.append(.nonPositiveTotal(memo.grandTotal)) }

        let entity = rules.creditMemoDocument == .refundReceipt ? "RefundReceipt" : "CreditMemo"
        var header: [(key: String, value: JSONValue)] = [
            ("DocNumber", .string(docNumber)),
            ("TxnDate", .string(memo.localDate)),
            ("GlobalTaxCalculation", .string("TaxExcluded")),
            ("CustomerRef", customerReference(order).json),
        ]
        if entity == "RefundReceipt" {
            if let method = order.paymentMethod.flatMap(mapping.paymentMethod) { header.append(("PaymentMethodRef", method.json)) }
            header.append(("DepositToAccountRef", mapping.depositAccount(paymentMethod: order.paymentMethod).json))
        }
        header.append(("PrivateNote", .string("Magento credit memo \(memo.number) for order \(order.orderNumber)")))
        return assemble(entity: entity, docNumber: docNumber, source: memo.number, header: header, rows: rows,
                        fixedRows: fixedRows, magentoTotal: memo.grandTotal, magentoVAT: memo.vatTotal, reasons: reasons)
    }

    // MARK: - Lines, VAT detail and checks

    /// Builds the lines and the per-rate `TaxLine`s, then checks them with QuickBooks' arithmetic.
    private func assemble(entity: String, docNumber: String, source: String, header: [(key: String, value: JSONValue)],
                          rows: [ChargedRow], fixedRows: [ChargedRow], magentoTotal: Decimal, magentoVAT: Decimal,
                          reasons: [HeldReason]) -> DocumentOutcome {
        var reasons = reasons
        var lines = rows.map { DocumentLine(row: $0, amount: $0.netBeforeDiscount) }
        // Each rate's net must be exactly Σ(paid − VAT) of its rows. A discounted rate gets one
        // negative discount line that takes the difference; otherwise the rounding residue of Magento's
        // unit prices goes on the rate's last line.
        let rates = orderedRates(rows)
        for rate in rates {
            let indices = lines.indices.filter { lines[$0].row.vat == rate }
            let target = indices.reduce(Decimal(0)) { $0 + lines[$1].row.gross - lines[$1].row.vatAmount }
            let shown = indices.reduce(Decimal(0)) { $0 + lines[$1].amount }
            let discount = indices.reduce(Decimal(0)) { $0 + lines[$1].row.discount }
            if discount != 0, target != shown {
                lines.append(DocumentLine(row: ChargedRow(description: "Discount" + rate.descriptionSuffix, item: mapping.discountItem,
                                                          quantity: nil, vat: rate, gross: 0, vatAmount: 0,
                                                          netBeforeDiscount: 0, discount: 0),
                                          amount: target - shown))
            } else if discount == 0, target != shown, let last = indices.last {
                lines[last].amount += target - shown
            }
        }
        lines += fixedRows.map { DocumentLine(row: $0, amount: $0.netBeforeDiscount) }

        var lineValues: [JSONValue] = []
        var quickBooksAmounts: [(vat: VATClass, amount: Decimal)] = []
        for (index, line) in lines.enumerated() {
            guard let taxCode = taxCode(for: line.row.vat) else {
                if case .rate(let rate) = line.row.vat, !reasons.contains(.unmappedVATRate(rate)) { reasons.append(.unmappedVATRate(rate)) }
                continue
            }
            var detail: [(key: String, value: JSONValue)] = [("ItemRef", line.row.item.json)]
            var quickBooksAmount = line.amount
            if let split = Self.quantityAndUnitPrice(amount: line.amount, quantity: line.row.quantity) {
                detail.append(("Qty", .number(split.quantity.jsonText)))
                detail.append(("UnitPrice", .number(split.unitPrice.jsonText)))
                // QuickBooks keeps Amount = round(Qty × UnitPrice, 2) (else error 6070).
                quickBooksAmount = (split.quantity * split.unitPrice).roundedToPennies
            }
            detail.append(("TaxCodeRef", taxCode.json))
            quickBooksAmounts.append((line.row.vat, quickBooksAmount))
            lineValues.append(.object(JSONObject(members: [
                ("LineNum", .number(String(index + 1))),
                ("Amount", .number(line.amount.jsonText)),
                ("DetailType", .string("SalesItemLineDetail")),
                ("Description", .string(line.row.description)),
                ("SalesItemLineDetail", .object(JSONObject(members: detail))),
            ])))
        }

        var taxLines: [JSONValue] = []
        var rateChecks: [DocumentCheck.RateCheck] = []
        for vat in orderedRates(rows + fixedRows) {
            guard case .rate(let rate) = vat, let rateReference = mapping.taxRates[rate] else { continue }
            let members = lines.filter { $0.row.vat == vat }
            let net = members.reduce(Decimal(0)) { $0 + $1.amount }
            let magentoRateVAT = (rows + fixedRows).filter { $0.vat == vat }.reduce(Decimal(0)) { $0 + $1.vatAmount }
            let atRate = quickBooksAmounts.filter { $0.vat == vat }
            let linesNet = atRate.reduce(Decimal(0)) { $0 + $1.amount }
            // Without an override QuickBooks rounds each line's VAT, then adds them up.
            let computed = atRate.reduce(Decimal(0)) { $0 + ($1.amount * rate / 100).roundedToPennies }
            rateChecks.append(.init(ratePercent: rate, net: net, linesNet: linesNet, vat: magentoRateVAT, computedVAT: computed))
            taxLines.append(.object(JSONObject(members: [
                ("Amount", .number(magentoRateVAT.jsonText)),
                ("DetailType", .string("TaxLineDetail")),
                ("TaxLineDetail", .object(JSONObject(members: [
                    ("TaxRateRef", rateReference.json),
                    ("PercentBased", .bool(true)),
                    ("TaxPercent", .number(rate.jsonText)),
                    ("NetAmountTaxable", .number(net.jsonText)),
                ]))),
            ])))
        }
        let quickBooksVAT = rateChecks.reduce(Decimal(0)) { $0 + $1.vat }
        let check = DocumentCheck(
            magentoTotal: magentoTotal, magentoVAT: magentoVAT,
            quickBooksTotal: quickBooksAmounts.reduce(Decimal(0)) { $0 + $1.amount } + quickBooksVAT,
            quickBooksVAT: quickBooksVAT,
            quickBooksComputedVAT: rateChecks.reduce(Decimal(0)) { $0 + $1.computedVAT },
            rates: rateChecks)
        if check.quickBooksTotal < 0, !reasons.contains(where: { $0.key == "non_positive_total" }) {
            reasons.append(.nonPositiveTotal(check.quickBooksTotal))
        }
        let body = JSONValue.object(JSONObject(members: header + [
            ("Line", .array(lineValues)),
            ("TxnTaxDetail", .object(JSONObject(members: [("TaxLine", .array(taxLines))]))),
        ]))
        return DocumentOutcome(sourceNumber: source,
                               document: QuickBooksDocument(entity: entity, docNumber: docNumber, body: body, check: check),
                               heldReasons: reasons)
    }

    /// `Qty` and a `UnitPrice` of at most seven decimals whose product rounds to `amount`; a
    /// line whose amount cannot be split so is sent as one unit at the amount. Nil for a line without quantity.
    static func quantityAndUnitPrice(amount: Decimal, quantity: Decimal?) -> (quantity: Decimal, unitPrice: Decimal)? {
        guard let quantity else { return nil }
        if quantity > 0 {
            let unitPrice = (amount / quantity).rounded(toPlaces: unitPricePlaces)
            if (unitPrice * quantity).roundedToPennies == amount { return (quantity, unitPrice) }
        }
        return (1, amount)
    }

    private func taxCode(for vat: VATClass) -> QuickBooksReference? {
        switch vat {
        case .rate(let rate): return mapping.taxCodes[rate]
        case .outsideScope: return mapping.outsideScopeTaxCode
        }
    }

    /// The rates in the order the rows first use them, so a document always reads the same.
    private func orderedRates(_ rows: [ChargedRow]) -> [VATClass] {
        var seen: [VATClass] = []
        for row in rows where !seen.contains(row.vat) { seen.append(row.vat) }
        return seen
    }
}

/// A row's VAT treatment.
enum VATClass: Hashable, Sendable {
    /// A rate in percent; 0 is zero-rated (a supply, VAT at 0%).
    case rate(Decimal)
    /// Not a supply at all (a refund adjustment): no VAT code's rate applies.
    case outsideScope

    var descriptionSuffix: String {
        if case .rate(let rate) = self { return " (\(rate.jsonText)% VAT)" }
        return ""
    }
}

/// One row as Magento charged it.
struct ChargedRow {
    var description: String
    var item: QuickBooksReference
    var quantity: Decimal?
    var vat: VATClass
    /// Paid by (or refunded to) the customer, VAT included, after the discount.
    var gross: Decimal
    var vatAmount: Decimal
    /// Net before the discount, from Magento's price excluding VAT.
    var netBeforeDiscount: Decimal
    var discount: Decimal
}

/// A document line: the row and the net amount it is sent with.
struct DocumentLine {
    var row: ChargedRow
    var amount: Decimal
}
