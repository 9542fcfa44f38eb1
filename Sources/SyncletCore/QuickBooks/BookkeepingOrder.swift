import Foundation

/// One stored order as the relational tables hold it, with everything a bookkeeper needs to
/// rebuild it as a QuickBooks Online document and nothing read from `raw_json`.
///
/// Every amount is an exact `Decimal` made from the text Magento sent (never a `Double`), in the
/// store's base currency. Each field names the column the schema keeps it in.
///
/// ```swift
/// let order = BookkeepingOrder(orderNumber: "100000123", status: "complete", localDate: "2025-07-01",
///                              pricesIncludeTax: true, grandTotal: Decimal(string: "53.28")!, vatTotal: Decimal(string: "8.88")!)
/// ```
public struct BookkeepingOrder: Equatable, Sendable {
    /// `orders.order_number`: the increment id, "100000123" or "100000123-1" for an edited order.
    public var orderNumber: String
    /// `orders.status`: Magento's status code (processing, complete, closed, pending, canceled, custom ones).
    public var status: String
    /// `orders.created_at`, UTC.
    public var createdAt: Date
    /// `orders.created_local_date`: `created_at` as a calendar date in the store's time zone
    /// (`YYYY-MM-DD`), which is QuickBooks' `TxnDate`: a sale at 23:30 UTC in July is the next day in London.
    public var localDate: String
    /// `orders.currency_code`, the base currency every amount is in.
    public var currencyCode: String
    /// `orders.customer_name` and `orders.customer_email`, for the customer reference.
    public var customerName: String?
    public var customerEmail: String?
    /// `orders.payment_method`: Magento's method code (`stripe_payments`), nil when none was recorded.
    public var paymentMethod: String?
    /// `orders.paid_at`: when the first invoice was raised (`CustomFields.Invoices[0].Date`), UTC;
    /// nil while the order is not paid.
    public var paidAt: Date?
    /// `orders.replaces_order_number`: the original order this edited order replaces ("100000123").
    public var replacesOrderNumber: String?
    /// `orders.replaced_by_order_number`: the edited order that replaced this one; set when a later
    /// order names this one in `ReplaceOrderNumber`.
    public var replacedByOrderNumber: String?
    /// `store_configuration.prices_include_tax` as read at the sync that loaded the order
    /// (`StoreInfo.IsSellingPriceIncludingTax`): decides how a row's figures add up.
    public var pricesIncludeTax: Bool
    /// `order_lines`, in the order the endpoint listed them.
    public var lines: [Line]
    /// `orders.lost_line_count`: lines the store could not render (`Product.ProductNotFound`);
    /// their figures are lost, so such an order cannot be rebuilt.
    public var lostLineCount: Int
    /// `orders.shipping_*`.
    public var shipping: Shipping
    /// `orders.grand_total`: Magento's `Total`.
    public var grandTotal: Decimal
    /// `orders.vat_total`: the VAT Magento charged, Σ of the lines' and shipping's `TaxAmount`.
    public var vatTotal: Decimal
    /// `orders.discount_total`, positive: Σ of the lines' exact row discounts.
    public var discountTotal: Decimal
    /// `credit_memos`, oldest first.
    public var creditMemos: [CreditMemo]

    public init(orderNumber: String, status: String, createdAt: Date = Date(timeIntervalSince1970: 0), localDate: String,
                currencyCode: String = "GBP", customerName: String? = nil, customerEmail: String? = nil,
                paymentMethod: String? = nil, paidAt: Date? = nil, replacesOrderNumber: String? = nil,
                replacedByOrderNumber: String? = nil, pricesIncludeTax: Bool, lines: [Line] = [], lostLineCount: Int = 0,
                shipping: Shipping = Shipping(), grandTotal: Decimal, vatTotal: Decimal, discountTotal: Decimal = 0,
                creditMemos: [CreditMemo] = []) {
        self.orderNumber = orderNumber
        self.status = status
        self.createdAt = createdAt
        self.localDate = localDate
        self.currencyCode = currencyCode
        self.customerName = customerName
        self.customerEmail = customerEmail
        self.paymentMethod = paymentMethod
        self.paidAt = paidAt
        self.replacesOrderNumber = replacesOrderNumber
        self.replacedByOrderNumber = replacedByOrderNumber
        self.pricesIncludeTax = pricesIncludeTax
        self.lines = lines
        self.lostLineCount = lostLineCount
        self.shipping = shipping
        self.grandTotal = grandTotal
        self.vatTotal = vatTotal
        self.discountTotal = discountTotal
        self.creditMemos = creditMemos
    }

