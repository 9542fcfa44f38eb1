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
            return "another synclet is loading into or changing this database (MariaDB lock '\(DatabaseLock.name)' is held); try again when it ends"
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

    /// Loads the run. `following`: transform may still be running (a streaming sync); each page
    /// is loaded as soon as transform has listed it, and the run's final transaction (its success
    /// and the watermark) waits until transform has completed and every page is loaded.
    public func execute(following: Bool = false) throws {
        var manifest = try run.loadManifest()
        guard following || manifest.stages[.transform]?.status == .completed, manifest.extract != nil else {
            throw LoadError.notTransformed(run.runId)
        }
        try run.startLedger(of: .load)
        manifest = try run.beginStage(.load, following: following)
        let attemptId = manifest.stages[.load]?.attemptId ?? ""
        let session = try LoadSession(database: database, retries: pipeline.load.retries, log: log)
        defer { session.close() }

        if manifest.historyId == nil {
            let id = try session.run { try SyncHistory(connection: $0).start(manifest, type: manifest.type) }
            manifest = try run.updateManifest { $0.historyId = id }
        }
        guard let historyId = manifest.historyId else { return }
        try session.run { try SyncHistory(connection: $0).recordProgress(manifest, historyId: historyId, stage: .load) }

        // The state the run began from: the watermark moves only if it is still this one when
        // the run commits (a `synclet clear` in between starts a new generation).
        let stateAtStart = SyncHistory.State(
            watermark: manifest.watermarkBefore,
            generation: try session.run { try SyncHistory(connection: $0).state().generation })

        // The store's settings read at this run's start are stored first; the newest stored one
        // gives this run's orders their local dates and price basis.
        let store = try session.transaction { connection -> StoreConfiguration? in
            let table = StoreConfigurationTable(connection: connection)
            if let staged = try run.readStoreConfiguration() { try table.record(staged, runId: run.runId) }
            return try table.latest()
        }
        if store?.timeZone == nil {
            log.warning("run \(run.runId): the store's time zone is not known yet; local dates are UTC dates until a sync reads StoreInfo")
        }

        var counts = WriteCounts()
        var loadRejects: [RejectedOrder] = []
        var batch: [CanonicalOrder] = []
        // Pages whose every order is in `batch`: committed, and listed for a stage after load,
        // once the batch is.
        var batchPages: [PageRecord] = []
        var loaded: [PageRecord] = []
        func flush() throws {
            guard !batch.isEmpty || !batchPages.isEmpty else { return }
            let orders = batch
            batch.removeAll(keepingCapacity: true)
            if !orders.isEmpty {
                let (written, rejected) = try OrderWriter.writeSettingAsideRefused(orders, runId: run.runId, store: store, log: log) { body in
                    try session.transaction(body)
                }
                counts.add(written)
                loadRejects += rejected
            }
            try run.appendToLedger(of: .load, attemptId: attemptId, pages: batchPages)
            loaded += batchPages
            batchPages.removeAll(keepingCapacity: true)
        }
        let feed = try StageFeed(run: run, following: .transform)
        let progress = ProgressLine("run \(run.runId) load", totalPages: feed.followsACompletedStage ? manifest.extract?.pages.count : nil, log: log)
        defer { progress.finish() }
        let streaming = !feed.followsACompletedStage
        let pages = CanonicalPrefetcher(run: run, feed: feed)
        defer { pages.cancel() }
        while true {
            // Following a slower transform, write what is read rather than wait for a full
            // batch: the last pages then cost one small transaction after transform ends.
            if streaming && !batch.isEmpty && !pages.hasReady { try flush() }
            guard let next = try pages.next() else { break }
            let (page, read) = next
            progress.update(pages: loaded.count + batchPages.count, orders: counts.inserted + counts.updated + counts.unchanged + counts.stale)
            var orders = read
            for index in orders.indices where orders[index].source.fetchedAt == nil {
                orders[index].source.fetchedAt = page.fetchedAt.description
            }
            batch += orders
            batchPages.append(page)
            if batch.count >= pipeline.load.batchSize { try flush() }
        }
        try flush()

        // Every page is loaded, and transform has completed: its rejects and counts are final.
        manifest = try run.loadManifest()
        guard manifest.stages[.transform]?.status == .completed, let transform = manifest.transform, let extract = manifest.extract else {
            throw LoadError.notTransformed(run.runId)
        }
        guard extract.pages.map(\.sha256) == loaded.map(\.sha256) else {
            throw StagingError.damaged(run: run.runId, reason: "the \(loaded.count) pages loaded are not the \(extract.pages.count) pages extract recorded in run.json")
        }

        var watermarkAfter = Self.nextWatermark(
            manifest, transform: transform, overlapSeconds: pipeline.watermark.overlapSeconds,
            earliestLoadReject: loadRejects.compactMap { $0.lastUpdatedDate.flatMap(UTCTime.init(parsing:)) }.min())
        let rejects = try run.readRejects()
        let move = try session.transaction { connection -> SyncHistory.WatermarkMove in
            try RejectsTable(connection: connection).record(rejects, runId: run.runId)
            let history = SyncHistory(connection: connection)
            var move = SyncHistory.WatermarkMove.moved
            if let target = watermarkAfter {
                move = try history.moveWatermark(to: target, runId: run.runId, expecting: stateAtStart)
            }
            try history.recordSuccess(historyId: historyId, counts: counts, watermarkAfter: move == .moved ? watermarkAfter : nil)
            return move
        }
        switch move {
        case .moved: break
        case .clearedMeanwhile:
            log.warning("run \(run.runId): the database was cleared (synclet clear) while this run was under way; its orders are kept but the watermark does not move, so the next sync is an initial one")
            watermarkAfter = nil
        case .movedByAnotherRun:
            log.warning("run \(run.runId): another sync moved the watermark while this run was under way; its orders are kept and the watermark stays where that sync put it")
            watermarkAfter = nil
        }
        var record = LoadRecord()
        record.inserted = counts.inserted
        record.updated = counts.updated
        record.unchanged = counts.unchanged
        record.stale = counts.stale
        record.watermarkAfter = watermarkAfter
        let finished = record
        try run.updateManifest { try $0.record(finished) }
        try run.finishStage(.load)
        try run.closeLedger(of: .load, attemptId: attemptId)
        log.info("run \(run.runId): load complete: \(counts.inserted) inserted, \(counts.updated) updated, \(counts.unchanged) unchanged, \(counts.stale) older than stored, \(counts.rejected) refused by the database; watermark \(watermarkAfter?.description ?? "unchanged")")
    }

    /// The next `LastUpdatedTime`: the store's clock when paging began, minus the overlap, and
    /// never past an order this run rejected, in transform or in load (so the next run asks for
    /// it again). A replay, or a run loaded before, does not move it.
    static func nextWatermark(_ manifest: RunManifest, transform: TransformRecord, overlapSeconds: Int,
                              earliestLoadReject: UTCTime? = nil) -> UTCTime? {
        guard manifest.mayMoveWatermark,
              let start = manifest.extract?.storeClockAtStart ?? manifest.extract?.localClockAtStart
        else { return nil }
        var watermark = start.adding(seconds: -Int64(overlapSeconds))
        for rejected in [transform.earliestRejectedUpdate, earliestLoadReject].compactMap({ $0 }) {
            watermark = min(watermark, rejected.adding(seconds: -1))
        }
        return watermark
    }
}

