import Crypto
import Foundation
import XCTest
@testable import SyncletCore

/// Staged files are complete or absent, private to their owner, and checked before use.
final class StagingTests: XCTestCase {
    private func newRun() throws -> (StagingArea, StagedRun) {
        let staging = StagingArea(root: (try makeTemporaryDirectory(self) as NSString).appendingPathComponent("staging"))
        let request = OrdersRequest(endpoint: "https://shop.example.co.uk/onesaas_connect/index/index", pageSize: 50,
                                    orderCreatedTime: UTCTime(secondsSince1970: 1_735_689_600), lastUpdatedTime: nil)
        return (staging, try staging.createRun(type: .initial, request: request, watermarkBefore: nil))
    }

    func testAnAtomicWriteLeavesOnlyTheFinishedPrivateFile() throws {
        let (_, run) = try newRun()
        let path = run.rawPath(page: 0)
        let body = try Fixture.bytes("quirks-page.json")
        try StagingFileSystem.writeAtomically(body, to: path)
        try StagingFileSystem.writeAtomically(Array("replaced".utf8), to: path)
        XCTAssertEqual(try StagingFileSystem.read(path), Array("replaced".utf8))
        XCTAssertEqual(try posixMode(path), 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run.rawDirectory), ["page-000000.json"])
        try StagingFileSystem.writeAtomically([], to: run.path("empty"))
        XCTAssertEqual(try StagingFileSystem.read(run.path("empty")), [])
    }

    func testAFailedAtomicWriteLeavesNothingBehind() throws {
        let (_, run) = try newRun()
        let target = run.path("a-directory")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        XCTAssertThrowsError(try StagingFileSystem.writeAtomically(Array("x".utf8), to: target)) { error in
            XCTAssertTrue("\(error)".contains("cannot rename"), "\(error)")
        }
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: run.directory).contains { $0.hasPrefix(".tmp-") })
    }

    func testLeftoverTemporaryFilesOfAKilledWriterAreRemoved() throws {
        let (_, run) = try newRun()
        FileManager.default.createFile(atPath: (run.canonicalDirectory as NSString).appendingPathComponent(".tmp-page-000000.jsonl-1-2"), contents: Data("half".utf8))
        try StagingFileSystem.writeAtomically(Array("{}".utf8), to: run.canonicalPath(page: 1))
        StagingFileSystem.removeLeftoverTemporaryFiles(in: run.canonicalDirectory)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run.canonicalDirectory), ["page-000001.jsonl"])
    }

    func testARunsDirectoriesAndFilesArePrivate() throws {
        let (staging, run) = try newRun()
        for directory in [staging.root, run.directory, run.rawDirectory, run.canonicalDirectory] {
            XCTAssertEqual(try posixMode(directory), 0o700, directory)
        }
        XCTAssertEqual(try posixMode(run.manifestPath), 0o600)
        let nested = run.path("deeper/still")
        try StagingFileSystem.makePrivateDirectory(nested)
        XCTAssertEqual(try posixMode(nested), 0o700)
        XCTAssertEqual(try posixMode(run.path("deeper")), 0o700)
    }

    func testARawPageWhoseBytesChangedIsRejected() throws {
        let (_, run) = try newRun()
        let body = try Fixture.bytes("quirks-page.json")
        try StagingFileSystem.writeAtomically(body, to: run.rawPath(page: 0))
        let record = PageRecord(page: 0, file: StagedRun.rawFileName(page: 0), bytes: body.count,
                                sha256: SHA256.hash(data: body).hexString, orders: 4, dropped: 2, httpStatus: 200,
                                serverDate: "Tue, 25 Nov 2025 11:38:01 GMT", fetchedAt: .now(), milliseconds: 5, attempts: 1)
        XCTAssertEqual(try run.verifiedRawPage(record), body)

        var changed = body
        changed[200] = changed[200] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try StagingFileSystem.writeAtomically(changed, to: run.rawPath(page: 0))
        XCTAssertThrowsError(try run.verifiedRawPage(record)) { error in
            XCTAssertTrue("\(error)".contains("raw/page-000000.json does not match its SHA-256 in run.json"), "\(error)")
        }
        try StagingFileSystem.writeAtomically(Array(body.dropLast()), to: run.rawPath(page: 0))
        XCTAssertThrowsError(try run.verifiedRawPage(record), "a truncated page")
        try FileManager.default.removeItem(atPath: run.rawPath(page: 0))
        XCTAssertThrowsError(try run.verifiedRawPage(record)) { error in
            XCTAssertTrue("\(error)".contains("raw/page-000000.json is missing"), "\(error)")
        }
    }

    func testTheManifestRecordsStagesAndSurvivesARoundTrip() throws {
        let (staging, run) = try newRun()
        XCTAssertEqual(try run.loadManifest().nextStage, .extract)
        try run.beginStage(.extract)
        try run.finishStage(.extract)
        try run.beginStage(.transform)
        try run.finishStage(.transform, error: "disk full")
        let manifest = try staging.run(run.runId).loadManifest()
        XCTAssertEqual(manifest.stages[.extract]?.status, .completed)
        XCTAssertEqual(manifest.stages[.transform]?.status, .failed)
        XCTAssertEqual(manifest.stages[.transform]?.error, "disk full")
        XCTAssertEqual(manifest.nextStage, .transform)
        XCTAssertEqual(manifest.request.orderCreatedTime.description, "2025-01-01 00:00:00")
        XCTAssertEqual(staging.unfinishedRuns().map(\.run.runId), [run.runId])
        XCTAssertThrowsError(try staging.run("../\(run.runId)"))
        XCTAssertThrowsError(try staging.run("20250101T000000Z-000000"))
    }

    func testADamagedManifestIsReportedNotTrusted() throws {
        let (_, run) = try newRun()
        try StagingFileSystem.writeAtomically(Array("{\"runId\":".utf8), to: run.manifestPath)
        XCTAssertThrowsError(try run.loadManifest()) { error in
            XCTAssertTrue("\(error)".contains("run.json is not a valid manifest"), "\(error)")
        }
    }
}

