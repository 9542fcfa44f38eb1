import Crypto
import XCTest
@testable import SyncletCore

/// `transform` over a staged run on disk: canonical pages, rejects and the manifest's counts.
final class TransformStageTests: XCTestCase {
    private let quietLog = Log(minimumLevel: .error)

    /// A run in a temporary staging area whose extract stage staged `pages` and completed.
    private func stagedRun(pages: [[UInt8]], completeExtract: Bool = true) throws -> StagedRun {
        let staging = StagingArea(root: try makeTemporaryDirectory(self))
        let request = OrdersRequest(endpoint: "https://shop.example.co.uk/onesaas_connect/index/index", pageSize: 50,
                                    orderCreatedTime: try XCTUnwrap(UTCTime(parsing: "2025-01-01 00:00:00")), lastUpdatedTime: nil)
        let run = try staging.createRun(type: .initial, request: request, watermarkBefore: nil)
        try run.beginStage(.extract)
        var records: [PageRecord] = []
        for (number, bytes) in pages.enumerated() {
            try StagingFileSystem.writeAtomically(bytes, to: run.rawPath(page: number))
            let page = try ordersPage(bytes)
            records.append(PageRecord(
                page: number, file: StagedRun.rawFileName(page: number), bytes: bytes.count,
                sha256: SHA256.hash(data: bytes).hexString, orders: page.orderCount, dropped: page.droppedCount,
                httpStatus: 200, serverDate: nil, fetchedAt: .now(), milliseconds: 12, attempts: 1))
        }
        try run.updateManifest { manifest in
            manifest.extract?.pages = records
            manifest.extract?.reachedEnd = true
        }
        if completeExtract { try run.finishStage(.extract) }
        return run
    }

    func testAPageWithBadOrdersStillTransformsTheRestAndCountsEverything() throws {
        let run = try stagedRun(pages: [Fixture.bytes("quirks-page.json"), Fixture.bytes("rejects-page.json")])
        try TransformStage(run: run, log: quietLog).execute()

        let manifest = try run.loadManifest()
        XCTAssertEqual(manifest.stages[.transform]?.status, .completed)
        let counts = try XCTUnwrap(manifest.transform)
        XCTAssertEqual(counts.pages, 2)
        XCTAssertEqual(counts.accepted, 6)
        XCTAssertEqual(counts.rejected, 7)
        XCTAssertEqual(counts.dropped, 3)
        XCTAssertEqual(counts.unreconciled, 2)
        XCTAssertEqual(counts.incompleteLines, 1)
        XCTAssertEqual(counts.earliestRejectedUpdate, UTCTime(parsing: "2025-07-04 12:00:00"))
        XCTAssertTrue(counts.rejectedWithoutUpdateTime, "the element 42 has no LastUpdatedDate")

        let first = try run.readCanonicalPage(0)
        XCTAssertEqual(first.map(\.id), [1001, 1002, 1003, 1004])
        XCTAssertEqual(first.map(\.source.position), [0, 2, 3, 4])
        let second = try run.readCanonicalPage(1)
        XCTAssertEqual(second.map(\.id), [2001, 2009])
        XCTAssertEqual(second.map(\.source), [.init(page: 1, position: 0), .init(page: 1, position: 9)])
        XCTAssertEqual(second[1].reconciliation, .init(reconciles: false, difference: "0.0100"))

        // Every accepted order's rawJSON is a slice of its staged page.
        let rawPage = try StagingFileSystem.read(run.rawPath(page: 0))
        for order in first {
            let raw = Array(order.rawJSON.utf8)
            XCTAssertNotNil(rawPage.indices.first { rawPage[$0...].starts(with: raw) }, "order \(order.id)")
        }
    }

    func testEachRejectNamesItsPagePositionFieldAndKeepsTheOriginalJSON() throws {
        let rejectsBody = try Fixture.bytes("rejects-page.json")
        let run = try stagedRun(pages: [Fixture.bytes("quirks-page.json"), rejectsBody])
        try TransformStage(run: run, log: quietLog).execute()

        let rejects = try run.readRejects()
        XCTAssertEqual(rejects.map(\.page), Array(repeating: 1, count: 7))
        XCTAssertEqual(rejects.map(\.position), [1, 2, 3, 5, 6, 7, 8])
        XCTAssertEqual(rejects.map(\.orderId), [nil, "12a", "2004", "2005", "2006", "2007", nil])
        XCTAssertEqual(rejects.map(\.reason), [
            "Id is missing",
            "Id is not a positive whole number: \"12a\"",
            "Date is not a date and time: \"not a date\"",
            "Total is not a number: \"abc\"",
            "Total is missing",
            "Items[1] is a string, not an object",
            "the element is a number, not an order",
        ])
        XCTAssertEqual(rejects.map(\.lastUpdatedDate), [
            "2025-07-06 11:00:00", "2025-07-04 12:00:00", "2025-07-07 12:00:00", "2025-07-08 13:00:00",
            "2025-07-09 14:00:00", "2025-07-10 15:00:00", nil,
        ])
        let page = try ordersPage(rejectsBody)
        for reject in rejects {
            switch page.elements[reject.position] {
            case .order(_, let raw), .unexpected(_, let raw): XCTAssertEqual(reject.rawJSON, raw)
            case .dropped: XCTFail("a dropped element is not a reject")
            }
        }
        XCTAssertEqual(rejects.last?.rawJSON, "42")
    }

    func testTransformingARunTwiceGivesTheSameFiles() throws {
        let run = try stagedRun(pages: [Fixture.bytes("quirks-page.json"), Fixture.bytes("rejects-page.json")])
        try TransformStage(run: run, log: quietLog).execute()
        let canonical = try StagingFileSystem.read(run.canonicalPath(page: 0))
        let rejects = try StagingFileSystem.read(run.rejectsPath)
        try TransformStage(run: run, log: quietLog).execute()
        XCTAssertEqual(try StagingFileSystem.read(run.canonicalPath(page: 0)), canonical)
        XCTAssertEqual(try StagingFileSystem.read(run.rejectsPath), rejects)
        XCTAssertEqual(try run.loadManifest().transform?.accepted, 6)
        XCTAssertEqual(try run.loadManifest().stages[.transform]?.attempts, 2)
    }

    func testTransformRefusesARunWhoseExtractHasNotCompleted() throws {
        let run = try stagedRun(pages: [Fixture.bytes("quirks-page.json")], completeExtract: false)
        XCTAssertThrowsError(try TransformStage(run: run, log: quietLog).execute()) { error in
            XCTAssertTrue("\(error)".contains("extract has not completed"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.canonicalPath(page: 0)))
    }

    func testTransformStopsAtARawPageThatWasChangedAfterExtract() throws {
        let run = try stagedRun(pages: [Fixture.bytes("quirks-page.json")])
        var bytes = try StagingFileSystem.read(run.rawPath(page: 0))
        bytes[100] ^= 0x01
        try StagingFileSystem.writeAtomically(bytes, to: run.rawPath(page: 0))
        XCTAssertThrowsError(try TransformStage(run: run, log: quietLog).execute()) { error in
            XCTAssertTrue("\(error)".contains("raw/page-000000.json does not match its SHA-256"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.canonicalPath(page: 0)))
    }
}