extension OrderWriter {
    /// Writes `orders` in one transaction; when the database refuses a value of one of them, the
    /// batch is rolled back and written again one order at a time, and each order that carries
    /// such a value is recorded in `order_rejects` with the reason instead (by order number,
    /// table and column), so one order never blocks the others, the run or later syncs.
    /// `transaction` runs its body in a transaction (retrying it as the caller sees fit).
    public static func writeSettingAsideRefused(
        _ orders: [CanonicalOrder], runId: String, store: StoreConfiguration? = nil, log: Log,
        transaction: (_ body: @escaping (MariaDBConnection) throws -> Void) throws -> Void
    ) throws -> (WriteCounts, [RejectedOrder]) {
        var counts = WriteCounts()
        do {
            try transaction { counts = try OrderWriter(connection: $0, runId: runId, store: store).write(orders) }
            return (counts, [])
        } catch is RefusedValue {
            counts = WriteCounts()
        }
        var rejects: [RejectedOrder] = []
        for order in orders {
            do {
                var written = WriteCounts()
                try transaction { written = try OrderWriter(connection: $0, runId: runId, store: store).write([order]) }
                counts.add(written)
            } catch let refused as RefusedValue {
                let reject = RejectedOrder(order, reason: refused.description)
                try transaction { try RejectsTable(connection: $0).record([reject], runId: runId) }
                log.warning("run \(runId): order \(order.orderNumber) (id \(order.id), page \(order.source.page)) rejected: \(refused)")
                rejects.append(reject)
                counts.rejected += 1
            }
        }
        return (counts, rejects)
    }
}

extension RejectedOrder {
    /// An order `load` could not write, kept with its reason in `order_rejects`.
    init(_ order: CanonicalOrder, reason: String) {
        self.init(page: order.source.page, position: order.source.position, orderId: String(order.id),
                  lastUpdatedDate: order.lastUpdatedDate, reason: "order \(order.orderNumber): \(reason)", rawJSON: order.rawJSON)
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
        let connection = try database.connectWithCurrentSchema()
        do {
            try DatabaseLock.acquire(on: connection)
        } catch {
            connection.close()
            throw error
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
