import Foundation
import OneSaasSimulator
import XCTest

/// The store's tax settings show consistently in StoreInfo, TaxCodes and every order.
final class TaxConfigurationTests: SimulatorTestCase {
    func testStoreInfoAndTaxCodesDescribeATradeStoreWithNetPrices() throws {
        try startServer(orders: 200) { configuration in
            configuration.store.tax = .pricesExcludingTax
            configuration.store.tax.zeroRatedTaxes = .zeroRate
            configuration.store.tax.timeZone = "Europe/Dublin"
        }
        let info = try XCTUnwrap(client.get(endpoint("Action=StoreInfo")).json() as? [String: Any])
        XCTAssertEqual(info["Timezone"] as? String, "Europe/Dublin")
        XCTAssertEqual(info["IsSellingPriceIncludingTax"] as? Bool, false)
        XCTAssertEqual(info["IsTaxAppliedAfterDiscount"] as? Bool, false)
        XCTAssertEqual(info["IsDiscountTaxed"] as? Bool, false)
        let codes = try XCTUnwrap((client.get(endpoint("Action=TaxCodes")).json() as? [String: Any])?["TaxCodes"] as? [[String: Any]])
        XCTAssertEqual(codes.compactMap { $0["Name"] as? String }, ["GB-VAT-20", "GB-VAT-5", "GB-VAT-0"])

        let lines = try pageThrough(size: 100).compactMap { $0 as? [String: Any] }.flatMap { $0["Items"] as? [[String: Any]] ?? [] }
        let zeroRated = lines.filter { ($0["Taxes"] as? [String: Any]).map { decimal($0["TaxRate"]) == 0 } ?? false }
        XCTAssertGreaterThan(zeroRated.count, 10)
        XCTAssertTrue(zeroRated.allSatisfy { decimal(($0["Taxes"] as? [String: Any])?["TaxAmount"]) == 0 })
        XCTAssertTrue(lines.filter { $0["ProductId"] != nil }.allSatisfy { $0["Taxes"] != nil }, "every line names its rate")
    }

    func testWithNetPricesTheTotalIsTheNetRowsLessDiscountPlusVATAndShipping() throws {
        try startServer(orders: 300) { $0.store.tax = .pricesExcludingTax }
        var checked = 0
        for case let order as [String: Any] in try pageThrough(size: 100) {
            let items = order["Items"] as? [[String: Any]] ?? []
            // A lost line or a missing net price leaves nothing to add up.
            guard items.allSatisfy({ $0["ErrorCode"] == nil && !($0["UnitPriceExTax"] is NSNull) }) else { continue }
            checked += 1
            var sum = decimal((order["Shipping"] as? [String: Any])?["Amount"]) ?? 0
            for line in order["Items"] as? [[String: Any]] ?? [] {
                let quantity = try XCTUnwrap(decimal(line["Quantity"]))
                let net = try XCTUnwrap(decimal(line["UnitPriceExTax"])) * quantity
                let vat = decimal((line["Taxes"] as? [String: Any])?["TaxAmount"]) ?? 0
                // Discount is per unit, a PHP float: the row's is that × quantity, to the penny.
                var discount = (decimal(line["Discount"]) ?? 0) * quantity
                var exact = discount
                NSDecimalRound(&discount, &exact, 2, .plain)
                sum += net - discount + vat
            }
            XCTAssertEqual(sum, decimal(order["Total"]), "order \(order["OrderNumber"] ?? "?")")
        }
        XCTAssertGreaterThan(checked, 250)
    }

    func testTheDefaultStoreLeavesTaxesOffZeroRatedLinesAndHasNoZeroRule() throws {
        try startServer(orders: 50)
        let codes = try XCTUnwrap((client.get(endpoint("Action=TaxCodes")).json() as? [String: Any])?["TaxCodes"] as? [[String: Any]])
        XCTAssertEqual(codes.compactMap { $0["Name"] as? String }, ["GB-VAT-20", "GB-VAT-5"])
    }
}
