import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MariaDB
import SyncletCore
import XCTest

/// `qbo-sim`, the simulated QuickBooks Online company, beside a harness's store and database:
/// started from the built binary on a free port, driven through its control API, and reached by
/// `synclet qbo ...` through the `QBO_*` settings, exactly as an operator's Synclet reaches Intuit.
final class QuickBooksSimulator {
    let process: Process
    let port: Int
    let clientId = "sim-client-id"
    let clientSecret = "sim-client-secret"

    init(workDirectory: String, arguments: [String] = []) throws {
        let portFile = workDirectory + "/qbo-sim-\(UUID().uuidString).port"
        process = Process()
        process.executableURL = URL(fileURLWithPath: Harness.binDirectory + "/qbo-sim")
        process.arguments = ["--port", "0", "--port-file", portFile, "--client-id", clientId, "--client-secret", clientSecret] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                found = port
                break
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let found else {
            process.terminate()
            throw HarnessError("qbo-sim did not start")
        }
        port = found
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The settings `synclet qbo ...` reads (the client secret only ever in the environment).
    var environment: [String: String] {
        [
            "QBO_CLIENT_ID": clientId, "QBO_CLIENT_SECRET": clientSecret, "QBO_ENVIRONMENT": "sandbox",
            "QBO_API_URL": baseURL, "QBO_TOKEN_URL": baseURL + "/oauth2/v1/tokens/bearer",
            "QBO_AUTH_URL": baseURL + "/connect/oauth2", "QBO_REVOKE_URL": baseURL + "/v2/oauth2/tokens/revoke",
            "QBO_REDIRECT_URI": "http://localhost:8765/callback",
        ]
    }

    // MARK: - Control API

    @discardableResult
    func control(_ method: String, _ path: String, body: String? = nil) throws -> JSONValue {
        try Self.request(method, baseURL + "/__control/" + path, body: body, headers: [:]).json
    }

    /// A new grant, as if the company had authorized the app elsewhere: realm id and refresh token.
    func grant() throws -> (realmId: String, refreshToken: String, accessToken: String) {
        let answer = try control("POST", "tokens/grant")
        guard let realm = answer["realmId"]?.stringValue, let refresh = answer["refresh_token"]?.stringValue,
              let access = answer["access_token"]?.stringValue else { throw HarnessError("tokens/grant answered \(answer)") }
        return (realm, refresh, access)
    }

    /// Faults for the next matching requests, e.g. `[{"kind":"http500","times":1,"path":"/batch"}]`.
    func addFaults(_ json: String) throws {
        try control("POST", "faults", body: json)
    }

    /// Every transaction the company holds (voided and deleted ones included).
    func documents() throws -> [JSONValue] {
        try control("GET", "documents")["documents"]?.arrayValue ?? []
    }

    /// DocNumbers created more than once: must always be empty.
    func duplicateCreates() throws -> [String] {
        try control("GET", "creates")["duplicates"]?.objectValue?.keys ?? []
    }

    func totalCreates() throws -> Int {
        Int(try control("GET", "creates")["total"]?.numberText ?? "-1") ?? -1
    }

    /// A document created by someone else, straight through the API.
    @discardableResult
    func createForeign(_ entity: String, realmId: String, accessToken: String, body: String) throws -> JSONValue {
        try Self.request("POST", baseURL + "/v3/company/\(realmId)/\(entity.lowercased())?minorversion=75", body: body,
                         headers: ["Authorization": "Bearer \(accessToken)", "Content-Type": "application/json", "Accept": "application/json"]).json
    }

    struct Answer {
        var status: Int
        var json: JSONValue
    }

    static func request(_ method: String, _ url: String, body: String?, headers: [String: String]) throws -> Answer {
        guard let address = URL(string: url) else { throw HarnessError("bad URL \(url)") }
        var request = URLRequest(url: address)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body.utf8) }
        final class Box: @unchecked Sendable { var result: Result<(Int, Data), Error> = .failure(HarnessError("no answer")) }
        let box = Box()
        let semaphore = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.result = error.map { .failure($0) } ?? .success(((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()))
            semaphore.signal()
        }.resume()
        semaphore.wait()
        let (status, data) = try box.result.get()
        let json = data.isEmpty ? JSONValue.null : try JSONParser.parse(Array(data))
        return Answer(status: status, json: json)
    }
}

