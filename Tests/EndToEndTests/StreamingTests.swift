import Foundation
import SyncletCore
import XCTest

/// Issue 14: a sync streams its stages (transform and load follow what the stage before them has
/// committed), and killing any of its processes at any moment, then running a plain sync, still
/// converges: the database equals the store, no line is doubled, the watermark is right.
final class StreamingTests: XCTestCase {
    var harness: Harness!

    /// Two requests at a time at most, so a sync against a slow store takes a few seconds.
    static let slowPipeline = Harness.fastPipeline.replacingOccurrences(of: "  concurrency: 2\n", with: "  concurrency: 2\n  max_concurrency: 2\n")

    override func setUpWithError() throws {
        harness = try Harness(pipeline: Self.slowPipeline)
    }

    override func tearDown() {
        harness?.tearDown()
    }

    func testOrdersReachTheDatabaseWhileExtractIsStillFetching() throws {
        try harness.startSimulator(["--orders", "2000", "--page-latency-ms", "60"])
        let sync = try harness.start("synclet", ["sync"])
        var loadedWhileExtracting = 0
        let deadline = Date().addingTimeInterval(60)
        while sync.isRunning, Date() < deadline {
            if stageStatus(.extract) == .running, let count = try? harness.count("SELECT COUNT(*) FROM orders"), count > 0 {
                loadedWhileExtracting = count
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let result = try harness.finish(sync)
        XCTAssertEqual(result.exitCode, 0, result.output)
        XCTAssertGreaterThan(loadedWhileExtracting, 0, "orders were loaded while extract was still paging")
        try harness.assertDatabaseEqualsStore()
        try assertWatermarkFollowsTheStoreClock()
    }

    func testKillingExtractMidStreamThenSyncingConverges() throws {
        try killMidStream(.stage(.extract))
    }

    func testKillingTransformMidStreamThenSyncingConverges() throws {
        try killMidStream(.stage(.transform))
    }

    func testKillingLoadMidStreamThenSyncingConverges() throws {
        try killMidStream(.stage(.load))
    }

    func testKillingTheRunnerMidStreamEndsEveryStageAndTheNextSyncConverges() throws {
        try killMidStream(.runner)
    }

    /// A failure of extract (here the store rejecting the key half way) stops transform and load
    /// at once, says why, and moves no watermark; once the store is fixed a plain sync converges.
    func testAStageThatFailsStopsTheStagesAfterItWithAClearMessage() throws {
        try harness.startSimulator(["--orders", "2000", "--page-latency-ms", "40"])
        try harness.control("POST", "/_sim/faults", body: #"[{"page":20,"kind":"bad-key","times":1}]"#)
        let result = try harness.run("synclet", ["sync"])
        XCTAssertEqual(result.exitCode, 3, result.output)
        XCTAssertTrue(result.stderr.contains("failed at extract: the store rejected the access key"), result.stderr)
        let manifest = try XCTUnwrap(StagingArea(root: harness.stagingDirectory).unfinishedRuns().last?.manifest)
        XCTAssertEqual(manifest.status, .failed)
        for stage in [StageName.transform, .load] {
            XCTAssertEqual(manifest.stages[stage]?.status, .failed, "\(stage) was stopped")
            XCTAssertEqual(manifest.stages[stage]?.error, "stopped because extract failed")
        }
        XCTAssertEqual(try harness.query("SELECT watermark FROM sync_state")[0]["watermark"] ?? nil, nil, "the watermark did not move")
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM sync_history WHERE status = 'failed' AND stage = 'extract'"), 1)

        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()
        try assertWatermarkFollowsTheStoreClock()
    }

    /// Behind a proxy that answers 429 beyond 5 requests a second, extract slows down to what
    /// the store allows: the sync succeeds with every order, though the limit was hit.
    func testASyncBehindARateLimitSlowsDownAndLosesNoPage() throws {
        let harness = try Harness(pipeline: Harness.fastPipeline.replacingOccurrences(of: "  concurrency: 2\n", with: "  concurrency: 4\n  max_concurrency: 8\n"))
        defer { harness.tearDown() }
        try harness.startSimulator(["--orders", "800", "--page-latency-ms", "20", "--rate-limit", "5", "--rate-limit-seconds", "1"])
        let result = try harness.synclet("sync", "--verbose")
        XCTAssertTrue(result.stderr.contains("the store is overloaded"), "extract slowed down: \(result.stderr)")
        let limited = try harness.control("GET", "/_sim/stats")["rate_limited"]?.numberText.flatMap { Int($0) } ?? 0
        XCTAssertGreaterThan(limited, 0, "the proxy answered 429")
        try harness.assertDatabaseEqualsStore()
    }

    // MARK: - Killing one process of a streaming sync

    enum Victim {
        case stage(StageName)
        case runner
    }

    /// Starts a first sync against a slow store, waits until extract, transform and load all run
    /// and some orders are loaded, kills the victim with SIGKILL, lets that sync end however it
    /// ends (a killed stage is started again by its runner), changes the store, then runs a plain
    /// sync twice (as the timer would) and checks convergence.
    private func killMidStream(_ victim: Victim, file: StaticString = #filePath, line: UInt = #line) throws {
        try harness.startSimulator(["--orders", "3000", "--page-latency-ms", "50"])
        let sync = try harness.start("synclet", ["sync"])
        let runner = sync.processIdentifier
        let deadline = Date().addingTimeInterval(60)
        var killed: pid_t?
        var stagesAtKill: [pid_t] = []
        while sync.isRunning, Date() < deadline, killed == nil {
            let stages = stageProcesses(of: runner)
            let allRunning = [StageName.extract, .transform, .load].allSatisfy { stageStatus($0) == .running && stages[$0] != nil }
            if allRunning, (try? harness.count("SELECT COUNT(*) FROM orders")) ?? 0 > 0 {
                stagesAtKill = Array(stages.values)
                switch victim {
                case .stage(let stage): killed = stages[stage]
                case .runner: killed = runner
                }
                if let killed { kill(killed, SIGKILL) }
            } else {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        XCTAssertNotNil(killed, "the kill landed while extract, transform and load all ran", file: file, line: line)
        _ = try harness.finish(sync)
        if case .runner = victim {
            // The stages die with the runner (their parent-death signal).
            let gone = Date().addingTimeInterval(10)
            while Date() < gone, stagesAtKill.contains(where: { kill($0, 0) == 0 }) { Thread.sleep(forTimeInterval: 0.05) }
            XCTAssertFalse(stagesAtKill.contains { kill($0, 0) == 0 }, "no stage outlives its runner", file: file, line: line)
        }

        // The store changes before the next syncs, as it would between two timer runs.
        try harness.control("POST", "/_sim/latency?ms=0")
        try harness.control("POST", "/_sim/mutate?update=200&create=50")
        try harness.synclet("sync", file: file, line: line)
        try harness.synclet("sync", file: file, line: line)
        try harness.assertDatabaseEqualsStore(file: file, line: line)
        XCTAssertEqual(try harness.count("""
            SELECT COUNT(*) FROM (SELECT order_id, line_number FROM order_items GROUP BY order_id, line_number HAVING COUNT(*) > 1) doubled
            """), 0, "no line is stored twice", file: file, line: line)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM sync_history WHERE status = 'running'"), 0, file: file, line: line)
        try assertWatermarkFollowsTheStoreClock(file: file, line: line)
    }

    /// The watermark is the store's clock at the start of the last run minus the overlap: the
    /// simulator's clock is ours, so within a minute of now − 300 s.
    private func assertWatermarkFollowsTheStoreClock(file: StaticString = #filePath, line: UInt = #line) throws {
        let watermark = try XCTUnwrap(try harness.query("SELECT watermark FROM sync_state")[0]["watermark"].flatMap(UTCTime.init(parsing:)),
                                      file: file, line: line)
        let expected = UTCTime.now().adding(seconds: -300)
        XCTAssertLessThan(abs(watermark.secondsSince1970 - expected.secondsSince1970), 60, "watermark \(watermark)", file: file, line: line)
        let lastRun = try XCTUnwrap(try harness.query("SELECT run_id, watermark_after FROM sync_history WHERE status = 'success' ORDER BY id DESC LIMIT 1").first,
                                    file: file, line: line)
        XCTAssertEqual(lastRun["watermark_after"].flatMap(UTCTime.init(parsing:)), watermark, "set by the last successful run", file: file, line: line)
    }

    private func stageStatus(_ stage: StageName) -> StageRecord.Status? {
        StagingArea(root: harness.stagingDirectory).unfinishedRuns().last?.manifest?.stages[stage]?.status
    }

    /// The stage processes the runner started, by stage, from /proc.
    private func stageProcesses(of runner: pid_t) -> [StageName: pid_t] {
        var found: [StageName: pid_t] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name),
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, pid_t(fields[1]) == runner,
                  let command = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(name)/cmdline")),
                  let executable = command.split(separator: 0).first.flatMap({ String(data: Data($0), encoding: .utf8) }) else { continue }
            if let stage = StageName(rawValue: (executable as NSString).lastPathComponent) { found[stage] = pid }
        }
        return found
    }
}
