import Foundation
import SyncletCore
import XCTest

/// The document builder on small hand-made orders whose QuickBooks figures can be worked out on paper.
final class DocumentBuilderTests: XCTestCase {
    private func money(_ text: String) -> Decimal { Decimal(string: text)! }

    /// 3 × £1.99 incl. 20% VAT: Magento (per row) charges £1.00 VAT; QuickBooks alone would make 0.99
    /// of three lines, but one row of net 4.97 gives 0.99 too. The override makes it Magento's £1.00.
    private func mugOrder(status: String = "complete", number: String = "100000123") -> BookkeepingOrder {
        BookkeepingOrder(
            orderNumber: number, status: status, createdAt: utc("2025-07-01 09:15:00"), localDate: "2025-07-01", customerName: "Zoë O'Neill",
            customerEmail: "zoe@example.co.uk", paymentMethod: "stripe_payments", paidAt: Date(timeIntervalSince1970: 1_751_400_000), pricesIncludeTax: true,
            lines: [
                .init(position: 1, productId: "103", sku: "MUG-ENM-12", name: "Enamel Mug", quantity: 3,
                      unitPriceInclTax: money("1.99"), unitPriceExclTax: money("1.66"), rowTotalInclTax: money("5.97"),
                      rowVAT: money("1.00"), vatRatePercent: 20, storeTaxCode: "GB-VAT-20"),
                .init(position: 2, productId: "112", sku: "MAP-OS-OL7", name: "OS Map", quantity: 1,
                      unitPriceInclTax: money("10.99"), unitPriceExclTax: money("10.99"), rowTotalInclTax: money("10.99"),
                      rowVAT: 0, vatRatePercent: 0),
            ],
            shipping: .init(method: "Royal Mail - 2nd Class", amountInclTax: money("3.95"), vat: money("0.66"), vatRatePercent: 20),
            grandTotal: money("20.91"), vatTotal: money("1.66"))
    }

