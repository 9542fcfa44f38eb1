/// One ordered line. Prices include VAT, as in a UK store with catalogue prices incl. tax.
struct LineItem {
    var productIndex: Int
    var quantity: Int
    var unitPricePence: Int
    /// Discount on the whole line; the endpoint shows it per unit.
    var discountPence: Int
    var taxRatePercent: Int
    var refundedQuantity: Int
    var quirks: LineQuirks

    var lineTotalPence: Int { unitPricePence * quantity }

    /// VAT inside the line total, rounded to the penny as Magento rounds row tax.
    var taxPence: Int {
        lineTotalPence - Money.roundedDivision(lineTotalPence * 100, 100 + taxRatePercent)
    }

    /// Unit price excluding VAT with Magento's four places.
    var unitPriceExTaxTenThousandths: Int {
        Money.roundedDivision(unitPricePence * 10_000, 100 + taxRatePercent)
    }
}

struct LineQuirks: OptionSet {
    let rawValue: UInt8
    /// The product was deleted from the catalogue: the line renders as an error object.
    static let productNotFound = LineQuirks(rawValue: 1 << 0)
    /// The rate matched no tax rule: TaxId, TaxCode and TaxName are null.
    static let unmatchedTaxRule = LineQuirks(rawValue: 1 << 1)
    static let nullUnitPriceExTax = LineQuirks(rawValue: 1 << 2)
    static let extraFields = LineQuirks(rawValue: 1 << 3)
}

/// A credit memo (refund) against one line, with optional shipping refund and adjustments.
struct CreditMemo {
    var entityId: Int
    var number: String
    var createdAt: Int64
    var itemIndex: Int
    var quantity: Int
    var itemRefundPence: Int
    var itemTaxPence: Int
    var itemDiscountPence: Int
    var shippingRefundPence: Int
    var adjustmentPositivePence: Int
    var adjustmentNegativePence: Int

    var grandTotalPence: Int {
        itemRefundPence - itemDiscountPence + shippingRefundPence + adjustmentPositivePence - adjustmentNegativePence
    }
}
