import MariaDB
import XCTest

/// Values survive the trip through bound parameters and back, unchanged.
final class RoundTripTests: MariaDBTestCase {
    func testSessionIsUTF8MB4InUTCWithStrictMode() throws {
        let row = try XCTUnwrap(db.query(
            "SELECT @@session.time_zone AS tz, @@session.sql_mode AS mode, @@character_set_client AS cs, "
                + "@@character_set_results AS rs, @@autocommit AS ac").first)
        XCTAssertEqual(row["tz"], "+00:00")
        XCTAssertTrue(row["mode"]!.contains("STRICT_ALL_TABLES"), row["mode"]!)
        XCTAssertEqual(row["cs"], "utf8mb4")
        XCTAssertEqual(row["rs"], "utf8mb4")
        XCTAssertEqual(row.int("ac"), 1)
        XCTAssertFalse(db.serverVersion.isEmpty)
        XCTAssertGreaterThan(db.connectionID, 0)
    }

    func testUnicodeAndSpecialCharactersRoundTrip() throws {
        try db.execute("CREATE TABLE texts (id INT PRIMARY KEY, body TEXT NOT NULL, short VARCHAR(64)) DEFAULT CHARSET=utf8mb4")
        let samples: [String] = [
            "emoji 🚀 👩‍👩‍👧‍👦 🇵🇱",
            "Łódź, Zażółć gęślą jaźń",
            "王小明 東京 서울",
            #"\/ literally a backslash and a slash"#,
            #"quotes ' " ` and '' doubled"#,
            #"backslashes \ \\ \n (not a newline) \0"#,
            "newlines\nand\r\nreturns\tand tabs",
            "'); DROP TABLE texts; --",
            "% _ wildcards",
            "",
        ]
        for (i, text) in samples.enumerated() {
            try db.execute("INSERT INTO texts (id, body, short) VALUES (?, ?, ?)",
                           [.int(Int64(i)), .string(text), .string(String(text.prefix(10)))])
        }
        for (i, text) in samples.enumerated() {
            let prepared = try db.query("SELECT body, short FROM texts WHERE id = ?", [.int(Int64(i))])
            XCTAssertEqual(prepared.first?["body"], text)
            XCTAssertEqual(prepared.first?["short"], String(text.prefix(10)))
            // Looking a row up by the text itself also goes through a bound parameter.
            let byValue = try db.query("SELECT id FROM texts WHERE body = ?", [.string(text)])
            XCTAssertEqual(byValue.map { $0.int("id") }, [Int64(i)], "lookup of \(text.debugDescription)")
        }
        // The text protocol returns the same bytes.
        let all = try db.query("SELECT id, body FROM texts ORDER BY id")
        XCTAssertEqual(all.map { $0["body"]! }, samples)
        XCTAssertEqual(try db.query("SELECT COUNT(*) AS n FROM texts").first?.int("n"), Int64(samples.count))
    }

    func testDecimalsAreExact() throws {
        try db.execute("CREATE TABLE money (id INT PRIMARY KEY, amount DECIMAL(20,4))")
        let cases: [(String, String)] = [
            ("12345678901234.5678", "12345678901234.5678"),
            ("0.3000", "0.3000"),
            ("0.1", "0.1000"),
            ("-99999999999999.9999", "-99999999999999.9999"),
            ("0", "0.0000"),
        ]
        for (i, (input, _)) in cases.enumerated() {
            try db.execute("INSERT INTO money VALUES (?, ?)", [.int(Int64(i)), .string(input)])
        }
        let rows = try db.query("SELECT id, amount FROM money WHERE id >= ? ORDER BY id", [0])
        XCTAssertEqual(rows.map { $0["amount"]! }, cases.map(\.1))
        let textRows = try db.query("SELECT amount FROM money ORDER BY id")
        XCTAssertEqual(textRows.map { $0["amount"]! }, cases.map(\.1))
        // Arithmetic stays decimal: 0.1 + 0.2 is exactly 0.3.
        let sum = try db.query("SELECT CAST(? AS DECIMAL(20,4)) + CAST(? AS DECIMAL(20,4)) AS s", ["0.1", "0.2"])
        XCTAssertEqual(sum.first?["s"], "0.3000")
        // Strict mode: a value with too many integer digits is an error, not a silent clamp.
        let error = expectError { try db.execute("INSERT INTO money VALUES (?, ?)", [99, "123456789012345678.0"]) }
        XCTAssertEqual(error?.code, 1264) // ER_WARN_DATA_OUT_OF_RANGE
    }

