import Foundation
import MariaDB
import SyncletCore
import XCTest

/// Issue 4 and 5: the database goes away during load, and two machines try to load at once.
final class DatabaseFaultTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
    }

    override func tearDown() {
        harness?.tearDown()
    }

    func testLoadReconnectsAndRetriesWhenItsConnectionIsKilled() throws {
        try harness.startSimulator(["--orders", "4000"])
        try harness.synclet("init")
        let runId = try harness.run("extract", []).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try harness.run("transform", ["--run", runId]).exitCode, 0)

        let admin = try MariaDBConnection(Harness.databaseConfiguration())
        defer { admin.close() }
        let load = try harness.start("load", ["--run", runId])
        var killed = 0
        let deadline = Date().addingTimeInterval(30)
        while load.isRunning, killed < 2, Date() < deadline {
            // Kill the load's connection twice, once it has started writing.
            let rows = try admin.query(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", [.string(harness.databaseName)])
            if let id = rows.first?.int("ID"), try harness.count("SELECT COUNT(*) FROM orders") > killed * 500 {
                try? admin.execute("KILL CONNECTION \(id)")
                killed += 1
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let result = try harness.finish(load)
        XCTAssertGreaterThan(killed, 0, "the load's connection was killed while it ran")
        XCTAssertEqual(result.exitCode, 0, result.output)
        XCTAssertTrue(result.stderr.contains("retrying"), result.stderr)
        try harness.assertDatabaseEqualsStore()
        XCTAssertEqual(try harness.query("SELECT status FROM sync_history")[0]["status"], "success")
    }

    func testASecondLoadIntoTheSameDatabaseIsRefusedWithExitCode4() throws {
        try harness.startSimulator(["--orders", "100"])
        try harness.synclet("init")
        let runId = try harness.run("extract", []).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try harness.run("transform", ["--run", runId]).exitCode, 0)

        // Another machine holds the database-wide load lock.
        let other = try MariaDBConnection(Harness.databaseConfiguration(database: harness.databaseName))
        XCTAssertEqual(try other.query("SELECT GET_LOCK(?, 0) AS granted", [.string(DatabaseLock.name)]).first?["granted"], "1")
        let refused = try harness.run("load", ["--run", runId])
        XCTAssertEqual(refused.exitCode, 4, refused.output)
        XCTAssertTrue(refused.stderr.contains("lock 'synclet.load' is held"), refused.stderr)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM orders"), 0)

        other.close()
        XCTAssertEqual(try harness.run("load", ["--run", runId]).exitCode, 0)
        try harness.assertDatabaseEqualsStore()
    }
}