    /// One `order_lines` row.
    public struct Line: Equatable, Sendable {
        /// `order_lines.position`, 1-based, the key credit memo lines link to.
        public var position: Int
        /// `order_lines.product_id`, `sku`, `name`.
        public var productId: String?
        public var sku: String
        public var name: String
        /// `order_lines.quantity`.
        public var quantity: Decimal
        /// `order_lines.unit_price_incl_tax` (`Price`) and `unit_price_excl_tax` (`UnitPriceExTax`, may be null).
        public var unitPriceInclTax: Decimal?
        public var unitPriceExclTax: Decimal?
        /// `order_lines.row_total_incl_tax` (`LineTotalIncTax`): before the discount.
        public var rowTotalInclTax: Decimal
        /// `order_lines.row_vat` (`Taxes.TaxAmount`, 0 when `Taxes` is absent).
        public var rowVAT: Decimal
        /// `order_lines.vat_rate`: percent, 20 for `TaxRate` 0.2; 0 for a zero-rated line.
        public var vatRatePercent: Decimal
        /// `order_lines.store_tax_code`: the store's `TaxCode` when the rate matched a rule, else nil.
        public var storeTaxCode: String?
        /// `order_lines.row_discount`: the exact discount on the row, see `exactRowDiscount`.
        public var rowDiscount: Decimal
        /// `order_lines.is_zero_rated`: no VAT because the goods are zero-rated (`Taxes` absent or
        /// `TaxRate` 0), recorded as such, never as NULL.
        public var isZeroRated: Bool

        public init(position: Int, productId: String? = nil, sku: String, name: String, quantity: Decimal,
                    unitPriceInclTax: Decimal?, unitPriceExclTax: Decimal?, rowTotalInclTax: Decimal, rowVAT: Decimal,
                    vatRatePercent: Decimal, storeTaxCode: String? = nil, rowDiscount: Decimal = 0, isZeroRated: Bool? = nil) {
            self.position = position
            self.productId = productId
            self.sku = sku
            self.name = name
            self.quantity = quantity
            self.unitPriceInclTax = unitPriceInclTax
            self.unitPriceExclTax = unitPriceExclTax
            self.rowTotalInclTax = rowTotalInclTax
            self.rowVAT = rowVAT
            self.vatRatePercent = vatRatePercent
            self.storeTaxCode = storeTaxCode
            self.rowDiscount = rowDiscount
            self.isZeroRated = isZeroRated ?? (vatRatePercent == 0)
        }

        /// The row discount from the endpoint's per-unit `Discount`, which PHP computed as
        /// row discount ÷ quantity in floating point (1.00 over 3 units arrives as
        /// `0.3333333333333333`): multiplied back exactly and rounded to the penny, it is the row's.
        ///
        /// ```swift
        /// BookkeepingOrder.Line.exactRowDiscount(perUnitText: "0.3333333333333333", quantity: 3)  // 1.00
        /// ```
        public static func exactRowDiscount(perUnitText: String, quantity: Decimal) -> Decimal? {
            guard let perUnit = Decimal(string: perUnitText, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
            return (perUnit * quantity).roundedToPennies
        }
    }

    /// The `orders.shipping_*` columns.
    public struct Shipping: Equatable, Sendable {
        public var method: String?
        /// `shipping_amount_incl_tax` (`Shipping.Amount`).
        public var amountInclTax: Decimal
        /// `shipping_vat` (`Shipping.Taxes.TaxAmount`, 0 when absent).
        public var vat: Decimal
        /// `shipping_vat_rate`, percent; nil when the shipping carried no `Taxes`.
        public var vatRatePercent: Decimal?

        public init(method: String? = nil, amountInclTax: Decimal = 0, vat: Decimal = 0, vatRatePercent: Decimal? = nil) {
            self.method = method
            self.amountInclTax = amountInclTax
            self.vat = vat
            self.vatRatePercent = vatRatePercent
        }
    }

