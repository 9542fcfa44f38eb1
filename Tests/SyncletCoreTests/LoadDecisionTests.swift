import XCTest
@testable import SyncletCore

/// The decisions of `load`, pinned down without a database: which version of an order wins,
/// where the watermark goes, how an amount is read, and how a table's columns pair with values.
final class LoadDecisionTests: XCTestCase {
    private func version(_ updated: String, fetched: String?, hash: String = "a") -> OrderVersion {
        OrderVersion(lastUpdatedDate: updated, fetchedAt: fetched, contentHash: hash)
    }

    // MARK: - Stale, unchanged, updated

    func testAnOrderNotStoredYetIsInserted() {
        XCTAssertEqual(WriteDecision.decide(incoming: version("2025-07-01 10:00:00", fetched: "2025-07-01 10:05:00"), stored: nil), .insert)
    }

    func testTheSameContentIsLeftUnchanged() {
        let stored = version("2025-07-01 10:00:00", fetched: "2025-07-01 10:05:00", hash: "same")
        let incoming = version("2025-07-01 10:00:00", fetched: "2025-07-02 10:05:00", hash: "same")
        XCTAssertEqual(WriteDecision.decide(incoming: incoming, stored: stored), .unchanged)
    }

    func testAVersionFetchedLaterWithNewContentReplacesTheStoredOne() {
        let stored = version("2025-07-01 10:00:00", fetched: "2025-07-01 10:05:00", hash: "old")
        let incoming = version("2025-07-02 09:00:00", fetched: "2025-07-02 09:05:00", hash: "new")
        XCTAssertEqual(WriteDecision.decide(incoming: incoming, stored: stored), .update)
    }

    func testAReplayOfAnOlderFetchNeverOverwritesNewerData() {
        let stored = version("2025-07-02 09:00:00", fetched: "2025-07-02 09:05:00", hash: "new")
        let replayed = version("2025-07-01 10:00:00", fetched: "2025-07-01 10:05:00", hash: "old")
        XCTAssertEqual(WriteDecision.decide(incoming: replayed, stored: stored), .stale)
    }

    func testAStoreClockThreeHoursFastThenCorrectedDoesNotFreezeTheOrder() {
        // Stored while the store's clock ran three hours fast: LastUpdatedDate is ahead of the
        // later, real edit made after the clock was corrected.
        let stored = version("2025-07-01 13:00:00", fetched: "2025-07-01 10:01:00", hash: "fast-clock")
        let edit = version("2025-07-01 11:00:00", fetched: "2025-07-01 11:01:00", hash: "real-edit")
        XCTAssertEqual(WriteDecision.decide(incoming: edit, stored: stored), .update)
    }

    func testALastUpdatedDateOf9999DoesNotFreezeTheOrder() {
        let stored = version("9999-12-31 00:00:00", fetched: "2025-07-01 10:01:00", hash: "broken")
        let edit = version("2025-07-02 11:00:00", fetched: "2025-07-02 11:01:00", hash: "edit")
        XCTAssertEqual(WriteDecision.decide(incoming: edit, stored: stored), .update)
    }

    func testWithinTheSameFetchSecondTheLaterLastUpdatedDateWins() {
        let stored = version("2025-07-01 10:00:00", fetched: "2025-07-01 10:05:00", hash: "a")
        XCTAssertEqual(WriteDecision.decide(incoming: version("2025-07-01 09:00:00", fetched: "2025-07-01 10:05:00", hash: "b"), stored: stored), .stale)
        XCTAssertEqual(WriteDecision.decide(incoming: version("2025-07-01 11:00:00", fetched: "2025-07-01 10:05:00", hash: "b"), stored: stored), .update)
    }

    func testRecordsWithoutAFetchTimeFallBackToLastUpdatedDate() {
        let stored = version("2025-07-01 10:00:00", fetched: "2025-07-01 10:05:00", hash: "a")
        XCTAssertEqual(WriteDecision.decide(incoming: version("2025-06-01 10:00:00", fetched: nil, hash: "b"), stored: stored), .stale)
        XCTAssertEqual(WriteDecision.decide(incoming: version("2025-08-01 10:00:00", fetched: nil, hash: "b"), stored: stored), .update)
    }

