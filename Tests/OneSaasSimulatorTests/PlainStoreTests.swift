import Foundation
import OneSaasSimulator
import XCTest

final class PlainStoreTests: SimulatorTestCase {
    func testWithoutQuirksEveryOrderIsPlainAndWellFormed() throws {
        try startServer(orders: 500, quirks: .none)
        let response = try ordersPage(0, size: 500)
        let elements = try XCTUnwrap(orders(in: response))
        let orders = elements.compactMap { $0 as? [String: Any] }
        XCTAssertEqual(orders.count, 500, "no dropped orders")
        XCTAssertTrue(orders.allSatisfy { $0["Total"] is String && ($0["Payments"] as? [String: Any]) != nil })
        XCTAssertTrue(orders.allSatisfy { ($0["ReplaceOrderNumber"] as? String) == "" })
        XCTAssertFalse(response.text.contains("ProductNotFound"))
        XCTAssertFalse(response.text.contains("x_custom"))
        XCTAssertNil(response.text.range(of: #"Discounts?":\d+\.\d*(0000000\d|9999999\d)"#, options: .regularExpression))
    }

    func testTheSameSeedGivesTheSameStore() throws {
        try startServer(orders: 100, seed: 7)
        let first = try ordersPage(0, size: 100).body
        try server?.shutdown()
        try startServer(orders: 100, seed: 7)
        XCTAssertEqual(try ordersPage(0, size: 100).body, first)
    }
}
