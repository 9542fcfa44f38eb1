import Foundation
import MariaDB
import SyncletCore
import XCTest

/// `synclet qbo check` and `synclet qbo push` against `qbo-sim` over real HTTP and the private
/// MariaDB: what a bookkeeper checks afterwards, every eligible order and refund in QuickBooks
/// once, with Magento's total and VAT to the penny, whatever the network or the operator did.
final class QuickBooksPushTests: XCTestCase {
    private var harness: Harness!
    private var quickBooks: QuickBooksSimulatorProcess!

    override func setUpWithError() throws {
        harness = try Harness(pipeline: Harness.quickBooksPipeline)
        quickBooks = try QuickBooksSimulatorProcess(workDirectory: harness.workDirectory)
    }

    override func tearDown() {
        quickBooks?.stop()
        harness?.tearDown()
    }

    /// A synced store of `orders` orders, connected to the simulated company, its mapping created.
    private func syncedAndConnected(orders: Int = 120, seed: Int = 7) throws {
        try harness.startSimulator(["--orders", String(orders), "--seed", String(seed)])
        try harness.synclet("sync")
        try harness.connect(quickBooks)
        try harness.qbo(quickBooks, ["check", "--create-missing"])
    }

    func testCheckListsTheMissingNamesAndCreateMissingCreatesThem() throws {
        try harness.startSimulator(["--orders", "40", "--seed", "3"])
        try harness.synclet("sync")
        try harness.connect(quickBooks)
        let check = try harness.qbo(quickBooks, ["check"], expect: 2)
        // A new company has the VAT codes, Sales and Undeposited Funds, but no shipping item or Web Sales.
        XCTAssertTrue(check.stdout.contains(#"missing: item "Shipping" (quickbooks.shipping_item) is not in QuickBooks: run `synclet qbo check --create-missing`"#), check.output)
        XCTAssertTrue(check.stdout.contains(#"missing: customer "Web Sales""#), check.output)
        XCTAssertFalse(check.stdout.contains("VAT code"), check.output)
        XCTAssertTrue(check.stdout.contains("`synclet qbo push` creates them as it needs them"), check.output)
        // Nothing is pushed while the check fails.
        let push = try harness.qbo(quickBooks, ["push"], expect: 2)
        XCTAssertTrue(push.stderr.contains("the QuickBooks mapping is incomplete"), push.output)
        XCTAssertEqual(try quickBooks.documents().count, 0)

        let fixed = try harness.qbo(quickBooks, ["check", "--create-missing"])
        XCTAssertTrue(fixed.stdout.contains(#"created: item "Shipping""#), fixed.output)
        XCTAssertTrue(fixed.stdout.contains("QuickBooks mapping: OK"), fixed.output)
        try harness.qbo(quickBooks, ["check"])

        // A name nobody can create is reported with its setting and fix.
        try (Harness.quickBooksPipeline + "\n  deposit_account: Barclays Current\n").write(toFile: harness.pipelinePath, atomically: true, encoding: .utf8)
        let wrong = try harness.qbo(quickBooks, ["check", "--create-missing"], expect: 2)
        XCTAssertTrue(wrong.stdout.contains(#"missing: account "Barclays Current" (quickbooks.deposit_account) is not in QuickBooks: add the account"#), wrong.output)
    }

    func testPushPutsEveryEligibleDocumentInQuickBooksOnceToThePenny() throws {
        try syncedAndConnected()
        let dryRun = try harness.qbo(quickBooks, ["push", "--dry-run"])
        XCTAssertTrue(dryRun.stdout.contains("Dry run: nothing was sent"), dryRun.output)
        XCTAssertEqual(try quickBooks.totalCreates(), 0)

        let push = try harness.qbo(quickBooks, ["push"])
        XCTAssertTrue(push.stdout.contains("Pushed to QuickBooks:"), push.output)
        try harness.assertQuickBooksEqualsMagento(quickBooks)
        let states = try harness.documentStates()
        XCTAssertEqual(states["failed"], nil, "\(states)")
        XCTAssertGreaterThan(states["held"] ?? 0, 0, "the store has waiting and cancelled orders")

        // A second push creates nothing.
        let creates = try quickBooks.totalCreates()
        let again = try harness.qbo(quickBooks, ["push"])
        XCTAssertTrue(again.stdout.contains("Pushed to QuickBooks: 0 created"), again.output)
        XCTAssertEqual(try quickBooks.totalCreates(), creates)

        let status = try harness.qbo(quickBooks, ["status", "--json"])
        let report = try XCTUnwrap(JSONParser.parse(Array(status.stdout.utf8))["documents"])
        XCTAssertEqual(report["states"]?["pushed"]?.numberText, String(states["pushed"] ?? -1))
        XCTAssertEqual(report["drift"]?.arrayValue?.count, 0, "every pushed document's total and VAT equal Magento's")
    }

    func testNothingIsLostOrDoubledThroughAuthenticationThrottlingServerErrorsAndDroppedAnswers() throws {
        try syncedAndConnected(orders: 200, seed: 11)
        // Every access token expires at once, a batch gets a 401, two are throttled and one fails
        // with a 500; the refresh token rotates on every refresh.
        try quickBooks.control("POST", "/__control/tokens/expire-access")
        try quickBooks.addFaults(#"""
            [{"kind": "http401", "times": 1, "path": "/batch"},
             {"kind": "http429", "times": 2, "path": "/batch"},
             {"kind": "http500", "times": 1, "path": "/batch"}]
            """#)
        // Once documents are being created, two batches are applied and then answered with a
        // dropped connection: a committed write whose answer is lost.
        try quickBooks.control("POST", "/__control/latency?ms=150")
        let push = try harness.start("synclet", ["qbo", "push"], environment: quickBooks.environment)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, try quickBooks.totalCreates() == 0 { Thread.sleep(forTimeInterval: 0.02) }
        try quickBooks.addFaults(#"[{"kind": "apply-then-drop", "times": 2, "path": "/batch"}]"#)
        let first = try harness.finish(push)
        try quickBooks.control("POST", "/__control/latency?ms=0")
        XCTAssertTrue([0, 1].contains(first.exitCode), first.output)
        XCTAssertEqual(try quickBooks.control("GET", "/__control/faults").arrayValue?.count, 0, "every fault was met")
        // The documents whose batch was applied and then dropped were found by DocNumber, not sent again.
        let adopted = first.stdout.range(of: #"\d+ found already there"#, options: .regularExpression).map { Int(first.stdout[$0].split(separator: " ")[0]) ?? 0 } ?? 0
        XCTAssertGreaterThan(adopted, 0, first.output)
        XCTAssertGreaterThan(try quickBooks.requests("refresh"), 1, "the access tokens expired: refreshed, each time with a new refresh token")
        try harness.qbo(quickBooks, ["push"])
        try harness.assertQuickBooksEqualsMagento(quickBooks)
        XCTAssertEqual(try quickBooks.duplicateCreates(), [])
    }

    func testAPushKilledHalfWayIsFinishedByTheNextWithoutDuplicates() throws {
        try syncedAndConnected(orders: 300, seed: 5)
        // Slow answers, so that the kill lands while batches are in flight.
        try quickBooks.control("POST", "/__control/latency?ms=400")
        let push = try harness.start("synclet", ["qbo", "push"], environment: quickBooks.environment)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, (try quickBooks.totalCreates()) < 30 { Thread.sleep(forTimeInterval: 0.1) }
        kill(push.processIdentifier, SIGKILL)
        _ = try harness.finish(push)
        try quickBooks.control("POST", "/__control/latency?ms=0")
        let createdBeforeKill = try quickBooks.totalCreates()
        XCTAssertGreaterThan(createdBeforeKill, 0, "the kill should land after some documents were created")
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM qbo_documents WHERE state = 'pending'"), 0, "the kill should land half way")

        try harness.qbo(quickBooks, ["push"])
        try harness.assertQuickBooksEqualsMagento(quickBooks)
    }

    func testLaterChangesVoidUpdateOrAddDocumentsNeverCopies() throws {
        try syncedAndConnected(orders: 120, seed: 9)
        try harness.qbo(quickBooks, ["push"])
        let pushedBefore = try harness.query("SELECT source_number, qbo_id, sync_token FROM qbo_documents WHERE source_kind = 'order' AND state = 'pushed' ORDER BY source_number")
        let cancelled = try XCTUnwrap(pushedBefore.first?["source_number"])
        let cancelledId = try XCTUnwrap(harness.query("SELECT id FROM orders WHERE order_number = ?", [.string(cancelled)]).first?.int("id"))

        // The shop cancels one pushed order, and changes others (statuses, refunds, edited lines).
        let now = UTCTime.now().description
        try harness.control("POST", "/_sim/patch?order=\(cancelledId)", body: #"{"Status": "canceled", "LastUpdatedDate": "\#(now)"}"#)
        try harness.control("POST", "/_sim/mutate?update=40")
        try harness.synclet("sync")
        let creditMemosBefore = try harness.count("SELECT COUNT(*) FROM qbo_documents WHERE source_kind = 'credit_memo' AND state = 'pushed'")
        let push = try harness.qbo(quickBooks, ["push"])
        XCTAssertTrue(push.stdout.contains("voided"), push.output)

        let row = try XCTUnwrap(harness.query("SELECT state, qbo_id FROM qbo_documents WHERE source_kind = 'order' AND source_number = ?", [.string(cancelled)]).first)
        XCTAssertEqual(row["state"], "voided")
        let voided = try quickBooks.documents().first { $0["Id"]?.stringValue == row["qbo_id"] && $0["entity"]?.stringValue == "SalesReceipt" }
        XCTAssertEqual(voided?["voided"], .bool(true))
        XCTAssertGreaterThan(try harness.count("SELECT COUNT(*) FROM qbo_documents WHERE source_kind = 'credit_memo' AND state = 'pushed'"), creditMemosBefore,
                             "new credit memos become new refund documents")
        // An edited line is a sparse update: the same QuickBooks Id with a higher SyncToken.
        let updated = try harness.count("""
            SELECT COUNT(*) FROM qbo_documents WHERE source_kind = 'order' AND state = 'pushed' AND CAST(sync_token AS UNSIGNED) > 0
            """)
        XCTAssertGreaterThan(updated, 0, push.output)
        try harness.assertQuickBooksEqualsMagento(quickBooks)
    }

    func testADocNumberTakenByAForeignDocumentIsAConflictAndLeftAlone() throws {
        try syncedAndConnected(orders: 60, seed: 4)
        let preview = try harness.run("synclet", ["qbo", "preview", "--summary", "--json"])
        XCTAssertEqual(preview.exitCode, 0, preview.output)
        let number = try XCTUnwrap(harness.query("""
            SELECT order_number FROM orders WHERE status IN ('complete', 'processing', 'closed') AND replaced_order_number IS NULL
            AND order_number NOT IN (SELECT replaced_order_number FROM orders WHERE replaced_order_number IS NOT NULL)
            ORDER BY order_number LIMIT 1
            """).first?["order_number"])
        let grant = try quickBooks.grant()
        let item = try XCTUnwrap(quickBooks.documents(entity: "Item").first?["Id"]?.stringValue)
        let foreign = try quickBooks.createForeign("SalesReceipt", realmId: grant.realmId, accessToken: grant.accessToken, body: #"""
            {"DocNumber": "\#(number)", "TxnDate": "2020-01-01", "GlobalTaxCalculation": "TaxExcluded", "DepositToAccountRef": {"value": "2"},
             "Line": [{"Amount": 1.00, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "\#(item)"}, "TaxCodeRef": {"value": "4"}}}]}
            """#)
        XCTAssertNotNil(foreign["SalesReceipt"]?["Id"], "\(foreign)")
        let push = try harness.qbo(quickBooks, ["push"], expect: 1)
        XCTAssertTrue(push.output.contains("DocNumber \(number) is taken in QuickBooks"), push.output)
        let row = try XCTUnwrap(harness.query("SELECT state FROM qbo_documents WHERE source_kind = 'order' AND source_number = ?", [.string(number)]).first)
        XCTAssertEqual(row["state"], "conflict")
        let holders = try quickBooks.documents().filter { $0["DocNumber"]?.stringValue == number }
        XCTAssertEqual(holders.count, 1)
        XCTAssertEqual(holders.first?["TxnDate"]?.stringValue, "2020-01-01", "the foreign document is never overwritten")
        let status = try harness.qbo(quickBooks, ["status"])
        XCTAssertTrue(status.stdout.contains("conflict: DocNumber \(number) is taken"), status.output)
    }
}

/// The push as the last stage of `synclet sync`.
final class QuickBooksPushStageTests: XCTestCase {
    func testASyncPushesWhenQuickBooksIsConfiguredAndSkipsThePushOtherwise() throws {
        let harness = try Harness(pipeline: Harness.quickBooksPipeline)
        let quickBooks = try QuickBooksSimulatorProcess(workDirectory: harness.workDirectory)
        defer {
            quickBooks.stop()
            harness.tearDown()
        }
        try harness.startSimulator(["--orders", "60", "--seed", "8"])
        let plain = try harness.synclet("sync")
        XCTAssertTrue(plain.stderr.contains("QuickBooks is not configured (QBO_CLIENT_ID is not set): the push stage is skipped"), plain.output)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM qbo_documents"), 0)

        try harness.connect(quickBooks)
        try harness.qbo(quickBooks, ["check", "--create-missing"])
        try harness.control("POST", "/_sim/mutate?create=5")
        let pushing = try harness.run("synclet", ["sync"], environment: quickBooks.environment)
        XCTAssertEqual(pushing.exitCode, 0, pushing.output)
        XCTAssertTrue(pushing.stdout.contains("Pushed to QuickBooks:"), pushing.output)
        try harness.assertQuickBooksEqualsMagento(quickBooks)

        // A push that fails (new orders, and no connection) fails the sync with its exit code, after the run has loaded.
        try harness.qbo(quickBooks, ["disconnect"])
        try harness.control("POST", "/_sim/mutate?create=5")
        let refused = try harness.run("synclet", ["sync"], environment: quickBooks.environment)
        XCTAssertEqual(refused.exitCode, 5, refused.output)
        XCTAssertTrue(refused.stderr.contains("the orders were loaded, but the push to QuickBooks failed"), refused.output)
    }
}
