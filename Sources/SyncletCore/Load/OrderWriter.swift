import MariaDB

/// What happened to the orders of one batch.
public struct WriteCounts: Sendable, Equatable {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    /// Older than the version already stored: left alone, so a replay never regresses data.
    public var stale = 0
    /// Refused by the database (a value too long, out of range, invalid): in `order_rejects`.
    public var rejected = 0

    public init() {}

    public mutating func add(_ other: WriteCounts) {
        inserted += other.inserted
        updated += other.updated
        unchanged += other.unchanged
        stale += other.stale
        rejected += other.rejected
    }
}

/// What decides whether one version of an order replaces another.
public struct OrderVersion: Sendable, Equatable {
    public var lastUpdatedDate: String
    /// When our clock fetched it (UTC); nil for canonical records written before it was kept.
    public var fetchedAt: String?
    public var contentHash: String

    public init(lastUpdatedDate: String, fetchedAt: String?, contentHash: String) {
        self.lastUpdatedDate = lastUpdatedDate
        self.fetchedAt = fetchedAt
        self.contentHash = contentHash
    }

    public init(_ order: CanonicalOrder) {
        self.init(lastUpdatedDate: order.lastUpdatedDate, fetchedAt: order.source.fetchedAt, contentHash: order.contentHash)
    }

    /// Whether this version is older than `other`. The fetch time decides, because it is our
    /// clock: a store whose clock ran fast, or that sends `9999-12-31`, cannot make an old
    /// version look newer and freeze the order. Only when both were fetched in the same second,
    /// or a fetch time is unknown, does the store's `LastUpdatedDate` decide.
    public func isOlder(than other: OrderVersion) -> Bool {
        if let fetchedAt, let otherFetchedAt = other.fetchedAt, fetchedAt != otherFetchedAt {
            return fetchedAt < otherFetchedAt
        }
        return lastUpdatedDate < other.lastUpdatedDate
    }
}

/// What `load` does with one incoming order.
public enum WriteDecision: Sendable, Equatable {
    case insert
    case update
    case unchanged
    /// Older than the stored version: left alone, so a replay never regresses data.
    case stale

    /// The decision for `incoming` given the version stored, if any.
    public static func decide(incoming: OrderVersion, stored: OrderVersion?) -> WriteDecision {
        guard let stored else { return .insert }
        if incoming.isOlder(than: stored) { return .stale }
        return incoming.contentHash == stored.contentHash ? .unchanged : .update
    }
}

/// A value the database refused for one column of one order's rows (too long, out of range, an
/// invalid string or date): the order is rejected alone, never the batch.
public struct RefusedValue: Error, CustomStringConvertible {
    public let table: TableName
    public let column: String?
    public let error: MariaDBError
    /// The longest value of `column` in the order's rows, in characters, when known.
    public var length: Int?

    /// A reason for `order_rejects` and the log, naming the table and column, never a row number.
    public var description: String {
        let place = "\(table.rawValue).\(column ?? "?")"
        let what: String
        switch error.code {
        case 1406: what = "value too long for \(place)" + (length.map { " (\($0) characters)" } ?? "")
        case 1264, 1690: what = "number out of range for \(place)"
        case 1366, 1367: what = "invalid value (characters or number) for \(place)"
        case 1292: what = "invalid date or time for \(place)"
        case 1265: what = "value truncated for \(place)"
        case 1048: what = "missing value for \(place), which is required"
        default: what = "value refused for \(place)"
        }
        return "the database refused this order: \(what) (MariaDB error \(error.code))"
    }
}

/// Upserts canonical orders with all their rows, a batch at a time, inside the caller's
/// transaction.
///
/// For each order of the batch it reads the stored version (`FOR UPDATE`) and applies
/// `WriteDecision`: a new order is inserted; a changed one has its child rows deleted and
/// written again; an identical one (same content hash) or an older one is left alone. Rows
/// travel as multi-row statements with bound parameters. A value the database refuses throws
/// `RefusedValue`.
public struct OrderWriter {
    public let connection: MariaDBConnection
    public let runId: String
    /// The store's newest configuration: the time zone of the orders' local dates.
    public let store: StoreConfiguration?

    public init(connection: MariaDBConnection, runId: String, store: StoreConfiguration? = nil) {
        self.connection = connection
        self.runId = runId
        self.store = store
    }

    /// Keeps each statement well under MariaDB's 65,535 placeholders.
    static let maximumParametersPerStatement = 30_000

    /// The newest version of each order of `batch` (the same order can appear twice in a run
    /// when paging shifts), in id order.
    public static func newestVersions(_ batch: [CanonicalOrder]) -> [CanonicalOrder] {
        var latest: [Int64: CanonicalOrder] = [:]
        for order in batch {
            if let seen = latest[order.id], OrderVersion(order).isOlder(than: OrderVersion(seen)) { continue }
            latest[order.id] = order
        }
        return latest.values.sorted { $0.id < $1.id }
    }

