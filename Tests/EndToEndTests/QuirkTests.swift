import MariaDB
import SyncletCore
import XCTest

/// Issue 3: a store with every quirk of a real one loads exactly, and every order that could
/// not be taken is accounted for.
final class QuirkTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
    }

    override func tearDown() {
        harness?.tearDown()
    }

    func testAStoreWithEveryQuirkLoadsExactlyAndCountsWhatItCannotTake() throws {
        try harness.startSimulator(["--orders", "2500", "--quirks", "realistic", "--bad-orders", "3", "--seed", "5"])
        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()

        let stats = try harness.control("GET", "/_sim/stats")
        let dropped = try XCTUnwrap(stats["dropped"]?.numberText.flatMap(Int.init))
        XCTAssertGreaterThan(dropped, 0)
        let run = try harness.query("SELECT orders_dropped, orders_rejected, orders_unreconciled FROM sync_history")[0]
        XCTAssertEqual(run["orders_dropped"], String(dropped), "every \"\" element is counted")
        XCTAssertEqual(run["orders_rejected"], "3")
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM order_rejects"), 3)
        let reasons = try harness.query("SELECT reason FROM order_rejects ORDER BY reason").compactMap { $0["reason"] }
        XCTAssertTrue(reasons.contains { $0.contains("Id is missing") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains("Date is not a date") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains("Total is not a number") }, "\(reasons)")

        let unreconciled = try harness.count("SELECT COUNT(*) FROM orders WHERE reconciles = 0")
        XCTAssertGreaterThan(unreconciled, 0, "product-not-found orders do not reconcile")
        XCTAssertEqual(run["orders_unreconciled"], String(unreconciled))
        let status = try harness.synclet("status").stdout
        XCTAssertTrue(status.contains("rejected orders: 3"), status)
        XCTAssertTrue(status.contains("dropped in the last successful run (no address, unreadable through the endpoint): \(dropped)"), status)
        XCTAssertTrue(status.contains("orders that do not reconcile: \(unreconciled)"), status)
        XCTAssertTrue(status.contains("synclet status --unreconciled"), status)
        let listed = try harness.synclet("status", "--unreconciled").stdout.split(separator: "\n").count - 1
        XCTAssertEqual(listed, unreconciled)
    }

    func testQuirkyFieldsAreStoredIntact() throws {
        try harness.startSimulator(["--orders", "2000", "--quirks", "realistic", "--seed", "3"])
        try harness.synclet("sync")

        // Each quirk is present in a realistic store and lands as a user would look for it.
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM order_items WHERE error_code = 'Product.ProductNotFound' AND product_code IS NULL"), 0)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM orders o WHERE has_incomplete_lines = 1 AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.error_code IS NOT NULL)"), 0)
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM orders WHERE replaced_order_id IS NOT NULL AND replaced_order_number IS NOT NULL AND order_number LIKE '%-%'"), 0)
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM orders WHERE is_guest = 1 AND customer_id IS NULL"), 0)
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM orders WHERE is_guest = 0 AND customer_id IS NOT NULL"), 0)
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM orders WHERE payment_method IS NULL"), 0, "Payments: []")
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM orders WHERE payment_method IS NOT NULL"), 0)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM orders WHERE store_name IS NULL OR store_name LIKE '%\n%'"), 0)
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM order_items WHERE tax_rate IS NOT NULL AND tax_id IS NULL"), 0, "null TaxId")
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM order_credits WHERE raw_json LIKE '%base_grand_total%'"), 0)
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM order_credit_items"), 0)
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM order_invoices WHERE invoice_number IS NOT NULL AND invoice_date IS NOT NULL"), 0)
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM orders WHERE last_transaction_id IS NOT NULL"), 0)
        // Non-ASCII text arrives as \\uXXXX escapes and is stored as the characters themselves.
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM order_addresses WHERE first_name REGEXP '[^ -~]' OR city REGEXP '[^ -~]'"), 0)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM order_addresses WHERE INSTR(CONCAT_WS('', first_name, last_name, city), CHAR(92)) > 0"), 0,
                       "no escape sequence survives in names")

        // Money is exact: float noise in Discounts rounds to four places, the raw text is kept.
        let noisy = try harness.query("SELECT discounts, raw_json FROM orders WHERE raw_json LIKE '%00000000000%' LIMIT 50")
        XCTAssertFalse(noisy.isEmpty, "the store sends PHP float noise")
        for row in noisy {
            let raw = try JSONParser.parse(Array((row["raw_json"] ?? "").utf8))
            let sent = raw["Discounts"]?.numberText ?? raw["Discounts"]?.stringValue ?? "0"
            XCTAssertEqual(row["discounts"], Decimal4(parsing: sent)?.description, "Discounts \(sent)")
        }
        // The JSON is kept exactly as sent: escapes and all.
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM orders WHERE INSTR(raw_json, CONCAT(CHAR(92), '/')) > 0"), 0,
                             "escaped slashes kept in raw_json")
    }

    func testARejectedOrderIsRetriedAndLeavesTheReportOnceItLoads() throws {
        try harness.startSimulator(["--orders", "400", "--bad-orders", "1"])
        try harness.synclet("sync")
        let reject = try XCTUnwrap(try harness.query("SELECT order_id, last_updated_date FROM order_rejects").first)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM order_rejects"), 1)
        // The watermark does not pass a rejected order, so the next run asks for it again.
        if let updated = reject["last_updated_date"] {
            let watermark = try XCTUnwrap(try harness.query("SELECT watermark FROM sync_state")[0]["watermark"])
            XCTAssertLessThan(watermark, updated)
        }
        let second = try harness.synclet("sync")
        XCTAssertTrue(second.stderr.contains("rejected order"), second.stderr)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM order_rejects"), 1, "still rejected, still one row")
    }
}
