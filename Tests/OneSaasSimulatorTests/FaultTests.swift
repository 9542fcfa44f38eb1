import Foundation
import OneSaasSimulator
import XCTest

/// Each fault answers as a real broken store does, once, and then the page recovers.
final class FaultTests: SimulatorTestCase {
    private func injectOnce(_ kind: String, page: Int = 1) throws {
        let pending = try client.post("/_sim/faults", body: #"[{"page":\#(page),"kind":"\#(kind)","times":1}]"#)
        XCTAssertEqual(pending.status, 200, pending.text)
    }

    private func assertRecovers(page: Int = 1, file: StaticString = #filePath, line: UInt = #line) throws {
        let response = try ordersPage(page, size: 10)
        XCTAssertEqual(response.status, 200, file: file, line: line)
        XCTAssertNotNil(try orders(in: response), file: file, line: line)
    }

    func testHTTPErrorPagesAnswerOnceThenRecover() throws {
        try startServer(orders: 40)
        for (kind, status) in [("http500", 500), ("http503", 503), ("http502", 502), ("http429", 429)] {
            try injectOnce(kind)
            let response = try ordersPage(1, size: 10)
            XCTAssertEqual(response.status, status, kind)
            XCTAssertTrue(response.headers["content-type"]?.hasPrefix("text/html") == true, kind)
            XCTAssertTrue(response.text.contains("<html"), kind)
            if kind == "http429" { XCTAssertEqual(response.headers["retry-after"], "1") }
            try assertRecovers()
        }
    }

    func testAPHPNoticeIsPrintedBeforeTheJSON() throws {
        try startServer(orders: 40)
        try injectOnce("php-notice")
        let response = try ordersPage(1, size: 10)
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.text.hasPrefix("<br />\n<b>Notice</b>:  Undefined index: "))
        XCTAssertTrue(response.text.contains(#"</b> on line <b>42</b><br />"# + "\n{\"OneSaas Version\""))
        try assertRecovers()
    }

    func testATruncatedBodyEndsHalfwayAndClosesTheConnection() throws {
        try startServer(orders: 40)
        let full = try ordersPage(1, size: 10).body
        try injectOnce("truncated")
        let response = try ordersPage(1, size: 10)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["connection"], "close")
        XCTAssertEqual(response.headers["content-length"], String(response.body.count))
        XCTAssertLessThan(response.body.count, full.count)
        XCTAssertEqual(Array(full.prefix(response.body.count)), response.body)
        XCTAssertThrowsError(try response.json())
        try assertRecovers()
    }

    func testInvalidJSONEmptyBodyAndBadKeyAnswerWithStatus200() throws {
        try startServer(orders: 40)
        try injectOnce("invalid-json")
        XCTAssertEqual(try ordersPage(1, size: 10).text, #"{"OneSaas Version":"4.2.0.6","Orders":[{"Id":"1",,]}"#)
        try assertRecovers()
        try injectOnce("empty-body")
        let empty = try ordersPage(1, size: 10)
        XCTAssertEqual(empty.status, 200)
        XCTAssertTrue(empty.body.isEmpty)
        try assertRecovers()
        try injectOnce("bad-key")
        XCTAssertEqual(try ordersPage(1, size: 10).text, #"{"Error":"Invalid API key"}"#)
        try assertRecovers()
    }

    func testATimeoutHoldsTheRequestThenHangsUp() throws {
        try startServer(orders: 40) { $0.faultTimeoutSeconds = 1 }
        try injectOnce("timeout")
        let start = Date()
        let response = try ordersPage(1, size: 10)
        XCTAssertFalse(response.answered)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.9)
        try assertRecovers()
    }

    func testFaultsFromTheCommandLineFormApplyToTheirPageOnly() throws {
        try startServer(orders: 40) { configuration in
            configuration.faults = [Fault(specification: "page=2:http503:times=2")].compactMap { $0 }
        }
        let listed = try XCTUnwrap(client.get("/_sim/faults").json() as? [[String: Any]])
        XCTAssertEqual(listed.first?["kind"] as? String, "http503")
        XCTAssertEqual(listed.first?["times"] as? Int, 2)
        try assertRecovers(page: 1)
        XCTAssertEqual(try ordersPage(2, size: 10).status, 503)
        XCTAssertEqual(try ordersPage(2, size: 10).status, 503)
        try assertRecovers(page: 2)
        XCTAssertEqual(try XCTUnwrap(client.get("/_sim/faults").json() as? [Any]).count, 0)
    }

    func testAFaultWithoutAPageHitsTheNextOrdersRequest() throws {
        try startServer(orders: 40)
        _ = try client.post("/_sim/faults", body: #"[{"kind":"http500"}]"#)
        XCTAssertEqual(try ordersPage(3, size: 10).status, 500)
        try assertRecovers(page: 3)
    }
}
