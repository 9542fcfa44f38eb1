import MariaDB

/// `sync_history` and `sync_state`: what each run did, and the watermark.
public struct SyncHistory {
    public let connection: MariaDBConnection

    public init(connection: MariaDBConnection) {
        self.connection = connection
    }

    /// The `LastUpdatedTime` the next incremental run asks from; nil before the first sync.
    public func watermark() throws -> UTCTime? {
        try connection.query("SELECT DATE_FORMAT(watermark, '%Y-%m-%d %H:%i:%s') AS watermark FROM sync_state WHERE id = 1")
            .first?["watermark"].flatMap(UTCTime.init(parsing:))
    }

    /// The watermark and the generation of the tables it describes (`synclet clear` starts a
    /// new generation).
    public struct State: Sendable, Equatable {
        public var watermark: UTCTime?
        public var generation: Int64

        public init(watermark: UTCTime?, generation: Int64) {
            self.watermark = watermark
            self.generation = generation
        }
    }

    /// The stored state; with `lockingRow`, the row stays locked until the transaction ends.
    public func state(lockingRow: Bool = false) throws -> State {
        let row = try connection.query("""
            SELECT DATE_FORMAT(watermark, '%Y-%m-%d %H:%i:%s') AS watermark, generation FROM \(TableName.syncState.rawValue)
            WHERE id = 1\(lockingRow ? " FOR UPDATE" : "")
            """).first
        return State(watermark: row?["watermark"].flatMap(UTCTime.init(parsing:)), generation: row?.int("generation") ?? 0)
    }

    /// What became of a load's watermark.
    public enum WatermarkMove: Sendable, Equatable {
        case moved
        /// `synclet clear` emptied the tables after the run began: the next sync is initial.
        case clearedMeanwhile
        /// Another sync (from another staging area) moved it after this run began.
        case movedByAnotherRun
    }

    /// Moves the watermark to `watermark` only if the stored state is still `expected`, the one
    /// the run began from (compare-and-set): when the tables were cleared under the run, its
    /// orders stay but the watermark must not move over the emptied tables. Call inside the
    /// transaction that commits the data justifying it.
    public func moveWatermark(to watermark: UTCTime, runId: String, expecting expected: State) throws -> WatermarkMove {
        let found = try state(lockingRow: true)
        if found == expected {
            try setWatermark(watermark, runId: runId)
            return .moved
        }
        return found.generation != expected.generation || found.watermark == nil ? .clearedMeanwhile : .movedByAnotherRun
    }

    /// What `synclet clear` leaves: no watermark (the next sync is initial) and a new generation,
    /// so a load that began before the clear cannot move the watermark over the emptied tables.
    public func resetAfterClear() throws {
        try connection.execute("""
            INSERT INTO \(TableName.syncState.rawValue) (id, watermark, last_run_id, updated_at, generation)
            VALUES (1, NULL, NULL, UTC_TIMESTAMP(), 1)
            ON DUPLICATE KEY UPDATE watermark = NULL, last_run_id = NULL, updated_at = VALUES(updated_at), generation = generation + 1
            """)
    }

    /// Sets the watermark unconditionally.
    func setWatermark(_ watermark: UTCTime, runId: String) throws {
        try connection.execute("""
            INSERT INTO sync_state (id, watermark, last_run_id, updated_at) VALUES (1, ?, ?, UTC_TIMESTAMP())
            ON DUPLICATE KEY UPDATE watermark = VALUES(watermark), last_run_id = VALUES(last_run_id), updated_at = VALUES(updated_at)
            """, [.string(watermark.description), .string(runId)])
    }

