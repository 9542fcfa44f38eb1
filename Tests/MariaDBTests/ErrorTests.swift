import Foundation
import MariaDB
import XCTest

/// Errors carry code, SQLSTATE, operation and SQL context, never values or passwords, and
/// classify connection loss, lock wait timeouts and deadlocks.
final class ErrorTests: MariaDBTestCase {
    func testErrorCarriesCodeAndSQLButNoParameterValue() throws {
        try db.execute("CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(100) UNIQUE)")
        let secret = "jan.kowalski+secret@example.com"
        let sql = "INSERT INTO customers (id, email) VALUES (?, ?)"
        try db.execute(sql, [1, .string(secret)])
        let error = try XCTUnwrap(expectError { try db.execute(sql, [2, .string(secret)]) })
        XCTAssertEqual(error.code, 1062)
        XCTAssertEqual(error.sqlState, "23000")
        XCTAssertTrue(error.isDuplicateKey)
        XCTAssertFalse(error.isRetryable)
        XCTAssertEqual(error.operation, "execute")
        XCTAssertEqual(error.sql, sql)
        XCTAssertTrue(error.description.contains("1062"), error.description)
        XCTAssertTrue(error.description.contains("INSERT INTO customers"), error.description)
        XCTAssertFalse(error.description.contains(secret), "server message quoting the value is redacted: \(error.description)")
        XCTAssertFalse(String(reflecting: error).contains(secret))

        let syntax = try XCTUnwrap(expectError { _ = try db.query("SELEC email FROM customers WHERE id = ?", [1]) })
        XCTAssertEqual(syntax.code, 1064)
        XCTAssertEqual(syntax.operation, "prepare")

        let missing = try XCTUnwrap(expectError { _ = try db.query("SELECT * FROM no_such_table") })
        XCTAssertEqual(missing.code, 1146)
        XCTAssertEqual(missing.sqlState, "42S02")

        let count = try XCTUnwrap(expectError { try db.execute(sql, [3]) })
        XCTAssertEqual(count.code, 2034)
        XCTAssertTrue(count.message.contains("2 placeholder"), count.message)

        // Long SQL is shortened to 120 characters in the error.
        let long = "SELECT id FROM customers WHERE " + Array(repeating: "id = ?", count: 40).joined(separator: " OR ") + " AND nope = ?"
        let longError = try XCTUnwrap(expectError { _ = try db.query(long, Array(repeating: 1, count: 41)) })
        XCTAssertLessThanOrEqual(longError.sql!.count, MariaDBError.sqlContextLength + 1)
        XCTAssertTrue(longError.sql!.hasPrefix("SELECT id FROM customers WHERE id = ?"))
    }

    func testWrongPasswordIsAccessDeniedWithoutThePassword() throws {
        var config = try TestServer.configuration(database: databaseName)
        config.password = "definitely-wrong-pässwörd-42"
        do {
            _ = try MariaDBConnection(config)
            XCTFail("connected with a wrong password")
        } catch let error as MariaDBError {
            XCTAssertTrue(error.isAccessDenied, "\(error)")
            XCTAssertEqual(error.code, 1045)
            XCTAssertFalse(error.isConnectionLost)
            XCTAssertTrue(error.operation.hasPrefix("connect to \(config.host):\(config.port)"), error.operation)
            XCTAssertFalse(error.description.contains(config.password), error.description)
            XCTAssertFalse("\(config)".contains(config.password))
            var dumped = ""
            dump(config, to: &dumped)
            XCTAssertFalse(dumped.contains(config.password), dumped)
        }
    }

    func testUnreachableServerIsConnectionLost() throws {
        var config = try TestServer.configuration()
        config.port = 1 // nothing listens there
        config.connectTimeoutSeconds = 2
        let error = try XCTUnwrap(expectError { _ = try MariaDBConnection(config) })
        XCTAssertTrue(error.isConnectionLost, "\(error)")
        XCTAssertTrue(error.isRetryable)
    }

