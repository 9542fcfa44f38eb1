/// The figures Magento 2.4 stores for one order row (`sales_order_item`), in pence.
struct LineFigures: Equatable {
    /// `price_incl_tax`, the `Price` the extension shows.
    var unitPriceInclPence: Int
    /// `price`, the `UnitPriceExTax` the extension shows.
    var unitPriceExclPence: Int
    /// `row_total_incl_tax`, before the discount: the extension's `LineTotalIncTax`.
    var rowTotalInclPence: Int
    /// `row_total`, excluding VAT, before the discount.
    var rowTotalExclPence: Int
    var taxBeforeDiscountPence: Int
    /// `tax_amount`: the VAT charged on the row, after the discount when VAT is applied after it.
    var taxPence: Int
    /// `discount_amount` for the whole row.
    var discountPence: Int
    /// What the customer pays for the row, VAT included, after the discount. With prices including
    /// VAT that is `row_total_incl_tax − discount_amount`; with net prices `row_total − discount + tax`.
    var chargedPence: Int
}

/// The shipping figures of an order (`shipping_incl_tax`, `shipping_tax_amount`).
struct ShippingFigures: Equatable {
    var amountInclPence: Int
    var taxPence: Int
    static let ratePercent = 20
}

/// Magento 2.4's VAT arithmetic (`Magento\Tax\Model\Calculation\{Unit,Row,Total}BaseCalculator`
/// and `AbstractAggregateCalculator`), in whole pence with exact fractions, rounding half away from
/// zero like PHP's `round`.
///
/// ```swift
/// // 3 × £1.99 including 20% VAT: one row of £5.97 → VAT round(5.97 × 20/120) = £1.00 (Row);
/// // per unit round(1.99 × 20/120) = £0.33, × 3 = £0.99 (Unit).
/// ```
struct MagentoTaxCalculator {
    let configuration: TaxConfiguration
    /// TOTAL_BASE_CALCULATION carries each rate's rounding remainder from row to row, separately
    /// for VAT before and after the discount; the remainder is kept as a numerator over `denominator`.
    private var remainders: [RemainderKey: Int] = [:]

    private struct RemainderKey: Hashable {
        var ratePercent: Int
        var afterDiscount: Bool
    }

    init(configuration: TaxConfiguration) {
        self.configuration = configuration
    }

    /// The figures of every line of one order, in order (the Total algorithm depends on the order).
    static func figures(of items: [LineItem], configuration: TaxConfiguration) -> [LineFigures] {
        var calculator = MagentoTaxCalculator(configuration: configuration)
        return items.map { calculator.figures(of: $0) }
    }

    static func shipping(pricePence: Int, configuration: TaxConfiguration) -> ShippingFigures {
        let rate = ShippingFigures.ratePercent
        if configuration.pricesIncludeTax {
            return ShippingFigures(amountInclPence: pricePence,
                                   taxPence: Money.roundedDivision(pricePence * rate, 100 + rate))
        }
        let tax = Money.roundedDivision(pricePence * rate, 100)
        return ShippingFigures(amountInclPence: pricePence + tax, taxPence: tax)
    }

    mutating func figures(of line: LineItem) -> LineFigures {
        let rate = line.taxRatePercent
        let quantity = max(line.quantity, 1)
        let price = line.catalogPricePence
        // VAT inside an amount including VAT is amount × r/(100+r); on a net amount, amount × r/100.
        let denominator = configuration.pricesIncludeTax ? 100 + rate : 100
        var figures = LineFigures(unitPriceInclPence: 0, unitPriceExclPence: 0, rowTotalInclPence: 0, rowTotalExclPence: 0,
                                  taxBeforeDiscountPence: 0, taxPence: 0, discountPence: 0, chargedPence: 0)
        let unitTax = Money.roundedDivision(price * rate, denominator)
        if configuration.pricesIncludeTax {
            figures.unitPriceInclPence = price
            figures.rowTotalInclPence = price * quantity
            if configuration.algorithm == .unit {
                figures.taxBeforeDiscountPence = unitTax * quantity
                figures.unitPriceExclPence = price - unitTax
            } else {
                figures.taxBeforeDiscountPence = round(figures.rowTotalInclPence * rate, over: denominator,
                                                       key: RemainderKey(ratePercent: rate, afterDiscount: false))
                // `price` is the row's net divided back by the quantity, rounded to the penny.
                figures.unitPriceExclPence = Money.roundedDivision(figures.rowTotalInclPence - figures.taxBeforeDiscountPence, quantity)
            }
            figures.rowTotalExclPence = figures.rowTotalInclPence - figures.taxBeforeDiscountPence
        } else {
            figures.unitPriceExclPence = price
            figures.rowTotalExclPence = price * quantity
            if configuration.algorithm == .unit {
                figures.taxBeforeDiscountPence = unitTax * quantity
                figures.unitPriceInclPence = price + unitTax
            } else {
                figures.taxBeforeDiscountPence = round(figures.rowTotalExclPence * rate, over: denominator,
                                                       key: RemainderKey(ratePercent: rate, afterDiscount: false))
                figures.unitPriceInclPence = Money.roundedDivision(figures.rowTotalExclPence + figures.taxBeforeDiscountPence, quantity)
            }
            figures.rowTotalInclPence = figures.rowTotalExclPence + figures.taxBeforeDiscountPence
        }
        // The cart rule's percentage is taken from the row at the price the configuration names.
        let discountBase = configuration.discountOnPricesIncludingTax ? figures.rowTotalInclPence : figures.rowTotalExclPence
        figures.discountPence = Money.roundedDivision(discountBase * line.discountPercent, 100)

        figures.taxPence = figures.taxBeforeDiscountPence
        if configuration.taxAppliedAfterDiscount, figures.discountPence > 0 {
            // Magento taxes the discounted row: (row incl − discount) with prices incl. VAT, (row − discount) without.
            let base = configuration.pricesIncludeTax ? figures.rowTotalInclPence : figures.rowTotalExclPence
            let taxable = max(base - figures.discountPence, 0)
            if configuration.algorithm == .unit {
                figures.taxPence = Money.roundedDivision(taxable * rate, denominator * quantity) * quantity
            } else {
                figures.taxPence = round(taxable * rate, over: denominator, key: RemainderKey(ratePercent: rate, afterDiscount: true))
            }
        }
        figures.chargedPence = configuration.pricesIncludeTax
            ? figures.rowTotalInclPence - figures.discountPence
            : figures.rowTotalExclPence - figures.discountPence + figures.taxPence
        return figures
    }

    private mutating func round(_ numerator: Int, over denominator: Int, key: RemainderKey) -> Int {
        guard configuration.algorithm == .total else { return Money.roundedDivision(numerator, denominator) }
        let carried = numerator + remainders[key, default: 0]
        let rounded = Money.roundedDivision(carried, denominator)
        remainders[key] = carried - rounded * denominator
        return rounded
    }
}

/// Magento refunds part of a row in proportion to the quantity, rounding the running total, so
/// the last credit memo takes exactly what is left: the refunds of a row always add up to it.
enum Proration {
    static func share(of total: Int, refunding quantity: Int, after refunded: Int, of ordered: Int) -> Int {
        guard ordered > 0 else { return 0 }
        if refunded + quantity >= ordered { return total - Money.roundedDivision(total * refunded, ordered) }
        return Money.roundedDivision(total * (refunded + quantity), ordered) - Money.roundedDivision(total * refunded, ordered)
    }
}
