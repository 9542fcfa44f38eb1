import MariaDB
import SyncletCore
import XCTest

/// `synclet init` and `synclet sync` against a simulated store, as an operator runs them.
final class SyncTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
    }

    override func tearDown() {
        harness?.tearDown()
    }

    func testInitialSyncThenIncrementalSyncLeaveEveryOrderExactlyAsInTheStore() throws {
        try harness.startSimulator(["--orders", "2000", "--seed", "7"])
        try harness.synclet("init")
        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()

        try harness.control("POST", "/_sim/mutate?update=60&create=15")
        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()

        let history = try harness.query("SELECT run_type, status FROM sync_history ORDER BY id")
        XCTAssertEqual(history.map { $0["run_type"] ?? "" }, ["initial", "incremental"])
        XCTAssertEqual(history.map { $0["status"] ?? "" }, ["success", "success"])
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM sync_state WHERE watermark IS NOT NULL"), 1)
    }

    func testSyncingTwiceWithoutChangesLeavesTheDatabaseUnchanged() throws {
        try harness.startSimulator(["--orders", "300"])
        try harness.synclet("sync")
        let before = try harness.count("SELECT COUNT(*) FROM order_items")
        try harness.synclet("sync", "--force-initial")
        try harness.assertDatabaseEqualsStore()
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM order_items"), before)
        let last = try harness.query("SELECT run_type, orders_inserted, orders_updated, orders_unchanged FROM sync_history ORDER BY id DESC LIMIT 1")[0]
        XCTAssertEqual(last["run_type"], "forced")
        XCTAssertEqual(last["orders_inserted"], "0")
        XCTAssertEqual(last["orders_updated"], "0")
    }

    func testAWrongAccessKeyFailsAtExtractWithExitCode3AndLoadsNothing() throws {
        try harness.startSimulator(["--orders", "100"])
        let result = try harness.run("synclet", ["sync"], environment: ["MAGENTO_ACCESS_KEY": "not-the-key"])
        XCTAssertEqual(result.exitCode, 3, result.output)
        XCTAssertTrue(result.stderr.contains("rejected the access key"), result.stderr)
        XCTAssertFalse(result.output.contains("not-the-key"), "the key must never be printed")
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM orders"), 0)
        XCTAssertEqual(try harness.query("SELECT status, stage FROM sync_history")[0]["status"], "failed")

        let test = try harness.run("synclet", ["test"], environment: ["MAGENTO_ACCESS_KEY": "not-the-key"])
        XCTAssertEqual(test.exitCode, 3, test.output)
    }

    func testAMalformedSettingStopsEveryCommandWithExitCode2NamingTheVariable() throws {
        for (variable, value) in [("DB_PORT", "abc"), ("INITIAL_SYNC_DATE", "yesterday"), ("MAGENTO_BASE_URL", "ftp://x"), ("PAGE_SIZE", "0")] {
            var environment = ["MAGENTO_BASE_URL": "http://127.0.0.1:9/x"]
            environment[variable] = value
            let result = try harness.run("synclet", ["sync"], environment: environment)
            XCTAssertEqual(result.exitCode, 2, "\(variable)=\(value): \(result.output)")
            XCTAssertTrue(result.stderr.contains(variable), "\(variable): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.stagingDirectory + "/runs"), "nothing touched")
    }

    func testStatusReportsRunsAndItsJSONHasTheDocumentedFields() throws {
        try harness.startSimulator(["--orders", "500"])
        try harness.synclet("sync")
        let text = try harness.synclet("status").stdout
        XCTAssertTrue(text.contains("Orders in the database:"), text)
        let json = try JSONParser.parse(Array(try harness.synclet("status", "--json").stdout.utf8))
        let stored = try harness.count("SELECT COUNT(*) FROM orders")
        XCTAssertEqual(json["orders"]?["total"]?.numberText, String(stored))
        XCTAssertNotNil(json["watermark"]?.stringValue)
        let run = try XCTUnwrap(json["runs"]?.arrayValue?.first)
        for field in ["run_id", "type", "status", "stage", "started_at", "pages", "received", "inserted", "updated", "unchanged", "rejected", "dropped", "watermark_after"] {
            XCTAssertNotNil(run[field], "runs[0].\(field)")
        }
        XCTAssertEqual(run["status"], .string("success"))
    }

    func testEachStageRunsAloneOnAStagedRun() throws {
        try harness.startSimulator(["--orders", "200"])
        try harness.synclet("init")
        let extract = try harness.run("extract", [])
        XCTAssertEqual(extract.exitCode, 0, extract.output)
        let runId = extract.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(FileManager.default.fileExists(atPath: harness.stagingDirectory + "/runs/\(runId)/raw/page-000000.json"))
        XCTAssertEqual(try harness.run("transform", ["--run", runId]).exitCode, 0)
        XCTAssertEqual(try harness.run("load", ["--run", runId]).exitCode, 0)
        try harness.assertDatabaseEqualsStore()
        XCTAssertEqual(try harness.query("SELECT status FROM sync_history")[0]["status"], "success")
    }
}
