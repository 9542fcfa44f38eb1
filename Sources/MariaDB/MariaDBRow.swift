/// One row of a query result, in text form.
///
/// Every value is kept as the bytes the server (or Connector/C) produced for it: integers
/// and decimals as digits (`"12345678901234.5678"`, exactly as stored), `DATETIME` as
/// `"2024-05-01 13:45:00"`, text as UTF-8, blobs as raw bytes. SQL `NULL` is `nil`.
///
/// ```swift
/// for row in try db.query("SELECT id, email, total FROM orders WHERE store_id = ?", [7]) {
///     let id = row.int("id")!            // Int64
///     let email = row["email"]           // String? (nil for NULL)
///     let total = row["total"] ?? "0"    // DECIMAL stays an exact string
/// }
/// ```
///
/// Name lookups return the first column with that label (as written in the `SELECT`, or
/// after `AS`), comparing exactly and then ignoring ASCII case. A name that matches no
/// column also yields `nil`; use ``hasColumn(_:)`` to tell the two apart.
public struct MariaDBRow: Sendable {
    /// Column labels, in `SELECT` order.
    public let columns: [String]
    /// Raw bytes of each value, in column order; `nil` is SQL `NULL`.
    public let rawValues: [[UInt8]?]

    /// Creates a row (mostly useful for tests of code that consumes rows).
    public init(columns: [String], rawValues: [[UInt8]?]) {
        precondition(columns.count == rawValues.count, "MariaDBRow: \(columns.count) columns but \(rawValues.count) values")
        self.columns = columns
        self.rawValues = rawValues
    }

    /// The text form of each value (UTF-8 decoded, invalid sequences replaced); `nil` is NULL.
    public var values: [String?] {
        rawValues.map { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// The index of the first column labelled `name`, exact match first, then ignoring ASCII case.
    public func index(of name: String) -> Int? {
        if let i = columns.firstIndex(of: name) { return i }
        let folded = name.lowercased()
        return columns.firstIndex { $0.lowercased() == folded }
    }

    /// Whether a column labelled `name` exists.
    public func hasColumn(_ name: String) -> Bool { index(of: name) != nil }

    /// Text of the value at `index` (`nil` for NULL). Traps when out of range, like an array.
    public subscript(index: Int) -> String? {
        rawValues[index].map { String(decoding: $0, as: UTF8.self) }
    }

    /// Text of the value in column `name`; `nil` for NULL or an unknown column.
    public subscript(name: String) -> String? {
        index(of: name).flatMap { self[$0] }
    }

    /// Whether the value in column `name` is SQL NULL (`false` for an unknown column).
    public func isNull(_ name: String) -> Bool {
        guard let i = index(of: name) else { return false }
        return rawValues[i] == nil
    }

    /// Raw bytes of the value in column `name` (for `BLOB`/`BINARY` columns).
    public func bytes(_ name: String) -> [UInt8]? { index(of: name).flatMap { rawValues[$0] } }

    /// The value as `Int64`; `nil` for NULL, an unknown column or text that is not an integer.
    public func int(_ name: String) -> Int64? { self[name].flatMap { Int64($0) } }
    /// The value at `index` as `Int64`; `nil` for NULL or text that is not an integer.
    public func int(at index: Int) -> Int64? { self[index].flatMap { Int64($0) } }
    /// The value as `UInt64` (for `BIGINT UNSIGNED`); `nil` for NULL or non-integers.
    public func uint(_ name: String) -> UInt64? { self[name].flatMap { UInt64($0) } }
    /// The value as `Double` (lossy for `DECIMAL`; keep decimals as strings for money).
    public func double(_ name: String) -> Double? { self[name].flatMap { Double($0) } }
    /// `true` for non-zero integers (`BOOLEAN`/`TINYINT(1)`); `nil` for NULL or non-integers.
    public func bool(_ name: String) -> Bool? { int(name).map { $0 != 0 } }
    /// The value as text (same as the subscript).
    public func string(_ name: String) -> String? { self[name] }
}

extension MariaDBRow: CustomStringConvertible {
    /// `MariaDBRow(id: 1, name: "x", note: NULL)`. Contains data: avoid logging rows with PII.
    public var description: String {
        let pairs = zip(columns, values).map { column, value in
            "\(column): " + (value.map { "\"\($0)\"" } ?? "NULL")
        }
        return "MariaDBRow(" + pairs.joined(separator: ", ") + ")"
    }
}