extension Harness {
    /// The pipeline of the QuickBooks tests: fast retries, no minute-long throttle waits.
    static let quickBooksPipeline = fastPipeline + """

        quickbooks:
          throttle_wait_seconds: 0.2
        """

    /// `synclet <arguments>` with the simulator's `QBO_*` settings.
    @discardableResult
    func qbo(_ simulator: QuickBooksSimulator, _ arguments: [String], expect expected: Int32? = 0, extra: [String: String] = [:],
             file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try run("synclet", ["qbo"] + arguments, environment: simulator.environment.merging(extra) { $1 })
        if let expected {
            XCTAssertEqual(result.exitCode, expected, "synclet qbo \(arguments.joined(separator: " ")) printed:\n\(result.output)", file: file, line: line)
        }
        return result
    }

    /// Connects Synclet to the simulated company with a refresh token obtained elsewhere, read from a
    /// file (a token never goes on a command line).
    func connect(_ simulator: QuickBooksSimulator, file: StaticString = #filePath, line: UInt = #line) throws {
        let grant = try simulator.grant()
        let tokenFile = workDirectory + "/refresh-token"
        try grant.refreshToken.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try qbo(simulator, ["connect", "--realm-id", grant.realmId, "--refresh-token-file", tokenFile], file: file, line: line)
        try? FileManager.default.removeItem(atPath: tokenFile)
    }

    /// Rows of `qbo_documents` by state.
    func documentStates() throws -> [String: Int] {
        var states: [String: Int] = [:]
        for row in try query("SELECT state, COUNT(*) AS n FROM qbo_documents GROUP BY state") {
            states[row["state"] ?? ""] = Int(row.int("n") ?? 0)
        }
        return states
    }

    /// Asserts that QuickBooks holds exactly the pushed documents, each once, with the total and VAT
    /// Magento charged to the penny, and that every document the preview counts is pushed.
    func assertQuickBooksEqualsMagento(_ simulator: QuickBooksSimulator, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try simulator.duplicateCreates(), [], "a DocNumber was created twice", file: file, line: line)
        var live: [String: JSONValue] = [:]
        for document in try simulator.documents() where document["voided"] != .bool(true) && document["deleted"] != .bool(true) {
            let key = "\(document["entity"]?.stringValue ?? "")/\(document["DocNumber"]?.stringValue ?? "")"
            XCTAssertNil(live[key], "\(key) is in QuickBooks twice", file: file, line: line)
            live[key] = document
        }
        let rows = try query("SELECT entity, doc_number, qbo_id, magento_total, magento_vat, qbo_total, qbo_vat FROM qbo_documents WHERE state = 'pushed'")
        var mismatches: [String] = []
        for row in rows {
            let key = "\(row["entity"] ?? "")/\(row["doc_number"] ?? "")"
            guard let document = live.removeValue(forKey: key) else {
                mismatches.append("\(key) is pushed in the database but not in QuickBooks")
                continue
            }
            func amount(_ text: String?) -> Decimal? { text.flatMap { Decimal(string: $0) } }
            let total = amount(document["TotalAmt"]?.numberText), vat = amount(document["TotalTax"]?.numberText) ?? 0
            if total != amount(row["magento_total"]) || vat != amount(row["magento_vat"]) {
                mismatches.append("\(key): QuickBooks \(total.map { "\($0)" } ?? "?") VAT \(vat), Magento \(row["magento_total"] ?? "?") VAT \(row["magento_vat"] ?? "?")")
            }
            if total != amount(row["qbo_total"]) || vat != amount(row["qbo_vat"]) {
                mismatches.append("\(key): stored QuickBooks figures \(row["qbo_total"] ?? "?")/\(row["qbo_vat"] ?? "?") are not what QuickBooks holds")
            }
        }
        mismatches += live.keys.sorted().map { "\($0) is in QuickBooks but not pushed in the database" }
        XCTAssert(mismatches.isEmpty, "\(mismatches.count) differences, first: \(mismatches.prefix(8).joined(separator: "; "))", file: file, line: line)

        let summary = try JSONParser.parse(Array(try run("synclet", ["qbo", "preview", "--summary", "--json"]).stdout.utf8))
        let expected = (Int(summary["orders"]?["documents"]?.numberText ?? "") ?? -1) + (Int(summary["credit_memos"]?["documents"]?.numberText ?? "") ?? -1)
        XCTAssertEqual(rows.count, expected, "every document the preview counts is pushed", file: file, line: line)
        XCTAssertGreaterThan(rows.count, 0, file: file, line: line)
    }
}
