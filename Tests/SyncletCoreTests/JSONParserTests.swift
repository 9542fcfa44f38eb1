import XCTest
@testable import SyncletCore

/// The strict parser: numbers kept as text, and every malformed input an error with its offset.
final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    private func assertError(_ text: String, at offset: Int, _ reasonFragment: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        assertError(Array(text.utf8), at: offset, reasonFragment, file: file, line: line)
    }

    private func assertError(_ bytes: [UInt8], at offset: Int, _ reasonFragment: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try JSONParser.parse(bytes), file: file, line: line) { error in
            guard let syntax = error as? JSONSyntaxError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(syntax.offset, offset, syntax.description, file: file, line: line)
            XCTAssertTrue(syntax.reason.contains(reasonFragment), syntax.description, file: file, line: line)
            XCTAssertTrue(syntax.description.hasPrefix("invalid JSON at byte \(offset): "), file: file, line: line)
        }
    }

    func testNumbersAreKeptExactlyAsWritten() throws {
        XCTAssertEqual(try parse(#"{"Total": 0.30000000000000004}"#)["Total"]?.numberText, "0.30000000000000004")
        XCTAssertEqual(try parse("[12345678901234567890.12345678, -0, 1.0E-5, 2e+10]"),
                       .array([.number("12345678901234567890.12345678"), .number("-0"), .number("1.0E-5"), .number("2e+10")]))
    }

    func testPHPEscapesAreDecoded() throws {
        XCTAssertEqual(try parse(#""Caf\u00e9 \/ \ud83d\ude00 \"q\" \\ \b\f\n\r\t""#),
                       .string("Café / 😀 \"q\" \\ \u{8}\u{C}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00E9""#), .string("é"), "upper-case hex")
        XCTAssertEqual(try parse("\"déjà 🎁\""), .string("déjà 🎁"), "raw UTF-8 is fine too")
    }

    func testObjectsKeepTheirMembersInOrderIncludingRepeatedNames() throws {
        let object = try XCTUnwrap(try parse(#"{"b":1,"a":2,"b":3}"#).objectValue)
        XCTAssertEqual(object.keys, ["b", "a", "b"])
        XCTAssertEqual(object["b"], .number("1"), "the first of a repeated name wins")
    }

    func testLiteralsAndWhitespace() throws {
        XCTAssertEqual(try parse(" \t\r\n[true,false,null] \n"), .array([.bool(true), .bool(false), .null]))
        XCTAssertEqual(try parse("{}"), .object(JSONObject()))
        XCTAssertEqual(try parse("[]"), .array([]))
    }

    func testTrailingCommasAreErrors() {
        assertError("[1,2,]", at: 5, "unexpected character")
        assertError(#"{"a":1,}"#, at: 7, "expected a member name")
    }

    func testLeadingZerosAndMalformedNumbersAreErrors() {
        assertError("[01]", at: 2, "expected ']'")
        assertError("01", at: 1, "unexpected text after the end")
        assertError("-", at: 1, "a number needs a digit")
        assertError("[-a]", at: 2, "a number needs a digit")
        assertError("1.", at: 2, "a fraction needs a digit")
        assertError("1.e5", at: 2, "a fraction needs a digit")
        assertError("1e", at: 2, "an exponent needs a digit")
        assertError("[.5]", at: 1, "unexpected character")
        assertError("+1", at: 0, "unexpected character")
        assertError("NaN", at: 0, "unexpected character")
        assertError("[Infinity]", at: 1, "unexpected character")
    }

    func testControlCharactersInsideStringsAreErrors() {
        assertError("\"a\nb\"", at: 2, "a control character")
        assertError("\"tab\there\"", at: 4, "a control character")
        assertError([0x22, 0x00, 0x22], at: 1, "a control character")
    }

    func testLoneSurrogatesAreErrors() {
        assertError(#""\ud83d""#, at: 7, "a high surrogate without its low surrogate")
        assertError(#""\ud83dx""#, at: 7, "a high surrogate without its low surrogate")
        assertError(#""\ud83d\u0041""#, at: 13, "a high surrogate without its low surrogate")
        assertError(#""\ude00""#, at: 7, "a low surrogate without its high surrogate")
    }

    func testBadEscapesAndInvalidUTF8AreErrors() {
        assertError(#""\x41""#, at: 2, "an unknown escape '\\x'")
        assertError(#""\u12G4""#, at: 5, "an invalid hex digit")
        assertError(#""\u12"#, at: 3, "unexpected end of text in a \\u escape")
        assertError([0x22, 0xC3, 0x28, 0x22], at: 0, "not valid UTF-8")
        assertError([0x22, 0xED, 0xA0, 0x80, 0x22], at: 0, "not valid UTF-8")
        assertError([0x5B, 0xC3, 0xA9, 0x5D], at: 1, "unexpected character, found byte 0xc3")
    }

    func testUnterminatedInputIsAnError() {
        assertError(#""abc"#, at: 4, "the text ends inside the string that starts at byte 0")
        assertError(#"{"a":"b"#, at: 7, "the text ends inside the string that starts at byte 5")
        assertError(#"{"a":1"#, at: 6, "expected '}', found the end of the text")
        assertError("[1,2", at: 4, "expected ']'")
        assertError("[", at: 1, "unexpected end of text")
        assertError("tru", at: 3, "unexpected end of text")
        assertError("nul", at: 3, "unexpected end of text")
        assertError("", at: 0, "unexpected end of text")
        assertError(#"{"a" 1}"#, at: 5, "expected ':'")
        assertError(#"{a:1}"#, at: 1, "expected a member name")
        assertError("[1 2]", at: 3, "expected ']'")
        assertError("\"\\", at: 2, "unexpected end of text in an escape")
    }

    func testNestingIsLimitedSoHostileInputCannotExhaustTheStack() throws {
        let deepestAllowed = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        XCTAssertNoThrow(try parse(deepestAllowed))
        assertError(String(repeating: "[", count: 513) + String(repeating: "]", count: 513), at: 512, "nesting deeper than 512 levels")
        assertError(String(repeating: "{\"a\":", count: 100_000), at: 512 * 5, "nesting deeper than 512 levels")
        assertError(String(repeating: "[", count: 1_000_000), at: 512, "nesting deeper than 512 levels")
    }
}
