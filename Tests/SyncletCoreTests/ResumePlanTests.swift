import XCTest
@testable import SyncletCore

/// Which unfinished run a normal `synclet sync` resumes, and what becomes of the others.
final class ResumePlanTests: XCTestCase {
    func testWithNoUnfinishedRunANewRunIsPlanned() {
        XCTAssertEqual(ResumePlan.decide([]), ResumePlan())
    }

    func testTheNewestIntactRunIsResumedAndOlderOnesAbandoned() {
        let plan = ResumePlan.decide([.resumable(runId: "A"), .damagedPages(runId: "B", problem: "x"), .resumable(runId: "C")])
        XCTAssertEqual(plan.resume, "C")
        XCTAssertEqual(plan.abandon.map(\.runId), ["A", "B"])
        XCTAssertEqual(plan.abandon.first?.reason, "superseded by the newer unfinished run C")
        XCTAssertEqual(plan.setAside, [])
    }

    func testANewestRunWithDamagedPagesIsAbandonedAndANewRunPlanned() {
        let plan = ResumePlan.decide([.damagedPages(runId: "A", problem: "raw/page-000003.json is missing")])
        XCTAssertNil(plan.resume)
        XCTAssertEqual(plan.abandon, [.init(runId: "A", reason: "it cannot be resumed: raw/page-000003.json is missing")])
    }

    func testARunWithAnUnreadableManifestIsSetAsideNotAbandoned() {
        let plan = ResumePlan.decide([.unreadable(runId: "A", problem: "run.json is not a valid manifest"), .resumable(runId: "B"),
                                      .unreadable(runId: "C", problem: "run.json is missing")])
        XCTAssertNil(plan.resume)
        XCTAssertEqual(plan.setAside.map(\.runId), ["A", "C"])
        XCTAssertEqual(plan.abandon, [.init(runId: "B", reason: "superseded by the newer unfinished run C")])
    }
}
