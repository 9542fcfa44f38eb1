import Foundation
import MariaDB

/// What `synclet status` shows: the database's orders, the watermark, the last runs, unfinished
/// staged runs, and the orders that need a look (rejected, dropped by the store, unreconciled).
///
/// Gathered with SELECTs only, so a monitoring account with nothing but `SELECT` can run it.
/// Every time is RFC 3339 in UTC (`2026-11-25T12:00:00Z`).
public struct StatusReport: Encodable {
    public struct Orders: Encodable {
        public var total: Int
        public var unreconciled: Int
        public var incompleteLines: Int
        public var rejected: Int
        /// Orders whose `LastUpdatedDate` lies in the future of when they were fetched.
        public var futureDated: Int
    }

    public struct Run: Encodable {
        public var runId: String
        public var type: String
        public var status: String
        public var stage: String?
        public var startedAt: String
        public var finishedAt: String?
        public var seconds: Int?
        public var windowOrderCreatedTime: String?
        public var windowLastUpdatedTime: String?
        public var pages: Int
        public var received: Int
        public var inserted: Int
        public var updated: Int
        public var unchanged: Int
        public var stale: Int
        public var rejected: Int
        public var dropped: Int
        public var unreconciled: Int
        public var watermarkBefore: String?
        public var watermarkAfter: String?
        public var error: String?
    }

    public struct UnfinishedRun: Encodable {
        public var runId: String
        public var stoppedAt: String?
        public var error: String?
    }

    public var orders: Orders
    public var watermark: String?
    /// When the last sync (not a replay) that succeeded finished.
    public var lastSuccessAt: String?
    /// How far the watermark lags behind the database's clock; it trails the start of the last
    /// successful sync by `watermark.overlap_seconds`.
    public var watermarkAgeSeconds: Int?
    /// Attempts of syncs (not replays) that failed or were interrupted since the last success.
    public var consecutiveFailures: Int
    /// The newest attempt is still running.
    public var running: Bool
    public var droppedByStoreInLastRun: Int
    public var runs: [Run]
    public var unfinishedRuns: [UnfinishedRun]

