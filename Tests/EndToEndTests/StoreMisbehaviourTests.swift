import Foundation
import SyncletCore
import XCTest

/// Issue 10: a store, cache or network that misbehaves never makes a sync end quietly with
/// orders missing, never runs away, and always says what it saw.
final class StoreMisbehaviourTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
    }

    override func tearDown() {
        harness?.tearDown()
    }

    private func addFaults(_ faults: [(page: Int?, kind: String, times: Int)]) throws {
        let body = "[" + faults.map { fault in
            "{\(fault.page.map { "\"page\":\($0)," } ?? "")\"kind\":\"\(fault.kind)\",\"times\":\(fault.times)}"
        }.joined(separator: ",") + "]"
        try harness.control("POST", "/_sim/faults", body: body)
    }

    private var watermark: String? {
        get throws { try harness.query("SELECT watermark FROM sync_state").first?["watermark"] }
    }

    func testAnEmptyOrdersPageMidRunIsRetriedAndIfItPersistsFailsTheRunWithoutMovingTheWatermark() throws {
        try harness.startSimulator(["--orders", "600", "--quirks", "none"])
        try harness.synclet("sync")
        let firstWatermark = try watermark
        try harness.control("POST", "/_sim/mutate?update=300")
        // Page 1 is empty once (a retry cures it); page 4 stays empty for the whole sync.
        try addFaults([(1, "empty-orders", 1), (4, "empty-orders", 100)])
        let failed = try harness.run("synclet", ["sync"])
        XCTAssertEqual(failed.exitCode, 1, failed.output)
        XCTAssertTrue(failed.stderr.contains("page 4 answered an empty Orders list before the end"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("the watermark did not move"), failed.stderr)
        XCTAssertEqual(try watermark, firstWatermark, "the failed run moved nothing")

        try harness.control("DELETE", "/_sim/faults")
        try harness.synclet("sync")
        try harness.assertDatabaseEqualsStore()
    }

    func testAShortPageBeforeTheEndIsFetchedAgainAndNoOrderIsLost() throws {
        try harness.startSimulator(["--orders", "400", "--quirks", "none"])
        try addFaults([(2, "short-page", 1), (5, "short-page", 1)])
        let result = try harness.synclet("sync")
        XCTAssertTrue(result.stderr.contains("page 2 held 25 of 50 orders, so it should have been the last"), result.stderr)
        try harness.assertDatabaseEqualsStore()
    }

    func testAStoreThatIgnoresPageStopsTheRunAtOnceSayingSo() throws {
        try harness.startSimulator(["--orders", "400", "--quirks", "none"])
        try addFaults([(nil, "ignore-page", 1_000_000)])
        let result = try harness.run("synclet", ["sync"])
        XCTAssertEqual(result.exitCode, 1, result.output)
        XCTAssertTrue(result.stderr.contains("ignores the Page parameter"), result.stderr)
        XCTAssertTrue(result.stderr.contains("holds the same orders as page 0"), result.stderr)
        let requests = try harness.control("GET", "/_sim/stats")["orders_requests"]?.numberText.flatMap { Int($0) } ?? -1
        XCTAssertLessThan(requests, 20, "stopped at once, not after thousands of pages")
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM orders"), 0)
        let staged = try XCTUnwrap(StagingArea(root: harness.stagingDirectory).allRuns().first)
        XCTAssertEqual(try staged.loadManifest().extract?.pages.count, 1, "only page 0 is staged, across both attempts of the stage")
    }

    func testABodyTricklingInIsCutAtTheRequestDeadlineAndTheMessageSaysSo() throws {
        try Harness.fastPipeline.replacingOccurrences(of: "  retries: 3\n", with: "  retries: 1\n  request_timeout_seconds: 1.5\n")
            .write(toFile: harness.pipelinePath, atomically: true, encoding: .utf8)
        try harness.startSimulator(["--orders", "120", "--quirks", "none", "--trickle-byte-ms", "20"])
        try addFaults([(1, "trickle", 100)])
        let started = Date()
        let result = try harness.run("synclet", ["sync"])
        XCTAssertEqual(result.exitCode, 1, result.output)
        XCTAssertTrue(result.stderr.contains("not complete within 1.5s (http.request_timeout_seconds)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("a body trickling in"), result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "a deadline, not the stage timeout")
    }

    func testAByteOrderMarkIsAcceptedAndAStoreDatabaseErrorIsRetriedNotTakenForARejectedKey() throws {
        try harness.startSimulator(["--orders", "200", "--quirks", "none"])
        try addFaults([(1, "bom", 1), (2, "db-error", 1)])
        let result = try harness.synclet("sync")
        XCTAssertTrue(result.stderr.contains("SQLSTATE[HY000] [2002] Connection refused"), "the retry names it: \(result.stderr)")
        try harness.assertDatabaseEqualsStore()

        try harness.control("POST", "/_sim/mutate?update=5")
        try addFaults([(0, "db-error", 100)])
        let failed = try harness.run("synclet", ["sync"])
        XCTAssertEqual(failed.exitCode, 1, "a failing store, not a rejected key (3): \(failed.output)")
        XCTAssertTrue(failed.stderr.contains("the store answered an error: \"SQLSTATE[HY000] [2002] Connection refused\""), failed.stderr)
        XCTAssertFalse(failed.stderr.contains("MAGENTO_ACCESS_KEY"), failed.stderr)
    }

    func testARefusedConnectionReadsCleanlyAndFailsWithoutWaitingOutTheConnectTimeout() throws {
        // A port that was just free: nothing listens there.
        let socket = UnusedPort()
        let port = socket.boundPort
        socket.close()
        let started = Date()
        let result = try harness.run("synclet", ["test"], environment: ["MAGENTO_BASE_URL": "http://127.0.0.1:\(port)/onesaas_connect/index/index"])
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.exitCode, 1, result.output)
        XCTAssertTrue(result.stderr.contains("connection refused: nothing listens at that address and port"), result.stderr)
        XCTAssertFalse(result.stderr.contains("(error set)"), result.stderr)
        // Four attempts with a 2 s connect timeout took 8 s when each attempt waited it out.
        XCTAssertLessThan(elapsed, 4, "took \(elapsed)s")
    }

    func testHTTPSToAPlainHTTPPortAdvisesAboutThePortNotAPrivateCA() throws {
        try harness.startSimulator(["--orders", "10"])
        let result = try harness.run("synclet", ["test"], environment: ["MAGENTO_BASE_URL": "https://127.0.0.1:\(harness.simulatorPort)/onesaas_connect/index/index"])
        XCTAssertEqual(result.exitCode, 1, result.output)
        XCTAssertTrue(result.stderr.contains("answered plain HTTP, not TLS"), result.stderr)
        XCTAssertFalse(result.stderr.contains("http.ca_file"), result.stderr)
    }

    func testAMisspeltPipelineKeyStopsTheSyncWithExitCode2NamingItsLine() throws {
        try "http:\n  retries: 2\n  conncurrency: 4\n".write(toFile: harness.pipelinePath, atomically: true, encoding: .utf8)
        let misspelt = try harness.run("synclet", ["sync"], environment: ["MAGENTO_BASE_URL": "http://127.0.0.1:9/x"])
        XCTAssertEqual(misspelt.exitCode, 2, misspelt.output)
        XCTAssertTrue(misspelt.stderr.contains("line 3: http.conncurrency is not a setting"), misspelt.stderr)
        try "http:\n  retries: -1\n".write(toFile: harness.pipelinePath, atomically: true, encoding: .utf8)
        let negative = try harness.run("synclet", ["sync"], environment: ["MAGENTO_BASE_URL": "http://127.0.0.1:9/x"])
        XCTAssertEqual(negative.exitCode, 2, "a configuration error, not a crash: \(negative.output)")
        XCTAssertTrue(negative.stderr.contains("http.retries must be a whole number from 0 to 100"), negative.stderr)
    }
}

/// A TCP socket bound to a free port on 127.0.0.1, to find a port nothing listens on.
private struct UnusedPort {
    let descriptor: Int32
    let boundPort: Int

    init() {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        boundPort = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        _ = Foundation.close(descriptor)
    }
}