    /// One `credit_memos` row with its lines.
    public struct CreditMemo: Equatable, Sendable {
        /// `credit_memos.number` (`increment_id`).
        public var number: String
        /// `credit_memos.created_at`, UTC, and its date in the store's time zone.
        public var createdAt: Date
        public var localDate: String
        /// `credit_memos.grand_total` (`base_grand_total`): what was refunded.
        public var grandTotal: Decimal
        /// `credit_memos.vat_total` (`base_tax_amount`): the VAT refunded, shipping's included.
        public var vatTotal: Decimal
        public var lines: [CreditLine]
        /// `credit_memos.shipping_refund_incl_tax` (`base_shipping_incl_tax`) and its VAT
        /// (`base_shipping_tax_amount`).
        public var shippingInclTax: Decimal
        public var shippingVAT: Decimal
        /// `credit_memos.adjustment_positive` (extra refund) and `adjustment_negative` (fee kept back).
        public var adjustmentPositive: Decimal
        public var adjustmentNegative: Decimal
        /// `credit_memos.refunded_discount`, positive (`-base_discount_amount`).
        public var refundedDiscount: Decimal

        public init(number: String, createdAt: Date = Date(timeIntervalSince1970: 0), localDate: String, grandTotal: Decimal,
                    vatTotal: Decimal, lines: [CreditLine] = [], shippingInclTax: Decimal = 0, shippingVAT: Decimal = 0,
                    adjustmentPositive: Decimal = 0, adjustmentNegative: Decimal = 0, refundedDiscount: Decimal = 0) {
            self.number = number
            self.createdAt = createdAt
            self.localDate = localDate
            self.grandTotal = grandTotal
            self.vatTotal = vatTotal
            self.lines = lines
            self.shippingInclTax = shippingInclTax
            self.shippingVAT = shippingVAT
            self.adjustmentPositive = adjustmentPositive
            self.adjustmentNegative = adjustmentNegative
            self.refundedDiscount = refundedDiscount
        }
    }

    /// One `credit_memo_lines` row.
    public struct CreditLine: Equatable, Sendable {
        /// `credit_memo_lines.order_line_position`: the order line it refunds, found by `ProductId`;
        /// nil when no order line has that product.
        public var orderLinePosition: Int?
        public var productId: String?
        public var sku: String
        public var name: String
        public var quantity: Decimal
        public var unitPriceInclTax: Decimal?
        public var unitPriceExclTax: Decimal?
        /// `credit_memo_lines.row_vat` (`TaxAmount`) and `row_discount` (`Discount`, for the row).
        public var rowVAT: Decimal
        public var rowDiscount: Decimal
        /// `credit_memo_lines.vat_rate`: the linked order line's rate, percent; nil when unlinked.
        public var vatRatePercent: Decimal?

        public init(orderLinePosition: Int?, productId: String? = nil, sku: String, name: String, quantity: Decimal,
                    unitPriceInclTax: Decimal?, unitPriceExclTax: Decimal?, rowVAT: Decimal, rowDiscount: Decimal = 0,
                    vatRatePercent: Decimal?) {
            self.orderLinePosition = orderLinePosition
            self.productId = productId
            self.sku = sku
            self.name = name
            self.quantity = quantity
            self.unitPriceInclTax = unitPriceInclTax
            self.unitPriceExclTax = unitPriceExclTax
            self.rowVAT = rowVAT
            self.rowDiscount = rowDiscount
            self.vatRatePercent = vatRatePercent
        }
    }
}

extension BookkeepingOrder {
    /// The e-mail address a per-email customer is found by: trimmed, lower-cased; nil when none.
    public var customerEmailKey: String? {
        guard let email = customerEmail?.trimmingCharacters(in: .whitespaces).lowercased(), email.contains("@") else { return nil }
        return email
    }

    /// The name a customer created for this order gets: the customer's name, else the address.
    /// QuickBooks refuses ':' in a display name.
    public var customerDisplayName: String? {
        let name = customerName?.trimmingCharacters(in: .whitespaces) ?? ""
        let chosen = name.isEmpty ? customerEmailKey : name
        return chosen.map { String($0.replacingOccurrences(of: ":", with: "-").prefix(100)) }
    }
}

extension Decimal {
    /// Rounded to `scale` places, half away from zero (as PHP and QuickBooks round money).
    func rounded(toPlaces scale: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }

    var roundedToPennies: Decimal { rounded(toPlaces: 2) }
}
