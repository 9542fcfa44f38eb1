import Foundation
import MariaDB
import SyncletCore
import XCTest

/// Issue 10 (items 1, 2, 6 and the schema check), against a real MariaDB: one order the
/// database refuses is rejected alone; `clear` and `init` respect the load's lock and a load
/// never moves the watermark over emptied tables; a future `LastUpdatedDate` freezes nothing;
/// only `init` migrates.
final class LoadDatabaseTests: XCTestCase {
    var harness: Harness!
    var connection: MariaDBConnection!

    override func setUpWithError() throws {
        harness = try Harness()
        connection = try MariaDBConnection(Harness.databaseConfiguration(database: harness.databaseName))
    }

    override func tearDown() {
        connection?.close()
        harness?.tearDown()
    }

    /// A small valid order as the endpoint sends it.
    private func order(_ id: Int64, updated: String = "2025-07-02 08:10:00", fetched: String? = "2025-07-02 08:15:00",
                       phone: String = "+44 20 7946 0000", postCode: String = "N1 9GU", total: String = "48.0000") throws -> CanonicalOrder {
        let json = """
            {"Id": "\(id)", "OrderNumber": "\(100_000_000 + id)", "Date": "2025-07-01 12:00:00", "LastUpdatedDate": "\(updated)",
             "Type": "Order", "Status": "processing", "CurrencyCode": "GBP", "Discounts": "0.0000", "Total": "\(total)",
             "Contact": {"Id": "42", "FirstName": "Zoë", "LastName": "Brûlé", "WorkPhone": "\(phone)", "Email": "zoe@example.co.uk"},
             "Addresses": {"BillingAddress": {"FirstName": "Zoë", "LastName": "Brûlé", "WorkPhone": "\(phone)", "Line1": "1 Rue",
               "City": "London", "PostCode": "\(postCode)", "CountryCode": "GB"}},
             "Items": [{"ProductId": "101", "ProductCode": "TEE", "ProductName": "T-shirt", "Quantity": "2.0000", "Price": "24.0000",
               "UnitPriceExTax": "20.0000", "Taxes": {"TaxId": "1", "TaxName": "UK VAT", "TaxRate": 0.2, "TaxAmount": "8.0000"},
               "LineTotalIncTax": "48.0000"}],
             "Shipping": {"ShippingMethod": "Collect", "Amount": "0.0000"},
             "Payments": {"PaymentMethod": {"MethodName": "stripe", "Amount": "48.0000"}}, "Credits": [],
             "CustomFields": {"Invoices": [{"InvNumber": "Inv-\(id)", "Date": "2025-07-01 12:05:00"}]}}
            """
        var order = try OrderNormalizer.normalize(try JSONParser.parse(Array(json.utf8)), rawJSON: json, source: .init(page: 3, position: Int(id)))
        order.source.fetchedAt = fetched
        return order
    }

    private func load(_ orders: [CanonicalOrder], runId: String = "run-1") throws -> (WriteCounts, [RejectedOrder]) {
        let connection = connection!
        return try OrderWriter.writeSettingAsideRefused(orders, runId: runId, log: Log(minimumLevel: .error)) { body in
            try connection.withTransaction { try body(connection) }
        }
    }

    // MARK: - Item 1: one value the database refuses

    func testAPhoneOrPostCodeAsLongAsMagentosColumnLoads() throws {
        let (counts, rejects) = try load([try order(1, phone: String(repeating: "7", count: 255), postCode: String(repeating: "P", count: 255))])
        XCTAssertEqual(counts.inserted, 1)
        XCTAssertEqual(rejects.count, 0)
        XCTAssertEqual(try harness.query("SELECT CHAR_LENGTH(phone) AS n FROM order_addresses WHERE order_id = 1").first?["n"], "255")
    }

