import Foundation
import SyncletCore
import XCTest

/// Issue 5: a store that fails in every way a real one does; secrets that never leak; staging
/// that stays private.
final class FaultTests: XCTestCase {
    var harness: Harness!

    override func setUpWithError() throws {
        harness = try Harness()
        harness.accessKey = "Key-\(UUID().uuidString.prefix(12))+/="
    }

    override func tearDown() {
        harness?.tearDown()
    }

    func testASyncThroughEveryKindOfFaultEndsWithEveryOrderExactAndNoSecretAnywhere() throws {
        try harness.startSimulator(["--orders", "1200", "--fault-timeout-seconds", "5"])
        let faults = [
            (1, "http503", 1), (2, "http500", 1), (3, "truncated", 1), (4, "invalid-json", 1),
            (5, "php-notice", 1), (6, "http429", 1), (7, "timeout", 1), (8, "empty-body", 1), (9, "http502", 1),
            // One page keeps failing past the retries (4 attempts, the stage started twice): that
            // sync fails and the next resumes there.
            (11, "http503", 10),
        ]
        let body = "[" + faults.map { "{\"page\":\($0.0),\"kind\":\"\($0.1)\",\"times\":\($0.2)}" }.joined(separator: ",") + "]"
        try harness.control("POST", "/_sim/faults", body: body)

        var outputs: [CommandResult] = []
        var attempts = 0
        repeat {
            attempts += 1
            outputs.append(try harness.run("synclet", ["sync"]))
        } while outputs.last?.exitCode != 0 && attempts < 4
        XCTAssertEqual(outputs.last?.exitCode, 0, outputs.map(\.output).joined(separator: "\n---\n"))
        XCTAssertGreaterThan(attempts, 1, "page 11 fails past the retries once")
        let failure = outputs[0].stderr
        XCTAssertEqual(outputs[0].exitCode, 1, failure)
        XCTAssertTrue(failure.contains("page 11"), "names the page: \(failure)")
        XCTAssertTrue(failure.contains("HTTP 503"), "says what came back: \(failure)")
        XCTAssertTrue(failure.contains("synclet sync"), "says what to do: \(failure)")
        let all = outputs.map(\.output).joined()
        for expected in ["HTML page", "truncated", "invalid JSON", "HTTP 429", "read timeout", "body is empty", "HTTP 502"] {
            XCTAssertTrue(all.contains(expected), "a retry message mentions \(expected)")
        }
        try harness.assertDatabaseEqualsStore()
        try assertNoSecret(in: all)
    }

    private func assertNoSecret(in output: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let secrets = [harness.accessKey, harness.baseEnvironment["DB_PASSWORD"] ?? ""]
        let encodedKey = harness.accessKey.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? harness.accessKey
        var places: [(String, String)] = [("output", output)]
        let enumerator = FileManager.default.enumerator(atPath: harness.stagingDirectory)
        while let path = enumerator?.nextObject() as? String {
            let full = harness.stagingDirectory + "/" + path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                places.append((path, (try? String(contentsOfFile: full, encoding: .utf8)) ?? ""))
            }
        }
        let environment = harness.baseEnvironment
        let dump = try harness.run("/usr/bin/env", ["mariadb-dump", "--skip-comments", "-h", environment["DB_HOST"] ?? "", "-P", environment["DB_PORT"] ?? "",
                                                    "-u", environment["DB_USER"] ?? "", "-p\(environment["DB_PASSWORD"] ?? "")", harness.databaseName])
        XCTAssertEqual(dump.exitCode, 0, dump.stderr, file: file, line: line)
        XCTAssertGreaterThan(dump.stdout.count, 10_000, "the dump holds the orders", file: file, line: line)
        places.append(("database dump", dump.stdout))
        for (place, text) in places {
            for secret in secrets + [encodedKey] where !secret.isEmpty {
                XCTAssertFalse(text.contains(secret), "a secret appears in \(place)", file: file, line: line)
            }
        }
    }

    func testStagedRunsArePrivateToTheirOwner() throws {
        try harness.startSimulator(["--orders", "200"])
        try harness.synclet("sync")
        let enumerator = FileManager.default.enumerator(atPath: harness.stagingDirectory)
        var checked = 0
        while let path = enumerator?.nextObject() as? String {
            let attributes = try FileManager.default.attributesOfItem(atPath: harness.stagingDirectory + "/" + path)
            let mode = (attributes[.posixPermissions] as? Int ?? 0) & 0o777
            let isDirectory = attributes[.type] as? FileAttributeType == .typeDirectory
            XCTAssertEqual(mode, isDirectory ? 0o700 : 0o600, "\(path) has mode \(String(mode, radix: 8))")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 5)
    }

    func testADotEnvReadableByOthersEarnsAWarningAndTheEnvironmentWins() throws {
        try harness.startSimulator(["--orders", "50", "--quirks", "none"])
        let dotEnv = harness.workDirectory + "/.env"
        try "DB_NAME=not_this_one\nPAGE_SIZE=20\n".write(toFile: dotEnv, atomically: true, encoding: .utf8)
        chmod(dotEnv, 0o644)
        let result = try harness.synclet("sync")
        XCTAssertTrue(result.stderr.contains("readable by other users"), result.stderr)
        XCTAssertEqual(try harness.count("SELECT COUNT(*) FROM orders"), 50, "DB_NAME from the environment won")
        XCTAssertEqual(try harness.query("SELECT pages_fetched FROM sync_history")[0]["pages_fetched"], "3", "PAGE_SIZE=20 from .env applied")
    }

    func testAWrongDatabasePasswordFailsWithoutPrintingIt() throws {
        try harness.startSimulator(["--orders", "50"])
        let password = "Wrong-\(UUID().uuidString)"
        let result = try harness.run("synclet", ["sync"], environment: ["DB_PASSWORD": password])
        XCTAssertEqual(result.exitCode, 1, result.output)
        XCTAssertTrue(result.stderr.lowercased().contains("access denied"), result.stderr)
        XCTAssertFalse(result.output.contains(password))
    }

    func testLoadedRunsPastTheRetentionPeriodArePruned() throws {
        try harness.startSimulator(["--orders", "100"])
        try harness.synclet("sync")
        let staging = StagingArea(root: harness.stagingDirectory)
        let old = try XCTUnwrap(staging.allRuns().first)
        try old.updateManifest { $0.createdAt = UTCTime.now().adding(seconds: -15 * 86_400) }
        try harness.control("POST", "/_sim/mutate?update=3")
        try harness.synclet("sync")
        XCTAssertFalse(FileManager.default.fileExists(atPath: old.directory), "the 15-day-old loaded run is pruned")
        XCTAssertEqual(staging.allRuns().count, 1)
        try harness.synclet("prune", "--days", "0")
        XCTAssertEqual(staging.allRuns().count, 0)
    }
}
