import Foundation
import MariaDB

/// Why `load` stopped.
public enum LoadError: Error, CustomStringConvertible {
    /// Another machine or process is loading into the same database (`GET_LOCK`).
    case databaseLocked
    case notTransformed(String)

    public var description: String {
        switch self {
        case .databaseLocked:
            return "another load into this database is running (MariaDB lock '\(LoadStage.databaseLockName)' is held); try again when it ends"
        case .notTransformed(let runId):
            return "run \(runId) has not been transformed yet; run transform first"
        }
    }
}

/// The `load` stage: upserts a run's canonical records in batches, records the rejects, and in
/// one final transaction marks the run a success in `sync_history` and moves the watermark.
///
/// Every transaction is retried, on a new connection when the old one was lost, after a
/// deadlock or a lock-wait timeout. A failed transaction leaves nothing behind, and a resumed
/// load simply starts again: rows already written count as unchanged.
public struct LoadStage {
    public static let databaseLockName = "synclet.load"

    public let run: StagedRun
    public let database: Database
    public let pipeline: PipelineConfiguration
    public let log: Log

    public init(run: StagedRun, database: Database, pipeline: PipelineConfiguration, log: Log) {
        self.run = run
        self.database = database
        self.pipeline = pipeline
        self.log = log
    }

    public func execute() throws {
        var manifest = try run.loadManifest()
        guard manifest.stages[.transform]?.status == .completed, let transform = manifest.transform, let extract = manifest.extract else {
            throw LoadError.notTransformed(run.runId)
        }
        try run.beginStage(.load)
        let session = try LoadSession(database: database, retries: pipeline.load.retries, log: log)
        defer { session.close() }

        if manifest.historyId == nil {
            let id = try session.run { try SyncHistory(connection: $0).start(manifest, type: manifest.type) }
            manifest = try run.updateManifest { $0.historyId = id }
        }
        guard let historyId = manifest.historyId else { return }
        try session.run { try SyncHistory(connection: $0).recordProgress(manifest, historyId: historyId, stage: .load) }

        var counts = WriteCounts()
        var batch: [CanonicalOrder] = []
        func flush() throws {
            guard !batch.isEmpty else { return }
            let orders = batch
            let written = try session.transaction { try OrderWriter(connection: $0, runId: run.runId).write(orders) }
            counts.add(written)
            batch.removeAll(keepingCapacity: true)
        }
        let progress = ProgressLine("run \(run.runId) load", totalPages: extract.pages.count, log: log)
        defer { progress.finish() }
        let pages = CanonicalPrefetcher(run: run, pages: extract.pages.map(\.page))
        defer { pages.cancel() }
        var pagesRead = 0
        while let orders = try pages.next() {
            progress.update(pages: pagesRead, orders: counts.inserted + counts.updated + counts.unchanged + counts.stale)
            pagesRead += 1
            batch += orders
            if batch.count >= pipeline.load.batchSize { try flush() }
        }
        try flush()

        let watermarkAfter = nextWatermark(manifest, transform: transform)
        let rejects = try TransformStage.readRejects(run: run)
        try session.transaction { connection in
            try RejectsTable(connection: connection).record(rejects, runId: run.runId)
            let history = SyncHistory(connection: connection)
            if let watermarkAfter { try history.setWatermark(watermarkAfter, runId: run.runId) }
            try history.recordSuccess(historyId: historyId, counts: counts, watermarkAfter: watermarkAfter)
        }
        var record = LoadRecord()
        record.inserted = counts.inserted
        record.updated = counts.updated
        record.unchanged = counts.unchanged
        record.stale = counts.stale
        record.watermarkAfter = watermarkAfter
        let finished = record
        try run.updateManifest { $0.load = finished }
        try run.finishStage(.load)
        log.info("run \(run.runId): load complete: \(counts.inserted) inserted, \(counts.updated) updated, \(counts.unchanged) unchanged, \(counts.stale) older than stored; watermark \(watermarkAfter?.description ?? "unchanged")")
    }

    /// The next `LastUpdatedTime`: the store's clock when paging began, minus the overlap, and
    /// never past an order this run rejected (so the next run asks for it again). A replay, or
    /// a run loaded before, does not move it.
    func nextWatermark(_ manifest: RunManifest, transform: TransformRecord) -> UTCTime? {
        guard manifest.type != .replay, manifest.load == nil,
              let start = manifest.extract?.storeClockAtStart ?? manifest.extract?.localClockAtStart
        else { return nil }
        var watermark = start.adding(seconds: -Int64(pipeline.watermark.overlapSeconds))
        if let rejected = transform.earliestRejectedUpdate {
            watermark = min(watermark, rejected.adding(seconds: -1))
        }
        return watermark
    }
}

/// A connection that is replaced when lost, holding the database-wide load lock.
final class LoadSession {
    private let database: Database
    private let retries: Int
    private let log: Log
    private var connection: MariaDBConnection?

    init(database: Database, retries: Int, log: Log) throws {
        self.database = database
        self.retries = retries
        self.log = log
        self.connection = try openLocked()
    }

    private func openLocked() throws -> MariaDBConnection {
        let connection = try database.connectAndMigrate()
        let granted = try connection.query("SELECT GET_LOCK(?, 0) AS granted", [.string(LoadStage.databaseLockName)]).first?.int("granted")
        guard granted == 1 else {
            connection.close()
            throw LoadError.databaseLocked
        }
        return connection
    }

    /// Runs `body` in a transaction, retrying it whole after a lost connection, a deadlock or a
    /// lock-wait timeout.
    func transaction<T>(_ body: @escaping (MariaDBConnection) throws -> T) throws -> T {
        try run { connection in try connection.withTransaction { try body(connection) } }
    }

    func run<T>(_ body: (MariaDBConnection) throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let current = try connection ?? openLocked()
                connection = current
                return try body(current)
            } catch let error as MariaDBError where error.isRetryable && attempt <= retries {
                if error.isConnectionLost {
                    connection?.close()
                    connection = nil
                }
                let delay = Backoff.database.delay(afterAttempt: attempt)
                log.warning("database: \(error.message) (error \(error.code)); attempt \(attempt) of \(retries + 1), retrying in \(String(format: "%.1f", delay))s")
                Thread.sleep(forTimeInterval: delay)
            }
        }
    }

    func close() {
        connection?.close()
        connection = nil
    }
}