    func testKilledConnectionIsConnectionLost() throws {
        let victim = try connect()
        defer { victim.close() }
        try victim.execute("CREATE TABLE IF NOT EXISTS k (id INT)")
        _ = try victim.query("SELECT COUNT(*) FROM k WHERE id > ?", [0]) // a cached prepared statement
        try db.execute("KILL \(victim.connectionID)")

        let error = try XCTUnwrap(expectError { _ = try victim.query("SELECT COUNT(*) FROM k WHERE id > ?", [0]) })
        XCTAssertTrue(error.isConnectionLost, "\(error)")
        XCTAssertTrue(error.isRetryable)
        // Later statements keep failing the same way (no silent reconnect).
        XCTAssertEqual(expectError { try victim.execute("SELECT 1") }?.isConnectionLost, true)
        // A rollback that cannot reach the server does not hide the original error.
        let inTransaction = try XCTUnwrap(expectError { _ = try victim.withTransaction { try victim.execute("SELECT 1") } })
        XCTAssertTrue(inTransaction.isConnectionLost)
    }

    func testLockWaitTimeoutIsDetected() throws {
        try db.execute("CREATE TABLE locks (id INT PRIMARY KEY, v INT) ENGINE=InnoDB")
        try db.execute("INSERT INTO locks VALUES (?, ?)", [1, 0])
        let holder = try connect()
        defer { holder.close() }
        let waiter = try connect()
        defer { waiter.close() }
        try waiter.execute("SET SESSION innodb_lock_wait_timeout = 1")

        try holder.execute("BEGIN")
        try holder.execute("UPDATE locks SET v = v + 1 WHERE id = ?", [1])
        let started = Date()
        let error = try XCTUnwrap(expectError {
            _ = try waiter.withTransaction { try waiter.execute("UPDATE locks SET v = ? WHERE id = ?", [5, 1]) }
        })
        XCTAssertTrue(error.isLockWaitTimeout, "\(error)")
        XCTAssertTrue(error.isRetryable)
        XCTAssertFalse(error.isConnectionLost)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        try holder.execute("ROLLBACK")
        // The waiter's connection is still usable after the rollback.
        XCTAssertEqual(try waiter.execute("UPDATE locks SET v = ? WHERE id = ?", [5, 1]).affectedRows, 1)
    }

    func testDeadlockIsDetected() throws {
        try db.execute("CREATE TABLE dl (id INT PRIMARY KEY, v INT) ENGINE=InnoDB")
        try db.execute("INSERT INTO dl VALUES (1, 0), (2, 0)")
        let a = try connect(), b = try connect()
        defer { a.close(); b.close() }
        try a.execute("SET SESSION innodb_lock_wait_timeout = 10")
        try b.execute("SET SESSION innodb_lock_wait_timeout = 10")
        try a.execute("BEGIN")
        try b.execute("BEGIN")
        try a.execute("UPDATE dl SET v = 1 WHERE id = ?", [1])
        try b.execute("UPDATE dl SET v = 2 WHERE id = ?", [2])

        // a now waits for b's row lock in the background; b then asks for a's: a cycle.
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var aError: Error?
        Thread.detachNewThread {
            do { try a.execute("UPDATE dl SET v = 1 WHERE id = ?", [2]) } catch { aError = error }
            done.signal()
        }
        Thread.sleep(forTimeInterval: 0.5)
        var bError: Error?
        do { try b.execute("UPDATE dl SET v = 2 WHERE id = ?", [1]) } catch { bError = error }
        if bError != nil { _ = try? b.execute("ROLLBACK") } // lets a proceed if b was the victim
        XCTAssertEqual(done.wait(timeout: .now() + 15), .success)
        _ = try? a.execute("ROLLBACK")
        _ = try? b.execute("ROLLBACK")

        let errors = [aError, bError].compactMap { $0 as? MariaDBError }
        XCTAssertEqual(errors.count, 1, "exactly one deadlock victim: \(errors)")
        XCTAssertTrue(errors.first?.isDeadlock ?? false, "\(errors)")
        XCTAssertTrue(errors.first?.isRetryable ?? false)
    }
}
