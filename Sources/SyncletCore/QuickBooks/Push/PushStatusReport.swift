import Foundation
import MariaDB

/// The documents part of `synclet qbo status`: counts by state, the held documents by reason,
/// the failed and conflicting ones with QuickBooks' error, and the drift (documents whose total or
/// VAT in QuickBooks differs from Magento's). The connection part is reported beside it.
///
/// ```swift
/// let report = try PushStatusReport.read(connection: connection)
/// print(report.text)                          // for a person
/// print(JSONWriter.string(report.json))       // {"states": {...}, "held": {...}, "failed": [...], "drift": [...]}
/// ```
public struct PushStatusReport: Sendable {
    public struct Problem: Sendable {
        public var source: String
        public var entity: String?
        public var docNumber: String?
        public var state: String
        public var reason: String?
        public var detail: String?
    }

    public struct Drift: Sendable {
        public var docNumber: String
        public var entity: String
        public var qboTotal: Decimal
        public var magentoTotal: Decimal
        public var qboVAT: Decimal
        public var magentoVAT: Decimal
    }

    /// Rows by state; every state is present, 0 when none.
    public var states: [PushState: Int] = [:]
    /// Held documents by reason key.
    public var held: [String: Int] = [:]
    /// Failed, conflicting and still pending documents, and pushed ones whose last change failed.
    public var problems: [Problem] = []
    public var drift: [Drift] = []
    /// The last document pushed, UTC.
    public var lastPushedAt: String?

    /// Most problems and drifts listed; the counts are always complete.
    static let listLimit = 50

    public static func read(connection: MariaDBConnection) throws -> PushStatusReport {
        var report = PushStatusReport()
        let table = TableName.qboDocuments.rawValue
        for state in PushState.allCases { report.states[state] = 0 }
        for row in try connection.query("SELECT state, COUNT(*) AS n FROM \(table) GROUP BY state") {
            if let state = PushState(rawValue: row.string("state") ?? "") { report.states[state] = Int(row.int("n") ?? 0) }
        }
        for row in try connection.query("SELECT COALESCE(reason, 'unknown') AS reason, COUNT(*) AS n FROM \(table) WHERE state = 'held' GROUP BY reason") {
            report.held[row.string("reason") ?? "unknown"] = Int(row.int("n") ?? 0)
        }
        for row in try connection.query("""
            SELECT source_number, entity, doc_number, state, reason, detail FROM \(table)
            WHERE state IN ('failed', 'conflict', 'pending') OR (state = 'pushed' AND reason IS NOT NULL)
            ORDER BY source_number LIMIT \(listLimit)
            """) {
            report.problems.append(Problem(source: row.string("source_number") ?? "", entity: row.string("entity"), docNumber: row.string("doc_number"),
                                           state: row.string("state") ?? "", reason: row.string("reason"), detail: row.string("detail")))
        }
        func money(_ row: MariaDBRow, _ column: String) -> Decimal {
            row.string(column).flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) } ?? 0
        }
        for row in try connection.query("""
            SELECT doc_number, entity, qbo_total, magento_total, qbo_vat, magento_vat FROM \(table)
            WHERE state = 'pushed' AND (total_difference <> 0 OR vat_difference <> 0)
            ORDER BY doc_number LIMIT \(listLimit)
            """) {
            report.drift.append(Drift(docNumber: row.string("doc_number") ?? "", entity: row.string("entity") ?? "",
                                      qboTotal: money(row, "qbo_total"), magentoTotal: money(row, "magento_total"),
                                      qboVAT: money(row, "qbo_vat"), magentoVAT: money(row, "magento_vat")))
        }
        report.lastPushedAt = try connection.query("SELECT DATE_FORMAT(MAX(pushed_at), '%Y-%m-%d %H:%i:%s') AS at FROM \(table)").first?.string("at")
        return report
    }

    public var json: JSONValue {
        func number(_ value: Decimal) -> JSONValue { .number(value.jsonText) }
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        return .object(JSONObject(members: [
            ("states", .object(JSONObject(members: PushState.allCases.map { ($0.rawValue, .number(String(states[$0] ?? 0))) }))),
            ("held", .object(JSONObject(members: held.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) }))),
            ("problems", .array(problems.map { problem in
                .object(JSONObject(members: [
                    ("source", .string(problem.source)), ("entity", text(problem.entity)), ("doc_number", text(problem.docNumber)),
                    ("state", .string(problem.state)), ("reason", text(problem.reason)), ("detail", text(problem.detail)),
                ]))
            })),
            ("drift", .array(drift.map { drift in
                .object(JSONObject(members: [
                    ("doc_number", .string(drift.docNumber)), ("entity", .string(drift.entity)),
                    ("quickbooks_total", number(drift.qboTotal)), ("magento_total", number(drift.magentoTotal)),
                    ("quickbooks_vat", number(drift.qboVAT)), ("magento_vat", number(drift.magentoVAT)),
                ]))
            })),
            ("last_pushed_at", text(lastPushedAt)),
        ]))
    }

    public var text: String {
        var lines = ["Documents: " + PushState.allCases.map { "\(states[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")]
        if let lastPushedAt { lines.append("Last pushed: \(lastPushedAt) UTC") }
        if !held.isEmpty {
            lines.append("Held: " + held.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !problems.isEmpty {
            lines.append("Not in QuickBooks, or a change not applied:")
            for problem in problems {
                lines.append("  \(problem.entity ?? "document") \(problem.docNumber ?? problem.source) (\(problem.source)): \(problem.state)"
                             + (problem.detail.map { ": \($0)" } ?? ""))
            }
        }
        if drift.isEmpty {
            lines.append("Drift: none (every pushed document's total and VAT equal Magento's)")
        } else {
            lines.append("Drift (QuickBooks differs from Magento):")
            for drift in drift {
                lines.append("  \(drift.entity) \(drift.docNumber): total \(drift.qboTotal.moneyText) vs \(drift.magentoTotal.moneyText), "
                             + "VAT \(drift.qboVAT.moneyText) vs \(drift.magentoVAT.moneyText)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
