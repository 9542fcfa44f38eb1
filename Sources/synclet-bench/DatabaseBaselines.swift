import Foundation
import MariaDB
import SyncletCore

/// The canonical orders of a staged run, once each (the newest version of an order that paging
/// showed twice), in id order: the rows `load` ends up with.
func canonicalOrders(of run: StagedRun) throws -> [CanonicalOrder] {
    guard let pages = try run.loadManifest().extract?.pages else { throw BenchError("run \(run.runId) has no extract record") }
    var orders: [CanonicalOrder] = []
    for page in pages {
        for var order in try run.readCanonicalPage(page.page) {
            order.source.fetchedAt = order.source.fetchedAt ?? page.fetchedAt.description
            orders.append(order)
        }
    }
    return OrderWriter.newestVersions(orders)
}

/// A database of its own for one measurement, dropped and created again, with Synclet's schema.
struct ScratchDatabase {
    let configuration: MariaDBConfiguration

    static func fresh(_ name: String, server: MariaDBConfiguration, allowLocalInfile: Bool = false) throws -> ScratchDatabase {
        var admin = server
        admin.database = nil
        let connection = try MariaDBConnection(admin)
        defer { connection.close() }
        try connection.executeScript("DROP DATABASE IF EXISTS `\(name)`")
        try connection.executeScript("CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        var configuration = server
        configuration.database = name
        configuration.allowLocalInfile = allowLocalInfile
        let migrating = try MariaDBConnection(configuration)
        defer { migrating.close() }
        try SchemaMigrator(connection: migrating).migrate()
        return ScratchDatabase(configuration: configuration)
    }

    static func drop(_ name: String, server: MariaDBConfiguration) {
        var admin = server
        admin.database = nil
        guard let connection = try? MariaDBConnection(admin) else { return }
        try? connection.executeScript("DROP DATABASE IF EXISTS `\(name)`")
        connection.close()
    }

    /// Rows in each data table, by table name.
    func rowCounts() throws -> [String: Int] {
        let connection = try MariaDBConnection(configuration)
        defer { connection.close() }
        var counts: [String: Int] = [:]
        for table in OrderTables.all {
            counts[table.name.rawValue] = Int(try connection.query("SELECT COUNT(*) AS n FROM \(table.name.rawValue)").first?.int("n") ?? -1)
        }
        return counts
    }
}

/// The floor of the database: `LOAD DATA LOCAL INFILE` of the same rows, one TSV file per table,
/// parents first, into an empty schema. Nothing a client does with statements beats it.
struct LoadDataFloor {
    let database: ScratchDatabase
    let directory: String

    struct Result {
        var tsvSeconds: Double
        var loadSeconds: Double
        var rows: Int
        var bytes: Int
    }

    func measure(_ orders: [CanonicalOrder], runId: String) throws -> Result {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let context = OrderTables.Context(runId: runId, now: UTCTime.now().description)
        // Writing the files is the benchmark's work, not the database's: timed apart.
        let ((rows, bytes), tsvSeconds) = try timed { () throws -> (Int, Int) in
            var files = OrderTables.all.map { _ in [UInt8]() }
            var rows = 0
            for order in orders {
                for (table, tableRows) in OrderTables.rows(order, context: context).enumerated() {
                    for row in tableRows {
                        Self.appendTSV(row, to: &files[table])
                        rows += 1
                    }
                }
            }
            for (table, bytes) in zip(OrderTables.all, files) {
                try Data(bytes).write(to: URL(fileURLWithPath: path(table)))
            }
            return (rows, files.reduce(0) { $0 + $1.count })
        }

        let connection = try MariaDBConnection(database.configuration)
        defer { connection.close() }
        let (_, loadSeconds) = try timed {
            for table in OrderTables.all {
                try connection.execute("""
                    LOAD DATA LOCAL INFILE '\(path(table))' INTO TABLE \(table.name.rawValue) CHARACTER SET utf8mb4 \
                    (\(table.columns.joined(separator: ",")))
                    """)
            }
        }
        return Result(tsvSeconds: tsvSeconds, loadSeconds: loadSeconds, rows: rows, bytes: bytes)
    }

    func path(_ table: OrderTable) -> String { directory + "/\(table.name.rawValue).tsv" }

    /// One line in LOAD DATA's default format: tab-separated, `\N` for NULL, backslash escapes.
    static func appendTSV(_ row: [MariaDBValue], to file: inout [UInt8]) {
        for (index, value) in row.enumerated() {
            if index > 0 { file.append(0x09) }
            switch value {
            case .null:
                file.append(contentsOf: [0x5C, 0x4E])
            case .int(let number):
                file.append(contentsOf: String(number).utf8)
            case .string(let text):
                appendEscaped(text.utf8, to: &file)
            case .bytes(let bytes):
                appendEscaped(bytes, to: &file)
            }
        }
        file.append(0x0A)
    }

    private static func appendEscaped<S: Sequence>(_ bytes: S, to file: inout [UInt8]) where S.Element == UInt8 {
        for byte in bytes {
            switch byte {
            case 0x5C: file.append(contentsOf: [0x5C, 0x5C])
            case 0x09: file.append(contentsOf: [0x5C, 0x74])
            case 0x0A: file.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: file.append(contentsOf: [0x5C, 0x72])
            case 0x00: file.append(contentsOf: [0x5C, 0x30])
            default: file.append(byte)
            }
        }
    }
}

/// The naive baseline: what a first version of `load` would do. One transaction per order,
/// one plain `INSERT` per row with bound parameters (prepared once, through the MariaDB module).
struct NaiveLoader {
    let database: ScratchDatabase

    func measure(_ orders: [CanonicalOrder], runId: String) throws -> (seconds: Double, rows: Int) {
        let connection = try MariaDBConnection(database.configuration)
        defer { connection.close() }
        let statements = OrderTables.all.map { table in
            "INSERT INTO \(table.name.rawValue) (\(table.columns.joined(separator: ","))) VALUES ("
                + Array(repeating: "?", count: table.columns.count).joined(separator: ",") + ")"
        }
        let context = OrderTables.Context(runId: runId, now: UTCTime.now().description)
        var rows = 0
        let (_, seconds) = try timed {
            for order in orders {
                try connection.withTransaction {
                    for (table, tableRows) in OrderTables.rows(order, context: context).enumerated() {
                        for row in tableRows {
                            try connection.execute(statements[table], row)
                            rows += 1
                        }
                    }
                }
            }
        }
        return (seconds, rows)
    }
}
