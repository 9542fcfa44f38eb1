import XCTest
@testable import SyncletCore

/// Σ LineTotalIncTax + Shipping.Amount − Discounts = Total, to the penny.
final class ReconciliationTests: XCTestCase {
    private func order(lines: [String], shipping: String, discounts: String, total: String) -> String {
        let items = lines.enumerated().map { index, total in
            #"{"ProductId":"\#(index + 1)","Quantity":"1.0000","LineTotalIncTax":\#(total)}"#
        }.joined(separator: ",")
        return #"{"Id":"5","OrderNumber":"100000005","Date":"2025-07-01 12:00:00","LastUpdatedDate":"2025-07-01 12:00:00","CurrencyCode":"GBP","Discounts":\#(discounts),"Total":\#(total),"Items":[\#(items)],"Shipping":{"Amount":\#(shipping)}}"#
    }

    func testAnOrderWhoseLinesShippingAndDiscountsAddUpToItsTotalReconciles() throws {
        let order = try normalize(order(lines: [#""48.0000""#, #""71.9000""#], shipping: #""4.9500""#, discounts: "5", total: #""119.8500""#))
        XCTAssertEqual(order.reconciliation, .init(reconciles: true, difference: "0.0000"))
    }

    func testPHPFloatNoiseInTheAmountsStillReconciles() throws {
        let order = try normalize(order(lines: ["0.1", "0.2"], shipping: "0.30000000000000004", discounts: "0.30000000000000004", total: "0.30000000000000004"))
        XCTAssertEqual(order.reconciliation, .init(reconciles: true, difference: "0.0000"))
    }

    func testAPennyTooMuchDoesNotReconcileAndSaysByHowMuch() throws {
        let order = try normalize(order(lines: [#""48.0000""#, #""71.9000""#], shipping: #""4.9500""#, discounts: "5", total: #""119.8600""#))
        XCTAssertEqual(order.reconciliation, .init(reconciles: false, difference: "0.0100"))
    }

    func testAPennyTooLittleDoesNotReconcileAndTheDifferenceIsNegative() throws {
        let order = try normalize(order(lines: [#""48.0000""#, #""71.9000""#], shipping: #""4.9500""#, discounts: "5", total: #""119.8400""#))
        XCTAssertEqual(order.reconciliation, .init(reconciles: false, difference: "-0.0100"))
    }

    func testMissingShippingAndNullLineTotalsCountAsZero() throws {
        let order = try normalize(order(lines: [#""10.0000""#, "null"], shipping: "null", discounts: "null", total: #""10.0000""#))
        XCTAssertEqual(order.reconciliation, .init(reconciles: true, difference: "0.0000"))
    }

    /// Net prices, VAT after the discount: LineTotalIncTax carries the VAT before the discount, so
    /// Σ LineTotalIncTax is off by the discount's VAT, while Σ (net row + row VAT) is exact. The
    /// figures are a simulated store's order 100000122, whose first line has UnitPriceExTax null
    /// (its net row is then LineTotalIncTax without the rate's VAT).
    func testANetPriceOrderWithVATAfterTheDiscountReconcilesByItsNetRowsAndVAT() throws {
        let order = #"""
            {"Id":"124","OrderNumber":"100000122","Date":"2025-07-01 12:00:00","LastUpdatedDate":"2025-07-01 12:00:00","CurrencyCode":"GBP",
             "Discounts":14.94,"Total":"131.4700","Shipping":{"Amount":"0.0000"},"Items":[
              {"ProductId":"1","Quantity":"1.0000","Price":"31.8000","UnitPriceExTax":null,"Discount":3.18,
               "Taxes":{"TaxRate":0.2,"TaxAmount":"4.6600"},"LineTotalIncTax":"31.8000"},
              {"ProductId":"2","Quantity":"2.0000","Price":"58.8000","UnitPriceExTax":"49.0000","Discount":5.88,
               "Taxes":{"TaxRate":0.2,"TaxAmount":"17.2500"},"LineTotalIncTax":"117.6000"}]}
            """#
        XCTAssertEqual(try normalize(order).reconciliation, .init(reconciles: true, difference: "0.0000"))
        // A zero-rated line (no Taxes) without UnitPriceExTax is all net: order 100001620's case.
        let zeroRated = order
            .replacingOccurrences(of: #""Total":"131.4700""#, with: #""Total":"142.4600""#)
            .replacingOccurrences(of: #""Items":["#, with: #""Items":[{"ProductId":"3","Quantity":"1.0000","Price":"10.9900","UnitPriceExTax":null,"Taxes":null,"LineTotalIncTax":"10.9900"},"#)
        XCTAssertEqual(try normalize(zeroRated).reconciliation, .init(reconciles: true, difference: "0.0000"))
        // A penny off in the net form is still flagged, with that form's difference.
        let pennyOff = order.replacingOccurrences(of: #""Total":"131.4700""#, with: #""Total":"131.4800""#)
        XCTAssertEqual(try normalize(pennyOff).reconciliation, .init(reconciles: false, difference: "0.0100"))
    }

    func testAmountsTooLargeToAddUpRejectTheOrderInsteadOfCrashing() {
        // Each amount fits; their sum does not.
        let reason = rejectionReason(order(lines: [#""922337203685477.0000""#, #""922337203685477.0000""#], shipping: "0", discounts: "0", total: "1"))
        XCTAssertEqual(reason, "the sum of LineTotalIncTax is too large")
        let negative = rejectionReason(order(lines: [#""0.0001""#], shipping: "0", discounts: "0", total: #""-922337203685477.5807""#))
        XCTAssertEqual(negative, "the reconciliation difference is too large")
    }
}
