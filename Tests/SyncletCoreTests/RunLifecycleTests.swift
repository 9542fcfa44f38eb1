import Foundation
import XCTest
@testable import SyncletCore

/// A staged run moves through its lifecycle only by the allowed transitions, and its manifest
/// says whether its load may move the watermark.
final class RunLifecycleTests: XCTestCase {
    private func manifest(_ type: RunType = .incremental) -> RunManifest {
        let request = OrdersRequest(endpoint: "https://shop.example/onesaas_connect/index/index", pageSize: 50,
                                    orderCreatedTime: UTCTime(secondsSince1970: 1_735_689_600), lastUpdatedTime: nil)
        var manifest = RunManifest(runId: "20261125T120000Z-3f9a1c", type: type, createdAt: UTCTime(secondsSince1970: 1_764_072_000),
                                   request: request, watermarkBefore: nil)
        manifest.recordedStatus = .planned
        return manifest
    }

    func testARunGoesFromPlannedToLoadedThroughEachStage() throws {
        var run = manifest()
        var seen = [run.status]
        for stage in StageName.allCases {
            try run.begin(stage)
            seen.append(run.status)
            try run.finish(stage)
            seen.append(run.status)
        }
        XCTAssertEqual(seen, [.planned, .extracting, .extracted, .transforming, .transformed, .loading, .loaded])
        XCTAssertTrue(run.isFinished)
        XCTAssertNil(run.nextStage)
    }

    func testAStageCannotStartBeforeTheStagesBeforeItHaveCompleted() throws {
        var run = manifest()
        XCTAssertThrowsError(try run.begin(.load)) { error in
            XCTAssertEqual("\(error)", "run 20261125T120000Z-3f9a1c is planned, so it cannot start load")
        }
        try run.begin(.extract)
        XCTAssertThrowsError(try run.begin(.transform))
    }

    func testAFailedStageIsResumedByStartingItAgain() throws {
        var run = manifest()
        try run.begin(.extract)
        try run.finish(.extract, error: "the store answered 503")
        XCTAssertEqual(run.status, .failed)
        XCTAssertEqual(run.failedStage, .extract)
        XCTAssertFalse(run.isFinished)
        try run.begin(.extract)
        XCTAssertEqual(run.stages[.extract]?.attempts, 2)
        XCTAssertEqual(run.status, .extracting)
    }

    func testALoadedRunCannotBeRewrittenByAStageThatOutlivedItsRunner() throws {
        var run = manifest()
        for stage in StageName.allCases {
            try run.begin(stage)
            try run.finish(stage)
        }
        XCTAssertThrowsError(try run.record(ExtractRecord()))
        XCTAssertThrowsError(try run.finish(.extract, error: "late"))
        XCTAssertThrowsError(try run.begin(.extract))
        XCTAssertThrowsError(try run.abandon(reason: "superseded"))
    }

    func testAnAbandonedRunIsFinalUntilReplayed() throws {
        var run = manifest()
        try run.begin(.extract)
        try run.abandon(reason: "superseded by sync --force-initial")
        XCTAssertEqual(run.status, .abandoned)
        XCTAssertTrue(run.isFinished)
        XCTAssertThrowsError(try run.begin(.extract)) { error in
            XCTAssertTrue("\(error)".contains("synclet sync --run 20261125T120000Z-3f9a1c --from"), "\(error)")
        }
    }

    func testOnlyTheFirstLoadOfAPlannedRunMayMoveTheWatermark() throws {
        var run = manifest()
        XCTAssertTrue(run.mayMoveWatermark)
        for stage in [StageName.extract, .transform] {
            try run.begin(stage)
            try run.finish(stage)
        }
        XCTAssertTrue(run.mayMoveWatermark)
        var replayed = run
        try replayed.prepareReplay(from: .load)
        XCTAssertFalse(replayed.mayMoveWatermark, "a replay of a run that never loaded does not move the watermark")
        XCTAssertEqual(replayed.type, .replay)
        XCTAssertEqual(replayed.plannedAs, .incremental)
        XCTAssertEqual(replayed.status, .transformed)

        try run.begin(.load)
        try run.record(LoadRecord())
        try run.finish(.load)
        XCTAssertFalse(run.mayMoveWatermark, "a run loaded once does not move it again")
    }

    func testAReplayFromTransformForgetsTransformAndLoadButKeepsThePages() throws {
        var run = manifest(.initial)
        var extract = ExtractRecord()
        extract.reachedEnd = true
        try run.begin(.extract)
        try run.record(extract)
        try run.finish(.extract)
        try run.begin(.transform)
        try run.finish(.transform, error: "disk full")
        try run.abandon(reason: "superseded")
        try run.prepareReplay(from: .transform)
        XCTAssertEqual(run.status, .extracted)
        XCTAssertNil(run.stages[.transform])
        XCTAssertNil(run.abandonedReason)
        XCTAssertEqual(run.extract?.reachedEnd, true)
        XCTAssertEqual(run.nextStage, .transform)
        XCTAssertThrowsError(try manifest().prepareReplayCopy(from: .load)) { error in
            XCTAssertTrue("\(error)".contains("before extract has completed"), "\(error)")
        }
    }

    func testAVersionOneManifestIsReadWithItsStatusDerivedFromItsStages() throws {
        let directory = (try makeTemporaryDirectory(self) as NSString).appendingPathComponent("staging")
        let staging = StagingArea(root: directory)
        let run = try staging.createRun(type: .initial, request: manifest().request, watermarkBefore: nil)
        try run.beginStage(.extract)
        try run.finishStage(.extract)
        // What synclet 0.1 wrote: no status, formatVersion 1.
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run.manifestPath))) as? [String: Any] ?? [:]
        json["formatVersion"] = 1
        json["status"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: run.manifestPath))
        XCTAssertEqual(try run.loadManifest().status, .extracted)
        try run.beginStage(.transform)
        XCTAssertEqual(try run.loadManifest().formatVersion, RunManifest.currentFormatVersion)
    }

    func testAnUnknownFormatVersionIsAClearError() throws {
        let directory = (try makeTemporaryDirectory(self) as NSString).appendingPathComponent("staging")
        let staging = StagingArea(root: directory)
        let run = try staging.createRun(type: .initial, request: manifest().request, watermarkBefore: nil)
        let text = try String(contentsOfFile: run.manifestPath, encoding: .utf8)
            .replacingOccurrences(of: "\"formatVersion\" : \(RunManifest.currentFormatVersion)", with: "\"formatVersion\" : 9")
        try StagingFileSystem.writeAtomically(Array(text.utf8), to: run.manifestPath)
        XCTAssertThrowsError(try run.loadManifest()) { error in
            XCTAssertEqual("\(error)", "staged run \(run.runId): run.json has format version 9, which this synclet does not know (it reads 1, 2); use the synclet that staged it, or remove the run's folder")
        }
    }
}

private extension RunManifest {
    func prepareReplayCopy(from stage: StageName) throws {
        var copy = self
        try copy.prepareReplay(from: stage)
    }
}
