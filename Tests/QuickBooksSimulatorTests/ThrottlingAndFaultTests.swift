import Foundation
import QuickBooksSimulator
import XCTest

/// Throttling per realm (section 9) and each fault kind the control API plans.
final class ThrottlingAndFaultTests: SimulatorTestCase {
    private func planFault(_ json: String) throws {
        let response = try http.send("POST", "/__control/faults", body: json)
        XCTAssertEqual(response.status, 200, response.text)
    }

    func testRequestsBeyondTheMinutesLimitGet429ThrottleExceeded() throws {
        try startServer { $0.limits.requestsPerMinute = 3 }
        try connect()
        for _ in 1...3 { XCTAssertEqual(try api("GET", "companyinfo/\(realm)").status, 200) }
        let throttled = try api("GET", "companyinfo/\(realm)")
        XCTAssertEqual(throttled.status, 429)
        XCTAssertEqual(try faultCode(throttled), "3001")
        XCTAssertEqual(try JSON.parse(throttled.body).value(at: "Fault.Error")?.array?.first?["Message"]?.string,
                       "message=ThrottleExceeded; errorCode=003001; statusCode=429")
        _ = try control("POST", "limits?requests_per_minute=1000")
        XCTAssertEqual(try api("GET", "companyinfo/\(realm)").status, 200, "raising the limit and forgetting the minute lets it through")
    }

    func testBatchRequestsHaveTheirOwnLimit() throws {
        try startServer { $0.limits.batchRequestsPerMinute = 2 }
        try connect()
        let batch = #"{"BatchItemRequest": [{"bId": "1", "Query": "select * from TaxCode"}]}"#
        XCTAssertEqual(try api("POST", "batch", body: batch).status, 200)
        XCTAssertEqual(try api("POST", "batch", body: batch).status, 200)
        XCTAssertEqual(try api("POST", "batch", body: batch).status, 429)
        XCTAssertEqual(try api("GET", "companyinfo/\(realm)").status, 200, "other requests are not batch requests")
    }