    func testAnOrderWithAValueTooLongIsRejectedAloneNamingTheOrderAndColumn() throws {
        let orders = [try order(1), try order(2, phone: String(repeating: "9", count: 300)), try order(3)]
        let (counts, rejects) = try load(orders)
        XCTAssertEqual(counts.inserted, 2, "every other order of the batch is loaded")
        XCTAssertEqual(counts.rejected, 1)
        XCTAssertEqual(try harness.query("SELECT id FROM orders ORDER BY id").compactMap { $0["id"] }, ["1", "3"])
        let reason = try XCTUnwrap(try harness.query("SELECT reason FROM order_rejects WHERE order_id = 2").first?["reason"])
        XCTAssertTrue(reason.hasPrefix("order 100000002: "), reason)
        XCTAssertTrue(reason.contains("value too long for orders.customer_phone (300 characters)"), reason)
        XCTAssertFalse(reason.contains("row "), "the reason names the order, never a row number: \(reason)")
        XCTAssertEqual(rejects.map(\.orderId), ["2"])

        // The next sync is not blocked: a corrected version loads and leaves the rejects.
        let (next, again) = try load([try order(2, updated: "2025-07-03 08:00:00", fetched: "2025-07-03 08:05:00"), try order(4)])
        XCTAssertEqual(next.inserted, 2)
        XCTAssertEqual(again.count, 0)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM order_rejects"), 0)
    }

    func testAnInvalidDateTheDatabaseRefusesRejectsOnlyThatOrder() throws {
        var broken = try order(5)
        XCTAssertEqual(broken.invoices.count, 1)
        broken.invoices[0].date = "2025-02-30 10:00:00"
        let (counts, rejects) = try load([try order(6), broken])
        XCTAssertEqual(counts.inserted, 1)
        XCTAssertEqual(rejects.count, 1)
        XCTAssertTrue(rejects.first?.reason.contains("invalid date or time for order_invoices.invoice_date") == true, rejects.first?.reason ?? "")
    }

    // MARK: - Item 6: a LastUpdatedDate in the future

    func testAFutureLastUpdatedDateDoesNotFreezeTheOrderAndShowsInStatus() throws {
        _ = try load([try order(7, updated: "9999-12-31 00:00:00", fetched: "2025-07-02 08:15:00")])
        var report = try StatusReport.gather(connection: connection, staging: StagingArea(root: harness.stagingDirectory))
        XCTAssertEqual(report.orders.futureDated, 1)
        XCTAssertTrue(try OrderListing.futureDated.text(connection: connection).contains("100000007\t7\t9999-12-31 00:00:00"))

        let (counts, _) = try load([try order(7, updated: "2025-07-05 10:00:00", fetched: "2025-07-05 10:01:00", total: "48.0000")
            .with { $0.status = "complete"; $0.contentHash = "edited" }])
        XCTAssertEqual(counts.updated, 1, "a later real edit is applied")
        XCTAssertEqual(try harness.query("SELECT status FROM orders WHERE id = 7").first?["status"], "complete")
        report = try StatusReport.gather(connection: connection, staging: StagingArea(root: harness.stagingDirectory))
        XCTAssertEqual(report.orders.futureDated, 0)
    }

    func testAStoreClockThreeHoursFastThenCorrectedLetsTheNextEditThrough() throws {
        _ = try load([try order(8, updated: "2025-07-02 13:00:00", fetched: "2025-07-02 10:00:00")])
        let (counts, _) = try load([try order(8, updated: "2025-07-02 11:00:00", fetched: "2025-07-02 11:00:30")
            .with { $0.status = "complete"; $0.contentHash = "edited" }])
        XCTAssertEqual(counts.updated, 1)
        // A replay of the older fetch still never overwrites the newer data.
        let (replay, _) = try load([try order(8, updated: "2025-07-02 13:00:00", fetched: "2025-07-02 10:00:00")])
        XCTAssertEqual(replay.stale, 1)
        XCTAssertEqual(try harness.query("SELECT status FROM orders WHERE id = 8").first?["status"], "complete")
    }

    // MARK: - Item 2: the lock and the watermark

    func testAClearDuringALoadKeepsTheOrdersButDoesNotMoveTheWatermark() throws {
        let history = SyncHistory(connection: connection)
        try connection.withTransaction { _ = try history.moveWatermark(to: UTCTime(parsing: "2025-07-01 00:00:00")!, runId: "r0", expecting: try history.state()) }
        let atStart = try history.state()
        XCTAssertEqual(atStart.watermark?.description, "2025-07-01 00:00:00")

        try connection.withTransaction { try history.resetAfterClear() }
        let move = try connection.withTransaction {
            try history.moveWatermark(to: UTCTime(parsing: "2025-07-02 00:00:00")!, runId: "r1", expecting: atStart)
        }
        XCTAssertEqual(move, .clearedMeanwhile)
        XCTAssertNil(try history.watermark(), "the next sync is an initial one")
    }