    public func write(_ batch: [CanonicalOrder]) throws -> WriteCounts {
        var counts = WriteCounts()
        let orders = Self.newestVersions(batch)
        guard !orders.isEmpty else { return counts }

        let placeholders = Array(repeating: "?", count: orders.count).joined(separator: ",")
        let stored = try connection.query("""
            SELECT id, DATE_FORMAT(last_updated_date, '%Y-%m-%d %H:%i:%s') AS last_updated_date,
              DATE_FORMAT(fetched_at, '%Y-%m-%d %H:%i:%s') AS fetched_at, content_hash
            FROM \(TableName.orders.rawValue) WHERE id IN (\(placeholders)) FOR UPDATE
            """, orders.map { .int($0.id) })
        var storedVersions: [Int64: OrderVersion] = [:]
        for row in stored {
            guard let id = row.int("id") else { continue }
            storedVersions[id] = OrderVersion(
                lastUpdatedDate: row["last_updated_date"] ?? "", fetchedAt: row["fetched_at"], contentHash: row["content_hash"] ?? "")
        }

        var toWrite: [CanonicalOrder] = []
        var replaced: [Int64] = []
        for order in orders {
            switch WriteDecision.decide(incoming: OrderVersion(order), stored: storedVersions[order.id]) {
            case .insert:
                counts.inserted += 1
                toWrite.append(order)
            case .update:
                counts.updated += 1
                replaced.append(order.id)
                toWrite.append(order)
            case .unchanged:
                counts.unchanged += 1
            case .stale:
                counts.stale += 1
            }
        }
        guard !toWrite.isEmpty else { return counts }
        try rewrite(toWrite, replacing: replaced, keeping: OrderTables.keptOnUpdate)
        return counts
    }

    /// Writes every row of already-stored orders again from their canonical form, keeping when and
    /// by which run they were loaded: `synclet init` fills the columns a new schema version added
    /// from each order's `raw_json` this way, through the same table descriptions a load uses.
    public func refill(_ orders: [CanonicalOrder]) throws {
        guard !orders.isEmpty else { return }
        try rewrite(orders, replacing: orders.map(\.id), keeping: OrderTables.keptOnUpdate.union(["loaded_at", "loaded_by_run"]))
    }

    private func rewrite(_ toWrite: [CanonicalOrder], replacing replaced: [Int64], keeping kept: Set<String>) throws {
        if !replaced.isEmpty {
            // Child rows of a changed order are replaced whole: no line of an older version survives.
            let ids = replaced.map { MariaDBValue.int($0) }
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            for table in OrderTables.children.reversed() {
                try connection.execute("DELETE FROM \(table.name.rawValue) WHERE order_id IN (\(marks))", ids)
            }
        }
        let context = OrderTables.Context(runId: runId, now: UTCTime.now().description, store: store)
        for table in OrderTables.all {
            do {
                try insertRows(table, toWrite.flatMap { table.rows($0, context) }, upsert: table.name == .orders, keeping: kept)
            } catch let error as MariaDBError where error.isDataError {
                var refused = RefusedValue(table: table.name, column: error.column, error: error)
                if toWrite.count == 1, let column = error.column, let index = table.columns.firstIndex(of: column) {
                    refused.length = table.rows(toWrite[0], context).compactMap { row -> Int? in
                        if case .string(let text) = row[index] { return text.count }
                        return nil
                    }.max()
                }
                throw refused
            }
        }
        let written = toWrite.map { MariaDBValue.int($0.id) }
        try connection.execute(
            "DELETE FROM \(TableName.orderRejects.rawValue) WHERE order_id IN (\(Array(repeating: "?", count: written.count).joined(separator: ",")))",
            written)
    }

    /// `INSERT INTO table (columns) VALUES (…),(…)…`, chunked; with `upsert`, an existing row
    /// takes every new value except `first_loaded_at`.
    ///
    /// Chunks hold a power-of-two number of rows (128, then 64, 32, … for the rest), so however
    /// the batches vary, each table needs at most eight statement shapes: the connection's
    /// prepared-statement cache stays small and every statement is prepared once.
    func insertRows(_ table: OrderTable, _ rows: [[MariaDBValue]], upsert: Bool = false,
                    keeping kept: Set<String> = OrderTables.keptOnUpdate) throws {
        guard !rows.isEmpty else { return }
        let rowPlaceholder = "(" + Array(repeating: "?", count: table.columns.count).joined(separator: ",") + ")"
        var update = ""
        if upsert {
            update = " ON DUPLICATE KEY UPDATE " + table.columns.filter { !kept.contains($0) }
                .map { "\($0)=VALUES(\($0))" }.joined(separator: ",")
        }
        var start = 0
        while start < rows.count {
            let count = Self.chunkSize(remaining: rows.count - start, columns: table.columns.count)
            let sql = "INSERT INTO \(table.name.rawValue) (\(table.columns.joined(separator: ","))) VALUES "
                + Array(repeating: rowPlaceholder, count: count).joined(separator: ",") + update
            try connection.execute(sql, Array(rows[start..<start + count].joined()))
            start += count
        }
    }

    static func chunkSize(remaining: Int, columns: Int) -> Int {
        var size = 128
        while size > 1 && (size > remaining || size * columns > maximumParametersPerStatement) { size /= 2 }
        return size
    }
}
