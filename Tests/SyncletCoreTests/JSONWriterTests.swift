@testable import SyncletCore
import XCTest

final class JSONWriterTests: XCTestCase {
    func testEveryStringSurvivesBeingWrittenAndReadBack() throws {
        let texts = [
            "", "plain", "quote \" and backslash \\ and slash /", "line\nbreak\r\ttab", "control \u{01}\u{1F} end",
            "Zoë Łukasz 王芳 🏔️", #"{"Id":"1","Notes":"a \"b\"\n"}"#, String(repeating: "x\"", count: 1000),
        ]
        for text in texts {
            var bytes: [UInt8] = []
            JSONWriter.writeString(text, to: &bytes)
            XCTAssertEqual(try JSONParser.parse(bytes), .string(text), "round trip of \(text.debugDescription)")
            XCTAssertFalse(bytes.contains { $0 < 0x20 }, "no raw control character in \(text.debugDescription)")
        }
    }

    func testTextWithoutEscapesIsCopiedAsIs() {
        var bytes: [UInt8] = Array("prefix".utf8)
        JSONWriter.writeString("Ærø/Main Website", to: &bytes)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "prefix\"Ærø/Main Website\"")
    }
}