    func testAnInitialRunDoesNotMoveTheWatermarkOverAClearThatHappenedUnderIt() throws {
        let history = SyncHistory(connection: connection)
        let atStart = try history.state()
        XCTAssertNil(atStart.watermark)
        try connection.withTransaction { try history.resetAfterClear() }
        let move = try connection.withTransaction {
            try history.moveWatermark(to: UTCTime(parsing: "2025-07-02 00:00:00")!, runId: "r1", expecting: atStart)
        }
        XCTAssertEqual(move, .clearedMeanwhile, "the generation changed even though both watermarks are NULL")
    }

    func testClearAndInitRefuseWithExitCode4WhileALoadHoldsTheLock() throws {
        let loading = try MariaDBConnection(Harness.databaseConfiguration(database: harness.databaseName))
        defer { loading.close() }
        try DatabaseLock.acquire(on: loading)
        _ = try load([try order(9)])
        for command in [["clear", "--yes"], ["init"]] {
            let result = try harness.run("synclet", command)
            XCTAssertEqual(result.exitCode, 4, result.output)
            XCTAssertTrue(result.stderr.contains("lock 'synclet.load' is held"), result.stderr)
        }
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM orders"), 1, "nothing was cleared")

        DatabaseLock.release(on: loading)
        let cleared = try harness.synclet("clear", "--yes")
        XCTAssertTrue(cleared.stdout.contains("the next sync is an initial one"), cleared.output)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM orders"), 0)
        XCTAssertEqual(try harness.query("SELECT generation FROM sync_state WHERE id = 1").first?["generation"], "1")
    }

    // MARK: - Only init migrates

    func testAnOutdatedSchemaStopsStatusWithExitCode2AndInitFixesIt() throws {
        try connection.execute("DELETE FROM schema_migrations WHERE version = ?", [.int(Int64(SchemaMigrator.requiredVersion))])
        let refused = try harness.run("synclet", ["status"])
        XCTAssertEqual(refused.exitCode, 2, refused.output)
        XCTAssertTrue(refused.stderr.contains("run `synclet init`"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, "one line: \(refused.stderr)")
        try harness.synclet("init")
        try harness.synclet("status")
    }

    func testAUserWithDataRightsOnlyCanRunStatusAndClear() throws {
        // Granting needs an account with GRANT OPTION: the private server's root (no password on
        // 127.0.0.1, see scripts/mariadb-private.sh).
        var rootConfiguration = try Harness.databaseConfiguration()
        rootConfiguration.user = "root"
        rootConfiguration.password = ""
        guard let admin = try? MariaDBConnection(rootConfiguration) else {
            throw XCTSkip("no root account without a password on \(rootConfiguration.endpoint) to create a restricted user")
        }
        defer { admin.close() }
        let user = "synclet_dml_\(UInt32.random(in: 0...UInt32.max))"
        let account = "'\(user)'@'\(rootConfiguration.host)'"
        try admin.executeScript("CREATE USER \(account) IDENTIFIED BY 'dml-password'")
        defer { try? admin.executeScript("DROP USER \(account)") }
        try admin.executeScript("GRANT SELECT, INSERT, UPDATE, DELETE ON \(harness.databaseName).* TO \(account)")
        let environment = ["DB_USER": user, "DB_PASSWORD": "dml-password"]
        let status = try harness.run("synclet", ["status"], environment: environment)
        XCTAssertEqual(status.exitCode, 0, status.output)
        let clear = try harness.run("synclet", ["clear", "--yes"], environment: environment)
        XCTAssertEqual(clear.exitCode, 0, clear.output)
    }
}

private extension CanonicalOrder {
    func with(_ change: (inout CanonicalOrder) -> Void) -> CanonicalOrder {
        var copy = self
        change(&copy)
        return copy
    }
}
