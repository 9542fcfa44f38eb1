import Foundation
import OneSaasSimulator
import XCTest

/// A realistic 2000-order store must show every documented quirk at least a few times.
final class QuirkTests: SimulatorTestCase {
    private var body = ""
    private var elements: [Any] = []
    private var orders: [[String: Any]] { elements.compactMap { $0 as? [String: Any] } }

    override func setUpWithError() throws {
        try startServer(orders: 2000)
        let response = try ordersPage(0, size: 2000)
        body = response.text
        elements = try XCTUnwrap(orders(in: response))
    }

    private func count(_ pattern: String) -> Int {
        (try? NSRegularExpression(pattern: pattern).numberOfMatches(in: body, range: NSRange(body.startIndex..., in: body))) ?? 0
    }

    private func items(_ order: [String: Any]) -> [[String: Any]] {
        (order["Items"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
    }

    func testOrdersWithoutAddressesArriveAsEmptyStrings() {
        let dropped = elements.filter { ($0 as? String) == "" }.count
        XCTAssertGreaterThanOrEqual(dropped, 5)
    }

    func testPaymentsAreSometimesAnEmptyList() {
        XCTAssertGreaterThanOrEqual(orders.filter { ($0["Payments"] as? [Any])?.isEmpty == true }.count, 5)
        XCTAssertGreaterThanOrEqual(orders.filter { ($0["Payments"] as? [String: Any])?["PaymentMethod"] != nil }.count, 1000)
    }

    func testEditedOrdersNameTheCancelledOrderTheyReplace() throws {
        let edited = orders.filter { ($0["OrderNumber"] as? String)?.contains("-") == true }
        XCTAssertGreaterThanOrEqual(edited.count, 5)
        let byId = Dictionary(orders.compactMap { order in (order["Id"] as? String).map { ($0, order) } }) { first, _ in first }
        for order in edited {
            let key = try XCTUnwrap(order.keys.first { $0.hasPrefix("ReplaceOrderNumber Id=\"") })
            let replacedId = String(key.dropFirst("ReplaceOrderNumber Id=\"".count).dropLast())
            let replaced = try XCTUnwrap(byId[replacedId])
            XCTAssertEqual(order[key] as? String, replaced["OrderNumber"] as? String)
            XCTAssertEqual(replaced["Status"] as? String, "canceled")
            XCTAssertEqual((order["OrderNumber"] as? String), (replaced["OrderNumber"] as? String).map { $0 + "-1" })
        }
        XCTAssertGreaterThan(orders.filter { ($0["ReplaceOrderNumber"] as? String) == "" }.count, 1500)
    }

    func testSomeLinesLostTheirProduct() {
        XCTAssertGreaterThanOrEqual(count(#"\{"ErrorCode":"Product.ProductNotFound","Message":"Ordered product could not be found!"\}"#), 5)
    }

    func testTaxesAreMissingOnUntaxedLinesAndSometimesHaveNoRule() {
        let lines = orders.flatMap(items)
        XCTAssertGreaterThanOrEqual(lines.filter { $0["ProductId"] != nil && $0["Taxes"] == nil }.count, 50)
        let unmatched = lines.filter { ($0["Taxes"] as? [String: Any]).map { $0["TaxId"] is NSNull && $0["TaxRate"] != nil } ?? false }
        XCTAssertGreaterThanOrEqual(unmatched.count, 5)
    }

    func testAmountsAreSometimesNumbersOrNull() {
        XCTAssertGreaterThanOrEqual(orders.filter { $0["Total"] is NSNumber }.count, 5)
        XCTAssertGreaterThanOrEqual(orders.flatMap(items).filter { $0["UnitPriceExTax"] is NSNull }.count, 3)
        XCTAssertGreaterThanOrEqual(count(#""adjustment_positive":null"#), 3)
    }

    func testDiscountsCarryPHPFloatNoise() {
        let noisy = #"(?:\.\d*0000000\d|\.\d*9999999\d)"#
        XCTAssertGreaterThanOrEqual(count(#""Discounts":\d+"# + noisy), 3)
        XCTAssertGreaterThanOrEqual(count(#""Discount":\d+"# + noisy), 3)
    }

    func testUnknownFieldsAppearAtOrderItemAndAddressLevel() {
        XCTAssertGreaterThanOrEqual(orders.filter { $0["GiftMessage"] != nil }.count, 5)
        XCTAssertGreaterThanOrEqual(orders.flatMap(items).filter { $0["x_custom"] != nil }.count, 5)
        XCTAssertGreaterThanOrEqual(count(#""CountryCode":"[A-Z]{2}","x_custom""#), 5)
    }

    func testNotesAreNullOrTextWithNewlinesAndQuotes() {
        XCTAssertGreaterThan(orders.filter { $0["Notes"] is NSNull }.count, 1000)
        XCTAssertGreaterThanOrEqual(orders.filter { ($0["Notes"] as? String)?.contains("\n") == true }.count, 5)
        XCTAssertGreaterThanOrEqual(orders.filter { ($0["Notes"] as? String)?.contains("\"") == true }.count, 5)
    }

    func testCustomStatusesGuestsCustomersAndCreditMemosAppear() {
        let statuses = Set(orders.compactMap { $0["Status"] as? String })
        XCTAssertTrue(statuses.isSuperset(of: ["awaiting_stock", "ready_to_collect", "complete", "canceled"]), "\(statuses)")
        let contactIds = orders.compactMap { ($0["Contact"] as? [String: Any])?["Id"] as? String }
        XCTAssertGreaterThan(contactIds.filter { $0 == "0" }.count, 300)
        XCTAssertGreaterThan(contactIds.filter { $0 != "0" }.count, 300)
        let credits = orders.flatMap { ($0["Credits"] as? [Any] ?? []).compactMap { $0 as? [String: Any] } }
        XCTAssertGreaterThanOrEqual(credits.count, 10)
        for column in ["entity_id", "increment_id", "created_at", "updated_at", "state", "grand_total", "base_grand_total",
                       "base_tax_amount", "base_shipping_amount", "adjustment_positive", "adjustment_negative", "order_id",
                       "base_currency_code", "Items"] {
            XCTAssertTrue(credits.allSatisfy { $0.keys.contains(column) }, column)
        }
    }

    func testAnOrderWithoutLostProductsAddsUpToItsTotal() throws {
        var checked = 0
        for order in orders {
            let lines = order["Items"] as? [Any] ?? []
            guard lines.allSatisfy({ ($0 as? [String: Any])?["ErrorCode"] == nil }) else { continue }
            let lineSum = try lines.reduce(Decimal(0)) { sum, line in
                try sum + XCTUnwrap(decimal((line as? [String: Any])?["LineTotalIncTax"]))
            }
            let shipping = try XCTUnwrap(decimal((order["Shipping"] as? [String: Any])?["Amount"]))
            // Discounts is a PHP float: a client rounds its noise away to the four places of Magento's columns.
            var discounts = try XCTUnwrap(decimal(order["Discounts"]))
            var rounded = Decimal()
            NSDecimalRound(&rounded, &discounts, 4, .plain)
            let total = try XCTUnwrap(decimal(order["Total"]))
            XCTAssertEqual(lineSum + shipping - rounded, total, "order \(order["Id"] ?? "?")")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 1900)
    }
}
