import Foundation
import OneSaasSimulator
import XCTest

final class ControlAPITests: SimulatorTestCase {
    func testMutateUpdatesAndCreatesOrdersStampedNow() throws {
        try startServer(orders: 100)
        let answer = try XCTUnwrap(client.post("/_sim/mutate?update=3&create=2").json() as? [String: [Int]])
        XCTAssertEqual(answer["updated"]?.count, 3)
        XCTAssertEqual(answer["created"], [101, 102])
        let now = try XCTUnwrap(UTCTime.parse(String(UTCTime.databaseText(server?.store.clock.now() ?? 0))))
        let touched = Set((answer["updated"] ?? []) + (answer["created"] ?? [])).map(String.init)
        for order in try truth() where touched.contains(order["id"] as? String ?? "") {
            let updated = try XCTUnwrap(UTCTime.parse(order["last_updated"] as? String ?? ""))
            XCTAssertLessThanOrEqual(abs(updated - now), 2)
        }
    }

    func testStatsCountRequests() throws {
        try startServer(orders: 20, quirks: .none)
        _ = try ordersPage(0)
        _ = try client.get(endpoint("Action=StoreInfo"))
        let stats = try XCTUnwrap(client.get("/_sim/stats").json() as? [String: Int])
        XCTAssertEqual(stats["orders"], 20)
        XCTAssertEqual(stats["dropped"], 0)
        XCTAssertEqual(stats["requests"], 2)
        XCTAssertEqual(stats["orders_requests"], 1)
    }

    func testBadOrdersAreInvalidInRotatingWays() throws {
        try startServer(orders: 300) { $0.store.badOrderCount = 3 }
        let orders = try XCTUnwrap(orders(in: ordersPage(0, size: 300))).compactMap { $0 as? [String: Any] }
        XCTAssertEqual(orders.filter { $0["Id"] == nil }.count, 1)
        XCTAssertEqual(orders.filter { ($0["Date"] as? String) == "not a date" }.count, 1)
        XCTAssertEqual(orders.filter { ($0["Total"] as? String) == "abc" }.count, 1)
        XCTAssertEqual(try truth().filter { $0["bad"] != nil }.count, 3)
    }

    /// The reason the simulator exists: LIMIT/OFFSET over a set that grows while it is read loses rows.
    func testMutationDuringPagingMakesANaiveClientMissAnUpdatedOrder() throws {
        try startServer(orders: 400, quirks: .none)
        let before = try truth()
        let times = before.compactMap { $0["last_updated"] as? String }.sorted()
        let since = times[times.count / 2]
        _ = try client.post("/_sim/mutate-during-paging?every=1&update=1&create=0")
        let extra = "&LastUpdatedTime=" + since.replacingOccurrences(of: " ", with: "%20")
        let seen = Set(try pageThrough(size: 10, extra: extra).compactMap { ($0 as? [String: Any])?["Id"] as? String })
        _ = try client.post("/_sim/mutate-during-paging?every=0")
        let shouldHaveSeen = try truth().filter { ($0["last_updated"] as? String ?? "") > since }
            .compactMap { $0["id"] as? String }
        let missed = Set(shouldHaveSeen).subtracting(seen)
        XCTAssertFalse(missed.isEmpty, "a naive pass should lose at least one order")
    }

    func testAMutationWithinTheSameSecondStillStampsThatSecond() throws {
        try startServer(orders: 50, quirks: .none)
        let first = try XCTUnwrap(client.post("/_sim/mutate?update=1").json() as? [String: [Int]])
        let stamp = try XCTUnwrap(truth().first { $0["id"] as? String == String(first["updated"]?.first ?? 0) }?["last_updated"] as? String)
        XCTAssertEqual(stamp, UTCTime.databaseText(server?.store.clock.now() ?? 0))
    }

    func testLatencyDelaysOrdersPages() throws {
        try startServer(orders: 10)
        _ = try client.post("/_sim/latency?ms=300")
        let start = Date()
        _ = try ordersPage(0)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.29)
    }
}
