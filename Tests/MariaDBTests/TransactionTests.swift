import MariaDB
import XCTest

final class TransactionTests: MariaDBTestCase {
    struct Boom: Error {}

    override func setUpWithError() throws {
        try super.setUpWithError()
        try db.execute("CREATE TABLE IF NOT EXISTS items (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB")
        try db.execute("DELETE FROM items")
    }

    func testCommitOnSuccess() throws {
        let value = try db.withTransaction { () -> Int in
            try db.execute("INSERT INTO items VALUES (?, ?)", [1, "a"])
            try db.execute("INSERT INTO items VALUES (?, ?)", [2, "b"])
            return 42
        }
        XCTAssertEqual(value, 42)
        let other = try connect()
        defer { other.close() }
        XCTAssertEqual(try other.query("SELECT COUNT(*) AS n FROM items").first?.int("n"), 2)
    }

    func testRollbackOnThrownErrorLeavesNothing() throws {
        XCTAssertThrowsError(try db.withTransaction {
            try db.execute("INSERT INTO items VALUES (?, ?)", [1, "a"])
            try db.execute("INSERT INTO items VALUES (?, ?)", [2, "b"])
            throw Boom()
        }) { XCTAssertTrue($0 is Boom, "the original error is rethrown") }
        XCTAssertEqual(try db.query("SELECT COUNT(*) AS n FROM items").first?.int("n"), 0)

        // A database error inside rolls back the earlier statements too.
        let error = expectError {
            try db.withTransaction {
                try db.execute("INSERT INTO items VALUES (?, ?)", [1, "a"])
                try db.execute("INSERT INTO items VALUES (?, ?)", [1, "dup"])
            }
        }
        XCTAssertEqual(error?.isDuplicateKey, true)
        XCTAssertEqual(try db.query("SELECT COUNT(*) AS n FROM items").first?.int("n"), 0)
        // Autocommit is back on afterwards.
        try db.execute("INSERT INTO items VALUES (?, ?)", [9, "auto"])
        let other = try connect()
        defer { other.close() }
        XCTAssertEqual(try other.query("SELECT COUNT(*) AS n FROM items").first?.int("n"), 1)
    }

    func testNestedTransactionsAreRejected() throws {
        let error = expectError {
            try db.withTransaction {
                try db.execute("INSERT INTO items VALUES (?, ?)", [1, "a"])
                try db.withTransaction { try db.execute("INSERT INTO items VALUES (?, ?)", [2, "b"]) }
            }
        }
        XCTAssertEqual(error?.operation, "begin transaction")
        XCTAssertEqual(try db.query("SELECT COUNT(*) AS n FROM items").first?.int("n"), 0)
    }
}
