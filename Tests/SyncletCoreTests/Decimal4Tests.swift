import XCTest
@testable import SyncletCore

/// Money is parsed from text into exactly four places, rounding half away from zero.
final class Decimal4Tests: XCTestCase {
    private func parsed(_ text: String) -> String? { Decimal4(parsing: text)?.description }

    func testPlainDecimalsKeepEveryDigit() {
        XCTAssertEqual(parsed("119.9000"), "119.9000")
        XCTAssertEqual(parsed("0"), "0.0000")
        XCTAssertEqual(parsed("12.5"), "12.5000")
        XCTAssertEqual(parsed("7"), "7.0000")
        XCTAssertEqual(parsed("12345678901234.5678"), "12345678901234.5678")
        XCTAssertEqual(parsed("+3.25"), "3.2500")
    }

    func testNegativeAmounts() {
        XCTAssertEqual(parsed("-0.5"), "-0.5000")
        XCTAssertEqual(parsed("-119.9"), "-119.9000")
        XCTAssertEqual(parsed("-0"), "0.0000", "minus zero is zero")
        XCTAssertEqual(parsed("-0.00004"), "0.0000")
    }

    func testExponentForms() {
        XCTAssertEqual(parsed("1E+2"), "100.0000")
        XCTAssertEqual(parsed("1e2"), "100.0000")
        XCTAssertEqual(parsed("1.5e-3"), "0.0015")
        XCTAssertEqual(parsed("1.0E-5"), "0.0000")
        XCTAssertEqual(parsed("5E-5"), "0.0001")
        XCTAssertEqual(parsed("5e-6"), "0.0000")
        XCTAssertEqual(parsed("-2.5E+1"), "-25.0000")
        XCTAssertEqual(parsed("0E+9999"), "0.0000")
        XCTAssertEqual(parsed("1e-9999"), "0.0000")
        XCTAssertEqual(parsed("123456789e-4"), "12345.6789")
    }

    func testRoundingAtTheFifthPlaceIsHalfAwayFromZero() {
        XCTAssertEqual(parsed("0.00005"), "0.0001")
        XCTAssertEqual(parsed("-0.00005"), "-0.0001")
        XCTAssertEqual(parsed("0.00004999"), "0.0000")
        XCTAssertEqual(parsed("1.23445"), "1.2345")
        XCTAssertEqual(parsed("1.23444999"), "1.2344")
        XCTAssertEqual(parsed("-1.23445"), "-1.2345")
        XCTAssertEqual(parsed("9.99995"), "10.0000")
        XCTAssertEqual(parsed("-9.99995"), "-10.0000")
        XCTAssertEqual(parsed("0.30000000000000004"), "0.3000")
        XCTAssertEqual(parsed("12.499999999999998"), "12.5000")
        XCTAssertEqual(parsed("2.675"), "2.6750", "no binary floating point: 2.675 stays 2.675")
    }

    func testLeadingAndTrailingZerosDoNotChangeTheValue() {
        XCTAssertEqual(parsed("007.50"), "7.5000")
        XCTAssertEqual(parsed("0000000000000000000000000000001"), "1.0000")
        XCTAssertEqual(parsed("1.000000000000000000000000000000"), "1.0000")
        XCTAssertEqual(parsed("0.0000"), "0.0000")
    }

    func testTheLargestAmountsFitAndLargerOnesAreNil() {
        XCTAssertEqual(parsed("922337203685477.5807"), "922337203685477.5807")
        XCTAssertEqual(parsed("-922337203685477.5807"), "-922337203685477.5807")
        XCTAssertNil(parsed("922337203685477.5808"))
        XCTAssertNil(parsed("922337203685477.58075"), "rounding up past the largest value")
        XCTAssertNil(parsed("1e15"))
        XCTAssertNil(parsed("1E+9999"))
        XCTAssertNil(parsed("99999999999999999999999999"))
    }

    func testTextThatIsNotANumberIsNil() {
        for text in ["", " ", "abc", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1,5", "12 ", " 12", "0x10",
                     "NaN", "Infinity", "--1", "1-", "£5", "1e5e5", "١٢"] {
            XCTAssertNil(Decimal4(parsing: text), "\"\(text)\"")
        }
    }

    func testArithmeticReportsOverflowInsteadOfWrapping() throws {
        let largest = Decimal4(units: Int64.max)
        XCTAssertNil(largest.adding(Decimal4(units: 1)))
        XCTAssertNil(Decimal4(units: -Int64.max).subtracting(Decimal4(units: 2)))
        XCTAssertEqual(try XCTUnwrap(Decimal4(parsing: "1.5")).adding(try XCTUnwrap(Decimal4(parsing: "-2.25")))?.description, "-0.7500")
    }

    func testEveryResultOfArithmeticHasAMagnitude() throws {
        // Int64.min units has no positive counterpart; arithmetic must not produce it.
        let smallest = try XCTUnwrap(Decimal4(parsing: "-922337203685477.5807"))
        XCTAssertNil(smallest.subtracting(Decimal4(units: 1)))
        XCTAssertNil(smallest.adding(Decimal4(units: -1)))
        XCTAssertEqual(smallest.magnitude.description, "922337203685477.5807")
    }

    func testOrderingFollowsTheValue() throws {
        let values = try ["-1", "-0.0001", "0", "0.0001", "1E+2"].map { try XCTUnwrap(Decimal4(parsing: $0)) }
        XCTAssertEqual(values, values.sorted())
        XCTAssertEqual(Decimal4(parsing: "1.50"), Decimal4(parsing: "1.5"))
    }
}
