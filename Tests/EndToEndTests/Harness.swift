import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MariaDB
import SyncletCore
import XCTest

/// What a command printed and how it ended.
struct CommandResult {
    var exitCode: Int32
    var stdout: String
    var stderr: String
    var output: String { stdout + stderr }
}

/// One simulated store, one private database and one staging directory for a test, driven
/// through the real executables exactly as an operator would.
///
/// Needs the private MariaDB that `make test` starts (DB_HOST, DB_PORT, DB_USER, DB_PASSWORD) and
/// the built executables (SYNCLET_BIN_DIR, default .build/debug).
final class Harness {
    let databaseName: String
    let stagingDirectory: String
    let workDirectory: String
    let pipelinePath: String
    var simulator: Process?
    var simulatorPort = 0
    var accessKey = "sim-access-key"
    let baseEnvironment: [String: String]

    static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["SYNCLET_BIN_DIR"], !dir.isEmpty { return dir }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").path
    }

    static func databaseConfiguration(database: String? = nil) throws -> MariaDBConfiguration {
        let environment = ProcessInfo.processInfo.environment
        guard let port = environment["DB_PORT"].flatMap(Int.init), let user = environment["DB_USER"] else {
            throw XCTSkip("DB_HOST/DB_PORT/DB_USER are not set: run the tests with `make test`, which starts a private MariaDB")
        }
        return MariaDBConfiguration(
            host: environment["DB_HOST"] ?? "127.0.0.1", port: port, user: user,
            password: environment["DB_PASSWORD"] ?? "", database: database)
    }

    init(pipeline: String = Harness.fastPipeline) throws {
        let admin = try MariaDBConnection(Self.databaseConfiguration())
        defer { admin.close() }
        databaseName = "synclet_e2e_\(UInt32.random(in: 0...UInt32.max))"
        try admin.executeScript("CREATE DATABASE \(databaseName) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        // As an operator would have run `synclet init`: only init migrates.
        let schema = try MariaDBConnection(Self.databaseConfiguration(database: databaseName))
        defer { schema.close() }
        try SchemaMigrator(connection: schema).migrate()
        workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("synclet-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        stagingDirectory = workDirectory + "/staging"
        pipelinePath = workDirectory + "/pipeline.yaml"
        try pipeline.write(toFile: pipelinePath, atomically: true, encoding: .utf8)
        let configuration = try Self.databaseConfiguration()
        baseEnvironment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": workDirectory,
            "DB_HOST": configuration.host, "DB_PORT": String(configuration.port), "DB_USER": configuration.user,
            "DB_PASSWORD": configuration.password, "DB_NAME": databaseName,
            "INITIAL_SYNC_DATE": "2025-01-01 00:00:00",
            "SYNCLET_STAGING_DIR": stagingDirectory,
            "SYNCLET_PIPELINE": pipelinePath,
            "NO_COLOR": "1",
        ]
    }

    /// Short timeouts and backoff so fault tests finish quickly.
    static let fastPipeline = """
        http:
          connect_timeout_seconds: 2
          read_timeout_seconds: 3
          retries: 3
          backoff_initial_seconds: 0.05
          backoff_maximum_seconds: 0.2
          concurrency: 2
        watermark:
          overlap_seconds: 300
        load:
          batch_size: 100
        """

    func tearDown() {
        stopSimulator()
        if let admin = try? MariaDBConnection(Self.databaseConfiguration()) {
            try? admin.executeScript("DROP DATABASE IF EXISTS \(databaseName)")
            admin.close()
        }
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    // MARK: - The simulated store

    func startSimulator(_ arguments: [String]) throws {
        let portFile = workDirectory + "/sim-\(UUID().uuidString).port"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binDirectory + "/onesaas-sim")
        process.arguments = ["--port", "0", "--port-file", portFile, "--access-key", accessKey] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        simulator = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
               let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                simulatorPort = port
                return
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError("onesaas-sim did not start")
    }

    func stopSimulator() {
        if let simulator, simulator.isRunning {
            simulator.terminate()
            simulator.waitUntilExit()
        }
        simulator = nil
    }

    var endpoint: String { "http://127.0.0.1:\(simulatorPort)/onesaas_connect/index/index" }

    @discardableResult
    func control(_ method: String, _ path: String, body: String? = nil) throws -> JSONValue {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(simulatorPort)\(path)")!)
        request.httpMethod = method
        if let body { request.httpBody = Data(body.utf8) }
        // The semaphore orders the write in the callback before the read below.
        final class Answer: @unchecked Sendable { var result: Result<Data, Error> = .failure(HarnessError("no answer")) }
        let answer = Answer()
        let semaphore = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, error in
            answer.result = error.map { .failure($0) } ?? .success(data ?? Data())
            semaphore.signal()
        }.resume()
        semaphore.wait()
        return try JSONParser.parse(Array(try answer.result.get()))
    }

    /// The store's truth: every valid order the endpoint renders, by entity id. Orders the
    /// simulator made invalid on purpose (`--bad-orders`) are left out: they must be rejected.
    func storeOrders() throws -> [Int64: JSONValue] {
        var orders: [Int64: JSONValue] = [:]
        for order in try control("GET", "/_sim/orders").arrayValue ?? [] where order["bad"] == nil {
            guard let id = order["id"].flatMap({ $0.numberText ?? $0.stringValue }).flatMap({ Int64($0) }) else { continue }
            orders[id] = order
        }
        return orders
    }

    // MARK: - Running Synclet

    var environment: [String: String] {
        var environment = baseEnvironment
        environment["MAGENTO_BASE_URL"] = endpoint
        environment["MAGENTO_ACCESS_KEY"] = accessKey
        return environment
    }

    @discardableResult
    func run(_ executable: String, _ arguments: [String], environment overrides: [String: String] = [:], input: String? = nil) throws -> CommandResult {
        let process = try start(executable, arguments, environment: overrides)
        return try finish(process)
    }

    private var outputs: [ObjectIdentifier: (String, String)] = [:]

    func start(_ executable: String, _ arguments: [String], environment overrides: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : Self.binDirectory + "/" + executable)
        process.arguments = arguments
        process.environment = environment.merging(overrides) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: workDirectory)
        let id = UUID().uuidString
        let stdoutPath = workDirectory + "/\(id).out", stderrPath = workDirectory + "/\(id).err"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        outputs[ObjectIdentifier(process)] = (stdoutPath, stderrPath)
        return process
    }

    func finish(_ process: Process) throws -> CommandResult {
        process.waitUntilExit()
        let (stdoutPath, stderrPath) = outputs[ObjectIdentifier(process)] ?? ("", "")
        let result = CommandResult(
            exitCode: process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus,
            stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
        return result
    }

    /// `synclet <arguments>`; fails the test with its output when the exit code differs.
    @discardableResult
    func synclet(_ arguments: String..., expect expected: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try run("synclet", arguments)
        XCTAssertEqual(result.exitCode, expected, "synclet \(arguments.joined(separator: " ")) printed:\n\(result.output)", file: file, line: line)
        return result
    }

    // MARK: - The database

    func query(_ sql: String, _ parameters: [MariaDBValue] = []) throws -> [MariaDBRow] {
        let connection = try MariaDBConnection(Self.databaseConfiguration(database: databaseName))
        defer { connection.close() }
        return try connection.query(sql, parameters)
    }

    func count(_ sql: String) throws -> Int {
        Int(try query(sql).first?.int(at: 0) ?? -1)
    }

    /// Asserts that the database holds exactly the store's orders, each in its latest version:
    /// number, last update, total, status, its lines (count and sum), credit memos, addresses.
    func assertDatabaseEqualsStore(file: StaticString = #filePath, line: UInt = #line) throws {
        let store = try storeOrders()
        let rows = try query("""
            SELECT o.id, o.order_number, DATE_FORMAT(o.last_updated_date, '%Y-%m-%d %H:%i:%s') AS last_updated, o.total, o.status,
              (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) AS item_count,
              (SELECT COALESCE(SUM(line_total_inc_tax), 0) FROM order_items i WHERE i.order_id = o.id) AS line_total_sum,
              (SELECT COUNT(*) FROM order_credits c WHERE c.order_id = o.id) AS credit_count,
              (SELECT COUNT(*) FROM order_addresses a WHERE a.order_id = o.id) AS address_count,
              o.raw_json
            FROM orders o
            """)
        var missing = Set(store.keys)
        var mismatches: [String] = []
        for row in rows {
            guard let id = row.int("id") else { continue }
            guard let truth = store[id] else {
                mismatches.append("order \(id) is in the database but not in the store")
                continue
            }
            missing.remove(id)
            func text(_ key: String) -> String? { truth[key].flatMap { $0.stringValue ?? $0.numberText } }
            func amount(_ text: String?) -> String? { text.flatMap(Decimal4.init(parsing:))?.description }
            let checks: [(String, String?, String?)] = [
                ("order_number", text("order_number"), row["order_number"]),
                ("last_updated", text("last_updated"), row["last_updated"]),
                ("total", amount(text("total")), amount(row["total"])),
                ("status", text("status"), row["status"]),
                ("item_count", text("item_count"), row["item_count"]),
                ("line_total_sum", amount(text("line_total_sum")), amount(row["line_total_sum"])),
                ("credit_count", text("credit_count"), row["credit_count"]),
            ]
            for (name, expected, actual) in checks where expected != actual {
                mismatches.append("order \(id) \(name): store \(expected ?? "nil"), database \(actual ?? "nil")")
            }
            let raw = try JSONParser.parse(Array((row["raw_json"] ?? "").utf8))
            let addresses = ["BillingAddress", "ShippingAddress"].filter { raw["Addresses"]?[$0]?.objectValue != nil }.count
            if String(addresses) != row["address_count"] {
                mismatches.append("order \(id): \(addresses) addresses in its JSON, \(row["address_count"] ?? "?") rows")
            }
        }
        mismatches += missing.sorted().map { "order \($0) is in the store but not in the database" }
        XCTAssert(mismatches.isEmpty, "\(mismatches.count) differences, first: \(mismatches.prefix(10).joined(separator: "; "))", file: file, line: line)
        XCTAssertFalse(store.isEmpty, "the store should have orders", file: file, line: line)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