/// One rule decides which folders of `runs/` are runs.
final class RunFolderTests: XCTestCase {
    func testOnlyFolderNamesCreateRunGivesAreRuns() {
        XCTAssertTrue(StagingArea.isRunFolderName("20261125T120000Z-3f9a1c"))
        for name in ["20261125T120000Z-3f9a1c.damaged", "20261125T120000Z-3f9a1c.damaged.damaged", ".tmp-x", "notes.txt",
                     "20261125T120000Z-3F9A1C", "2026112XT120000Z-3f9a1c", ""] {
            XCTAssertFalse(StagingArea.isRunFolderName(name), name)
        }
        XCTAssertEqual(StagingArea.creationTime(ofRun: "20261125T120304Z-3f9a1c")?.description, "2026-11-25 12:03:04")
    }

    func testAFolderSetAsideAsDamagedIsNoLongerARunAndIsPrunedPastRetention() throws {
        let staging = StagingArea(root: (try makeTemporaryDirectory(self) as NSString).appendingPathComponent("staging"))
        let request = OrdersRequest(endpoint: "https://shop.example/x", pageSize: 50, orderCreatedTime: UTCTime(secondsSince1970: 0), lastUpdatedTime: nil)
        let old = try staging.createRun(type: .initial, request: request, watermarkBefore: nil, now: Date(timeIntervalSinceNow: -20 * 86_400))
        try StagingFileSystem.writeAtomically(Array("{\"runId\":".utf8), to: old.manifestPath)
        XCTAssertEqual(staging.unfinishedRunsWithReasons().count, 1)
        XCTAssertNotNil(staging.unfinishedRunsWithReasons().first?.unreadable)
        try staging.setAsideDamaged(runId: old.runId)
        XCTAssertEqual(staging.allRuns().count, 0, "a damaged folder is not a run: never resumed, listed or renamed again")
        XCTAssertEqual(staging.unfinishedRuns().count, 0)
        // What older synclets left: the same folder renamed on every sync.
        let older = "20250101T000000Z-0a0b0c.damaged.damaged.damaged"
        try FileManager.default.createDirectory(atPath: staging.runsDirectory + "/" + older, withIntermediateDirectories: false)
        XCTAssertEqual(staging.damagedFolders().map(\.runId), ["20250101T000000Z-0a0b0c", old.runId])
        XCTAssertEqual(staging.allRuns().count, 0)
        let removed = RetentionPolicy(staging: staging, keepDays: 14, log: Log(minimumLevel: .error, redactor: Redactor(secrets: []))).prune()
        XCTAssertEqual(removed, ["20250101T000000Z-0a0b0c", old.runId])
        XCTAssertTrue(staging.damagedFolders().isEmpty)
    }
}

/// One sync at a time, and the one refused learns who holds the lock.
final class RunLockTests: XCTestCase {
    func testASecondSyncAlwaysLearnsWhoHoldsTheLockEvenWhileTheHolderRewritesItsLine() throws {
        let staging = StagingArea(root: (try makeTemporaryDirectory(self) as NSString).appendingPathComponent("staging"))
        let lock = try RunLock.acquire(staging: staging)
        // The runner and then each stage it starts rewrite the line, longer and shorter in turn.
        let rewriting = DispatchGroup()
        DispatchQueue.global().async(group: rewriting) {
            for round in 0..<20_000 {
                lock.describe(run: round.isMultiple(of: 2) ? "20261206T020052Z-8650ae" : nil, stage: round.isMultiple(of: 3) ? .extract : nil)
            }
        }
        var attempts = 0
        while rewriting.wait(timeout: .now()) == .timedOut {
            attempts += 1
            do {
                _ = try RunLock.acquire(staging: staging)
                XCTFail("took a lock that is held")
                return
            } catch StagingError.locked(let holder) {
                XCTAssertTrue(holder.hasPrefix("process \(getpid())"), "attempt \(attempts): \(holder)")
                XCTAssertEqual(holder.components(separatedBy: ", held since ").count, 2, "one line, no rest of an older one: \(holder)")
                if !holder.hasPrefix("process ") { break }
            }
        }
        XCTAssertGreaterThan(attempts, 0)
    }
}
