import XCTest
@testable import SyncletCore

/// Which answers end a run, which are staged and which are anomalies (issue 10, items 3 and 4).
final class PagingGuardTests: XCTestCase {
    private func ids(_ range: ClosedRange<Int>) -> [String] { range.map(String.init) }

    func testFullPagesAreStagedAndOnlyTheEmptyStringEndsTheRun() {
        var guardian = PagingGuard(pageSize: 3)
        XCTAssertEqual(guardian.judge(page: 0, answer: .orders(count: 3, ids: ids(1...3))), .stage)
        XCTAssertEqual(guardian.judge(page: 1, answer: .orders(count: 3, ids: ids(4...6))), .stage)
        XCTAssertEqual(guardian.judge(page: 2, answer: .end), .end)
    }

    func testAShortLastPageFollowedByTheEndIsNormal() {
        var guardian = PagingGuard(pageSize: 3)
        XCTAssertEqual(guardian.judge(page: 0, answer: .orders(count: 3, ids: ids(1...3))), .stage)
        XCTAssertEqual(guardian.judge(page: 1, answer: .orders(count: 2, ids: ids(4...5))), .holdAsLast)
        XCTAssertEqual(guardian.judge(page: 2, answer: .end), .end)
    }

    func testAnEmptyOrdersListIsNotTheEndButARetryOfThatPage() {
        var guardian = PagingGuard(pageSize: 3)
        XCTAssertEqual(guardian.judge(page: 0, answer: .orders(count: 3, ids: ids(1...3))), .stage)
        guard case .retry(let page, let reason) = guardian.judge(page: 1, answer: .orders(count: 0, ids: [])) else {
            return XCTFail("an empty Orders list must be retried")
        }
        XCTAssertEqual(page, 1)
        XCTAssertTrue(reason.contains("empty Orders list"), reason)
        XCTAssertEqual(guardian.judge(page: 1, answer: .orders(count: 3, ids: ids(4...6))), .stage, "the retry is judged afresh")
    }

    func testAShortPageThatIsNotTheLastFetchesTheShortPageAgain() {
        var guardian = PagingGuard(pageSize: 3)
        XCTAssertEqual(guardian.judge(page: 0, answer: .orders(count: 1, ids: ["1"])), .holdAsLast)
        guard case .retry(let page, let reason) = guardian.judge(page: 1, answer: .orders(count: 3, ids: ids(4...6))) else {
            return XCTFail("a short page before more orders is an anomaly")
        }
        XCTAssertEqual(page, 0, "the short page is fetched again, not the one after it")
        XCTAssertTrue(reason.contains("page 0 held 1 of 3"), reason)
        // The store had grown: page 0 is full now, and paging goes on without calling it a repeat.
        XCTAssertEqual(guardian.judge(page: 0, answer: .orders(count: 3, ids: ids(1...3))), .stage)
        XCTAssertEqual(guardian.judge(page: 1, answer: .orders(count: 3, ids: ids(4...6))), .stage)
        XCTAssertEqual(guardian.judge(page: 2, answer: .end), .end)
    }

    func testAPageWithTheSameOrdersAsTheOneBeforeStopsTheRun() {
        var guardian = PagingGuard(pageSize: 3)
        XCTAssertEqual(guardian.judge(page: 0, answer: .orders(count: 3, ids: ids(1...3))), .stage)
        guard case .stop(let reason) = guardian.judge(page: 1, answer: .orders(count: 3, ids: ids(1...3))) else {
            return XCTFail("a repeated page must stop the run")
        }
        XCTAssertTrue(reason.contains("ignores the Page parameter"), reason)
        XCTAssertTrue(reason.contains("same orders as page 0"), reason)
    }

    func testAShortOnlyPageRepeatedStopsRatherThanRetrying() {
        var guardian = PagingGuard(pageSize: 50)
        XCTAssertEqual(guardian.judge(page: 0, answer: .orders(count: 7, ids: ids(1...7))), .holdAsLast)
        guard case .stop = guardian.judge(page: 1, answer: .orders(count: 7, ids: ids(1...7))) else {
            return XCTFail("a store answering page 0 again is not a short-page anomaly to retry")
        }
    }

    func testOneOrderPagesMayRepeatOnceWhenAnOrderShiftsButNotTwice() {
        var guardian = PagingGuard(pageSize: 1)
        XCTAssertEqual(guardian.judge(page: 0, answer: .orders(count: 1, ids: ["5"])), .stage)
        XCTAssertEqual(guardian.judge(page: 1, answer: .orders(count: 1, ids: ["5"])), .stage, "an update mid-pass shifted the rows by one")
        guard case .stop = guardian.judge(page: 2, answer: .orders(count: 1, ids: ["5"])) else {
            return XCTFail("the third time the same single order comes back, the store ignores Page")
        }
    }

