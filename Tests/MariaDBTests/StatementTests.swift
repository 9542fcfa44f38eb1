import Foundation
import MariaDB
import XCTest

/// Statement execution: affected rows, multi-row inserts, the statement cache, scripts.
final class StatementTests: MariaDBTestCase {
    /// `INSERT … ON DUPLICATE KEY UPDATE` reports 1 per inserted row, 2 per updated row and 0
    /// per row that already had the new values (the client does not set CLIENT_FOUND_ROWS).
    func testOnDuplicateKeyUpdateAffectedRows() throws {
        try db.execute("CREATE TABLE upsert (id INT PRIMARY KEY, v VARCHAR(20), n INT)")
        let sql = "INSERT INTO upsert (id, v, n) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v), n = VALUES(n)"
        XCTAssertEqual(try db.execute(sql, [1, "a", 1]).affectedRows, 1, "new row: 1")
        XCTAssertEqual(try db.execute(sql, [1, "b", 1]).affectedRows, 2, "changed row: 2")
        XCTAssertEqual(try db.execute(sql, [1, "b", 1]).affectedRows, 0, "unchanged row: 0")
        // Multi-row: the counts add up (1 new + 2 changed + 0 unchanged = 3).
        let multi = "INSERT INTO upsert (id, v, n) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?) "
            + "ON DUPLICATE KEY UPDATE v = VALUES(v), n = VALUES(n)"
        try db.execute(sql, [3, "c", 3])
        XCTAssertEqual(try db.execute(multi, [2, "new", 2, 1, "changed", 1, 3, "c", 3]).affectedRows, 3)
        // The same counts through the text protocol.
        XCTAssertEqual(try db.execute("INSERT INTO upsert VALUES (1, 'changed', 1) ON DUPLICATE KEY UPDATE n = 1").affectedRows, 0)
        XCTAssertEqual(try db.execute("INSERT INTO upsert VALUES (1, 'changed', 1) ON DUPLICATE KEY UPDATE n = 5").affectedRows, 2)
        // Plain UPDATE counts changed rows only.
        XCTAssertEqual(try db.execute("UPDATE upsert SET n = ? WHERE id IN (?, ?)", [5, 1, 2]).affectedRows, 1)
    }

    func testMultiRowInsertWithMoreThanAThousandParameters() throws {
        let columns = 25, rows = 50
        let names = (0..<columns).map { "c\($0)" }
        try db.execute("CREATE TABLE wide (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                       + names.map { "\($0) VARCHAR(40)" }.joined(separator: ", ") + ")")
        let tuple = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        let sql = "INSERT INTO wide (\(names.joined(separator: ", "))) VALUES "
            + Array(repeating: tuple, count: rows).joined(separator: ", ")
        func batch(_ b: Int) -> [MariaDBValue] {
            (0..<rows).flatMap { r in (0..<columns).map { c in .string("b\(b) r\(r) c\(c) ✓") } }
        }
        XCTAssertEqual(batch(0).count, 1250)
        let first = try db.execute(sql, batch(0))
        XCTAssertEqual(first.affectedRows, 50)
        XCTAssertEqual(first.lastInsertID, 1, "lastInsertID is the first row's id")
        let second = try db.execute(sql, batch(1))
        XCTAssertEqual(second.lastInsertID, 51)
        XCTAssertEqual(db.preparedStatementCount, 1, "the 1250-parameter INSERT is prepared once")
        let check = try db.query("SELECT COUNT(*) AS n, MAX(c24) AS last FROM wide WHERE c0 LIKE ?", ["b1 %"])
        XCTAssertEqual(check.first?.int("n"), 50)
        XCTAssertEqual(check.first?["last"], "b1 r9 c24 ✓")
    }

