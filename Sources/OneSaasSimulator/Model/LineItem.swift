/// One ordered line as the store keeps it: the catalogue price (including or excluding VAT, as
/// the store's `TaxConfiguration` says) and the discount rule's percentage. Every VAT figure is
/// derived from these by `MagentoTaxCalculator`, so a line whose quantity changes stays consistent.
struct LineItem {
    var productIndex: Int
    var quantity: Int
    var catalogPricePence: Int
    /// The cart rule's percentage; Magento works the row discount out from it.
    var discountPercent: Int
    var taxRatePercent: Int
    var refundedQuantity: Int
    var quirks: LineQuirks
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

/// A credit memo (refund): some units of some lines, perhaps the shipping, and adjustments.
/// Its figures are fixed when it is made, as Magento stores them in `sales_creditmemo`.
struct CreditMemo {
    var entityId: Int
    var number: String
    var createdAt: Int64
    var lines: [CreditedLine]
    var shippingRefundPence: Int
    var shippingTaxPence: Int
    /// A goodwill amount refunded on top ("Adjustment Refund").
    var adjustmentPositivePence: Int
    /// A fee kept back, e.g. restocking ("Adjustment Fee").
    var adjustmentNegativePence: Int

    var taxPence: Int { lines.reduce(shippingTaxPence) { $0 + $1.taxPence } }
    var discountPence: Int { lines.reduce(0) { $0 + $1.discountPence } }
    var grandTotalPence: Int {
        lines.reduce(0) { $0 + $1.chargedPence } + shippingRefundPence + adjustmentPositivePence - adjustmentNegativePence
    }
}

/// The share of one order line that a credit memo refunds.
struct CreditedLine {
    var itemIndex: Int
    var quantity: Int
    var rowTotalExclPence: Int
    var taxPence: Int
    var discountPence: Int
    /// What the customer gets back for these units, VAT included, after their discount.
    var chargedPence: Int
}
