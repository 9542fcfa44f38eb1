/// The store's tax settings (Stores › Configuration › Sales › Tax in Magento 2.4), which decide
/// every VAT figure the endpoint shows. The two presets are the two ways UK shops really run:
///
/// ```swift
/// var settings = Store.Settings(orderCount: 200, seed: 7, startDate: start, quirks: .realistic, badOrderCount: 0)
/// settings.tax = .pricesExcludingTax      // a trade store: net prices, VAT added, VAT before the discount
/// ```
public struct TaxConfiguration: Equatable, Sendable {
    /// `tax/calculation/price_includes_tax` (and `shipping_includes_tax`, kept equal here):
    /// catalogue and shipping prices already contain VAT.
    public var pricesIncludeTax: Bool
    /// `tax/calculation/apply_after_discount`: VAT is charged on the discounted price.
    public var taxAppliedAfterDiscount: Bool
    /// `tax/calculation/discount_tax`: a percentage discount is taken from the price including VAT.
    public var discountOnPricesIncludingTax: Bool
    /// `tax/calculation/algorithm`.
    public var algorithm: TaxCalculationAlgorithm
    /// How the extension renders a zero-rated line.
    public var zeroRatedTaxes: ZeroRatedTaxes
    /// `general/locale/timezone`; created_at stays UTC, this only answers StoreInfo.
    public var timeZone: String

    public init(pricesIncludeTax: Bool, taxAppliedAfterDiscount: Bool, discountOnPricesIncludingTax: Bool,
                algorithm: TaxCalculationAlgorithm = .row, zeroRatedTaxes: ZeroRatedTaxes = .absent,
                timeZone: String = "Europe/London") {
        self.pricesIncludeTax = pricesIncludeTax
        self.taxAppliedAfterDiscount = taxAppliedAfterDiscount
        self.discountOnPricesIncludingTax = discountOnPricesIncludingTax
        self.algorithm = algorithm
        self.zeroRatedTaxes = zeroRatedTaxes
        self.timeZone = timeZone
    }

    /// A UK shop selling to consumers: shelf prices include VAT, VAT after the discount, the
    /// discount taken from the price the customer sees. The default store.
    public static let pricesIncludingTax = TaxConfiguration(pricesIncludeTax: true, taxAppliedAfterDiscount: true,
                                                            discountOnPricesIncludingTax: true)
    /// A trade shop: net prices with VAT added at checkout, and VAT computed before the discount
    /// (Magento's "Apply Customer Tax: Before Discount"), so a discount does not lower the VAT.
    public static let pricesExcludingTax = TaxConfiguration(pricesIncludeTax: false, taxAppliedAfterDiscount: false,
                                                            discountOnPricesIncludingTax: false)
}

/// Magento's `tax/calculation/algorithm`: where VAT is rounded to the penny.
public enum TaxCalculationAlgorithm: String, CaseIterable, Sendable {
    /// Per unit, then multiplied by the quantity (UNIT_BASE_CALCULATION).
    case unit
    /// Per row: quantity × price, then rounded (ROW_BASE_CALCULATION).
    case row
    /// Per row, carrying each rate's rounding remainder to the next row (TOTAL_BASE_CALCULATION).
    case total
}

/// A zero-rated line has no VAT to show. Depending on whether a 0% tax rule matches the
/// product's tax class, Magento either applies no tax at all (the extension then omits `Taxes`)
/// or applies the 0% rule (the extension renders `Taxes` with `TaxRate` 0 and `TaxAmount` 0).
public enum ZeroRatedTaxes: String, CaseIterable, Sendable {
    case absent
    case zeroRate = "zero-rate"
}
