import Foundation
import OneSaasSimulator
import XCTest

final class EndpointTests: SimulatorTestCase {
    func testAWrongKeyIsAnsweredWithHTTP200AndAnError() throws {
        try startServer()
        let response = try client.get("/onesaas_connect/index/index?AccessKey=nope&Action=Orders")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, #"{"Error":"Invalid API key"}"#)
        XCTAssertEqual(response.headers["content-type"], "application/json")
    }

    func testAnUnknownActionIsAnsweredWithInvalidAction() throws {
        try startServer()
        let response = try client.get(endpoint("Action=Refunds"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, #"{"Error":"Invalid Action"}"#)
    }

    func testStoreInfoProvesTheKeyAndGivesTheVersion() throws {
        try startServer()
        let info = try XCTUnwrap(client.get(endpoint("Action=StoreInfo")).json() as? [String: Any])
        XCTAssertEqual(info["OneSaas Version"] as? String, "4.2.0.6")
        XCTAssertEqual(info["Timezone"] as? String, "Europe/London")
        XCTAssertEqual(info["IsSellingPriceIncludingTax"] as? Bool, true)
    }

    func testEveryResponseCarriesAnRFC1123DateFromTheStoreClock() throws {
        try startServer(orders: 10) { $0.clockOffsetSeconds = -86_400 * 365 * 3 }
        let response = try client.get(endpoint("Action=StoreInfo"))
        let date = try XCTUnwrap(response.headers["date"])
        XCTAssertTrue(date.hasSuffix(" GMT"), date)
        let expectedYear = Calendar(identifier: .gregorian).component(.year, from: Date()) - 3
        XCTAssertTrue(date.contains(" \(expectedYear) ") || date.contains(" \(expectedYear - 1) "), date)
    }

    func testPagingReturnsEveryOrderExactlyOnceThenAnEmptyString() throws {
        try startServer(orders: 230)
        let elements = try pageThrough(size: 20)
        let ids = elements.compactMap { ($0 as? [String: Any])?["Id"] as? String }
        let dropped = elements.filter { ($0 as? String) == "" }.count
        let stats = try XCTUnwrap(client.get("/_sim/stats").json() as? [String: Any])
        XCTAssertEqual(elements.count, 230)
        XCTAssertEqual(Set(ids).count, ids.count)
        XCTAssertEqual(ids.count, stats["orders"] as? Int)
        XCTAssertEqual(dropped, stats["dropped"] as? Int)
        XCTAssertEqual(ids.map { Int($0) ?? 0 }, ids.map { Int($0) ?? 0 }.sorted())
        XCTAssertEqual(try ordersPage(12, size: 20).text, #""""#)
    }

    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        try startServer(orders: 5)
        let response = try client.send("GET", endpoint("Action=StoreInfo"), pipelined: 3)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text.components(separatedBy: "HTTP/1.1 200 OK").count, 3)
    }

    func testTheFilterIsStrictAtOneSecondResolution() throws {
        try startServer(orders: 200)
        let order = try XCTUnwrap(truth().first { ($0["status"] as? String) != nil })
        let id = try XCTUnwrap(order["id"] as? String)
        let updated = try XCTUnwrap(order["last_updated"] as? String)
        let seconds = try XCTUnwrap(UTCTime.parse(updated))
        func ids(after time: String) throws -> Set<String> {
            let escaped = time.replacingOccurrences(of: " ", with: "%20")
            let elements = try pageThrough(size: 100, extra: "&OrderCreatedTime=2025-01-01T00:00:00Z&LastUpdatedTime=\(escaped)")
            return Set(elements.compactMap { ($0 as? [String: Any])?["Id"] as? String })
        }
        XCTAssertFalse(try ids(after: updated).contains(id))
        XCTAssertFalse(try ids(after: updated.replacingOccurrences(of: " ", with: "T") + "Z").contains(id))
        XCTAssertTrue(try ids(after: UTCTime.databaseText(seconds - 1)).contains(id))
    }

    func testOrderCreatedTimeExcludesOlderOrdersEvenWhenRecentlyUpdated() throws {
        try startServer(orders: 100)
        let elements = try pageThrough(size: 100, extra: "&OrderCreatedTime=2099-01-01%2000:00:00")
        XCTAssertTrue(elements.isEmpty)
    }

    func testAnUnparseableTimeFallsBackToJanuary2010() throws {
        try startServer(orders: 50)
        let all = try pageThrough(size: 100)
        XCTAssertEqual(try pageThrough(size: 100, extra: "&LastUpdatedTime=yesterday-ish").count, all.count)
    }

    func testTextIsEscapedLikePHPJSONEncode() throws {
        try startServer(orders: 400)
        let response = try ordersPage(0, size: 400)
        let body = response.text
        XCTAssertTrue(body.contains(#"StoreName:Main Website\nMain Website Store\nDefault Store View"#))
        XCTAssertTrue(body.contains(#"\/"#))
        XCTAssertTrue(body.contains(#"\u00e9"#) || body.contains(#"\u00eb"#))
        XCTAssertTrue(body.range(of: #"\\ud8[3-3][c-f]\\ud[c-f][0-9a-f]{2}"#, options: .regularExpression) != nil,
                      "expected a surrogate pair for an emoji")
        XCTAssertFalse(response.body.contains { $0 >= 0x80 }, "json_encode sends pure ASCII")
    }

    func testTheEncoderMatchesPHPByteForByte() {
        let bytes = PHPJSONEncoder().encode(.object([.init("a/b", .string("José 王 🌸 \"q\"\n\t\u{1}"))]))
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       #"{"a\/b":"Jos\u00e9 \u738b \ud83c\udf38 \"q\"\n\t\u0001"}"#)
    }

    func testTimesParseLikeStrtotime() {
        let expected: Int64 = 1_751_355_676  // 2025-07-01 07:41:16 UTC
        XCTAssertEqual(UTCTime.parse("2025-07-01 07:41:16"), expected)
        XCTAssertEqual(UTCTime.parse("2025-07-01T07:41:16"), expected)
        XCTAssertEqual(UTCTime.parse("2025-07-01T07:41:16Z"), expected)
        XCTAssertEqual(UTCTime.parse("2025-07-01T08:41:16+01:00"), expected)
        XCTAssertNil(UTCTime.parse("last tuesday"))
        XCTAssertEqual(UTCTime.databaseText(expected), "2025-07-01 07:41:16")
        XCTAssertEqual(UTCTime.httpDateText(expected), "Tue, 01 Jul 2025 07:41:16 GMT")
    }
}
