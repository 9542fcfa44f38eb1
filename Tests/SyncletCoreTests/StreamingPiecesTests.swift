import Foundation
import XCTest
@testable import SyncletCore

/// The pieces a streaming sync rests on: a stage follows only what the stage before it has
/// committed in its current attempt; the pace of extract halves when the store is overloaded
/// and creeps back up to its maximum; `http.max_concurrency` is read strictly.
final class StreamingPiecesTests: XCTestCase {
    private func newRun() throws -> StagedRun {
        let staging = StagingArea(root: (try makeTemporaryDirectory(self) as NSString).appendingPathComponent("staging"))
        let request = OrdersRequest(endpoint: "https://shop.example.co.uk/onesaas_connect/index/index", pageSize: 50,
                                    orderCreatedTime: UTCTime(secondsSince1970: 1_735_689_600), lastUpdatedTime: nil)
        return try staging.createRun(type: .initial, request: request, watermarkBefore: nil)
    }

    private func page(_ number: Int) -> PageRecord {
        PageRecord(page: number, file: StagedRun.rawFileName(page: number), bytes: 10, sha256: "sha-\(number)", orders: 50, dropped: 0,
                   httpStatus: 200, serverDate: nil, fetchedAt: UTCTime(secondsSince1970: 1_764_072_000), milliseconds: 5, attempts: 1)
    }

    func testAFollowerTakesOnlyThePagesTheCurrentAttemptListedAndEndsWhenItCompletes() throws {
        let run = try newRun()
        // An earlier, killed attempt listed two pages.
        try run.startLedger(of: .extract)
        try run.beginStage(.extract)
        let killed = try XCTUnwrap(try run.loadManifest().stages[.extract]?.attemptId)
        try run.appendToLedger(of: .extract, attemptId: killed, pages: [page(0), page(1)])

        // The current attempt.
        try run.startLedger(of: .extract)
        let attempt = try XCTUnwrap(try run.beginStage(.extract).stages[.extract]?.attemptId)
        try run.appendToLedger(of: .extract, attemptId: "someone-else", pages: [page(7)])
        try run.appendToLedger(of: .extract, attemptId: attempt, pages: [page(0)])
        try run.beginStage(.transform, following: true)
        let feed = try StageFeed(run: run, following: .extract)
        XCTAssertFalse(feed.followsACompletedStage)
        XCTAssertEqual(try feed.next(upTo: 4)?.map(\.page), [0])

        try run.appendToLedger(of: .extract, attemptId: attempt, pages: [page(1), page(2)])
        var record = ExtractRecord()
        record.pages = [page(0), page(1), page(2)]
        record.reachedEnd = true
        let final = record
        try run.updateManifest { try $0.record(final) }
        try run.finishStage(.extract)
        try run.closeLedger(of: .extract, attemptId: attempt)
        XCTAssertEqual(try feed.next(upTo: 1)?.map(\.page), [1])
        XCTAssertEqual(try feed.next(upTo: 4)?.map(\.page), [2])
        XCTAssertNil(try feed.next(upTo: 4))
        XCTAssertEqual(try run.loadManifest().status, .transforming, "the earliest stage not completed gives the status")
    }

    func testAFollowerOfACompletedStageGetsItsPagesFromRunJSON() throws {
        let run = try newRun()
        try run.beginStage(.extract)
        var record = ExtractRecord()
        record.pages = [page(0), page(1)]
        let final = record
        try run.updateManifest { try $0.record(final) }
        try run.finishStage(.extract)
        let feed = try StageFeed(run: run, following: .extract)
        XCTAssertTrue(feed.followsACompletedStage)
        XCTAssertEqual(try feed.next(upTo: 8)?.map(\.page), [0, 1])
        XCTAssertNil(try feed.next(upTo: 8))
    }

    func testFollowingAStageThatHasNotBegunIsAClearError() throws {
        let run = try newRun()
        XCTAssertThrowsError(try StageFeed(run: run, following: .extract)) { error in
            XCTAssertTrue("\(error)".contains("extract has neither completed nor is it running"), "\(error)")
        }
    }

    func testAStageCompletesOnlyAfterTheStageItFollows() throws {
        let run = try newRun()
        try run.beginStage(.extract)
        try run.beginStage(.transform, following: true)
        XCTAssertThrowsError(try run.finishStage(.transform))
        try run.finishStage(.extract)
        XCTAssertEqual(try run.loadManifest().status, .transforming)
        try run.finishStage(.transform)
        XCTAssertEqual(try run.loadManifest().status, .transformed)
    }

    func testThePaceHalvesOnceWhenTheStoreIsOverloadedAndCreepsBackToItsMaximum() async throws {
        let pacing = AdaptiveConcurrency(initial: 4, maximum: 6, log: Log(minimumLevel: .error))
        // Four requests in flight all answer 429: one overload, one halving.
        var tickets: [AdaptiveConcurrency.Ticket] = []
        for _ in 0..<4 { tickets.append(try await pacing.acquire()) }
        for ticket in tickets { await pacing.release(ticket, .overloaded(retryAfter: nil)) }
        var limit = await pacing.limit
        XCTAssertEqual(limit, 2)
        // A timeout after that halves again.
        await pacing.release(try await pacing.acquire(), .overloaded(retryAfter: nil))
        limit = await pacing.limit
        XCTAssertEqual(limit, 1)
        await pacing.release(try await pacing.acquire(), .overloaded(retryAfter: nil))
        limit = await pacing.limit
        XCTAssertEqual(limit, 1, "never below one")

        // Good answers raise it by one per run twice as long as the limit; the level that last
        // overloaded the store (here 1 itself, then 2) only after a long run of them.
        for _ in 0..<(AdaptiveConcurrency.probeAfter - 1) { await pacing.release(try await pacing.acquire(), .good) }
        limit = await pacing.limit
        XCTAssertEqual(limit, 1, "not back at once to where the store said no")
        for _ in 0..<400 { await pacing.release(try await pacing.acquire(), .good) }
        limit = await pacing.limit
        XCTAssertEqual(limit, 6, "up to the maximum")
        let lowest = await pacing.lowest
        XCTAssertEqual(lowest, 1)
    }

    func testMaxConcurrencyIsReadStrictlyAndNeverBelowConcurrency() throws {
        XCTAssertEqual(try PipelineConfiguration.parse("http:\n  max_concurrency: 8\n", path: "p.yaml").http.maxConcurrency, 8)
        XCTAssertEqual(try PipelineConfiguration.parse("http:\n  concurrency: 6\n", path: "p.yaml").http.maxConcurrency, 6,
                       "unset, it follows a higher concurrency")
        XCTAssertEqual(PipelineConfiguration().http.maxConcurrency, 4)
        for (text, expected) in [
            ("http:\n  max_concurrency: 0\n", "http.max_concurrency must be a whole number from 1 to 32, got \"0\""),
            ("http:\n  max_concurrency: 40\n", "http.max_concurrency must be a whole number from 1 to 32, got \"40\""),
            ("http:\n  concurrency: 4\n  max_concurrency: 2\n", "http.max_concurrency (2) must not be less than http.concurrency (4)"),
        ] {
            XCTAssertThrowsError(try PipelineConfiguration.parse(text, path: "p.yaml")) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
