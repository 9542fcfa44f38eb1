/// One Magento sales order as the simulated store keeps it: compact, with personal details
/// regenerated from `detailSeed` at render time so that 100,000 orders stay small in memory.
struct Order {
    var id: Int
    var number: String
    /// Set on an edited order ("100001234-1"): the cancelled order it replaces.
    var replaced: ReplacedOrder?
    var createdAt: Int64
    var updatedAt: Int64
    var status: String
    /// 0 for a guest checkout.
    var customerId: Int
    var detailSeed: UInt64
    var items: [LineItem]
    var shipping: ShippingCharge
    /// nil renders `"Payments": []`.
    var paymentMethod: String?
    var transactionId: String?
    var invoicedAt: Int64?
    var credits: [CreditMemo]
    var addressing: Addressing
    var noteIndex: Int?
    var quirks: OrderQuirks
    var defect: OrderDefect?
    /// The store's tax settings when the order was placed; every VAT figure follows from them.
    var tax: TaxConfiguration

    struct ReplacedOrder {
        var id: Int
        var number: String
    }

    enum Addressing {
        case billingAndShipping
        /// A virtual order (gift card): Magento keeps no shipping address.
        case billingOnly
        /// Neither address: the extension renders the order as `""`.
        case none
    }

    var isDropped: Bool { addressing == .none }
    var hasLostLine: Bool { items.contains { $0.quirks.contains(.productNotFound) } }

    /// Magento's stored figures for every line, in order.
    var lineFigures: [LineFigures] { MagentoTaxCalculator.figures(of: items, configuration: tax) }
    var shippingFigures: ShippingFigures {
        MagentoTaxCalculator.shipping(pricePence: shipping.pricePence, configuration: tax)
    }

    var discountPence: Int { lineFigures.reduce(0) { $0 + $1.discountPence } }
    /// `grand_total`: what every row charges, shipping included.
    var totalPence: Int {
        lineFigures.reduce(0) { $0 + $1.chargedPence } + shippingFigures.amountInclPence
    }
    /// Σ LineTotalIncTax over the lines the endpoint actually renders.
    var renderedLineTotalPence: Int {
        zip(items, lineFigures).filter { !$0.0.quirks.contains(.productNotFound) }.reduce(0) { $0 + $1.1.rowTotalInclPence }
    }
    var shippingRefundedPence: Int { credits.reduce(0) { $0 + $1.shippingRefundPence } }
}

/// Quirks of one order that a real store sends and a client must survive.
struct OrderQuirks: OptionSet {
    let rawValue: UInt16
    static let amountsAsNumbers = OrderQuirks(rawValue: 1 << 0)
    static let extraFields = OrderQuirks(rawValue: 1 << 1)
    static let addressExtraFields = OrderQuirks(rawValue: 1 << 2)
    static let creditAdjustmentsNull = OrderQuirks(rawValue: 1 << 3)
}

/// A deliberately invalid order, for testing a client's rejection path.
enum OrderDefect: String, CaseIterable {
    case missingId = "missing-id"
    case invalidDate = "invalid-date"
    case invalidTotal = "invalid-total"
}

struct ShippingCharge {
    /// Index into `Catalog.shippingMethods`; nil renders `"ShippingMethod": null`.
    var methodIndex: Int?
    /// The method's price, including VAT when the store's prices do.
    var pricePence: Int
}

/// The shape the endpoint's filter takes after `strtotime`:
/// `updated_at > max(LastUpdatedTime, OrderCreatedTime) AND created_at > OrderCreatedTime`.
public struct OrderFilter: Equatable, Sendable {
    public var createdAfter: Int64
    public var updatedAfter: Int64

    public init(orderCreatedTime: Int64, lastUpdatedTime: Int64) {
        createdAfter = orderCreatedTime
        updatedAfter = max(lastUpdatedTime, orderCreatedTime)
    }
}