    func testTheLaterFetchOfAnOrderSeenTwiceInABatchWins() throws {
        var first = try makeOrder(id: 7, lastUpdated: "9999-12-31 00:00:00")
        first.source.fetchedAt = "2025-07-01 10:00:00"
        var second = try makeOrder(id: 7, lastUpdated: "2025-07-01 10:00:00")
        second.source.fetchedAt = "2025-07-01 10:00:03"
        XCTAssertEqual(OrderWriter.newestVersions([first, second]).map(\.lastUpdatedDate), ["2025-07-01 10:00:00"])
        XCTAssertEqual(OrderWriter.newestVersions([second, first]).map(\.lastUpdatedDate), ["2025-07-01 10:00:00"])
    }

    // MARK: - The next watermark

    private func manifest(type: RunType = .incremental, storeClock: String? = "2025-07-01 12:00:00",
                          localClock: String = "2025-07-01 12:00:30") -> RunManifest {
        var manifest = RunManifest(
            runId: "r1", type: type, createdAt: UTCTime(parsing: "2025-07-01 12:00:00")!,
            request: OrdersRequest(endpoint: "e", pageSize: 50, orderCreatedTime: UTCTime(parsing: "2025-01-01 00:00:00")!, lastUpdatedTime: nil),
            watermarkBefore: nil)
        var extract = ExtractRecord()
        extract.storeClockAtStart = storeClock.flatMap(UTCTime.init(parsing:))
        extract.localClockAtStart = UTCTime(parsing: localClock)
        manifest.extract = extract
        return manifest
    }

    func testTheWatermarkIsTheStoresClockAtTheStartMinusTheOverlap() {
        XCTAssertEqual(LoadStage.nextWatermark(manifest(), transform: TransformRecord(), overlapSeconds: 300)?.description, "2025-07-01 11:55:00")
    }

    func testWithoutAStoreClockTheWatermarkUsesOurs() {
        XCTAssertEqual(LoadStage.nextWatermark(manifest(storeClock: nil), transform: TransformRecord(), overlapSeconds: 0)?.description, "2025-07-01 12:00:30")
    }

    func testTheWatermarkStaysBeforeTheEarliestOrderRejectedInTransformOrLoad() {
        var transform = TransformRecord()
        transform.earliestRejectedUpdate = UTCTime(parsing: "2025-07-01 09:00:00")
        XCTAssertEqual(LoadStage.nextWatermark(manifest(), transform: transform, overlapSeconds: 300)?.description, "2025-07-01 08:59:59")
        XCTAssertEqual(LoadStage.nextWatermark(manifest(), transform: transform, overlapSeconds: 300,
                                               earliestLoadReject: UTCTime(parsing: "2025-07-01 08:00:00"))?.description, "2025-07-01 07:59:59")
    }

    func testAReplayOrARunLoadedBeforeDoesNotMoveTheWatermark() {
        XCTAssertNil(LoadStage.nextWatermark(manifest(type: .replay), transform: TransformRecord(), overlapSeconds: 300))
        var loaded = manifest()
        loaded.load = LoadRecord()
        XCTAssertNil(LoadStage.nextWatermark(loaded, transform: TransformRecord(), overlapSeconds: 300))
    }

    // MARK: - Amounts are exact or rejected

    func testPHPFloatNoiseIsReadAsTheFourPlaceValueItStandsFor() {
        XCTAssertEqual(Decimal4.read("0.30000000000000004"), .exact(Decimal4(parsing: "0.3")!))
        XCTAssertEqual(Decimal4.read("12.499999999999998"), .exact(Decimal4(parsing: "12.5")!))
        XCTAssertEqual(Decimal4.read("0.82499999999999996"), .exact(Decimal4(parsing: "0.825")!))
        XCTAssertEqual(Decimal4.read("119.9000"), .exact(Decimal4(parsing: "119.9")!))
        XCTAssertEqual(Decimal4.read("1.5e-3"), .exact(Decimal4(parsing: "0.0015")!))
    }

    func testARealFifthDecimalIsNotRoundedSilently() {
        XCTAssertEqual(Decimal4.read("12.34567"), .moreThanFourPlaces)
        XCTAssertEqual(Decimal4.read("0.00005"), .moreThanFourPlaces)
        XCTAssertEqual(Decimal4.read("abc"), .notANumber)
    }