    /// Starts a `running` row for an attempt at a run and returns its id.
    public func start(_ manifest: RunManifest, type: RunType) throws -> Int64 {
        let result = try connection.execute("""
            INSERT INTO sync_history (run_id, run_type, status, stage, started_at, window_order_created_time,
              window_last_updated_time, watermark_before)
            VALUES (?, ?, 'running', ?, UTC_TIMESTAMP(), ?, ?, ?)
            """, [
                .string(manifest.runId), .string(type.rawValue), MariaDBValue(manifest.nextStage?.rawValue),
                .string(manifest.request.orderCreatedTime.description),
                MariaDBValue(manifest.request.lastUpdatedTime?.description), MariaDBValue(manifest.watermarkBefore?.description),
            ])
        return Int64(result.lastInsertID)
    }

    /// Before a run is attempted again: its previous attempt's row, if it was left `running` (the
    /// process was killed, or the machine stopped), becomes `interrupted`. A failed or
    /// interrupted row keeps what it recorded.
    public func closeUnfinishedAttempt(historyId: Int64) throws {
        try connection.execute("""
            UPDATE sync_history SET status = 'interrupted', finished_at = UTC_TIMESTAMP(),
              error = 'ended without recording an outcome (the process was killed or the machine stopped); resumed by a later sync'
            WHERE id = ? AND status = 'running'
            """, [.int(historyId)])
    }

    /// A run stopped by a signal (systemd stopping the service): `interrupted`, with the reason.
    public func recordInterruption(historyId: Int64, stage: StageName?, reason: String) throws {
        try connection.execute(
            "UPDATE sync_history SET status = 'interrupted', stage = COALESCE(?, stage), finished_at = UTC_TIMESTAMP(), error = ? WHERE id = ?",
            [MariaDBValue(stage?.rawValue), .string(String(reason.prefix(2000))), .int(historyId)])
    }

    /// Records the counts known so far from the manifest (pages, received, rejected, dropped).
    public func recordProgress(_ manifest: RunManifest, historyId: Int64, stage: StageName?) throws {
        let pages = manifest.extract?.pages ?? []
        try connection.execute("""
            UPDATE sync_history SET stage = COALESCE(?, stage), pages_fetched = ?, orders_received = ?, orders_dropped = ?,
              orders_rejected = ?, orders_unreconciled = ? WHERE id = ?
            """, [
                MariaDBValue(stage?.rawValue), .int(Int64(pages.count)), .int(Int64(pages.reduce(0) { $0 + $1.orders })),
                .int(Int64(pages.reduce(0) { $0 + $1.dropped })), .int(Int64(manifest.transform?.rejected ?? 0)),
                .int(Int64(manifest.transform?.unreconciled ?? 0)), .int(historyId),
            ])
    }

    public func recordFailure(historyId: Int64, stage: StageName?, error: String) throws {
        try connection.execute(
            "UPDATE sync_history SET status = 'failed', stage = COALESCE(?, stage), finished_at = UTC_TIMESTAMP(), error = ? WHERE id = ?",
            [MariaDBValue(stage?.rawValue), .string(String(error.prefix(2000))), .int(historyId)])
    }

    public func recordSuccess(historyId: Int64, counts: WriteCounts, watermarkAfter: UTCTime?) throws {
        try connection.execute("""
            UPDATE sync_history SET status = 'success', stage = 'load', finished_at = UTC_TIMESTAMP(), error = NULL,
              orders_inserted = ?, orders_updated = ?, orders_unchanged = ?, orders_stale = ?,
              orders_rejected = orders_rejected + ?, watermark_after = ?
            WHERE id = ?
            """, [
                .int(Int64(counts.inserted)), .int(Int64(counts.updated)), .int(Int64(counts.unchanged)),
                .int(Int64(counts.stale)), .int(Int64(counts.rejected)), MariaDBValue(watermarkAfter?.description), .int(historyId),
            ])
    }

    /// Marks rows of runs that ended without a word (a killed process) as failed.
    public func markInterrupted(runId: String, reason: String) throws {
        try connection.execute(
            "UPDATE sync_history SET status = 'failed', finished_at = UTC_TIMESTAMP(), error = ? WHERE run_id = ? AND status = 'running'",
            [.string(reason), .string(runId)])
    }
}