    public static func gather(connection: MariaDBConnection, staging: StagingArea, runLimit: Int = 10) throws -> StatusReport {
        func count(_ sql: String) throws -> Int { Int(try connection.query(sql).first?.int(at: 0) ?? 0) }
        let orders = Orders(
            total: try count("SELECT COUNT(*) FROM orders"),
            unreconciled: try count("SELECT COUNT(*) FROM orders WHERE reconciles = 0"),
            incompleteLines: try count("SELECT COUNT(*) FROM orders WHERE has_incomplete_lines = 1"),
            rejected: try count("SELECT COUNT(*) FROM order_rejects"),
            futureDated: try count("SELECT COUNT(*) FROM orders WHERE \(OrderListing.futureDatedCondition)"))
        let time = { (column: String) in "\(rfc3339(column)) AS \(column)" }
        let rows = try connection.query("""
            SELECT run_id, run_type, status, stage, \(time("started_at")), \(time("finished_at")),
              TIMESTAMPDIFF(SECOND, started_at, finished_at) AS seconds,
              \(time("window_order_created_time")), \(time("window_last_updated_time")), pages_fetched, orders_received,
              orders_inserted, orders_updated, orders_unchanged, orders_stale, orders_rejected, orders_dropped,
              orders_unreconciled, \(time("watermark_before")), \(time("watermark_after")), error
            FROM sync_history ORDER BY id DESC LIMIT ?
            """, [.int(Int64(runLimit))])
        let runs = rows.map { row in
            Run(
                runId: row["run_id"] ?? "", type: row["run_type"] ?? "", status: row["status"] ?? "", stage: row["stage"],
                startedAt: row["started_at"] ?? "", finishedAt: row["finished_at"], seconds: row.int("seconds").map(Int.init),
                windowOrderCreatedTime: row["window_order_created_time"], windowLastUpdatedTime: row["window_last_updated_time"],
                pages: Int(row.int("pages_fetched") ?? 0), received: Int(row.int("orders_received") ?? 0),
                inserted: Int(row.int("orders_inserted") ?? 0), updated: Int(row.int("orders_updated") ?? 0),
                unchanged: Int(row.int("orders_unchanged") ?? 0), stale: Int(row.int("orders_stale") ?? 0),
                rejected: Int(row.int("orders_rejected") ?? 0), dropped: Int(row.int("orders_dropped") ?? 0),
                unreconciled: Int(row.int("orders_unreconciled") ?? 0),
                watermarkBefore: row["watermark_before"], watermarkAfter: row["watermark_after"], error: row["error"])
        }
        let unfinished = staging.unfinishedRuns().map { run, manifest in
            UnfinishedRun(
                runId: run.runId, stoppedAt: manifest?.nextStage?.rawValue,
                error: manifest?.nextStage.flatMap { manifest?.stages[$0]?.error } ?? (manifest == nil ? "run.json is unreadable" : nil))
        }
        // Replays load old pages again: they say nothing about whether syncs keep working.
        let lastSuccess = try connection.query("""
            SELECT id, \(rfc3339("finished_at")) AS finished_at FROM sync_history
            WHERE status = 'success' AND run_type <> 'replay' ORDER BY id DESC LIMIT 1
            """).first
        let failures = try connection.query("""
            SELECT COUNT(*) FROM sync_history
            WHERE status IN ('failed', 'interrupted') AND run_type <> 'replay' AND id > ?
            """, [.int(lastSuccess?.int("id") ?? 0)]).first?.int(at: 0) ?? 0
        let watermarkRow = try connection.query("""
            SELECT \(rfc3339("watermark")) AS watermark, TIMESTAMPDIFF(SECOND, watermark, UTC_TIMESTAMP()) AS age
            FROM sync_state WHERE id = 1 AND watermark IS NOT NULL
            """).first
        return StatusReport(
            orders: orders,
            watermark: watermarkRow?["watermark"],
            lastSuccessAt: lastSuccess?["finished_at"],
            watermarkAgeSeconds: watermarkRow?.int("age").map(Int.init),
            consecutiveFailures: Int(failures),
            running: runs.first?.status == "running",
            droppedByStoreInLastRun: runs.first(where: { $0.status == "success" })?.dropped ?? 0,
            runs: runs, unfinishedRuns: unfinished)
    }

