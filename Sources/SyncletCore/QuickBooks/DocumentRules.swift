import Foundation

/// Which orders and credit memos become QuickBooks documents, and of which kind.
///
/// ```swift
/// var rules = DocumentRules()
/// rules.orderDocument = .invoiceUnlessPaid
/// rules.startTime = UTCTime(parsing: "2025-07-01 00:00:00")   // earlier sales were booked by the old system
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
    /// The QuickBooks start (`QBO_START_DATE`, a UTC instant): orders created before it were
    /// booked by the old system and are held, but their credit memos created from it on are
    /// documents. Compared with the UTC creation times, so the store's time zone cannot move an
    /// order across it.
    public var startTime: UTCTime?
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
    /// How order lines name their item: by SKU (an item named after it), or one item for every line.
    public var itemMatch: ItemMatch = .bySKU
    /// Items by SKU, with their Ids once `synclet qbo check` found them; an unmapped SKU refers to
    /// an item named after it.
    public var items: [String: QuickBooksReference] = [:]
    /// With `itemMatch == .one`: the item every order line uses.
    public var singleItem = QuickBooksReference(name: "Sales")
    /// The income account of the items Synclet creates.
    public var incomeAccount = QuickBooksReference(name: "Sales")
    public var shippingItem = QuickBooksReference(name: "Shipping")
    public var discountItem = QuickBooksReference(name: "Discount")
    public var adjustmentItem = QuickBooksReference(name: "Refund adjustment")
    /// QuickBooks payment methods by Magento code; an unmapped code sends no `PaymentMethodRef`.
    public var paymentMethods: [String: QuickBooksReference] = [:]
    /// Where a sale's money goes (and a refund's comes from), by Magento payment method code;
    /// an unmapped code uses `depositAccount`.
    public var depositAccounts: [String: QuickBooksReference] = [:]
    public var depositAccount = QuickBooksReference(name: "Undeposited Funds")
    /// How orders name their customer: one per e-mail address, or one customer for every sale.
    public var customerMatch: CustomerMatch = .perEmail
    /// With `customerMatch == .one` every sale's customer; with `.perEmail` the customer of an
    /// order without an e-mail address.
    public var defaultCustomer = QuickBooksReference(name: "Web Sales")
    /// Customers by lower-cased e-mail address, with their Ids once found or created.
    public var customersByEmail: [String: QuickBooksReference] = [:]

    public init() {}

    /// The item of an order or credit line.
    public func item(sku: String) -> QuickBooksReference {
        if itemMatch == .one { return singleItem }
        return items[sku] ?? QuickBooksReference(name: Self.itemName(sku: sku))
    }

    /// QuickBooks' name for a SKU's item: at most 100 characters, no `:` (it separates sub-items).
    public static func itemName(sku: String) -> String {
        String(sku.replacingOccurrences(of: ":", with: "-").prefix(100))
    }

    func paymentMethod(_ code: String) -> QuickBooksReference? { paymentMethods[code] }
    func depositAccount(paymentMethod code: String?) -> QuickBooksReference {
        code.flatMap { depositAccounts[$0] } ?? depositAccount
    }

    public enum ItemMatch: String, CaseIterable, Sendable {
        case bySKU = "by-sku"
        case one
    }

    public enum CustomerMatch: String, CaseIterable, Sendable {
        case perEmail = "per-email"
        case one
    }
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
