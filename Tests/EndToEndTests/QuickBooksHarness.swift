import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MariaDB
import SyncletCore
import XCTest

/// What the push tests ask the simulated company, through its control API.
extension QuickBooksSimulatorProcess {
    /// The settings `synclet qbo ...` reads (the client secret only ever in the environment).
    var environment: [String: String] { settings(redirectURI: "http://localhost:8765/callback") }

    /// A new grant, as if the company had authorized the app elsewhere.
    func grant() throws -> (realmId: String, refreshToken: String, accessToken: String) {
        let answer = try control("POST", "/__control/tokens/grant")
        guard let realm = answer["realmId"]?.stringValue, let refresh = answer["refresh_token"]?.stringValue,
              let access = answer["access_token"]?.stringValue else { throw HarnessError("tokens/grant answered \(answer)") }
        return (realm, refresh, access)
    }

    /// Faults for the next matching requests, e.g. `[{"kind":"http500","times":1,"path":"/batch"}]`.
    func addFaults(_ json: String) throws {
        try control("POST", "/__control/faults", body: json)
    }

    /// Every transaction the company holds (voided and deleted ones included).
    func documents(entity: String? = nil) throws -> [JSONValue] {
        try control("GET", "/__control/documents" + (entity.map { "?entity=\($0)" } ?? ""))["documents"]?.arrayValue ?? []
    }

    /// DocNumbers created more than once: must always be empty.
    func duplicateCreates() throws -> [String] {
        try control("GET", "/__control/creates")["duplicates"]?.objectValue?.keys ?? []
    }

    func totalCreates() throws -> Int {
        Int(try control("GET", "/__control/creates")["total"]?.numberText ?? "-1") ?? -1
    }

    /// A document created by someone else, straight through the API.
    @discardableResult
    func createForeign(_ entity: String, realmId: String, accessToken: String, body: String) throws -> JSONValue {
        try control("POST", "/v3/company/\(realmId)/\(entity.lowercased())?minorversion=75", body: body,
                    headers: ["Authorization": "Bearer \(accessToken)", "Content-Type": "application/json", "Accept": "application/json"])
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
    func qbo(_ simulator: QuickBooksSimulatorProcess, _ arguments: [String], expect expected: Int32? = 0, extra: [String: String] = [:],
             file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try run("synclet", ["qbo"] + arguments, environment: simulator.environment.merging(extra) { $1 })
        if let expected {
            XCTAssertEqual(result.exitCode, expected, "synclet qbo \(arguments.joined(separator: " ")) printed:\n\(result.output)", file: file, line: line)
        }
        return result
    }

    /// Connects Synclet to the simulated company with a refresh token obtained elsewhere, read from a
    /// file (a token never goes on a command line).
    func connect(_ simulator: QuickBooksSimulatorProcess, file: StaticString = #filePath, line: UInt = #line) throws {
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
    func assertQuickBooksEqualsMagento(_ simulator: QuickBooksSimulatorProcess, file: StaticString = #filePath, line: UInt = #line) throws {
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