    func testAPaidOrderBecomesASalesReceiptWhoseTotalAndVATAreMagentos() throws {
        let outcome = DocumentBuilder().documents(for: mugOrder()).order
        XCTAssertEqual(outcome.heldReasons, [])
        let document = try XCTUnwrap(outcome.document)
        XCTAssertEqual(document.entity, "SalesReceipt")
        XCTAssertEqual(document.check.quickBooksTotal, money("20.91"))
        XCTAssertEqual(document.check.quickBooksVAT, money("1.66"))
        XCTAssertTrue(document.check.isExact)
        // Net of the mug row: 5.97 − 1.00 = 4.97, not 3 × 1.66 = 4.98: UnitPrice carries seven decimals.
        XCTAssertTrue(document.json.contains(#""Amount":4.97,"DetailType":"SalesItemLineDetail","Description":"Enamel Mug","SalesItemLineDetail":{"ItemRef":{"name":"MUG-ENM-12"},"Qty":3,"UnitPrice":1.6566667,"TaxCodeRef":{"name":"20.0% S"}}"#), document.json)
        XCTAssertTrue(document.json.contains(#""TaxCodeRef":{"name":"0.0% Z"}"#), "a zero-rated line carries the zero-rated code")
        XCTAssertTrue(document.json.contains(#"{"Amount":1.66,"DetailType":"TaxLineDetail","TaxLineDetail":{"TaxRateRef":{"name":"20.0% S"},"PercentBased":true,"TaxPercent":20,"NetAmountTaxable":8.26}}"#), document.json)
        XCTAssertTrue(document.json.hasPrefix(#"{"DocNumber":"100000123","TxnDate":"2025-07-01","GlobalTaxCalculation":"TaxExcluded","CustomerRef":{"name":"Zoë O'Neill"},"DepositToAccountRef":{"name":"Undeposited Funds"}"#), document.json)
    }

    func testAnUnpaidOrderBecomesAnInvoiceWhenTheRulesSaySo() throws {
        var rules = DocumentRules()
        rules.orderDocument = .invoiceUnlessPaid
        var order = mugOrder(status: "processing")
        order.paidAt = nil
        let document = try XCTUnwrap(DocumentBuilder(rules: rules).documents(for: order).order.document)
        XCTAssertEqual(document.entity, "Invoice")
        XCTAssertFalse(document.json.contains("DepositToAccountRef"))
    }

    func testADiscountBecomesANegativeLineWithItsRatesVATCode() throws {
        // 2 × £24.00 incl. 20%, 10% off (£4.80), VAT after the discount: round(43.20 / 6) = 7.20.
        let order = BookkeepingOrder(
            orderNumber: "100000200", status: "processing", localDate: "2025-07-02", pricesIncludeTax: true,
            lines: [.init(position: 1, sku: "HDL-LED-300", name: "Head Torch", quantity: 2, unitPriceInclTax: money("24"),
                          unitPriceExclTax: money("20"), rowTotalInclTax: money("48"), rowVAT: money("7.20"), vatRatePercent: 20,
                          rowDiscount: money("4.80"))],
            grandTotal: money("43.20"), vatTotal: money("7.20"), discountTotal: money("4.80"))
        let document = try XCTUnwrap(DocumentBuilder().documents(for: order).order.document)
        XCTAssertTrue(document.check.isExact, "\(document.check)")
        XCTAssertTrue(document.json.contains(#""Amount":-4,"DetailType":"SalesItemLineDetail","Description":"Discount (20% VAT)","SalesItemLineDetail":{"ItemRef":{"name":"Discount"},"TaxCodeRef":{"name":"20.0% S"}}"#), document.json)
    }

    func testOrdersThatAreNoDocumentSayWhy() {
        let builder = DocumentBuilder()
        XCTAssertEqual(builder.documents(for: mugOrder(status: "canceled")).order.heldReasons.map(\.key), ["cancelled"])
        XCTAssertEqual(builder.documents(for: mugOrder(status: "payment_review")).order.heldReasons.map(\.key), ["waiting_status"])
        XCTAssertEqual(builder.documents(for: mugOrder(status: "awaiting_stock")).order.heldReasons.map(\.key), ["unconfigured_status"])
        var replaced = mugOrder(status: "canceled")
        replaced.replacedByOrderNumber = "100000123-1"
        XCTAssertEqual(builder.documents(for: replaced).order.heldReasons.map(\.key), ["replaced_by_edit"])
        var lost = mugOrder()
        lost.lostLineCount = 1
        lost.grandTotal += 12
        XCTAssertEqual(builder.documents(for: lost).order.heldReasons.map(\.key), ["product_not_found"])
        var unbalanced = mugOrder()
        unbalanced.grandTotal += money("0.01")
        XCTAssertEqual(builder.documents(for: unbalanced).order.heldReasons.map(\.key), ["lines_do_not_reconcile"])
        XCTAssertEqual(builder.documents(for: mugOrder(number: "100000123-123456789012")).order.heldReasons.map(\.key),
                       ["document_number_too_long"])
    }

    func testARefundFollowsItsOrderUnlessTheOrderWasSoldBeforeTheStartDate() throws {
        var order = mugOrder(status: "canceled")
        // One mug back: 1.99 incl., VAT 0.33 (1.00 × 1/3); and the shipping, with a £1 fee kept.
        order.creditMemos = [BookkeepingOrder.CreditMemo(
            number: "100000009", createdAt: utc("2025-07-10 11:00:00"), localDate: "2025-07-10", grandTotal: money("4.94"), vatTotal: money("0.99"),
            lines: [.init(orderLinePosition: 1, productId: "103", sku: "MUG-ENM-12", name: "Enamel Mug", quantity: 1,
                          unitPriceInclTax: money("1.99"), unitPriceExclTax: money("1.66"), rowVAT: money("0.33"), vatRatePercent: 20)],
            shippingInclTax: money("3.95"), shippingVAT: money("0.66"), adjustmentNegative: 1)]
        var rules = DocumentRules()
        XCTAssertEqual(DocumentBuilder(rules: rules).documents(for: order).creditMemos[0].heldReasons.map(\.key), ["order_not_a_document"])
        rules.startTime = UTCTime(parsing: "2025-07-05 00:00:00")
        let refund = DocumentBuilder(rules: rules).documents(for: order).creditMemos[0]
        XCTAssertEqual(refund.heldReasons, [])
        let document = try XCTUnwrap(refund.document)
        XCTAssertEqual(document.entity, "RefundReceipt")
        XCTAssertEqual(document.docNumber, "R100000009")
        XCTAssertTrue(document.check.isExact, "\(document.check)")
        XCTAssertTrue(document.json.contains(#""Description":"Adjustment fee","SalesItemLineDetail":{"ItemRef":{"name":"Refund adjustment"},"TaxCodeRef":{"name":"No VAT"}}"#), document.json)
        rules.startTime = UTCTime(parsing: "2025-07-15 00:00:00")
        XCTAssertEqual(DocumentBuilder(rules: rules).documents(for: order).creditMemos[0].heldReasons.map(\.key), ["before_start_date"])
    }

    func testTheStartDateIsAUTCInstantSoTheStoresTimeZoneCannotMoveAnOrderAcrossIt() {
        // 23:30 UTC on 4 July is already 5 July in London (BST): its local date is after the start
        // day, but it was created before QBO_START_DATE (UTC) and so was booked by the old system.
        var order = mugOrder()
        order.createdAt = utc("2025-07-04 23:30:00")
        order.localDate = "2025-07-05"
        var rules = DocumentRules()
        rules.startTime = UTCTime(parsing: "2025-07-05 00:00:00")
        let held = DocumentBuilder(rules: rules).documents(for: order).order
        XCTAssertEqual(held.heldReasons.map(\.key), ["before_start_date"])
        XCTAssertEqual(held.heldReasons.first?.description,
                       "created 2025-07-04T23:30:00Z, before the QuickBooks start 2025-07-05T00:00:00Z (QBO_START_DATE, UTC)")
        order.createdAt = utc("2025-07-05 00:00:00")
        XCTAssertEqual(DocumentBuilder(rules: rules).documents(for: order).order.heldReasons, [])
    }

    private func utc(_ text: String) -> Date { UTCTime(parsing: text)?.date ?? Date.distantPast }

    func testTheExactRowDiscountComesBackFromPHPsPerUnitFloat() {
        XCTAssertEqual(BookkeepingOrder.Line.exactRowDiscount(perUnitText: "0.3333333333333333", quantity: 3), money("1"))
        XCTAssertEqual(BookkeepingOrder.Line.exactRowDiscount(perUnitText: "2.2483333333333335", quantity: 6), money("13.49"))
        XCTAssertNil(BookkeepingOrder.Line.exactRowDiscount(perUnitText: "abc", quantity: 1))
    }
}