    /// A DATETIME column (UTC) as RFC 3339, in SQL.
    static func rfc3339(_ column: String) -> String {
        "DATE_FORMAT(\(column), '%Y-%m-%dT%H:%i:%sZ')"
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The readable form for a terminal.
    public func text() -> String {
        var lines: [String] = []
        lines.append("Orders in the database: \(orders.total)")
        lines.append("Watermark (next LastUpdatedTime): \(watermark.map { "\($0)" + (watermarkAgeSeconds.map { ", \(Self.age($0)) ago" } ?? "") } ?? "none yet: the next sync is the initial one")")
        lines.append("Last successful sync: \(lastSuccessAt ?? "none yet")"
                     + (consecutiveFailures > 0 ? "; \(consecutiveFailures) failed or interrupted attempt(s) since" : ""))
        lines.append("")
        if runs.isEmpty {
            lines.append("No runs yet: run `synclet sync`.")
        } else {
            lines.append("Last runs (newest first):")
            // "window" is what the run asked for: updated after its LastUpdatedTime, or created
            // after INITIAL_SYNC_DATE for an initial run.
            let header = ["run", "type", "result", "stage", "started (UTC)", "secs", "window (UTC)", "pages", "recv", "new", "upd", "same", "old", "rej", "drop"]
            var table = [header]
            for run in runs {
                let window = run.windowLastUpdatedTime.map { "updated > \($0)" }
                    ?? run.windowOrderCreatedTime.map { "created > \($0)" } ?? "-"
                table.append([
                    run.runId, run.type, run.status, run.stage ?? "-", run.startedAt, run.seconds.map(String.init) ?? "-", window,
                    String(run.pages), String(run.received), String(run.inserted), String(run.updated), String(run.unchanged),
                    String(run.stale), String(run.rejected), String(run.dropped),
                ])
            }
            let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
            for row in table {
                lines.append("  " + row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
            }
            for run in runs.prefix(3) where run.status == "failed" || run.status == "interrupted" {
                lines.append("  \(run.runId) \(run.status): \(run.error ?? "no reason recorded")")
            }
        }
        lines.append("")
        if unfinishedRuns.isEmpty {
            lines.append("Unfinished runs: none")
        } else {
            lines.append("Unfinished runs (the next `synclet sync` resumes the newest):")
            for run in unfinishedRuns {
                lines.append("  \(run.runId): stopped at \(run.stoppedAt ?? "?")" + (run.error.map { ": \($0)" } ?? ""))
            }
        }
        lines.append("")
        lines.append("Needing a look:")
        lines.append("  rejected orders: \(orders.rejected)" + (orders.rejected > 0 ? "  (list: synclet status --rejects)" : ""))
        lines.append("  orders the store dropped in the last successful run (no address, unreadable through the endpoint): \(droppedByStoreInLastRun)")
        lines.append("  orders that do not reconcile: \(orders.unreconciled)" + (orders.unreconciled > 0 ? "  (list: synclet status --unreconciled)" : ""))
        lines.append("  orders with lines the store could not render (ProductNotFound): \(orders.incompleteLines)")
        lines.append("  orders dated in the future of when they were fetched (a store clock running fast?): \(orders.futureDated)"
                     + (orders.futureDated > 0 ? "  (list: synclet status --future-dated)" : ""))
        return lines.joined(separator: "\n")
    }

    /// `2 h 5 min`, `4 min`, `30 s`.
    static func age(_ seconds: Int) -> String {
        if seconds >= 86_400 { return "\(seconds / 86_400) d \(seconds % 86_400 / 3600) h" }
        if seconds >= 3600 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
        return seconds >= 60 ? "\(seconds / 60) min" : "\(seconds) s"
    }

    /// The figures in node_exporter's textfile format: one gauge per figure with its HELP and
    /// TYPE lines. A figure with no value yet (no watermark before the first sync) has no sample;
    /// `synclet_last_success_timestamp_seconds` is 0 before the first success, so an alert on its
    /// age fires for a sync that never worked.
    public func prometheus() -> String {
        var text = ""
        func gauge(_ name: String, _ help: String, _ value: Int?) {
            text += "# HELP synclet_\(name) \(help)\n# TYPE synclet_\(name) gauge\n"
            if let value { text += "synclet_\(name) \(value)\n" }
        }
        gauge("last_success_timestamp_seconds", "When the last sync that succeeded finished, in Unix time (0: none yet).",
              lastSuccessAt.flatMap(UTCTime.init(parsing:)).map { Int($0.secondsSince1970) } ?? 0)
        gauge("watermark_age_seconds", "How far the watermark (next LastUpdatedTime asked for) lags behind now.", watermarkAgeSeconds)
        gauge("consecutive_failures", "Sync attempts that failed or were interrupted since the last success.", consecutiveFailures)
        gauge("sync_running", "1 while a sync is running.", running ? 1 : 0)
        gauge("unfinished_runs", "Staged runs not loaded yet (the next sync resumes the newest).", unfinishedRuns.count)
        gauge("orders", "Orders in the database.", orders.total)
        gauge("orders_rejected", "Orders rejected with a reason (synclet status --rejects).", orders.rejected)
        gauge("orders_unreconciled", "Orders whose totals do not reconcile (synclet status --unreconciled).", orders.unreconciled)
        gauge("orders_incomplete_lines", "Orders with lines the store could not render.", orders.incompleteLines)
        gauge("orders_future_dated", "Orders dated in the future of when they were fetched.", orders.futureDated)
        gauge("dropped_by_store_in_last_run", "Orders the store dropped in the last successful run.", droppedByStoreInLastRun)
        return text
    }
}
