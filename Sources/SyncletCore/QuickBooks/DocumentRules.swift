import Foundation

/// Which orders and credit memos become QuickBooks documents, and of which kind.
///
/// ```swift
/// var rules = DocumentRules()
/// rules.orderDocument = .invoiceUnlessPaid
/// rules.startDate = "2025-07-01"      // sales before this day were booked by the old system
/// ```
public struct DocumentRules: Equatable, Sendable {
    /// Statuses whose orders become documents.
    public var documentStatuses: Set<String> = ["processing", "complete", "closed"]
    /// Statuses that wait: the order may still become a document (not paid, under review, on hold).
    public var waitingStatuses: Set<String> = ["pending", "pending_payment", "payment_review", "holded"]
    /// Statuses that never become a document.
    public var neverStatuses: Set<String> = ["canceled"]
    public var orderDocument: OrderDocumentKind = .salesReceipt
    public var creditMemoDocument: CreditMemoDocumentKind = .refundReceipt
    /// The QuickBooks start date (`YYYY-MM-DD`, the store's calendar): orders dated before it were
    /// booked elsewhere and are held, but their credit memos dated from it on are documents.
    public var startDate: String?
    /// Credit memo documents are numbered with this prefix, so that their `DocNumber` never clashes
    /// with an order's across QuickBooks' sales forms.
    public var creditMemoNumberPrefix = "R"

    public init() {}
}

/// What an order becomes.
public enum OrderDocumentKind: String, CaseIterable, Sendable {
    /// A sale paid at once.
    case salesReceipt = "sales-receipt"
    /// An invoice, to be settled by a payment.
    case invoice
    /// A sales receipt when Magento invoiced (was paid for) the order, else an invoice.
    case invoiceUnlessPaid = "invoice-unless-paid"
}

/// What a credit memo becomes.
public enum CreditMemoDocumentKind: String, CaseIterable, Sendable {
    /// Money paid back (a card refund).
    case refundReceipt = "refund-receipt"
    /// Credit left on the customer's account (store credit).
    case creditMemo = "credit-memo"
}

/// How Magento's names map to QuickBooks lists. Where an Id is known the reference carries it;
/// otherwise it carries the name, so a preview needs no QuickBooks connection.
public struct QuickBooksMapping: Equatable, Sendable {
    /// VAT codes for each rate (percent), UK QuickBooks' own names by default.
    public var taxCodes: [Decimal: QuickBooksReference] = [
        20: QuickBooksReference(name: "20.0% S"), 5: QuickBooksReference(name: "5.0% R"), 0: QuickBooksReference(name: "0.0% Z"),
    ]
    /// The TaxRate (not TaxCode) behind each rate, for `TxnTaxDetail.TaxLine[].TaxRateRef`.
    public var taxRates: [Decimal: QuickBooksReference] = [
        20: QuickBooksReference(name: "20.0% S"), 5: QuickBooksReference(name: "5.0% R"), 0: QuickBooksReference(name: "0.0% Z"),
    ]
    /// The code for amounts outside the scope of VAT (credit memo adjustments).
    public var outsideScopeTaxCode = QuickBooksReference(name: "No VAT")
    /// Items by SKU; an unmapped SKU refers to an item named after it.
    public var items: [String: QuickBooksReference] = [:]
    public var shippingItem = QuickBooksReference(name: "Shipping")
    public var discountItem = QuickBooksReference(name: "Discount")
    public var adjustmentItem = QuickBooksReference(name: "Refund adjustment")
    /// Payment methods by Magento code; an unmapped code refers to a method of that name.
    public var paymentMethods: [String: QuickBooksReference] = [:]
    public var depositAccount = QuickBooksReference(name: "Undeposited Funds")
    public var refundAccount = QuickBooksReference(name: "Undeposited Funds")
    /// The customer of a guest order or an order without a name.
    public var defaultCustomer = QuickBooksReference(name: "Web Sales")

    public init() {}

    func item(sku: String) -> QuickBooksReference { items[sku] ?? QuickBooksReference(name: sku) }
    func paymentMethod(_ code: String) -> QuickBooksReference { paymentMethods[code] ?? QuickBooksReference(name: code) }
}

/// A reference to a QuickBooks list entry: `{"value": "29"}` once the Id is known, else `{"name": "Shipping"}`.
public struct QuickBooksReference: Equatable, Sendable {
    public var id: String?
    public var name: String

    public init(id: String? = nil, name: String) {
        self.id = id
        self.name = name
    }

    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let id { members.append(("value", .string(id))) }
        members.append(("name", .string(name)))
        return .object(JSONObject(members: members))
    }
}
