import CMariaDB

/// A server-side prepared statement owned by a connection's cache. Not thread-safe on its
/// own: only used while the owning connection's lock is held.
///
/// Lifecycle per use: bind, execute, (store, fetch, `mysql_stmt_free_result`). On success the
/// statement is *not* `mysql_stmt_reset`: that sends COM_STMT_RESET, a round trip per execution
/// on the hot INSERT path, and is unnecessary because results are always fully stored and
/// freed and no long data is sent. On any error the connection evicts and closes the statement
/// instead, which discards all client and server state for it.
final class CachedStatement {
    let sql: String
    let handle: UnsafeMutablePointer<MYSQL_STMT>
    let parameterCount: Int
    var lastUsed: UInt64 = 0
    private var closed = false

    /// Bytes reserved per column for fetched values; longer values are read again in full
    /// with `mysql_stmt_fetch_column`.
    static let initialColumnCapacity = 256

    private init(sql: String, handle: UnsafeMutablePointer<MYSQL_STMT>) {
        self.sql = sql
        self.handle = handle
        self.parameterCount = Int(mysql_stmt_param_count(handle))
    }

    static func prepare(_ sql: String, on mysql: UnsafeMutablePointer<MYSQL>) throws -> CachedStatement {
        guard let handle = mysql_stmt_init(mysql) else {
            throw MariaDBError.from(mysql, operation: "prepare", sql: sql, secrets: [])
        }
        var text = sql
        let status = text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { mysql_stmt_prepare(handle, $0.baseAddress, UInt(utf8.count)) }
        }
        if status != 0 {
            let error = MariaDBError.from(statement: handle, operation: "prepare", sql: sql, secrets: [])
            mysql_stmt_close(handle)
            throw error
        }
        return CachedStatement(sql: sql, handle: handle)
    }

    func close() {
        guard !closed else { return }
        closed = true
        mysql_stmt_close(handle)
    }

    deinit { close() }

    private func error(_ operation: String, _ parameters: [MariaDBValue] = []) -> MariaDBError {
        MariaDBError.from(statement: handle, operation: operation, sql: sql,
                          secrets: MariaDBError.secrets(in: parameters))
    }

    /// Binds `parameters` and executes. All parameter memory lives only for this call:
    /// `mysql_stmt_execute` sends the values before returning.
    func execute(_ parameters: [MariaDBValue]) throws {
        let count = parameters.count
        guard count == parameterCount else {
            throw MariaDBError(code: UInt32(CR_INVALID_PARAMETER_NO), sqlState: "07001",
                               message: "the statement has \(parameterCount) placeholder(s) but \(count) parameter(s) were given",
                               operation: "bind parameters", sql: sql)
        }
        if count == 0 {
            if mysql_stmt_execute(handle) != 0 { throw error("execute") }
            return
        }

        var byteCount = 0
        for value in parameters {
            switch value {
            case .string(let s): byteCount += s.utf8.count
            case .bytes(let b): byteCount += b.count
            case .int, .null: break
            }
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 8)
        defer { storage.deallocate() }
        let integers = UnsafeMutablePointer<Int64>.allocate(capacity: count)
        defer { integers.deallocate() }
        let lengths = UnsafeMutablePointer<UInt>.allocate(capacity: count)
        defer { lengths.deallocate() }
        let binds = UnsafeMutablePointer<MYSQL_BIND>.allocate(capacity: count)
        binds.initialize(repeating: MYSQL_BIND(), count: count)
        defer {
            binds.deinitialize(count: count)
            binds.deallocate()
        }

        var offset = 0
        for (i, value) in parameters.enumerated() {
            switch value {
            case .null:
                binds[i].buffer_type = MYSQL_TYPE_NULL
            case .int(let v):
                integers[i] = v
                binds[i].buffer_type = MYSQL_TYPE_LONGLONG
                binds[i].buffer = UnsafeMutableRawPointer(integers + i)
            case .string(var s):
                let n = s.withUTF8 { utf8 -> Int in
                    if let base = utf8.baseAddress { (storage + offset).copyMemory(from: base, byteCount: utf8.count) }
                    return utf8.count
                }
                lengths[i] = UInt(n)
                binds[i].buffer_type = MYSQL_TYPE_STRING
                binds[i].buffer = storage + offset
                binds[i].buffer_length = UInt(n)
                binds[i].length = lengths + i
                offset += n
            case .bytes(let b):
                b.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { (storage + offset).copyMemory(from: base, byteCount: raw.count) }
                }
                lengths[i] = UInt(b.count)
                binds[i].buffer_type = MYSQL_TYPE_BLOB
                binds[i].buffer = storage + offset
                binds[i].buffer_length = UInt(b.count)
                binds[i].length = lengths + i
                offset += b.count
            }
        }
        if mysql_stmt_bind_param(handle, binds) != 0 { throw error("bind parameters", parameters) }
        if mysql_stmt_execute(handle) != 0 { throw error("execute", parameters) }
    }

    /// Reads the whole result set of the last execute as text. Frees the result on every path.
    func fetchAll() throws -> [MariaDBRow] {
        let fieldCount = Int(mysql_stmt_field_count(handle))
        guard fieldCount > 0 else { return [] }
        guard let metadata = mysql_stmt_result_metadata(handle) else { throw error("read result metadata") }
        defer { mysql_free_result(metadata) }
        let columns = columnNames(mysql_fetch_fields(metadata), count: fieldCount)

        if mysql_stmt_store_result(handle) != 0 { throw error("fetch") }
        defer { _ = mysql_stmt_free_result(handle) }

        let capacity = Self.initialColumnCapacity
        let buffers = UnsafeMutableRawPointer.allocate(byteCount: capacity * fieldCount, alignment: 8)
        defer { buffers.deallocate() }
        let lengths = UnsafeMutablePointer<UInt>.allocate(capacity: fieldCount)
        lengths.initialize(repeating: 0, count: fieldCount)
        defer { lengths.deallocate() }
        let nulls = UnsafeMutablePointer<my_bool>.allocate(capacity: fieldCount)
        nulls.initialize(repeating: 0, count: fieldCount)
        defer { nulls.deallocate() }
        let truncated = UnsafeMutablePointer<my_bool>.allocate(capacity: fieldCount)
        truncated.initialize(repeating: 0, count: fieldCount)
        defer { truncated.deallocate() }
        let binds = UnsafeMutablePointer<MYSQL_BIND>.allocate(capacity: fieldCount)
        binds.initialize(repeating: MYSQL_BIND(), count: fieldCount)
        defer {
            binds.deinitialize(count: fieldCount)
            binds.deallocate()
        }
        for i in 0..<fieldCount {
            binds[i].buffer_type = MYSQL_TYPE_STRING
            binds[i].buffer = buffers + i * capacity
            binds[i].buffer_length = UInt(capacity)
            binds[i].length = lengths + i
            binds[i].is_null = nulls + i
            binds[i].error = truncated + i
        }
        if mysql_stmt_bind_result(handle, binds) != 0 { throw error("bind result") }

        var rows: [MariaDBRow] = []
        rows.reserveCapacity(Int(mysql_stmt_num_rows(handle)))
        while true {
            let status = mysql_stmt_fetch(handle)
            if status == MYSQL_NO_DATA { break }
            if status != 0 && status != MYSQL_DATA_TRUNCATED { throw error("fetch") }
            var values: [[UInt8]?] = []
            values.reserveCapacity(fieldCount)
            for i in 0..<fieldCount {
                if nulls[i] != 0 {
                    values.append(nil)
                    continue
                }
                let length = Int(lengths[i])
                if length <= capacity {
                    values.append(Array(UnsafeRawBufferPointer(start: buffers + i * capacity, count: length)))
                } else {
                    values.append(try fetchColumn(i, length: length))
                }
            }
            rows.append(MariaDBRow(columns: columns, rawValues: values))
        }
        return rows
    }

    /// Re-reads a value that did not fit its buffer (MYSQL_DATA_TRUNCATED) in full.
    private func fetchColumn(_ column: Int, length: Int) throws -> [UInt8] {
        var fetchedLength: UInt = 0
        var status: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            withUnsafeMutablePointer(to: &fetchedLength) { lengthPointer in
                var bind = MYSQL_BIND()
                bind.buffer_type = MYSQL_TYPE_STRING
                bind.buffer = UnsafeMutableRawPointer(buffer.baseAddress)
                bind.buffer_length = UInt(length)
                bind.length = lengthPointer
                status = mysql_stmt_fetch_column(handle, &bind, UInt32(column), 0)
            }
            initialized = status == 0 ? min(length, Int(fetchedLength)) : 0
        }
        if status != 0 { throw error("fetch column \(column + 1)") }
        return bytes
    }
}
