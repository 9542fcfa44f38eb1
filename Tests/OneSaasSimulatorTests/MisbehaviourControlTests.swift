import Foundation
import OneSaasSimulator
import XCTest

/// The controls and faults that reproduce a misbehaving store (issue 10): one order's fields,
/// the store clock, and pages that are empty, short, repeated, slow, marked or failing.
final class MisbehaviourControlTests: SimulatorTestCase {
    private func order(_ id: Int, onPageOf size: Int = 100) throws -> [String: Any]? {
        let orders = try XCTUnwrap(orders(in: ordersPage(0, size: size))).compactMap { $0 as? [String: Any] }
        return orders.first { ($0["Id"] as? String) == String(id) }
    }

    func testPatchSetsOneOrdersFieldAsTheEndpointRendersIt() throws {
        try startServer(orders: 30, quirks: .none)
        let phone = String(repeating: "7", count: 66)
        let answer = try client.post("/_sim/patch?order=5", body: #"{"Contact.WorkPhone":"\#(phone)"}"#)
        XCTAssertEqual(answer.status, 200, answer.text)
        let patched = try XCTUnwrap(order(5))
        XCTAssertEqual((patched["Contact"] as? [String: Any])?["WorkPhone"] as? String, phone)
        let other = try XCTUnwrap(order(6))
        XCTAssertNotEqual((other["Contact"] as? [String: Any])?["WorkPhone"] as? String, phone, "only order 5 changes")
        XCTAssertEqual(try client.post("/_sim/patch?order=999", body: #"{"A":"b"}"#).status, 400)
        XCTAssertEqual(try client.post("/_sim/patch?order=5", body: "not json").status, 400)
    }

    func testAFutureLastUpdatedDateMovesTheOrderInTheStoreItself() throws {
        try startServer(orders: 30, quirks: .none)
        XCTAssertEqual(try client.post("/_sim/patch?order=3", body: #"{"LastUpdatedDate":"9999-12-31 23:59:59"}"#).status, 200)
        XCTAssertEqual(try order(3)?["LastUpdatedDate"] as? String, "9999-12-31 23:59:59")
        // The filter sees it: asked for orders updated after 2100, only order 3 comes back.
        let later = try XCTUnwrap(orders(in: ordersPage(0, extra: "&LastUpdatedTime=2100-01-01%2000:00:00")))
        XCTAssertEqual(later.compactMap { ($0 as? [String: Any])?["Id"] as? String }, ["3"])
        XCTAssertEqual(try truth().first { $0["id"] as? String == "3" }?["last_updated"] as? String, "9999-12-31 23:59:59")
    }

    func testTheStoreClockCanBeSetAheadAndCorrected() throws {
        try startServer(orders: 5, quirks: .none)
        let ahead = try XCTUnwrap(client.post("/_sim/clock?offset_seconds=10800").json() as? [String: Any])
        XCTAssertEqual(ahead["offset_seconds"] as? Int, 10800)
        let now = Int64(Date().timeIntervalSince1970)
        let storeNow = try XCTUnwrap(UTCTime.parse(ahead["now"] as? String ?? ""))
        XCTAssertLessThanOrEqual(abs(storeNow - now - 10800), 2)
        let created = try XCTUnwrap(client.post("/_sim/mutate?create=1").json() as? [String: [Int]])
        let stamped = try truth().first { $0["id"] as? String == String(created["created"]?.first ?? 0) }
        XCTAssertLessThanOrEqual(abs((UTCTime.parse(stamped?["last_updated"] as? String ?? "") ?? 0) - now - 10800), 2, "new orders are stamped by the fast clock")
        let corrected = try XCTUnwrap(client.post("/_sim/clock?offset_seconds=0").json() as? [String: Any])
        XCTAssertEqual(corrected["offset_seconds"] as? Int, 0)
    }

    func testPagingFaultsChangeWhatThePageHolds() throws {
        try startServer(orders: 40, quirks: .none) {
            $0.faults = [Fault(page: 1, kind: .emptyOrders), Fault(page: 2, kind: .shortPage), Fault(page: nil, kind: .ignorePage, times: 1)]
        }
        XCTAssertEqual(try orders(in: ordersPage(1, size: 10))?.count, 0, "empty-orders: an object with an empty list, not \"\"")
        XCTAssertEqual(try orders(in: ordersPage(2, size: 10))?.count, 5, "short-page: half the rows")
        let ignored = try ordersPage(3, size: 10)
        XCTAssertEqual(ignored.body, try ordersPage(0, size: 10).body, "ignore-page: page 0's bytes")
        XCTAssertEqual(try orders(in: ordersPage(3, size: 10))?.count, 10, "faults are used up")
    }

    func testBodyFaultsMarkTrickleOrFailTheAnswer() throws {
        try startServer(orders: 1, quirks: .none) {
            $0.trickleByteMilliseconds = 1
            $0.faults = [Fault(page: 0, kind: .bom), Fault(page: 0, kind: .dbError), Fault(page: 0, kind: .trickle)]
        }
        let marked = try ordersPage(0)
        XCTAssertEqual(Array(marked.body.prefix(3)), [0xEF, 0xBB, 0xBF])
        XCTAssertEqual(String(decoding: marked.body.dropFirst(3).prefix(1), as: UTF8.self), "{")
        let failed = try ordersPage(0)
        XCTAssertEqual(failed.text, #"{"Error":"SQLSTATE[HY000] [2002] Connection refused"}"#)
        let started = Date()
        let trickled = try ordersPage(0)
        XCTAssertEqual(trickled.body, try ordersPage(0).body, "the same bytes, only slowly")
        XCTAssertGreaterThan(Date().timeIntervalSince(started), Double(trickled.body.count) / 1000 * 0.5)
        XCTAssertNotNil(Fault(specification: "page=3:empty-orders:times=2"))
        XCTAssertNotNil(Fault(specification: "ignore-page:times=1000"))
    }
}
