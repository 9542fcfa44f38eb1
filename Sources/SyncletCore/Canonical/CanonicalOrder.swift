/// One order as every stage after `extract` speaks it: validated, normalized and exact.
///
/// `transform` writes one of these per line (JSON Lines, see `CanonicalOrder+JSONLines.swift`) under a run's `canonical/` folder and
/// `load` reads them back. Amounts are `Decimal4` text with four places (`"119.9000"`), times
/// are UTC `YYYY-MM-DD HH:MM:SS`, and `rawJSON` is the order exactly as the endpoint sent it, so
/// nothing that is not modelled here is ever lost.
///
/// Bump `CanonicalOrder.currentSchemaVersion` whenever a field changes meaning or is removed.
public struct CanonicalOrder: Equatable, Sendable {
    public static let currentSchemaVersion = 2

    public var schemaVersion: Int = CanonicalOrder.currentSchemaVersion
    /// Magento's entity id.
    public var id: Int64
    public var orderNumber: String
    /// Set when this order replaced an edited one (`ReplaceOrderNumber Id="987"`).
    public var replacedOrder: ReplacedOrder?
    public var orderDate: String
    public var lastUpdatedDate: String
    public var type: String?
    public var status: String
    public var currencyCode: String
    public var notes: String?
    public var tags: String?
    /// The store name taken from `Tags` (`StoreName:Main Website`).
    public var storeName: String?
    public var discounts: String
    public var total: String
    public var contact: Contact
    public var addresses: [Address]
    public var items: [Item]
    public var shipping: Shipping
    public var payment: Payment?
    public var credits: [CreditMemo]
    public var invoices: [Invoice]
    public var lastTransactionId: String?
    public var creditPoints: String?
    public var orderProcessingFee: String?
    public var orderProcessingFeeExTax: String?
    /// The VAT Magento charged: Σ of the lines' and shipping's `TaxAmount` (an absent `Taxes` is 0).
    public var vatTotal: String? = nil
    /// When the order was paid: the first invoice's date (`CustomFields.Invoices[0].Date`), UTC; nil
    /// while Magento has raised no invoice.
    public var paidAt: String? = nil
    /// True when at least one line is a `Product.ProductNotFound` error: its data is lost upstream.
    public var hasIncompleteLines: Bool
    public var reconciliation: Reconciliation
    /// SHA-256 of `rawJSON`, so `load` can tell an unchanged order from a changed one cheaply.
    public var contentHash: String
    public var rawJSON: String
    public var source: SourcePosition

    public struct ReplacedOrder: Equatable, Sendable {
        public var entityId: String?
        public var orderNumber: String
    }

    public struct Contact: Equatable, Sendable {
        /// nil for a guest (`"Id": "0"`).
        public var customerId: String?
        public var isGuest: Bool
        public var salutation: String?
        public var firstName: String?
        public var lastName: String?
        public var phone: String?
        public var email: String?
        public var company: String?
        public var businessNumber: String?
    }

    public struct Address: Equatable, Sendable {
        /// `billing` or `shipping`.
        public var addressType: String
        public var salutation: String?
        public var firstName: String?
        public var lastName: String?
        public var company: String?
        public var phone: String?
        public var line1: String?
        public var line2: String?
        public var city: String?
        public var postCode: String?
        public var region: String?
        public var countryCode: String?
    }

    public struct Item: Equatable, Sendable {
        /// 0-based position in the order's `Items`.
        public var position: Int
        public var productId: String?
        public var productCode: String?
        public var productName: String?
        public var quantity: String?
        public var price: String?
        public var unitPriceExTax: String?
        /// Per-unit discount.
        public var discount: String?
        public var taxId: String?
        public var taxCode: String?
        public var taxName: String?
        public var taxRate: String?
        public var taxAmount: String?
        public var lineTotalIncTax: String?
        /// The exact discount of the whole row: the per-unit `Discount` PHP divided in floating point,
        /// multiplied back from its full text and rounded to the penny (not the 4-place quotient × quantity).
        public var rowDiscount: String? = nil
        /// The VAT rate in percent ("20.0000"); "0.0000" for a zero-rated line (no `Taxes`, or rate 0),
        /// never nil except on a line the store could not render.
        public var vatRate: String? = nil
        /// The row's VAT (`Taxes.TaxAmount`), "0.0000" when the line carries no `Taxes`.
        public var rowVAT: String? = nil
        /// Set for a line the store could not render, e.g. `Product.ProductNotFound`.
        public var errorCode: String?
        public var errorMessage: String?
    }

    public struct Shipping: Equatable, Sendable {
        public var method: String?
        /// Shipping including tax; nil when the store sent null.
        public var amount: String?
        public var discount: String?
        public var taxName: String?
        public var taxRate: String?
        public var taxAmount: String?
        /// The shipping's VAT rate in percent; nil when the shipping carried no `Taxes`.
        public var vatRate: String? = nil
        /// The shipping's VAT, "0.0000" when it carried no `Taxes`.
        public var vat: String? = nil
    }

    public struct Payment: Equatable, Sendable {
        public var methodName: String?
        public var amount: String?
    }

    public struct CreditMemo: Equatable, Sendable {
        /// The credit memo's entity id.
        public var creditId: Int64
        public var incrementId: String?
        public var state: String?
        public var createdAt: String?
        public var updatedAt: String?
        public var grandTotal: String?
        public var baseGrandTotal: String?
        public var baseTaxAmount: String?
        public var baseShippingAmount: String?
        public var adjustmentPositive: String?
        public var adjustmentNegative: String?
        public var baseCurrencyCode: String?
        /// Refunded shipping including VAT (`base_shipping_incl_tax`) and its VAT (`base_shipping_tax_amount`).
        public var shippingInclTax: String? = nil
        public var shippingVAT: String? = nil
        /// The discount given back, positive (`−base_discount_amount`).
        public var refundedDiscount: String? = nil
        public var items: [CreditMemoItem]
        /// The whole credit memo as the endpoint sent it, every column included.
        public var rawJSON: String
    }

    public struct CreditMemoItem: Equatable, Sendable {
        public var position: Int
        public var productId: String?
        public var productCode: String?
        public var productName: String?
        public var quantity: String?
        public var price: String?
        public var unitPriceExTax: String?
        public var taxAmount: String?
        public var discount: String?
        /// The order line (its 0-based `position`) this line refunds, found by `ProductId`; nil when
        /// no order line has that product.
        public var orderLinePosition: Int? = nil
        /// The linked order line's VAT rate in percent; nil when unlinked.
        public var vatRate: String? = nil
    }

    public struct Invoice: Equatable, Sendable {
        public var number: String?
        public var date: String?
    }

    /// Whether `Σ LineTotalIncTax + Shipping.Amount − Discounts = Total` to the penny.
    public struct Reconciliation: Equatable, Sendable {
        public var reconciles: Bool
        /// `Total − (Σ LineTotalIncTax + Shipping.Amount − Discounts)`, four places.
        public var difference: String
    }

    /// Where in the staged run the order came from.
    public struct SourcePosition: Equatable, Sendable {
        public var page: Int
        public var position: Int
        /// When our clock fetched the page (UTC), from the run's page record. It decides which of
        /// two versions of an order is newer, because the store's `LastUpdatedDate` can be wrong
        /// (a clock that ran fast, `9999-12-31`) and would otherwise freeze the order.
        public var fetchedAt: String?

        public init(page: Int, position: Int, fetchedAt: String? = nil) {
            self.page = page
            self.position = position
            self.fetchedAt = fetchedAt
        }
    }
}
