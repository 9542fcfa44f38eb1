import Foundation
import MariaDB
import SyncletCore
import XCTest

/// Telling someone when syncs fail: the status figures monitoring reads, the journal's
/// priorities, and how `synclet sync` ends when systemd stops it, a stage hangs or a lock is
/// held for too long. Everything through the built binaries.
final class MonitoringTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
    }

    override func tearDown() {
        harness?.tearDown()
    }

    private static let rfc3339 = try! NSRegularExpression(pattern: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#)

    private func assertRFC3339(_ value: JSONValue?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let text = value?.stringValue ?? ""
        XCTAssertNotNil(Self.rfc3339.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                        "\(what) is \(text), not RFC 3339 with Z", file: file, line: line)
    }

    // MARK: - Status for monitoring

    func testStatusCountsFailedAttemptsAndASelectOnlyUserReadsEveryFigure() throws {
        try harness.startSimulator(["--orders", "150"])
        try harness.synclet("sync")
        // The key is rejected twice: the same staged run fails twice, two attempts.
        for _ in 1...2 {
            let failed = try harness.run("synclet", ["sync"], environment: ["MAGENTO_ACCESS_KEY": "wrong-key"])
            XCTAssertEqual(failed.exitCode, 3, failed.output)
        }

        var rootConfiguration = try Harness.databaseConfiguration()
        rootConfiguration.user = "root"
        rootConfiguration.password = ""
        guard let admin = try? MariaDBConnection(rootConfiguration) else {
            throw XCTSkip("no root account without a password on \(rootConfiguration.endpoint) to create a monitoring user")
        }
        defer { admin.close() }
        let user = "synclet_watch_\(UInt32.random(in: 0...UInt32.max))"
        let account = "'\(user)'@'\(rootConfiguration.host)'"
        try admin.executeScript("CREATE USER \(account) IDENTIFIED BY 'watch-password'")
        defer { try? admin.executeScript("DROP USER \(account)") }
        try admin.executeScript("GRANT SELECT ON \(harness.databaseName).* TO \(account)")
        let monitoring = ["DB_USER": user, "DB_PASSWORD": "watch-password"]

        let status = try harness.run("synclet", ["status", "--json"], environment: monitoring)
        XCTAssertEqual(status.exitCode, 0, status.output)
        let json = try JSONParser.parse(Array(status.stdout.utf8))
        XCTAssertEqual(json["consecutive_failures"]?.numberText, "2", status.stdout)
        assertRFC3339(json["last_success_at"], "last_success_at")
        assertRFC3339(json["watermark"], "watermark")
        let age = try XCTUnwrap(json["watermark_age_seconds"]?.numberText.flatMap { Int($0) }, status.stdout)
        // The watermark trails the successful sync's start by the 300 s overlap.
        XCTAssertTrue((300...900).contains(age), "watermark_age_seconds \(age)")
        let runs = try XCTUnwrap(json["runs"]?.arrayValue)
        XCTAssertEqual(runs.map { $0["status"]?.stringValue ?? "" }, ["failed", "failed", "success"], "one row per attempt, newest first")
        for run in runs {
            assertRFC3339(run["started_at"], "started_at")
            assertRFC3339(run["finished_at"], "finished_at")
        }

        // The node_exporter file, written by the monitoring user too.
        let directory = harness.workDirectory + "/textfile"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/synclet.prom"
        let prometheus = try harness.run("synclet", ["status", "--prometheus", "--output", path], environment: monitoring)
        XCTAssertEqual(prometheus.exitCode, 0, prometheus.output)
        XCTAssertEqual(prometheus.stdout, "")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // The simulated store drops a few of its orders from the listing, so the figure is what
        // the database holds, not what was generated.
        let ordersInDatabase = try harness.count("SELECT COUNT(*) FROM orders")
        XCTAssertGreaterThan(ordersInDatabase, 100)
        for expected in ["# TYPE synclet_consecutive_failures gauge\nsynclet_consecutive_failures 2\n",
                         "# HELP synclet_last_success_timestamp_seconds ", "\nsynclet_watermark_age_seconds ",
                         "\nsynclet_orders \(ordersInDatabase)\n", "\nsynclet_sync_running 0\n"] {
            XCTAssertTrue(text.contains(expected), "\(expected) missing:\n\(text)")
        }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            XCTAssertEqual(parts.count, 2, "a sample is a name and a value: \(line)")
            XCTAssertNotNil(Double(parts.last ?? ""), "a number: \(line)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o644, "node_exporter must be able to read it")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["synclet.prom"], "no temporary file left")
        let printed = try harness.run("synclet", ["status", "--prometheus", "--quiet"], environment: monitoring)
        XCTAssertTrue(printed.stdout.contains("synclet_consecutive_failures 2\n"), printed.output)

        // A success ends the streak.
        try harness.synclet("sync")
        let after = try JSONParser.parse(Array(try harness.synclet("status", "--json").stdout.utf8))
        XCTAssertEqual(after["consecutive_failures"]?.numberText, "0")
    }

    // MARK: - systemd stopping the service

    func testSIGTERMStopsTheStageAndMarksTheRunInterruptedAndTheNextSyncResumesIt() throws {
        try harness.startSimulator(["--orders", "3000", "--page-latency-ms", "100"])
        let sync = try harness.start("synclet", ["sync"])
        XCTAssertTrue(waitUntilExtractRuns(while: sync), "extract never started")
        Thread.sleep(forTimeInterval: 0.5)
        // To the runner alone: it must pass the stop on to its stage itself (under systemd's
        // default KillMode the stage gets the signal too).
        kill(sync.processIdentifier, SIGTERM)
        let stopped = try harness.finish(sync)
        XCTAssertEqual(stopped.exitCode, -SIGTERM, "ends by the signal systemd sent: \(stopped.output)")
        XCTAssertTrue(stopped.stderr.contains("interrupted by SIGTERM during extract"), stopped.stderr)
        let row = try XCTUnwrap(try harness.query("SELECT status, stage, error, finished_at FROM sync_history").first)
        XCTAssertEqual(row["status"], "interrupted")
        XCTAssertEqual(row["stage"], "extract")
        XCTAssertNotNil(row["finished_at"])
        XCTAssertTrue((row["error"] ?? "").contains("SIGTERM"), row["error"] ?? "")

        // The stage ended too: the lock is free and the next sync resumes the run.
        let resumed = try harness.synclet("sync")
        XCTAssertTrue(resumed.stderr.contains("resuming run"), resumed.stderr)
        try harness.assertDatabaseEqualsStore()
        XCTAssertEqual(try harness.query("SELECT status FROM sync_history ORDER BY id").map { $0["status"] ?? "" }, ["interrupted", "success"])
    }

    // MARK: - Timeouts and locks

    func testAStageRunningPastItsTimeoutFailsNamingTheStageTheTimeoutAndTheSetting() throws {
        harness.tearDown()
        harness = try Harness(pipeline: Harness.fastPipeline + """

            stages:
              - name: extract
                retries: 0
                timeout_seconds: 1
              - name: transform
              - name: load
            """)
        try harness.startSimulator(["--orders", "2000", "--page-latency-ms", "400"])
        let result = try harness.run("synclet", ["sync"])
        XCTAssertEqual(result.exitCode, 1, result.output)
        let expected = "extract ran past its timeout of 1 s (stages[extract].timeout_seconds: 1 in \(harness.pipelinePath)) and was stopped"
        XCTAssertTrue(result.stderr.contains("synclet sync: error: run "), result.stderr)
        XCTAssertTrue(result.stderr.contains(expected), result.stderr)
        let row = try XCTUnwrap(try harness.query("SELECT status, error FROM sync_history").first)
        XCTAssertEqual(row["status"], "failed")
        XCTAssertTrue((row["error"] ?? "").contains(expected), row["error"] ?? "")
    }

    func testASecondSyncGivesWayWithExitCode4ButALockHeldPastStaleAfterSecondsIsExitCode6() throws {
        try harness.startSimulator(["--orders", "3000", "--page-latency-ms", "200"])
        let first = try harness.start("synclet", ["sync"])
        defer {
            if first.isRunning { kill(first.processIdentifier, SIGTERM) }
            _ = try? harness.finish(first)
        }
        XCTAssertTrue(waitUntilExtractRuns(while: first), "extract never started")

        let normal = try harness.run("synclet", ["sync"])
        XCTAssertEqual(normal.exitCode, 4, normal.output)
        XCTAssertTrue(normal.stderr.contains("another sync is running (process "), normal.stderr)
        XCTAssertTrue(normal.stderr.contains(", held since "), normal.stderr)

        let strict = harness.workDirectory + "/strict.yaml"
        try (Harness.fastPipeline + "\nlocking:\n  stale_after_seconds: 1\n").write(toFile: strict, atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 2.2)
        let stale = try harness.run("synclet", ["sync"], environment: ["SYNCLET_PIPELINE": strict])
        XCTAssertEqual(stale.exitCode, 6, stale.output)
        XCTAssertTrue(stale.stderr.contains("has been held for"), stale.stderr)
        XCTAssertTrue(stale.stderr.contains("locking.stale_after_seconds (1)"), stale.stderr)
        XCTAssertTrue(first.isRunning, "the holder is left alone")
    }

    // MARK: - The journal

    func testUnderTheJournalEveryLineCarriesItsPriorityAndNoTimestamp() throws {
        try harness.startSimulator(["--orders", "100"])
        try harness.synclet("sync")
        let journal = try runWithStderrAsJournal(["sync", "--verbose"], environment: ["MAGENTO_ACCESS_KEY": "wrong-key"])
        XCTAssertEqual(journal.exitCode, 3, journal.stderr)
        let lines = journal.stderr.split(separator: "\n").map(String.init)
        XCTAssertFalse(lines.isEmpty)
        let timestamp = try NSRegularExpression(pattern: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ [A-Z]"#)
        for line in lines {
            XCTAssertNotNil(line.range(of: #"^<[3467]>"#, options: .regularExpression), "no priority: \(line)")
            XCTAssertNil(timestamp.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)), "a second timestamp: \(line)")
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("<7>DEBUG ") }, "--verbose lines too:\n\(journal.stderr)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("<6>INFO ") }, journal.stderr)
        let last = try XCTUnwrap(lines.last)
        XCTAssertTrue(last.hasPrefix("<3>synclet sync: error: "), "the fatal line is an error: \(last)")
        XCTAssertFalse(journal.stderr.contains("wrong-key"), "the key is never printed")

        // A stderr that is not the journal named (redirected to a file in the unit) stays plain.
        let plain = try runWithStderrAsJournal(["sync"], environment: ["MAGENTO_ACCESS_KEY": "wrong-key"], journalStream: "1:1")
        XCTAssertEqual(plain.exitCode, 3, plain.stderr)
        XCTAssertFalse(plain.stderr.contains("<6>") || plain.stderr.contains("<3>"), plain.stderr)
        XCTAssertNotNil(timestamp.firstMatch(in: plain.stderr, range: NSRange(plain.stderr.startIndex..., in: plain.stderr)), plain.stderr)
    }

    /// Runs synclet with stderr in a file and `JOURNAL_STREAM` naming that file, as systemd does
    /// with the journal's socket.
    private func runWithStderrAsJournal(_ arguments: [String], environment overrides: [String: String],
                                        journalStream: String? = nil) throws -> (exitCode: Int32, stderr: String) {
        let path = harness.workDirectory + "/journal-\(UUID().uuidString).err"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Harness.binDirectory + "/synclet")
        process.arguments = arguments
        var environment = harness.environment.merging(overrides) { $1 }
        environment["JOURNAL_STREAM"] = journalStream ?? "\(info.st_dev):\(info.st_ino)"
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: harness.workDirectory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: path)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }

    private func waitUntilExtractRuns(while process: Process) -> Bool {
        let staging = StagingArea(root: harness.stagingDirectory)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            if staging.unfinishedRuns().last?.manifest?.stages[.extract]?.status == .running { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }
}
