import Foundation

/// Why an order or a credit memo becomes no QuickBooks document, in words a bookkeeper knows.
/// `key` is the stable name counted by `synclet qbo preview --summary`.
public enum HeldReason: Hashable, Sendable, CustomStringConvertible {
    /// An edited order replaced this one: the edit is booked, never the original.
    case replacedByEdit(by: String)
    case cancelled(status: String)
    /// Not paid, under review or on hold: it may become a document later.
    case waiting(status: String)
    /// A status in no list of the rules: someone must decide.
    case unconfiguredStatus(String)
    /// Lines the store could not render (`Product.ProductNotFound`): their figures are lost.
    case lostLines(count: Int)
    /// Σ of the lines' charges, shipping and adjustments is not Magento's grand total.
    case linesDoNotReconcile(lines: Decimal, grandTotal: Decimal)
    /// Σ of the lines' and shipping's VAT is not the VAT Magento charged.
    case vatDoesNotReconcile(lines: Decimal, vatTotal: Decimal)
    /// A line whose figures are incomplete (no price excluding VAT where it is needed, or no rate).
    case incompleteLine(String)
    /// A VAT rate with no QuickBooks code in the mapping.
    case unmappedVATRate(Decimal)
    /// A credit line that names no line of its order.
    case unlinkedCreditLine(sku: String)
    /// Created before the QuickBooks start (`QBO_START_DATE`, UTC): booked by the old system.
    case beforeStartDate(createdAt: UTCTime, start: UTCTime)
    /// A credit memo whose order is no document and was sold from the start date on.
    case orderNotADocument(orderNumber: String)
    /// QuickBooks refuses a document whose total is negative; a zero refund is nothing to book.
    case nonPositiveTotal(Decimal)
    /// `DocNumber` has at most 21 characters.
    case documentNumberTooLong(String)

    public var key: String {
        switch self {
        case .replacedByEdit: return "replaced_by_edit"
        case .cancelled: return "cancelled"
        case .waiting: return "waiting_status"
        case .unconfiguredStatus: return "unconfigured_status"
        case .lostLines: return "product_not_found"
        case .linesDoNotReconcile: return "lines_do_not_reconcile"
        case .vatDoesNotReconcile: return "vat_does_not_reconcile"
        case .incompleteLine: return "incomplete_line"
        case .unmappedVATRate: return "unmapped_vat_rate"
        case .unlinkedCreditLine: return "unlinked_credit_line"
        case .beforeStartDate: return "before_start_date"
        case .orderNotADocument: return "order_not_a_document"
        case .nonPositiveTotal: return "non_positive_total"
        case .documentNumberTooLong: return "document_number_too_long"
        }
    }

    public var description: String {
        switch self {
        case .replacedByEdit(let number): return "replaced by the edited order \(number)"
        case .cancelled(let status): return "cancelled (status \(status))"
        case .waiting(let status): return "waiting: status \(status) is not yet a sale"
        case .unconfiguredStatus(let status): return "status \(status) is in no list of the document rules"
        case .lostLines(let count): return "\(count) line(s) the store could not render (Product.ProductNotFound)"
        case .linesDoNotReconcile(let lines, let total):
            return "the lines add up to \(lines.moneyText), not Magento's total \(total.moneyText)"
        case .vatDoesNotReconcile(let lines, let total):
            return "the lines' VAT adds up to \(lines.moneyText), not Magento's VAT \(total.moneyText)"
        case .incompleteLine(let detail): return "incomplete line: \(detail)"
        case .unmappedVATRate(let rate): return "no QuickBooks VAT code is mapped for \(rate)%"
        case .unlinkedCreditLine(let sku): return "credit line \(sku) refunds no line of its order"
        case .beforeStartDate(let created, let start):
            return "created \(created.iso8601), before the QuickBooks start \(start.iso8601) (QBO_START_DATE, UTC)"
        case .orderNotADocument(let number): return "its order \(number) is not a QuickBooks document"
        case .nonPositiveTotal(let total): return "total \(total.moneyText) is not above zero"
        case .documentNumberTooLong(let number): return "document number \(number) is longer than QuickBooks' 21 characters"
        }
    }
}

