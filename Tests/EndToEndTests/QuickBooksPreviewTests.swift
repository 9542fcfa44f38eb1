import MariaDB
import SyncletCore
import XCTest

/// `synclet qbo preview` on databases a real sync filled, in both of Magento's tax configurations,
/// and on a database loaded by the previous schema and upgraded by `synclet init`.
final class QuickBooksPreviewTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
    }

    override func tearDown() {
        harness?.tearDown()
    }

    /// The summary as `--json` prints it.
    private func summary() throws -> JSONValue {
        let result = try harness.synclet("qbo", "preview", "--summary", "--json")
        return try JSONParser.parse(Array(result.stdout.utf8))
    }

    private func execute(_ sql: String) throws {
        let connection = try MariaDBConnection(Harness.databaseConfiguration(database: harness.databaseName))
        defer { connection.close() }
        try connection.execute(sql)
    }

    private func number(_ value: JSONValue?) -> Int { value?.numberText.flatMap { Int($0) } ?? -1 }

    /// Every document that would be sent is exact; nothing is held because Magento's figures do
    /// not add up; held ones carry a reason.
    private func assertEveryDocumentExact(_ summary: JSONValue, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        for part in ["orders", "credit_memos"] {
            let counts = summary[part]
            XCTAssertGreaterThan(number(counts?["documents"]), 0, "\(label) \(part)", file: file, line: line)
            XCTAssertEqual(number(counts?["not_exact"]), 0, "\(label) \(part): \(JSONWriter.string(summary))", file: file, line: line)
            XCTAssertEqual(number(counts?["exact"]), number(counts?["documents"]), "\(label) \(part)", file: file, line: line)
            let held = counts?["held"]?.objectValue?.members.map(\.key) ?? []
            XCTAssertFalse(held.contains("lines_do_not_reconcile"), "\(label) \(part): \(held)", file: file, line: line)
            XCTAssertFalse(held.contains("vat_does_not_reconcile"), "\(label) \(part): \(held)", file: file, line: line)
        }
        print("qbo preview summary, \(label): \(JSONWriter.string(summary))")
    }

    func testEveryOrderOfARealisticStoreWithPricesIncludingVATPreviewsExactToThePenny() throws {
        try harness.startSimulator(["--orders", "2000", "--seed", "12", "--prices-include-tax", "true", "--tax-after-discount", "false"])
        try harness.synclet("init")
        try harness.synclet("sync")
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM store_configuration WHERE time_zone = 'Europe/London' AND prices_include_tax = 1"), 1)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM order_items WHERE error_code IS NULL AND vat_rate IS NULL"), 0)
        assertEveryDocumentExact(try summary(), "prices including VAT, VAT before the discount")
    }

    func testEveryOrderOfARealisticStoreWithNetPricesAndVATAfterTheDiscountPreviewsExactToThePenny() throws {
        try harness.startSimulator(["--orders", "2000", "--seed", "13", "--prices-include-tax", "false", "--tax-after-discount", "true"])
        try harness.synclet("init")
        try harness.synclet("sync")
        // Magento's own figures agree in this configuration: the normalizer flags none of them.
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM orders WHERE reconciles = 0 AND has_incomplete_lines = 0"), 0)
        assertEveryDocumentExact(try summary(), "net prices, VAT after the discount")
    }

    func testADatabaseLoadedByThePreviousSchemaUpgradesWithInitAndPreviewsTheSameWithoutASync() throws {
        try harness.startSimulator(["--orders", "400", "--seed", "14"])
        try harness.synclet("init")
        try harness.synclet("sync")
        let before = try summary()
        // What schema version 2 held: none of the new columns.
        try execute("UPDATE orders SET order_local_date = NULL, vat_total = NULL, shipping_vat_rate = NULL, shipping_vat = NULL, paid_at = NULL")
        try execute("UPDATE order_items SET row_discount = NULL, vat_rate = NULL, row_vat = NULL")
        try execute("UPDATE order_credits SET created_local_date = NULL, shipping_refund_incl_tax = NULL, shipping_refund_vat = NULL, refunded_discount = NULL")
        try execute("UPDATE order_credit_items SET order_line_number = NULL, vat_rate = NULL")
        try execute("DELETE FROM schema_migrations WHERE version >= 3")
        let outdated = try harness.synclet("qbo", "preview", "--summary", expect: 2)
        XCTAssertTrue(outdated.stderr.contains("synclet init"), outdated.stderr)

        let stored = try harness.count("SELECT COUNT(*) FROM orders")
        XCTAssertGreaterThan(stored, 300, "the store's default quirks reject a few of its 400 orders, not most")
        let upgraded = try harness.synclet("init")
        XCTAssertTrue(upgraded.stdout.contains("Filled in \(stored) stored order(s) from their raw_json"), upgraded.stdout + upgraded.stderr)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM order_items WHERE error_code IS NULL AND (vat_rate IS NULL OR row_vat IS NULL OR row_discount IS NULL)"), 0)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM orders WHERE vat_total IS NULL OR order_local_date IS NULL"), 0)
        XCTAssertEqual(JSONWriter.string(try summary()), JSONWriter.string(before))
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM sync_history"), 1, "no sync was needed")

        // One order the database cannot rebuild is held with its reason and named; the others still count.
        let broken = try XCTUnwrap(try harness.query("SELECT order_number FROM orders WHERE status = 'complete' ORDER BY id LIMIT 1").first?.string("order_number"))
        try execute("UPDATE orders SET shipping_vat = NULL WHERE order_number = '\(broken)'")
        let result = try harness.synclet("qbo", "preview", "--summary", "--json")
        let counts = try JSONParser.parse(Array(result.stdout.utf8))
        XCTAssertEqual(number(counts["orders"]?["held"]?["missing_columns"]), 1, result.stdout)
        XCTAssertEqual(number(counts["orders"]?["documents"]) + 1, number(before["orders"]?["documents"]), result.stdout)
        XCTAssertTrue(result.stderr.contains("order \(broken): orders.shipping_vat is empty in the database"), result.stderr)
    }

    func testPreviewOfOneOrderPrintsTheDocumentWithItsChecks() throws {
        try harness.startSimulator(["--orders", "50", "--seed", "15", "--quirks", "none"])
        try harness.synclet("sync")
        let number = try XCTUnwrap(try harness.query("SELECT order_number FROM orders WHERE status = 'complete' LIMIT 1").first?.string("order_number"))
        let result = try harness.synclet("qbo", "preview", number)
        let preview = try JSONParser.parse(Array(result.stdout.utf8))
        XCTAssertEqual(preview["order"]?["source"]?.stringValue, number)
        XCTAssertEqual(preview["order"]?["document"]?["DocNumber"]?.stringValue, number)
        XCTAssertNotNil(preview["order"]?["check"])
        try harness.synclet("qbo", "preview", "999999999", expect: 1)
    }
}
