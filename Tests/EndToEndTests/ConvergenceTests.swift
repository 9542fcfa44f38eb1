import Foundation
import SyncletCore
import XCTest

/// Issue 4: an incremental sync never loses an order, whatever changes during paging, however a
/// sync is killed, and whatever is replayed; and only one sync runs at a time.
final class ConvergenceTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
    }

    override func tearDown() {
        harness?.tearDown()
    }

    func testOrdersChangedWhileASyncPagesAreNeverLost() throws {
        try harness.startSimulator(["--orders", "1500", "--seed", "11"])
        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()

        // Many orders change, then more change and appear while the next sync is paging: with
        // LIMIT/OFFSET paging, an order that enters the set at an already-read position is missed
        // by that pass. The next plain sync must bring it in.
        try harness.control("POST", "/_sim/mutate?update=200&create=20")
        try harness.control("POST", "/_sim/mutate-during-paging?every=1&update=2&create=1")
        try harness.synclet("sync")
        try harness.control("POST", "/_sim/mutate-during-paging?every=0")
        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()
    }

    /// The watermark follows the store's clock (its `Date` header), not ours: a store whose clock
    /// runs two hours behind still has every change picked up.
    func testAStoreWhoseClockDiffersFromOursLosesNoChange() throws {
        for offset in ["-7200", "5400"] {
            let harness = try Harness()
            defer { harness.tearDown() }
            try harness.startSimulator(["--orders", "300", "--clock-offset-seconds=\(offset)"])
            try harness.synclet("sync")
            try harness.control("POST", "/_sim/mutate?update=25&create=5")
            try harness.synclet("sync")
            try harness.assertDatabaseEqualsStore()
            let watermark = try XCTUnwrap(try harness.query("SELECT watermark FROM sync_state")[0]["watermark"].flatMap(UTCTime.init(parsing:)))
            let expected = UTCTime.now().adding(seconds: Int64(offset)! - 300)
            XCTAssertLessThan(abs(watermark.secondsSince1970 - expected.secondsSince1970), 60, "offset \(offset): watermark \(watermark)")
        }
    }

    func testAnInitialSyncDuringWhichOrdersChangeConvergesOnTheNextSync() throws {
        try harness.startSimulator(["--orders", "1000", "--mutate-during-paging", "every=2,update=1,create=1"])
        try harness.synclet("sync")
        try harness.control("POST", "/_sim/mutate-during-paging?every=0")
        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()
    }

    /// Kills the sync with SIGKILL while each stage is running, then runs a plain sync: the
    /// database must end equal to the store, with no order missing or doubled.
    func testASyncKilledInAnyStageConvergesWhenSimplyRunAgain() throws {
        try harness.startSimulator(["--orders", "3000", "--page-latency-ms", "10"])
        var stagesInterrupted: [String] = []
        for (round, stage) in [StageName.extract, .transform, .load, .extract, .load].enumerated() {
            if round > 0 { try harness.control("POST", "/_sim/mutate?update=40&create=5") }
            // Foundation starts each process in a group of its own; SIGKILL to the group kills the
            // runner at once and, through the parent-death signal, the stage it started.
            let process = try harness.start("synclet", ["sync"])
            if waitUntilRunning(stage, while: process) {
                Thread.sleep(forTimeInterval: 0.15)
                kill(-process.processIdentifier, SIGKILL)
                // The stages stream, so the stages before it may still run too: what counts is
                // that this one was running when the kill came, and so never recorded its end.
                if stageWasRunning(stage) { stagesInterrupted.append(stage.rawValue) }
            }
            _ = try harness.finish(process)
        }
        try harness.synclet("sync")
        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM sync_history WHERE status = 'running'"), 0, "killed runs end up failed or resumed")
        XCTAssertEqual(Set(stagesInterrupted), ["extract", "transform", "load"], "a kill landed inside each stage")
    }

    private func waitUntilRunning(_ stage: StageName, while process: Process) -> Bool {
        let staging = StagingArea(root: harness.stagingDirectory)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            if let manifest = staging.unfinishedRuns().last?.manifest, manifest.stages[stage]?.status == .running { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    private func stageWasRunning(_ stage: StageName) -> Bool {
        StagingArea(root: harness.stagingDirectory).unfinishedRuns().last?.manifest?.stages[stage]?.status == .running
    }

    func testAResumedRunReusesItsStagedPages() throws {
        try harness.startSimulator(["--orders", "600"])
        try harness.synclet("init")
        // A run whose transform failed: extract is complete, its pages are staged.
        let extract = try harness.run("extract", [])
        XCTAssertEqual(extract.exitCode, 0, extract.output)
        let requestsBefore = try harness.control("GET", "/_sim/stats")["orders_requests"]?.numberText
        let result = try harness.synclet("sync", "--verbose")
        XCTAssertTrue(result.stderr.contains("resuming run"), result.stderr)
        XCTAssertEqual(try harness.control("GET", "/_sim/stats")["orders_requests"]?.numberText, requestsBefore, "no page fetched again")
        try harness.assertDatabaseEqualsStore()
    }

    func testARunWhoseStagedFilesAreDamagedIsMarkedFailedAndTheNextSyncStartsAfresh() throws {
        try harness.startSimulator(["--orders", "300"])
        try harness.synclet("init")
        let runId = try harness.run("extract", []).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let page = harness.stagingDirectory + "/runs/\(runId)/raw/page-000001.json"
        try Data("{\"tampered\":true}".utf8).write(to: URL(fileURLWithPath: page))
        let result = try harness.synclet("sync")
        XCTAssertTrue(result.stderr.contains("cannot be resumed"), result.stderr)
        XCTAssertTrue(result.stderr.contains("page-000001.json"), result.stderr)
        let manifest = try StagingArea(root: harness.stagingDirectory).run(runId).loadManifest()
        XCTAssertNotNil(manifest.abandonedReason)
        try harness.assertDatabaseEqualsStore()
    }

    func testReplayingAnOlderRunNeverReplacesNewerData() throws {
        try harness.startSimulator(["--orders", "400"])
        try harness.synclet("sync")
        let firstRun = try XCTUnwrap(try harness.query("SELECT run_id FROM sync_history ORDER BY id LIMIT 1").first?["run_id"])
        try harness.control("POST", "/_sim/mutate?update=100")
        try harness.synclet("sync")
        let watermark = try harness.query("SELECT watermark FROM sync_state")[0]["watermark"]

        try harness.synclet("sync", "--run", firstRun, "--from", "transform")
        try harness.assertDatabaseEqualsStore()
        let replay = try harness.query("SELECT run_type, status, orders_stale, orders_updated FROM sync_history ORDER BY id DESC LIMIT 1")[0]
        XCTAssertEqual(replay["run_type"], "replay")
        XCTAssertEqual(replay["status"], "success")
        XCTAssertEqual(replay["orders_updated"], "0")
        XCTAssertGreaterThanOrEqual(Int(replay["orders_stale"] ?? "0") ?? 0, 90, "the changed orders are older in the replayed run")
        XCTAssertEqual(try harness.query("SELECT watermark FROM sync_state")[0]["watermark"], watermark, "a replay does not move the watermark")
    }

    func testReplayingFromExtractReusesTheStagedPagesWithoutAskingTheStore() throws {
        try harness.startSimulator(["--orders", "300"])
        try harness.synclet("sync")
        let runId = try XCTUnwrap(try harness.query("SELECT run_id FROM sync_history").first?["run_id"])
        let requests = try harness.control("GET", "/_sim/stats")["orders_requests"]?.numberText
        try harness.control("POST", "/_sim/mutate?create=60")
        try harness.synclet("sync", "--run", runId, "--from", "extract")
        XCTAssertEqual(try harness.control("GET", "/_sim/stats")["orders_requests"]?.numberText, requests, "no page fetched")
        let replay = try harness.query("SELECT run_type, status, orders_received, orders_inserted FROM sync_history ORDER BY id DESC LIMIT 1")[0]
        XCTAssertEqual(replay["run_type"], "replay")
        XCTAssertEqual(replay["status"], "success")
        XCTAssertEqual(replay["orders_inserted"], "0", "the new orders are not in the staged run")
    }

    func testASecondSyncWhileOneRunsIsRefusedWithExitCode4NamingTheHolder() throws {
        try harness.startSimulator(["--orders", "2000", "--page-latency-ms", "100"])
        let first = try harness.start("synclet", ["sync"])
        defer { first.terminate() }
        let lockFile = harness.stagingDirectory + "/sync.lock"
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !((try? String(contentsOfFile: lockFile, encoding: .utf8)) ?? "").contains("run ") {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let second = try harness.run("synclet", ["sync"])
        XCTAssertEqual(second.exitCode, 4, second.output)
        XCTAssertTrue(second.stderr.contains("another sync is running"), second.stderr)
        XCTAssertTrue(second.stderr.contains("process \(first.processIdentifier)"), second.stderr)
        XCTAssertTrue(second.stderr.contains("run 2"), "names the run: \(second.stderr)")
        first.terminate()
        _ = try harness.finish(first)
        // The lock went with the process: the next sync runs and finishes the work.
        try harness.control("POST", "/_sim/latency?ms=0")
        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()
    }
}