    func testRequestsBeyondTheInFlightLimitGet429() throws {
        try startServer { configuration in
            configuration.limits.maxInFlight = 2
            configuration.latencyMilliseconds = 2500
        }
        try connect()
        let statuses = Locked([Int]())
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            let client = http
            let token = accessToken
            let realm = realm
            DispatchQueue.global().async {
                let status = (try? client.send("GET", "/v3/company/\(realm)/companyinfo/\(realm)",
                                               headers: [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]).status) ?? 0
                statuses.withLock { $0.append(status) }
                group.leave()
            }
        }
        group.wait()
        let seen = statuses.withLock { $0 }.sorted()
        XCTAssertEqual(seen, [200, 200, 429, 429])
        XCTAssertEqual(try control("GET", "stats").value(at: "limits.peak_in_flight"), .number("2"))
    }

    func testErrorFaultsAnswerWithoutApplyingThenTheNextRequestWorks() throws {
        try startServer()
        try connect()
        for (kind, status, code) in [("http500", 500, "10000"), ("http503", 503, "10000"), ("http429", 429, "3001")] {
            try planFault(#"{"kind": "\#(kind)", "path": "/salesreceipt"}"#)
            let response = try api("POST", "salesreceipt", body: salesReceipt(docNumber: "F-\(kind)", amounts: ["1"]))
            XCTAssertEqual(response.status, status, kind)
            XCTAssertEqual(try faultCode(response), code, kind)
        }
        try planFault(#"{"kind": "http401"}"#)
        let unauthorized = try api("GET", "companyinfo/\(realm)")
        XCTAssertEqual(unauthorized.status, 401)
        XCTAssertEqual(try JSON.parse(unauthorized.body).value(at: "fault.error")?.array?.first?["code"]?.string, "3200")
        try planFault(#"{"kind": "http401-upper"}"#)
        let upper = try api("GET", "companyinfo/\(realm)")
        XCTAssertEqual(upper.status, 401)
        XCTAssertEqual(try faultCode(upper), "3200", "the same failure in the upper-case Fault envelope")
        try planFault(#"{"kind": "http429-xml"}"#)
        let xml = try api("GET", "companyinfo/\(realm)")
        XCTAssertEqual(xml.status, 429)
        XCTAssertEqual(xml.headers["content-type"], "application/xml")
        XCTAssertTrue(xml.text.contains(#"<Error code="3001">"#))
        XCTAssertEqual(try control("GET", "documents")["count"], .number("0"), "nothing was applied")
        XCTAssertEqual(try api("POST", "salesreceipt", body: salesReceipt(docNumber: "F-ok", amounts: ["1"])).status, 200)
    }

    func testADroppedRequestIsNotAppliedButAnAppliedThenDroppedOneIs() throws {
        try startServer()
        try connect()
        try planFault(#"{"kind": "drop", "method": "POST"}"#)
        let dropped = try api("POST", "salesreceipt?requestid=r-1", body: salesReceipt(docNumber: "100000001", amounts: ["10"]))
        XCTAssertFalse(dropped.answered)
        XCTAssertEqual(try control("GET", "documents")["count"], .number("0"))

        try planFault(#"{"kind": "apply-then-drop", "path": "/salesreceipt"}"#)
        let lost = try api("POST", "salesreceipt?requestid=r-2", body: salesReceipt(docNumber: "100000002", amounts: ["10"]))
        XCTAssertFalse(lost.answered, "the answer is lost")
        XCTAssertEqual(try control("GET", "documents")["count"], .number("1"), "but the write is committed")
        let lookedUp = try query("select * from SalesReceipt where DocNumber = '100000002'")
        XCTAssertEqual(lookedUp["SalesReceipt"]?.array?.count, 1)
        let retried = try api("POST", "salesreceipt?requestid=r-2", body: salesReceipt(docNumber: "100000002", amounts: ["10"]))
        XCTAssertEqual(retried.status, 200, "a retry with the same requestid gets the lost answer")
        XCTAssertEqual(try control("GET", "creates").value(at: "by_doc_number.100000002"), .number("1"))
    }

    func testASlowAnswerComesAfterItsDelay() throws {
        try startServer()
        try connect()
        try planFault(#"{"kind": "slow", "ms": 600}"#)
        let start = Date()
        XCTAssertEqual(try api("GET", "companyinfo/\(realm)").status, 200)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.55)
    }

    func testAFaultCanHitTheTokenEndpointAndFaultsAreListedAndCleared() throws {
        try startServer()
        try connect()
        try planFault(#"[{"kind": "http503", "path": "/oauth2/v1/tokens/bearer"}, {"kind": "http500", "times": 5}]"#)
        XCTAssertEqual(try tokenRequest("grant_type=refresh_token&refresh_token=\(refreshToken)").status, 503)
        XCTAssertEqual(try tokenRequest("grant_type=refresh_token&refresh_token=\(refreshToken)").status, 200)
        let pending = try XCTUnwrap(JSON.parse(http.send("GET", "/__control/faults").body).array)
        XCTAssertEqual(pending.first?["times"], .number("5"))
        _ = try http.send("DELETE", "/__control/faults")
        XCTAssertEqual(try JSON.parse(http.send("GET", "/__control/faults").body), .array([]))
    }

    func testResetGivesANewCompanyButKeepsTheConnection() throws {
        try startServer()
        try connect()
        _ = try create("SalesReceipt", salesReceipt(docNumber: "100000001", amounts: ["10"]))
        _ = try control("POST", "reset")
        XCTAssertEqual(try control("GET", "documents")["count"], .number("0"))
        XCTAssertEqual(try api("GET", "companyinfo/\(realm)").status, 200)
    }
}

/// A value shared between the threads of a test.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
