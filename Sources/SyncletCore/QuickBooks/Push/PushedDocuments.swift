import Foundation
import MariaDB

/// Where one document stands with QuickBooks. Stored as `qbo_documents.state`.
///
/// ```
/// (none) ─▶ held ◀──────▶ pending ─▶ pushed ─▶ voided
///                           │  ▲        │ ▲
///                           ▼  │        └─┘ sparse update when the content changes
///                     failed / conflict
/// ```
public enum PushState: String, CaseIterable, Sendable {
    /// To be created; with `attempts > 0` a write was sent whose outcome is not known yet, so the
    /// document is looked up by DocNumber before it is sent again.
    case pending
    case pushed
    /// Not a document (yet): the builder's reason.
    case held
    /// QuickBooks refused it; a re-run tries again.
    case failed
    /// Its order was cancelled or replaced by an edit after it was pushed.
    case voided
    /// Its DocNumber is taken in QuickBooks by a document that is not ours.
    case conflict
}

/// Orders and credit memos become documents of these kinds of source.
public enum SourceKind: String, Sendable {
    case order
    case creditMemo = "credit_memo"
}

/// One `qbo_documents` row.
public struct PushedDocument: Sendable, Equatable {
    public var id: Int64?
    public var sourceKind: SourceKind
    public var sourceNumber: String
    public var orderNumber: String
    public var entity: String?
    public var docNumber: String?
    public var txnDate: String?
    public var state: PushState
    public var reason: String?
    public var detail: String?
    public var qboId: String?
    public var syncToken: String?
    public var qboTotal: Decimal?
    public var qboVAT: Decimal?
    public var magentoTotal: Decimal?
    public var magentoVAT: Decimal?
    public var contentHash: String?
    public var requestId: String?
    public var attempts: Int = 0
    public var pushedAt: String?

    public init(sourceKind: SourceKind, sourceNumber: String, orderNumber: String, state: PushState) {
        self.sourceKind = sourceKind
        self.sourceNumber = sourceNumber
        self.orderNumber = orderNumber
        self.state = state
    }

    public var totalDifference: Decimal? { qboTotal.flatMap { total in magentoTotal.map { total - $0 } } }
    public var vatDifference: Decimal? { qboVAT.flatMap { vat in magentoVAT.map { vat - $0 } } }
}

/// The one owner of `qbo_documents`: reads and writes its rows, each column paired with its value.
///
/// ```swift
/// let table = PushedDocuments(connection: connection)
/// var rows = try table.all()            // by source
/// try table.save(&row)
/// ```
public struct PushedDocuments {
    public let connection: MariaDBConnection
    static let table = TableName.qboDocuments.rawValue

    public init(connection: MariaDBConnection) {
        self.connection = connection
    }

    public struct Key: Hashable, Sendable {
        public var kind: SourceKind
        public var number: String
    }

    public func all() throws -> [Key: PushedDocument] {
        var rows: [Key: PushedDocument] = [:]
        for row in try connection.query("SELECT * FROM \(Self.table)") {
            let document = Self.document(row)
            rows[Key(kind: document.sourceKind, number: document.sourceNumber)] = document
        }
        return rows
    }

    /// Inserts the row, or updates it by its source.
    public func save(_ document: inout PushedDocument) throws {
        let columns = Self.columns(document)
        let names = columns.map(\.0)
        let sql = "INSERT INTO \(Self.table) (\(names.joined(separator: ", ")), created_at, updated_at) VALUES ("
            + Array(repeating: "?", count: names.count).joined(separator: ", ") + ", UTC_TIMESTAMP(), UTC_TIMESTAMP()) "
            + "ON DUPLICATE KEY UPDATE " + names.map { "\($0) = VALUES(\($0))" }.joined(separator: ", ") + ", updated_at = UTC_TIMESTAMP()"
        try connection.execute(sql, columns.map(\.1))
        if document.id == nil {
            document.id = try connection.query("SELECT id FROM \(Self.table) WHERE source_kind = ? AND source_number = ?",
                                               [.string(document.sourceKind.rawValue), .string(document.sourceNumber)]).first?.int("id")
        }
    }

    private static func columns(_ document: PushedDocument) -> [(String, MariaDBValue)] {
        func money(_ value: Decimal?) -> MariaDBValue { value.map { .string($0.jsonText) } ?? .null }
        return [
            ("source_kind", .string(document.sourceKind.rawValue)),
            ("source_number", .string(document.sourceNumber)),
            ("order_number", .string(document.orderNumber)),
            ("entity", MariaDBValue(document.entity)),
            ("doc_number", MariaDBValue(document.docNumber)),
            ("txn_date", MariaDBValue(document.txnDate)),
            ("state", .string(document.state.rawValue)),
            ("reason", MariaDBValue(document.reason)),
            ("detail", MariaDBValue(document.detail)),
            ("qbo_id", MariaDBValue(document.qboId)),
            ("sync_token", MariaDBValue(document.syncToken)),
            ("qbo_total", money(document.qboTotal)),
            ("qbo_vat", money(document.qboVAT)),
            ("magento_total", money(document.magentoTotal)),
            ("magento_vat", money(document.magentoVAT)),
            ("total_difference", money(document.totalDifference)),
            ("vat_difference", money(document.vatDifference)),
            ("content_hash", MariaDBValue(document.contentHash)),
            ("request_id", MariaDBValue(document.requestId)),
            ("attempts", .int(Int64(document.attempts))),
            ("pushed_at", MariaDBValue(document.pushedAt)),
            ("voided_at", document.state == .voided ? .string(UTCTime.now().description) : .null),
        ]
    }

    private static func document(_ row: MariaDBRow) -> PushedDocument {
        func money(_ column: String) -> Decimal? {
            row.string(column).flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) }
        }
        var document = PushedDocument(
            sourceKind: SourceKind(rawValue: row.string("source_kind") ?? "") ?? .order,
            sourceNumber: row.string("source_number") ?? "", orderNumber: row.string("order_number") ?? "",
            state: PushState(rawValue: row.string("state") ?? "") ?? .pending)
        document.id = row.int("id")
        document.entity = row.string("entity")
        document.docNumber = row.string("doc_number")
        document.txnDate = row.string("txn_date")
        document.reason = row.string("reason")
        document.detail = row.string("detail")
        document.qboId = row.string("qbo_id")
        document.syncToken = row.string("sync_token")
        document.qboTotal = money("qbo_total")
        document.qboVAT = money("qbo_vat")
        document.magentoTotal = money("magento_total")
        document.magentoVAT = money("magento_vat")
        document.contentHash = row.string("content_hash")
        document.requestId = row.string("request_id")
        document.attempts = Int(row.int("attempts") ?? 0)
        document.pushedAt = row.string("pushed_at")
        return document
    }
}