/// What one order or credit memo becomes: a document ready to send, or held with its reasons.
/// A held one still carries the document it would be when its figures allow one, for the preview.
public struct DocumentOutcome: Sendable {
    /// The Magento number: the order's, or the credit memo's.
    public var sourceNumber: String
    public var document: QuickBooksDocument?
    public var heldReasons: [HeldReason]

    /// True when the document would be sent.
    public var isDocument: Bool { heldReasons.isEmpty && document != nil }
}

/// An order's outcome and its credit memos'.
public struct OrderDocuments: Sendable {
    public var order: DocumentOutcome
    public var creditMemos: [DocumentOutcome]
}

/// One document as it would be POSTed (`POST /v3/company/<realm>/<entity lower-cased>`), with the
/// checks QuickBooks' own arithmetic gives.
public struct QuickBooksDocument: Sendable {
    /// `SalesReceipt`, `Invoice`, `RefundReceipt` or `CreditMemo`.
    public var entity: String
    public var docNumber: String
    public var body: JSONValue
    public var check: DocumentCheck

    /// The body exactly as it would be sent.
    public var json: String { JSONWriter.string(body) }
}

/// The document's total and VAT as QuickBooks computes them, beside Magento's.
public struct DocumentCheck: Equatable, Sendable {
    public var magentoTotal: Decimal
    public var magentoVAT: Decimal
    /// Σ round(Qty × UnitPrice, 2) over the lines + Σ of the `TaxLine` overrides: QuickBooks' `TotalAmt`.
    public var quickBooksTotal: Decimal
    /// Σ of the `TaxLine` overrides: QuickBooks' `TotalTax`.
    public var quickBooksVAT: Decimal
    /// The VAT QuickBooks would compute by itself, line by line, without the override.
    public var quickBooksComputedVAT: Decimal
    public var rates: [RateCheck]

    /// Total and VAT equal Magento's to the penny, and every rate's net is what its lines add up to.
    public var isExact: Bool {
        quickBooksTotal == magentoTotal && quickBooksVAT == magentoVAT && rates.allSatisfy { $0.netMatchesLines }
    }

    public struct RateCheck: Equatable, Sendable {
        public var ratePercent: Decimal
        /// `NetAmountTaxable` sent, and Σ of the lines' amounts at this rate as QuickBooks rounds them.
        public var net: Decimal
        public var linesNet: Decimal
        /// The override (Magento's VAT at this rate) and what QuickBooks would compute without it.
        public var vat: Decimal
        public var computedVAT: Decimal

        public var netMatchesLines: Bool { net == linesNet }
    }

    var json: JSONValue {
        func number(_ value: Decimal) -> JSONValue { .number(value.jsonText) }
        return .object(JSONObject(members: [
            ("exact", .bool(isExact)),
            ("magento_total", number(magentoTotal)),
            ("quickbooks_total", number(quickBooksTotal)),
            ("magento_vat", number(magentoVAT)),
            ("quickbooks_vat", number(quickBooksVAT)),
            ("quickbooks_vat_without_override", number(quickBooksComputedVAT)),
            ("rates", .array(rates.map { rate in
                .object(JSONObject(members: [
                    ("rate", number(rate.ratePercent)), ("net", number(rate.net)), ("vat", number(rate.vat)),
                    ("vat_without_override", number(rate.computedVAT)),
                ]))
            })),
        ]))
    }
}

extension DocumentOutcome {
    /// The preview of one outcome: the document as it would be sent, the checks and the held reasons.
    public var previewJSON: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("source", .string(sourceNumber))]
        members.append(("held", .array(heldReasons.map { reason in
            .object(JSONObject(members: [("reason", .string(reason.key)), ("detail", .string(reason.description))]))
        })))
        if let document {
            members.append(("entity", .string(document.entity)))
            members.append(("check", document.check.json))
            members.append(("document", document.body))
        }
        return .object(JSONObject(members: members))
    }
}

extension Decimal {
    /// Plain decimal text for JSON: `49.99`, `-3`, `0.3333333`.
    var jsonText: String { NSDecimalNumber(decimal: self).stringValue }

    /// Two places, for messages: `119.90`.
    var moneyText: String {
        let text = rounded(toPlaces: 2).jsonText
        guard let dot = text.firstIndex(of: ".") else { return text + ".00" }
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        return decimals >= 2 ? text : text + String(repeating: "0", count: 2 - decimals)
    }
}