    func testDateTimesAndIntegers() throws {
        try db.execute("""
            CREATE TABLE times (id BIGINT PRIMARY KEY, created DATETIME NOT NULL, precise DATETIME(6),
                                stamp TIMESTAMP NULL, day DATE, big BIGINT, ubig BIGINT UNSIGNED)
            """)
        try db.execute("INSERT INTO times VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [1, "2024-02-29 23:59:59", "2024-05-01 13:45:00.123456", "2024-05-01 00:00:00",
                        "1999-12-31", .int(Int64.min), "18446744073709551615"])
        let row = try XCTUnwrap(db.query("SELECT *, UNIX_TIMESTAMP(stamp) AS epoch FROM times WHERE id = ?", [1]).first)
        XCTAssertEqual(row["created"], "2024-02-29 23:59:59")
        XCTAssertEqual(row["precise"], "2024-05-01 13:45:00.123456")
        XCTAssertEqual(row["stamp"], "2024-05-01 00:00:00")
        XCTAssertEqual(row.int("epoch"), 1_714_521_600, "session time zone is UTC")
        XCTAssertEqual(row["day"], "1999-12-31")
        XCTAssertEqual(row.int("big"), Int64.min)
        XCTAssertEqual(row.uint("ubig"), UInt64.max)
        XCTAssertEqual(row.int(at: 0), 1)
        // Strict mode rejects impossible dates.
        let error = expectError { try db.execute("INSERT INTO times (id, created) VALUES (?, ?)", [2, "2023-02-29 00:00:00"]) }
        XCTAssertEqual(error?.code, 1292) // ER_TRUNCATED_WRONG_VALUE
    }

    func testNullsAndBytes() throws {
        try db.execute("CREATE TABLE nullable (id INT PRIMARY KEY, s VARCHAR(10), n INT, b BLOB)")
        try db.execute("INSERT INTO nullable VALUES (?, ?, ?, ?)", [1, nil, .null, .bytes([0, 255, 10, 0, 39, 92])])
        try db.execute("INSERT INTO nullable VALUES (?, ?, ?, ?)", [2, MariaDBValue(String?.none), MariaDBValue(Int?.some(7)), nil])
        let rows = try db.query("SELECT s, n, b FROM nullable WHERE id IN (?, ?) ORDER BY id", [1, 2])
        XCTAssertEqual(rows.count, 2)
        XCTAssertNil(rows[0]["s"])
        XCTAssertTrue(rows[0].isNull("s"))
        XCTAssertNil(rows[0].int("n"))
        XCTAssertEqual(rows[0].bytes("b"), [0, 255, 10, 0, 39, 92])
        XCTAssertEqual(rows[1].int("n"), 7)
        XCTAssertNil(rows[1].bytes("b"))
        XCTAssertEqual(rows[0].values.count, 3)
        XCTAssertFalse(rows[0].hasColumn("missing"))
        XCTAssertNil(rows[0]["missing"])
        XCTAssertEqual(rows[0].columns, ["s", "n", "b"])
        // Text protocol agrees.
        let text = try db.query("SELECT s, n, b FROM nullable ORDER BY id")
        XCTAssertNil(text[0]["s"])
        XCTAssertEqual(text[0].bytes("b"), [0, 255, 10, 0, 39, 92])
    }

    func testLargeTextRoundTrip() throws {
        try db.execute("CREATE TABLE docs (id INT PRIMARY KEY, body LONGTEXT NOT NULL)")
        // ~1 MB of mixed ASCII and multi-byte text, and a 20 KB JSON-like document.
        let unit = "{\"sku\":\"ŁÓDŹ-王-🚀\",\"qty\":1,\"note\":\"quote \\\" and backslash \\\\\"}\n"
        let big = String(repeating: unit, count: 1_048_576 / unit.utf8.count + 1)
        let json = String(repeating: unit, count: 20_480 / unit.utf8.count)
        XCTAssertGreaterThan(big.utf8.count, 1_048_576)
        try db.execute("INSERT INTO docs VALUES (?, ?), (?, ?)", [1, .string(big), 2, .string(json)])
        let rows = try db.query("SELECT id, body, LENGTH(body) AS bytes FROM docs WHERE id > ? ORDER BY id", [0])
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].int("bytes"), Int64(big.utf8.count))
        XCTAssertTrue(rows[0]["body"] == big, "1 MB value differs after the round trip")
        XCTAssertTrue(rows[1]["body"] == json)
        let text = try db.query("SELECT body FROM docs WHERE id = 1")
        XCTAssertTrue(text.first?["body"] == big)
    }

    func testResultsWithManyRowsAndColumnsOfMixedSizes() throws {
        try db.execute("CREATE TABLE mixed (id INT PRIMARY KEY, small VARCHAR(5), large TEXT)")
        for i in 0..<200 {
            let large = i % 3 == 0 ? String(repeating: "x", count: 255 + i) : "short \(i)"
            try db.execute("INSERT INTO mixed VALUES (?, ?, ?)", [.int(Int64(i)), .string("s\(i)"), .string(large)])
        }
        let rows = try db.query("SELECT id, small, large FROM mixed WHERE id >= ? ORDER BY id", [0])
        XCTAssertEqual(rows.count, 200)
        for (i, row) in rows.enumerated() {
            XCTAssertEqual(row.int("id"), Int64(i))
            XCTAssertEqual(row["small"], "s\(i)")
            XCTAssertEqual(row["large"], i % 3 == 0 ? String(repeating: "x", count: 255 + i) : "short \(i)")
        }
    }
}