    func testAResumedRunCatchesARepeatOfThePageStagedBeforeTheRestart() {
        var guardian = PagingGuard(pageSize: 3)
        guardian.remember(page: 4, answer: .orders(count: 3, ids: ids(13...15)))
        guard case .stop = guardian.judge(page: 5, answer: .orders(count: 3, ids: ids(13...15))) else {
            return XCTFail("page 5 repeats page 4, staged by the attempt before")
        }
    }

    func testPagesOfDroppedOrdersOnlyAreNotTakenForRepeats() {
        var guardian = PagingGuard(pageSize: 2)
        XCTAssertEqual(guardian.judge(page: 0, answer: .orders(count: 2, ids: [])), .stage)
        XCTAssertEqual(guardian.judge(page: 1, answer: .orders(count: 2, ids: [])), .stage)
    }

    func testACacheCyclingThroughAFewPagesStopsTheRun() {
        // A cache cycling through two pages never repeats the page just before.
        var guardian = PagingGuard(pageSize: 2)
        var decision = PagingGuard.Decision.stage
        var page = 0
        while case .stage = decision, page < 100 {
            let twoPages = page % 3 == 0 ? ["1", "2"] : page % 3 == 1 ? ["3", "4"] : ["5", "6"]
            decision = guardian.judge(page: page, answer: .orders(count: 2, ids: twoPages))
            page += 1
        }
        guard case .stop(let reason) = decision else { return XCTFail("\(decision)") }
        XCTAssertLessThan(page, 10, "stops within a few pages, not after thousands")
        XCTAssertTrue(reason.contains("ignores the Page parameter"), reason)
    }
}

/// The one backoff every retry uses.
final class BackoffTests: XCTestCase {
    func testStepsDoubleUpToTheMaximumWithJitterInTheUpperHalf() {
        let backoff = Backoff(initialSeconds: 1, maximumSeconds: 5)
        XCTAssertEqual((1...5).map(backoff.step(afterAttempt:)), [1, 2, 4, 5, 5])
        for attempt in 1...6 {
            let delay = backoff.delay(afterAttempt: attempt)
            XCTAssertGreaterThanOrEqual(delay, backoff.step(afterAttempt: attempt) / 2)
            XCTAssertLessThanOrEqual(delay, backoff.step(afterAttempt: attempt))
        }
        XCTAssertEqual(backoff.honouring(retryAfter: 3600), 20, "a Retry-After is bounded by four maximum steps")
        XCTAssertEqual(Backoff(initialSeconds: 0, maximumSeconds: 0).delay(afterAttempt: 3), 0)
        XCTAssertEqual(backoff.step(afterAttempt: 10_000), 5, "no overflow on a huge attempt number")
    }
}

/// What an answer of the endpoint means, beyond the corpus of real pages.
final class AnswerClassificationTests: XCTestCase {
    func testAByteOrderMarkBeforeTheJSONIsAccepted() throws {
        let page = Array(#"{"OneSaas Version":"4.2.0.6","Orders":[{"Id":"7","OrderNumber":"1"}]}"#.utf8)
        guard case .orders(let orders) = try PageResponse.classify(PageResponse.byteOrderMark + page, keepingOrders: false) else {
            return XCTFail("not a page")
        }
        XCTAssertEqual(orders.orderCount, 1)
        XCTAssertEqual(try PageResponse.classify(PageResponse.byteOrderMark + Array(#""""#.utf8)), .endOfData)
    }

    func testCountingAPageKeepsTheIdOfEachOrder() throws {
        let page = Array(#"{"OneSaas Version":"4.2.0.6","Orders":[{"Id":"7","Items":[{"Id":"99"}]},"",{"OrderNumber":"x"},{"Id":12}]}"#.utf8)
        guard case .orders(let orders) = try PageResponse.classify(page, keepingOrders: false) else { return XCTFail("not a page") }
        XCTAssertEqual(orders.orderIds, ["7", "12"], "top-level Ids only, a number read as its text")
        XCTAssertEqual(orders.elementCount, 4)
    }

    func testOnlyTheExtensionsOwnRefusalsAreRejections() {
        XCTAssertEqual((OneSaasClient.classifyError("Invalid API key") as? EndpointError)?.isRejection, true)
        XCTAssertEqual((OneSaasClient.classifyError("Invalid Action") as? EndpointError)?.isRejection, true)
        let databaseDown = OneSaasClient.classifyError("SQLSTATE[HY000] [2002] Connection refused")
        XCTAssertTrue(databaseDown is StoreSideError, "a database error of the store is retried, not exit 3")
        XCTAssertTrue("\(databaseDown)".contains("SQLSTATE[HY000] [2002] Connection refused"), "\(databaseDown)")
    }
}