    func testAnOrderWithAFifthDecimalIsRejectedNamingTheField() throws {
        let page = String(decoding: try Fixture.bytes("quirks-page.json"), as: UTF8.self)
        XCTAssertTrue(page.contains("\"Total\":\"124.6500\""))
        let changed = Array(page.replacingOccurrences(of: "\"Total\":\"124.6500\"", with: "\"Total\":\"124.65001\"").utf8)
        var reasons: [String] = []
        for (position, element) in try ordersPage(changed).elements.enumerated() {
            guard case .order(let value, let rawJSON) = element else { continue }
            do {
                _ = try OrderNormalizer.normalize(value, rawJSON: rawJSON, source: .init(page: 0, position: position))
            } catch {
                reasons.append(error.reason)
            }
        }
        XCTAssertTrue(reasons.contains { $0.contains("Total has more than four decimal places: \"124.65001\"") }, "\(reasons)")
    }

    func testAPerUnitDiscountThatIsAQuotientIsRoundedNotRejected() throws {
        // The extension divides a line's discount by its quantity (1.00 ÷ 3): no exact form.
        let page = String(decoding: try Fixture.bytes("quirks-page.json"), as: UTF8.self)
            .replacingOccurrences(of: "\"Discount\":0.30000000000000004", with: "\"Discount\":0.3333333333333333")
        let order = try XCTUnwrap(try acceptedOrders(Array(page.utf8))[1001])
        XCTAssertEqual(order.items.compactMap(\.discount), ["0.3333"])
    }

    // MARK: - Table descriptions

    func testEveryTableDescriptionGivesOneValuePerColumn() throws {
        let order = try makeOrder(id: 5, lastUpdated: "2025-07-02 08:10:00")
        for table in OrderTables.all {
            for row in table.rows(order, OrderTables.Context(runId: "r", now: "2025-07-02 09:00:00")) {
                XCTAssertEqual(row.count, table.columns.count, table.name.rawValue)
            }
            XCTAssertEqual(Set(table.columns).count, table.columns.count, "a column listed twice in \(table.name.rawValue)")
        }
    }

    func testAColumnCarriesItsOwnValue() throws {
        let order = try makeOrder(id: 5, lastUpdated: "2025-07-02 08:10:00")
        let row = try XCTUnwrap(OrderTables.orders.rows(order, OrderTables.Context(runId: "run-9", now: "2025-07-02 09:00:00")).first)
        func value(_ column: String) -> String? {
            guard let index = OrderTables.orders.columns.firstIndex(of: column) else { return nil }
            if case .string(let text) = row[index] { return text }
            if case .int(let number) = row[index] { return String(number) }
            return nil
        }
        XCTAssertEqual(value("order_number"), "100000005")
        XCTAssertEqual(value("last_updated_date"), "2025-07-02 08:10:00")
        XCTAssertEqual(value("loaded_by_run"), "run-9")
        XCTAssertEqual(value("total"), "124.6500")
    }

    func testClearEmptiesChildrenBeforeTheirParents() {
        let order = TableName.clearedByClear
        XCTAssertLessThan(order.firstIndex(of: .orderCreditItems)!, order.firstIndex(of: .orderCredits)!)
        XCTAssertLessThan(order.firstIndex(of: .orderItems)!, order.firstIndex(of: .orders)!)
        XCTAssertTrue(order.contains(.orderRejects) && order.contains(.syncHistory))
    }

    // MARK: - Settings of load

    func testLoadSettingsDefaultAndOverride() throws {
        let defaults = try PipelineConfiguration.parse("watermark:\n  overlap_seconds: 300\n", path: "pipeline.yaml").load
        XCTAssertEqual(defaults.batchSize, 200)
        XCTAssertEqual(defaults.retries, 5)
        let set = try PipelineConfiguration.parse("load:\n  batch_size: 50\n  retries: 2\n", path: "pipeline.yaml").load
        XCTAssertEqual(set.batchSize, 50)
        XCTAssertEqual(set.retries, 2)
    }
}

/// The first order of the quirks fixture page, renumbered and redated.
func makeOrder(id: Int64, lastUpdated: String) throws -> CanonicalOrder {
    var order = try XCTUnwrap(try acceptedOrders(Fixture.bytes("quirks-page.json"))[1001])
    order.id = id
    order.orderNumber = String(100_000_000 + id)
    order.lastUpdatedDate = lastUpdated
    return order
}
