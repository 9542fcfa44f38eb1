import Foundation
import MariaDB
import XCTest

/// Access to the private test server started by `make test` (scripts/mariadb-private.sh).
enum TestServer {
    struct NotConfigured: Error, CustomStringConvertible {
        let missing: [String]
        var description: String {
            "MariaDB tests need a server: \(missing.joined(separator: ", ")) not set. Run `make test`, which starts "
                + "a private MariaDB with scripts/mariadb-private.sh and exports them, or run "
                + "`scripts/mariadb-private.sh start && eval \"$(scripts/mariadb-private.sh env)\"` first."
        }
    }

    static func configuration(database: String? = nil) throws -> MariaDBConfiguration {
        let env = ProcessInfo.processInfo.environment
        let names = ["DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD"]
        let missing = names.filter { env[$0] == nil }
        guard missing.isEmpty, let port = Int(env["DB_PORT"]!) else {
            throw NotConfigured(missing: missing.isEmpty ? ["DB_PORT (not a number)"] : missing)
        }
        return MariaDBConfiguration(host: env["DB_HOST"]!, port: port, user: env["DB_USER"]!,
                                    password: env["DB_PASSWORD"]!, database: database,
                                    connectTimeoutSeconds: 5, readTimeoutSeconds: 30, writeTimeoutSeconds: 30)
    }

    static func connect(database: String?, statementCacheCapacity: Int = 64,
                        allowLocalInfile: Bool = false) throws -> MariaDBConnection {
        var config = try configuration(database: database)
        config.allowLocalInfile = allowLocalInfile
        return try MariaDBConnection(config, statementCacheCapacity: statementCacheCapacity)
    }

    /// Creates `mariadb_tests_<random>` and returns its name.
    static func createDatabase() throws -> String {
        let name = "mariadb_tests_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let db = try connect(database: nil)
        defer { db.close() }
        try db.execute("CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return name
    }

    static func dropDatabase(_ name: String) {
        guard let db = try? connect(database: nil) else { return }
        defer { db.close() }
        _ = try? db.execute("DROP DATABASE IF EXISTS `\(name)`")
    }
}

/// Base class: one database per test class, created before its first test and dropped after
/// the last; `db` is a fresh connection to it for every test.
class MariaDBTestCase: XCTestCase {
    /// Guarded by `lock`.
    nonisolated(unsafe) private static var databases: [ObjectIdentifier: Result<String, Error>] = [:]
    private static let lock = NSLock()

    var db: MariaDBConnection!
    var databaseName: String!

    override class func setUp() {
        super.setUp()
        let result = Result { try TestServer.createDatabase() }
        lock.lock(); databases[ObjectIdentifier(self)] = result; lock.unlock()
    }

    override class func tearDown() {
        lock.lock(); let result = databases.removeValue(forKey: ObjectIdentifier(self)); lock.unlock()
        if case .success(let name)? = result { TestServer.dropDatabase(name) }
        super.tearDown()
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        Self.lock.lock(); let result = Self.databases[ObjectIdentifier(type(of: self))]; Self.lock.unlock()
        guard let result else { throw TestServer.NotConfigured(missing: ["(class setUp did not run)"]) }
        databaseName = try result.get()
        db = try connect()
    }

    override func tearDown() {
        db?.close()
        db = nil
        super.tearDown()
    }

    func connect(statementCacheCapacity: Int = 64, allowLocalInfile: Bool = false) throws -> MariaDBConnection {
        try TestServer.connect(database: databaseName, statementCacheCapacity: statementCacheCapacity,
                               allowLocalInfile: allowLocalInfile)
    }

    /// Asserts that `body` throws a MariaDBError and returns it.
    func expectError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> MariaDBError? {
        do {
            try body()
            XCTFail("expected a MariaDBError, nothing was thrown", file: file, line: line)
        } catch let error as MariaDBError {
            return error
        } catch {
            XCTFail("expected a MariaDBError, got \(error)", file: file, line: line)
        }
        return nil
    }
}
