import Foundation
import CMariaDB

/// An error reported by the server or by Connector/C, with enough context to act on it.
///
/// The description names the operation and the start of the SQL text, never bound
/// parameter values or the password:
///
/// ```
/// MariaDB error 1146 (42S02) during execute: Table 'shop.nope' doesn't exist [SQL: INSERT INTO nope (a) VALUES (?)]
/// ```
///
/// Server messages that quote a bound string value (for example *Duplicate entry '…' for
/// key …*) have that value replaced by `'<redacted>'`, so errors are safe to log.
///
/// Use the classification properties to decide what to do:
///
/// ```swift
/// do {
///     try db.withTransaction { try load(batch, into: db) }
/// } catch let error as MariaDBError where error.isRetryable {
///     // reconnect if error.isConnectionLost, then retry the whole transaction
/// }
/// ```
public struct MariaDBError: Error, CustomStringConvertible, Sendable {
    /// Server error number (1000–1999, 3000+, e.g. 1062 duplicate key) or Connector/C client
    /// error number (2000–2999, e.g. 2013 lost connection). 0 for misuse of this library.
    public let code: UInt32
    /// Five-character SQLSTATE, e.g. `"23000"`; `"HY000"` when unknown.
    public let sqlState: String
    /// The message from the server or client library (with bound values redacted).
    public let message: String
    /// What was being done, e.g. `"connect to 127.0.0.1:3407"`, `"prepare"`, `"execute"`,
    /// `"fetch"`, `"commit"`.
    public let operation: String
    /// The first ``sqlContextLength`` characters of the statement, or `nil` when there was
    /// no statement (e.g. connecting).
    public let sql: String?

    /// How much of the SQL text errors keep.
    public static let sqlContextLength = 120

    /// Creates an error. `sql` is shortened to ``sqlContextLength`` characters.
    public init(code: UInt32, sqlState: String = "HY000", message: String, operation: String, sql: String? = nil) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.operation = operation
        self.sql = sql.map(MariaDBError.shorten)
    }

    public var description: String {
        var text = "MariaDB error \(code) (\(sqlState)) during \(operation): \(message)"
        if let sql { text += " [SQL: \(sql)]" }
        return text
    }

    // MARK: Classification

    /// Error numbers that mean the session is gone: reconnect before retrying.
    public static let connectionLostCodes: Set<UInt32> = [
        UInt32(CR_CONNECTION_ERROR),     // 2002 can't connect through socket
        UInt32(CR_CONN_HOST_ERROR),      // 2003 can't connect to host
        UInt32(CR_SERVER_GONE_ERROR),    // 2006 server has gone away
        UInt32(CR_SERVER_LOST),          // 2013 lost connection during query
        UInt32(CR_SERVER_LOST_EXTENDED), // 2055 lost connection (with system error)
        UInt32(ER_SERVER_SHUTDOWN),      // 1053 server shutdown in progress
        UInt32(ER_CONNECTION_KILLED),    // 1927 connection was killed
        4031,                            // ER_CLIENT_INTERACTION_TIMEOUT (MariaDB ≥ 10.x, MySQL 8)
    ]

    /// The connection to the server is lost or could not be made (2002, 2003, 2006, 2013,
    /// 2055, 1053, 1927, 4031). The connection cannot be used any more: open a new one.
    public var isConnectionLost: Bool { Self.connectionLostCodes.contains(code) }
    /// InnoDB chose this transaction as a deadlock victim (1213); it was rolled back.
    public var isDeadlock: Bool { code == UInt32(ER_LOCK_DEADLOCK) }
    /// A row lock wait exceeded `innodb_lock_wait_timeout` (1205). Only the statement was
    /// rolled back, but callers should roll back and retry the whole transaction.
    public var isLockWaitTimeout: Bool { code == UInt32(ER_LOCK_WAIT_TIMEOUT) }
    /// Retrying the whole transaction (after reconnecting if ``isConnectionLost``) may succeed.
    public var isRetryable: Bool { isConnectionLost || isDeadlock || isLockWaitTimeout }
    /// Wrong user name or password, or the host is not allowed (1045).
    public var isAccessDenied: Bool { code == UInt32(ER_ACCESS_DENIED_ERROR) }
    /// A unique or primary key already holds the value (1062).
    public var isDuplicateKey: Bool { code == UInt32(ER_DUP_ENTRY) }

    /// Codes of a value the server refuses for its column under a strict `sql_mode`: too long
    /// (1406), out of range (1264, 1690), an invalid string or number (1366, 1367), an invalid
    /// date (1292), truncated (1265), NULL in a NOT NULL column (1048), a CHECK constraint (4025).
    public static let dataErrorCodes: Set<UInt32> = [1406, 1264, 1690, 1366, 1367, 1292, 1265, 1048, 4025]
    /// The statement failed because of one value, not because of the connection or the schema:
    /// the row that carries it can be set aside and the others written.
    public var isDataError: Bool { Self.dataErrorCodes.contains(code) }

    /// The column a data error names (`'phone'` or `` `db`.`table`.`phone` `` in the server's
    /// message), or nil.
    public var column: String? {
        guard let range = message.range(of: "for column ", options: .backwards) else { return nil }
        let rest = message[range.upperBound...]
        let name = rest.prefix { $0 != " " }
        let last = name.split(separator: ".").last.map(String.init) ?? String(name)
        let trimmed = last.trimmingCharacters(in: CharacterSet(charactersIn: "'`\""))
        return trimmed.isEmpty ? nil : trimmed
    }

    // MARK: Internals

    static func shorten(_ sql: String) -> String {
        let collapsed = sql.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\t" })
            .joined(separator: " ")
        guard collapsed.count > sqlContextLength else { return collapsed }
        return String(collapsed.prefix(sqlContextLength)) + "…"
    }

    /// Replaces every occurrence of a secret (password, bound strings of 3+ bytes) in `message`.
    static func redact(_ message: String, secrets: [String]) -> String {
        var message = message
        for secret in secrets where secret.utf8.count >= 3 && secret.utf8.count <= message.utf8.count {
            message = message.replacing(secret, with: "<redacted>")
        }
        return message
    }

    static func secrets(in parameters: [MariaDBValue]) -> [String] {
        parameters.compactMap { value in
            switch value {
            case .string(let s): return s
            case .bytes(let b): return String(decoding: b, as: UTF8.self)
            case .int, .null: return nil
            }
        }
    }
}
