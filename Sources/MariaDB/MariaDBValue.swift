/// A value bound to a `?` placeholder of a prepared statement.
///
/// Values always travel separately from the SQL text (binary protocol); they are never
/// spliced into a statement. Pass decimals and date/times as strings in the server's text
/// form (`"12345.6789"`, `"2024-05-01 13:45:00"`): the server converts them exactly.
///
/// Literals work directly:
///
/// ```swift
/// try db.execute("INSERT INTO t (id, name, note, total) VALUES (?, ?, ?, ?)",
///                [42, "Łódź 王 🚀", nil, "19.9900"])
/// ```
public enum MariaDBValue: Sendable, Equatable, Hashable {
    /// SQL `NULL`.
    case null
    /// A signed 64-bit integer (bound as `BIGINT`).
    case int(Int64)
    /// UTF-8 text (bound as a string with explicit length; may be large).
    case string(String)
    /// Raw bytes (bound as a `BLOB`).
    case bytes([UInt8])

    /// `.string(value)`, or `.null` when `value` is `nil`.
    public init(_ value: String?) {
        self = value.map { .string($0) } ?? .null
    }

    /// `.int(value)`, or `.null` when `value` is `nil`.
    public init<I: BinaryInteger>(_ value: I?) {
        self = value.map { .int(Int64($0)) } ?? .null
    }

    /// `.int(1)` / `.int(0)`, or `.null`: MariaDB's `BOOLEAN` is `TINYINT(1)`.
    public init(_ value: Bool?) {
        self = value.map { .int($0 ? 1 : 0) } ?? .null
    }
}

extension MariaDBValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension MariaDBValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension MariaDBValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension MariaDBValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .int(value ? 1 : 0) }
}

extension MariaDBValue: CustomStringConvertible {
    /// A description that does not reveal the value's content (safe for logs):
    /// `NULL`, `int`, `string(12 bytes)`, `bytes(3)`.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .int: return "int"
        case .string(let s): return "string(\(s.utf8.count) bytes)"
        case .bytes(let b): return "bytes(\(b.count))"
        }
    }
}
