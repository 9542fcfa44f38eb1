import Foundation
import MariaDB

/// What `synclet status` shows: the database's orders, the watermark, the last runs, unfinished
/// staged runs, and the orders that need a look (rejected, dropped by the store, unreconciled).
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
        let time = { (column: String) in "DATE_FORMAT(\(column), '%Y-%m-%d %H:%i:%s') AS \(column)" }
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
        return StatusReport(
            orders: orders,
            watermark: try SyncHistory(connection: connection).watermark()?.description,
            droppedByStoreInLastRun: runs.first(where: { $0.status == "success" })?.dropped ?? 0,
            runs: runs, unfinishedRuns: unfinished)
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
        lines.append("Watermark (next LastUpdatedTime): \(watermark ?? "none yet: the next sync is the initial one")")
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
            for run in runs.prefix(3) where run.status == "failed" {
                lines.append("  \(run.runId) failed: \(run.error ?? "no reason recorded")")
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
}