    func testStatementCacheReusesAndEvicts() throws {
        try db.execute("CREATE TABLE cache (id INT PRIMARY KEY, v INT)")
        let before = db.preparedStatementCount
        for i in 0..<200 {
            try db.execute("INSERT INTO cache (id, v) VALUES (?, ?)", [.int(Int64(i)), .int(Int64(i * 2))])
        }
        XCTAssertEqual(db.preparedStatementCount - before, 1, "200 executions, one prepare")
        XCTAssertEqual(try db.query("SELECT v FROM cache WHERE id = ?", [100]).first?.int("v"), 200)
        XCTAssertEqual(try db.query("SELECT v FROM cache WHERE id = ?", [101]).first?.int("v"), 202)
        XCTAssertEqual(db.cachedStatementCount, 2)

        // A capacity-2 cache evicts the least recently used statement.
        let small = try connect(statementCacheCapacity: 2)
        defer { small.close() }
        let a = "SELECT v FROM cache WHERE id = ?", b = "SELECT id FROM cache WHERE v = ?", c = "SELECT COUNT(*) FROM cache WHERE v > ?"
        _ = try small.query(a, [1]); _ = try small.query(b, [2]); _ = try small.query(a, [3])
        XCTAssertEqual(small.preparedStatementCount, 2)
        _ = try small.query(c, [0])            // evicts b (least recently used)
        XCTAssertEqual(small.cachedStatementCount, 2)
        _ = try small.query(a, [4])            // still cached
        XCTAssertEqual(small.preparedStatementCount, 3)
        XCTAssertEqual(try small.query(b, [2]).first?.int("id"), 1)  // prepared again
        XCTAssertEqual(small.preparedStatementCount, 4)
    }

    func testCachedStatementSurvivesAFailedExecution() throws {
        try db.execute("CREATE TABLE dup (id INT PRIMARY KEY)")
        let sql = "INSERT INTO dup (id) VALUES (?)"
        try db.execute(sql, [1])
        XCTAssertEqual(expectError { try db.execute(sql, [1]) }?.isDuplicateKey, true)
        try db.execute(sql, [2])
        XCTAssertEqual(try db.query("SELECT COUNT(*) AS n FROM dup").first?.int("n"), 2)
    }

    func testExecuteWithoutParametersRunsDDLAndScripts() throws {
        try db.executeScript("""
            CREATE TABLE s1 (id INT PRIMARY KEY);
            CREATE TABLE s2 (id INT PRIMARY KEY, s1_id INT, FOREIGN KEY (s1_id) REFERENCES s1(id));
            INSERT INTO s1 VALUES (1), (2);
            INSERT INTO s2 VALUES (10, 1);
            SELECT * FROM s1;
            """)
        XCTAssertEqual(try db.query("SELECT COUNT(*) AS n FROM s1").first?.int("n"), 2)
        let error = expectError {
            try db.executeScript("INSERT INTO s1 VALUES (3); INSERT INTO missing_table VALUES (1); INSERT INTO s1 VALUES (4)")
        }
        XCTAssertEqual(error?.code, 1146)
        XCTAssertEqual(error?.operation, "execute script (statement 2)")
        XCTAssertEqual(try db.query("SELECT MAX(id) AS m FROM s1").first?.int("m"), 3, "stops at the failing statement")
        // Outside executeScript only one statement runs.
        XCTAssertEqual(expectError { try db.execute("SELECT 1; SELECT 2") }?.code, 1064)
        // DDL that cannot be prepared runs through execute without parameters.
        try db.execute("CREATE OR REPLACE VIEW v1 AS SELECT id FROM s1")
        try db.execute("ANALYZE TABLE s1")
        XCTAssertEqual(try db.execute("INSERT INTO s1 VALUES (7), (8)").affectedRows, 2)
        // Rows from execute are discarded; the connection stays usable.
        try db.execute("SELECT * FROM s1 WHERE id > ?", [0])
        XCTAssertEqual(try db.query("SELECT 1 AS one").first?.int("one"), 1)
    }

    func testLoadDataLocalInfile() throws {
        try db.execute("CREATE TABLE loaded (id INT PRIMARY KEY, name VARCHAR(20))")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mariadb-test-\(UUID().uuidString).tsv")
        try "1\tŁukasz\n2\t王\n3\t🚀\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let sql = "LOAD DATA LOCAL INFILE '\(file.path)' INTO TABLE loaded CHARACTER SET utf8mb4 (id, name)"

        XCTAssertNotNil(expectError { try db.execute(sql) }, "disabled by default")

        let loader = try connect(allowLocalInfile: true)
        defer { loader.close() }
        XCTAssertEqual(try loader.execute(sql).affectedRows, 3)
        XCTAssertEqual(try db.query("SELECT name FROM loaded ORDER BY id").map { $0["name"]! }, ["Łukasz", "王", "🚀"])
    }

    func testCloseIsIdempotentAndLaterUseFails() throws {
        let conn = try connect()
        conn.close()
        conn.close()
        XCTAssertFalse(conn.isOpen)
        let error = expectError { _ = try conn.query("SELECT 1") }
        XCTAssertEqual(error?.isConnectionLost, true)
    }
}
