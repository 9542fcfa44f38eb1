import Foundation
import QuickBooksSimulator
import XCTest

/// The pieces the simulator's arithmetic stands on: exact JSON numbers, half-up pennies, fault specifications.
final class PieceTests: XCTestCase {
    func testJSONNumbersKeepTheirTextSoMoneyIsExact() throws {
        let value = try JSON.parse(#"{"Amount": 0.1, "Other": 0.2, "Big": 12345678901234567.89, "Name": "O\u2019Neill \"Ltd\""}"#)
        let sum = try XCTUnwrap(value["Amount"]?.decimal) + XCTUnwrap(value["Other"]?.decimal)
        XCTAssertEqual(sum, Decimal(string: "0.3"))
        XCTAssertEqual(value["Big"], .number("12345678901234567.89"))
        XCTAssertEqual(value["Name"]?.string, "O\u{2019}Neill \"Ltd\"")
        XCTAssertEqual(try JSON.parse(value.text), value, "what it writes reads back the same")
        XCTAssertThrowsError(try JSON.parse(#"{"Amount": 1.}"#))
        XCTAssertThrowsError(try JSON.parse(#"{"Amount": 1} trailing"#))
    }

    func testMoneyRoundsHalfAwayFromZeroToThePenny() {
        XCTAssertEqual(Money.round(Decimal(string: "1.005") ?? 0), Decimal(string: "1.01"))
        XCTAssertEqual(Money.round(Decimal(string: "0.125") ?? 0), Decimal(string: "0.13"))
        XCTAssertEqual(Money.round(Decimal(string: "-0.125") ?? 0), Decimal(string: "-0.13"))
        XCTAssertEqual(Money.round(money("1.99") / money("1.2")), money("1.66"), "the net of £1.99 gross at 20%")
        XCTAssertEqual(Money.text(Decimal(string: "20.00") ?? 0), "20")
        XCTAssertNil(Money.parse("12,50"))
    }

    func testFaultSpecificationsFromTheCommandLine() {
        XCTAssertEqual(Fault(specification: "http500"), Fault(kind: .http500))
        XCTAssertEqual(Fault(specification: "apply-then-drop:times=2:path=/batch:method=post"),
                       Fault(kind: .applyThenDrop, times: 2, path: "/batch", method: "POST"))
        XCTAssertEqual(Fault(specification: "slow,ms=250"), Fault(kind: .slow, delayMilliseconds: 250))
        XCTAssertNil(Fault(specification: "http418"))
        XCTAssertNil(Fault(specification: "drop:times=0"))
    }
}
