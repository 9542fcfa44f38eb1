import Foundation
import MariaDB
import SyncletCore
import XCTest

/// A staged run's lifecycle, the sync lock and the stages, as an operator meets them.
final class StagedRunTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
    }

    override func tearDown() {
        harness?.tearDown()
    }

    private var staging: StagingArea { StagingArea(root: harness.stagingDirectory) }

    private func watermark() throws -> String? {
        try harness.query("SELECT DATE_FORMAT(watermark, '%Y-%m-%d %H:%i:%s') AS w FROM sync_state WHERE id = 1").first?["w"]
    }

    func testAReplayOfARunThatNeverLoadedDoesNotMoveTheWatermarkBackwards() throws {
        try harness.startSimulator(["--orders", "120"])
        try harness.synclet("init")
        // Run A: extracted and transformed by hand, never loaded.
        let extract = try harness.run("extract", [])
        XCTAssertEqual(extract.exitCode, 0, extract.output)
        let runA = extract.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try harness.run("transform", ["--run", runA]).exitCode, 0)
        // The store's clock (the Date header) has a resolution of a second.
        Thread.sleep(forTimeInterval: 2.1)
        try harness.synclet("sync", "--force-initial")
        let afterForced = try XCTUnwrap(try watermark())
        XCTAssertEqual(try staging.run(runA).loadManifest().status, .abandoned)

        let replay = try harness.synclet("sync", "--run", runA, "--from", "load")
        XCTAssertTrue(replay.stderr.contains("a replay does not move the watermark"), replay.stderr)
        XCTAssertEqual(try watermark(), afterForced, "the replay of a run planned before the last load leaves the watermark where it was")
        let manifest = try staging.run(runA).loadManifest()
        XCTAssertEqual(manifest.type, .replay)
        XCTAssertEqual(manifest.plannedAs, .initial)
        XCTAssertEqual(manifest.status, .loaded)
        let last = try harness.query("SELECT run_type, status, watermark_after FROM sync_history ORDER BY id DESC LIMIT 1")[0]
        XCTAssertEqual(last["run_type"], "replay")
        XCTAssertEqual(last["status"], "success")
        XCTAssertNil(last["watermark_after"])
        try harness.assertDatabaseEqualsStore()
    }

    func testARunFolderWithAnUnreadableManifestIsSetAsideOnceNotListedAndPruned() throws {
        try harness.startSimulator(["--orders", "60"])
        try harness.synclet("sync")
        // Named like a run of a minute ago, so the sync's own pruning (14 days) keeps it.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let brokenId = formatter.string(from: Date(timeIntervalSinceNow: -60)) + "-abcdef"
        let broken = staging.runsDirectory + "/" + brokenId
        try FileManager.default.createDirectory(atPath: broken, withIntermediateDirectories: true)
        try Data("{\"runId\":".utf8).write(to: URL(fileURLWithPath: broken + "/run.json"))

        let first = try harness.synclet("sync")
        XCTAssertTrue(first.stderr.contains("set aside as \(brokenId).damaged"), first.stderr)
        for _ in 0..<2 { try harness.synclet("sync") }
        let names = try FileManager.default.contentsOfDirectory(atPath: staging.runsDirectory)
        XCTAssertTrue(names.contains("\(brokenId).damaged"), "\(names)")
        XCTAssertFalse(names.contains { $0.hasSuffix(".damaged.damaged") }, "\(names)")
        let status = try harness.synclet("status")
        XCTAssertFalse(status.stdout.contains("abcdef"), status.stdout)

        try harness.synclet("prune", "--days", "0")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: staging.runsDirectory).contains("\(brokenId).damaged"))
    }

    /// The pid of the `stage` process the runner started, once it runs.
    private func child(named stage: String, of parent: Int32, timeout: TimeInterval = 60) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                      let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
                let command = stat[stat.index(after: open)..<close]
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                if command == stage, fields.count > 1, Int32(fields[1]) == parent { return pid }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError("synclet sync (process \(parent)) started no \(stage)")
    }

    private func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // A killed orphan may stay a zombie when nothing reaps it (PID 1 of a container).
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z" && state != "X"
    }

    func testAStageDiesWithItsRunnerAndHoldsTheLockWhileItLives() throws {
        try harness.startSimulator(["--orders", "200", "--page-latency-ms", "60000"])
        try harness.synclet("init")
        try """
            http:
              read_timeout_seconds: 120
              retries: 0
            """.write(toFile: harness.pipelinePath, atomically: true, encoding: .utf8)
        let runner = try harness.start("synclet", ["sync"])
        let extract = try child(named: "extract", of: runner.processIdentifier)
        // Wait until extract is past its start-up (it names itself in the lock file then).
        let lockPath = harness.stagingDirectory + "/sync.lock"
        let started = Date()
        while Date().timeIntervalSince(started) < 30,
              (try? String(contentsOfFile: lockPath, encoding: .utf8))?.contains("process \(extract)") != true {
            Thread.sleep(forTimeInterval: 0.1)
        }
        // The stage holds the runner's open lock: its descriptor 3 is the staging area's sync.lock.
        let inherited = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(extract)/fd/3")
        XCTAssertEqual((inherited as NSString).resolvingSymlinksInPath,
                       ((harness.stagingDirectory + "/sync.lock") as NSString).resolvingSymlinksInPath)
        let second = try harness.run("synclet", ["sync"])
        XCTAssertEqual(second.exitCode, 4, second.output)
        XCTAssertTrue(second.stderr.contains("(extract, started by synclet sync process \(runner.processIdentifier))"), second.stderr)

        kill(runner.processIdentifier, SIGKILL)
        _ = try harness.finish(runner)
        let deadline = Date().addingTimeInterval(10)
        while isAlive(extract) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertFalse(isAlive(extract), "extract died with its runner")

        let runId = try XCTUnwrap(staging.allRuns().last?.runId)
        try harness.control("POST", "/_sim/latency?ms=0")
        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()
        let manifestPath = try staging.run(runId).manifestPath
        let written = try FileManager.default.attributesOfItem(atPath: manifestPath)[.modificationDate] as? Date
        Thread.sleep(forTimeInterval: 2)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: manifestPath)[.modificationDate] as? Date, written,
                       "nothing rewrites run.json after the run loaded")
        XCTAssertEqual(try staging.run(runId).loadManifest().status, .loaded)
    }

    func testMovingInitialSyncDateEarlierBackfillsTheOrdersBeforeTheOldDate() throws {
        try harness.startSimulator(["--orders", "300", "--start-date", "2025-07-01 00:00:00"])
        let late = try harness.run("synclet", ["sync"], environment: ["INITIAL_SYNC_DATE": "2026-03-01 00:00:00"])
        XCTAssertEqual(late.exitCode, 0, late.output)
        let loadedLate = try harness.count("SELECT COUNT(*) FROM orders")
        XCTAssertGreaterThan(loadedLate, 0)
        XCTAssertLessThan(loadedLate, try harness.storeOrders().count, "the later date leaves older orders out")

        let earlier = try harness.synclet("sync")
        XCTAssertTrue(earlier.stderr.contains("INITIAL_SYNC_DATE (2025-01-01 00:00:00) is earlier than the earliest window loaded (2026-03-01 00:00:00)"),
                      earlier.stderr)
        try harness.assertDatabaseEqualsStore()
        XCTAssertEqual(try harness.query("SELECT run_type FROM sync_history ORDER BY id DESC LIMIT 1")[0]["run_type"], "forced")

        let next = try harness.synclet("sync")
        XCTAssertFalse(next.stderr.contains("INITIAL_SYNC_DATE"), "once backfilled, syncs are incremental again: \(next.stderr)")
        XCTAssertEqual(try harness.query("SELECT run_type FROM sync_history ORDER BY id DESC LIMIT 1")[0]["run_type"], "incremental")
    }

    func testEveryStageExecutableTakesTheSameCommonOptionsAsSynclet() throws {
        let version = try harness.run("synclet", ["--version"])
        XCTAssertEqual(version.exitCode, 0)
        for stage in ["extract", "transform", "load"] {
            let result = try harness.run(stage, ["--version"])
            XCTAssertEqual(result.exitCode, 0, result.output)
            XCTAssertEqual(result.stdout, version.stdout, stage)
            let help = try harness.run(stage, ["--help"])
            for option in ["-q, --quiet", "-v, --verbose", "--run <run>", "--staging <staging>", "Exit codes:"] {
                XCTAssertTrue(help.stdout.contains(option), "\(stage) --help lacks \(option):\n\(help.stdout)")
            }
            let missing = try harness.run(stage, ["-q", "--run", "20250101T000000Z-000000"])
            XCTAssertEqual(missing.exitCode, 1, missing.output)
            XCTAssertEqual(missing.stderr, "\(stage): error: no staged run 20250101T000000Z-000000\n")
        }
    }
}
