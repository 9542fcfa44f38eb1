import XCTest
@testable import SyncletCore

/// UTC times to the second, in the forms the endpoint and `.env` use.
final class UTCTimeTests: XCTestCase {
    func testEveryFormTheEndpointAcceptsMeansTheSameSecond() throws {
        let expected = try XCTUnwrap(UTCTime(parsing: "2025-07-01 07:41:16"))
        for text in ["2025-07-01T07:41:16", "2025-07-01T07:41:16Z", "2025-07-01 07:41:16Z", "2025-07-01T07:41:16+00:00",
                     "2025-07-01T07:41:16+0000", "2025-07-01T07:41:16.999Z", "2025-07-01 07:41:16.5"] {
            XCTAssertEqual(UTCTime(parsing: text), expected, text)
        }
        XCTAssertEqual(expected.secondsSince1970, 1_751_355_676)
        XCTAssertEqual(expected.description, "2025-07-01 07:41:16")
        XCTAssertEqual(expected.iso8601, "2025-07-01T07:41:16Z")
    }

    func testImpossibleOrMalformedTimesAreRejected() {
        for text in ["2025-02-30 00:00:00", "2025-02-29 00:00:00", "2025-04-31 12:00:00", "2025-13-01 00:00:00",
                     "2025-00-10 00:00:00", "2025-07-00 00:00:00", "2025-07-01 24:00:00", "2025-07-01 23:60:00",
                     "2025-07-01 23:59:60", "0999-07-01 00:00:00", "2025-07-01", "2025-07-01 7:41:16",
                     "2025/07/01 07:41:16", "2025-07-01 07:41:16+01:00", "2025-07-01 07:41:16 UTC",
                     "not a date", "", "2025-07-01x07:41:16", "２０２５-07-01 07:41:16"] {
            XCTAssertNil(UTCTime(parsing: text), text)
        }
    }

    func testLeapDaysExistOnlyInLeapYears() {
        XCTAssertEqual(UTCTime(parsing: "2024-02-29 12:00:00")?.description, "2024-02-29 12:00:00")
        XCTAssertEqual(UTCTime(parsing: "2000-02-29 00:00:00")?.description, "2000-02-29 00:00:00")
        XCTAssertNil(UTCTime(parsing: "1900-02-29 00:00:00"), "1900 is not a leap year")
        XCTAssertNil(UTCTime(parsing: "2100-02-29 00:00:00"))
        XCTAssertEqual(UTCTime(parsing: "2024-03-01 00:00:00")?.secondsSince1970,
                       UTCTime(parsing: "2024-02-29 00:00:00").map { $0.secondsSince1970 + 86_400 })
    }

    func testTheDescriptionParsesBackToTheSameTime() throws {
        var state: UInt64 = 0x5EED
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // From 1000-01-01 to about 9000.
            let seconds = Int64(state % 252_000_000_000) - 30_610_224_000
            let time = UTCTime(secondsSince1970: seconds)
            XCTAssertEqual(UTCTime(parsing: time.description), time, time.description)
            XCTAssertEqual(UTCTime(parsing: time.iso8601), time, time.iso8601)
        }
        XCTAssertEqual(UTCTime(secondsSince1970: 0).description, "1970-01-01 00:00:00")
        XCTAssertEqual(UTCTime(secondsSince1970: -1).description, "1969-12-31 23:59:59")
    }

    func testItIsCodableAsItsText() throws {
        let time = try XCTUnwrap(UTCTime(parsing: "2025-07-01T07:41:16Z"))
        let data = try JSONEncoder().encode([time])
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["2025-07-01 07:41:16"]"#)
        XCTAssertEqual(try JSONDecoder().decode([UTCTime].self, from: data), [time])
        XCTAssertThrowsError(try JSONDecoder().decode([UTCTime].self, from: Data(#"["2025-02-30 00:00:00"]"#.utf8)))
    }

    func testTheHTTPDateHeaderIsReadAsUTC() {
        XCTAssertEqual(UTCTime(httpDate: "Tue, 25 Nov 2025 11:38:01 GMT")?.description, "2025-11-25 11:38:01")
        XCTAssertEqual(UTCTime(httpDate: "Sun, 06 Nov 1994 08:49:37 GMT")?.secondsSince1970, 784_111_777)
        XCTAssertNil(UTCTime(httpDate: "yesterday"))
        XCTAssertNil(UTCTime(httpDate: ""))
    }
}
