import Foundation
import MariaDB

/// The row of `qbo_tokens`: the connected company and its tokens. Holds secrets;
/// `description` shows none of them.
public struct StoredQuickBooksTokens: Sendable, Equatable, CustomStringConvertible {
    public var realmId: String
    public var environment: QuickBooksEnvironment
    public var refreshToken: String
    public var refreshTokenExpiresAt: UTCTime
    public var refreshTokenHardExpiresAt: UTCTime?
    public var accessToken: String?
    public var accessTokenExpiresAt: UTCTime?
    public var connectedAt: UTCTime
    public var lastRefreshedAt: UTCTime?
    public var refreshCount: Int64

    public init(realmId: String, environment: QuickBooksEnvironment, grant: QuickBooksTokenGrant, connectedAt: UTCTime) {
        self.realmId = realmId
        self.environment = environment
        self.refreshToken = grant.refreshToken
        self.refreshTokenExpiresAt = UTCTime(grant.refreshTokenExpiresAt)
        self.refreshTokenHardExpiresAt = grant.refreshTokenHardExpiresAt.map(UTCTime.init)
        self.accessToken = grant.accessToken
        self.accessTokenExpiresAt = UTCTime(grant.accessTokenExpiresAt)
        self.connectedAt = connectedAt
        self.lastRefreshedAt = UTCTime(grant.receivedAt)
        self.refreshCount = 0
    }

    init(row: MariaDBRow) throws {
        func time(_ column: String) -> UTCTime? { row[column].flatMap(UTCTime.init(parsing:)) }
        guard let realmId = row["realm_id"], let refreshToken = row["refresh_token"],
              let refreshExpiry = time("refresh_token_expires_at"), let connectedAt = time("connected_at")
        else { throw QuickBooksConnectionTable.damaged }
        self.realmId = realmId
        // A value this build does not know is kept as production: the API then refuses
        // a sandbox token loudly rather than anything going quiet.
        self.environment = row["environment"].flatMap(QuickBooksEnvironment.init(rawValue:)) ?? .production
        self.refreshToken = refreshToken
        self.refreshTokenExpiresAt = refreshExpiry
        self.refreshTokenHardExpiresAt = time("refresh_token_hard_expires_at")
        self.accessToken = row["access_token"]
        self.accessTokenExpiresAt = time("access_token_expires_at")
        self.connectedAt = connectedAt
        self.lastRefreshedAt = time("last_refreshed_at")
        self.refreshCount = row.int("refresh_count") ?? 0
    }

    /// The stored access token when it is valid for at least `margin` more seconds after `now`.
    public func access(validFor margin: TimeInterval, at now: Date) -> QuickBooksAccess? {
        guard let accessToken, let expiresAt = accessTokenExpiresAt?.date, expiresAt.timeIntervalSince(now) > margin else { return nil }
        return QuickBooksAccess(realmId: realmId, accessToken: accessToken, expiresAt: expiresAt)
    }

    public var description: String { "QuickBooks connection to company \(realmId) (\(environment.rawValue))" }
}

/// The non-secret columns of `qbo_tokens`, all `synclet qbo status` reads: a monitoring user
/// may be granted SELECT on these columns alone.
public struct QuickBooksConnectionFacts: Sendable, Equatable {
    public var realmId: String
    public var environment: String
    public var connectedAt: UTCTime?
    public var lastRefreshedAt: UTCTime?
    public var accessTokenExpiresAt: UTCTime?
    public var refreshTokenExpiresAt: UTCTime?
    public var refreshTokenHardExpiresAt: UTCTime?
    public var refreshCount: Int64
}

/// Reads and writes `qbo_tokens` on a connection, and takes the MariaDB lock every process
/// holds while it changes the tokens. Each write is one statement, so it is atomic.
///
/// ```swift
/// let store = QuickBooksConnectionTable(connection: connection)
/// try store.withLock(waitingUpTo: 60) {
///     guard let tokens = try store.read() else { throw QuickBooksConnectionError.notConnected }
///     // ... refresh, then:
///     try store.saveRefresh(grant, replacing: tokens.refreshToken)
/// }
/// ```
public struct QuickBooksConnectionTable: Sendable {
    public let connection: MariaDBConnection
    static let table = TableName.qboTokens.rawValue

    public init(connection: MariaDBConnection) {
        self.connection = connection
    }

    static let damaged = SyncFailure(exitCode: .failed, message: "the row of \(table) is incomplete (edited by hand?): run `synclet qbo connect` to store a new connection")

    /// The MariaDB lock guarding the tokens, one per database.
    public var lockName: String { Self.lockName(database: connection.configuration.database ?? "") }

    static func lockName(database: String) -> String { DatabaseLockName.make("synclet.qbo_tokens", database: database) }

    /// Runs `body` holding the lock, waiting up to `seconds` for another process to finish.
    /// MariaDB releases the lock when this connection ends, so a killed process never leaves it.
    public func withLock<T>(waitingUpTo seconds: Int, isolation: isolated (any Actor)? = #isolation,
                            _ body: () async throws -> T) async throws -> T {
        let connection = connection, lockName = lockName
        // The wait blocks a thread for up to `seconds`: not one of the cooperative pool's.
        let granted = try await Blocking.run {
            try connection.query("SELECT GET_LOCK(?, ?) AS granted", [.string(lockName), .int(Int64(seconds))]).first?.int("granted")
        }
        guard granted == 1 else { throw QuickBooksTokenLockTimeout(lockName: lockName, seconds: seconds) }
        defer { _ = try? connection.query("SELECT RELEASE_LOCK(?)", [.string(lockName)]) }
        return try await body()
    }

    /// The times of the row, without tokens, as `UTCTime` reads them.
    static let timeColumns = ["refresh_token_expires_at", "refresh_token_hard_expires_at", "access_token_expires_at", "connected_at", "last_refreshed_at"]
        .map { "DATE_FORMAT(\($0), '%Y-%m-%d %H:%i:%s') AS \($0)" }.joined(separator: ", ")

    /// The stored connection with its tokens, or nil when none is.
    public func read() throws -> StoredQuickBooksTokens? {
        try connection.query("""
            SELECT realm_id, environment, refresh_token, access_token, refresh_count,
              \(Self.timeColumns)
            FROM \(Self.table) WHERE id = 1
            """).first.map(StoredQuickBooksTokens.init(row:))
    }

    /// The connection's facts without any token.
    public func facts() throws -> QuickBooksConnectionFacts? {
        try connection.query("""
            SELECT realm_id, environment, refresh_count,
              \(Self.timeColumns)
            FROM \(Self.table) WHERE id = 1
            """).first.map { row in
            func time(_ column: String) -> UTCTime? { row[column].flatMap(UTCTime.init(parsing:)) }
            return QuickBooksConnectionFacts(
                realmId: row["realm_id"] ?? "?", environment: row["environment"] ?? "?",
                connectedAt: time("connected_at"), lastRefreshedAt: time("last_refreshed_at"),
                accessTokenExpiresAt: time("access_token_expires_at"), refreshTokenExpiresAt: time("refresh_token_expires_at"),
                refreshTokenHardExpiresAt: time("refresh_token_hard_expires_at"), refreshCount: row.int("refresh_count") ?? 0)
        }
    }

    /// Stores a new connection, replacing any other (`synclet qbo connect`).
    public func saveConnection(_ tokens: StoredQuickBooksTokens) throws {
        try connection.execute("""
            INSERT INTO \(Self.table) (id, realm_id, environment, refresh_token, refresh_token_expires_at, refresh_token_hard_expires_at,
              access_token, access_token_expires_at, connected_at, last_refreshed_at, refresh_count)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON DUPLICATE KEY UPDATE realm_id = VALUES(realm_id), environment = VALUES(environment),
              refresh_token = VALUES(refresh_token), refresh_token_expires_at = VALUES(refresh_token_expires_at),
              refresh_token_hard_expires_at = VALUES(refresh_token_hard_expires_at), access_token = VALUES(access_token),
              access_token_expires_at = VALUES(access_token_expires_at), connected_at = VALUES(connected_at),
              last_refreshed_at = VALUES(last_refreshed_at), refresh_count = VALUES(refresh_count)
            """, [
                .string(tokens.realmId), .string(tokens.environment.rawValue), .string(tokens.refreshToken),
                .string(tokens.refreshTokenExpiresAt.description), MariaDBValue(tokens.refreshTokenHardExpiresAt?.description),
                MariaDBValue(tokens.accessToken), MariaDBValue(tokens.accessTokenExpiresAt?.description),
                .string(tokens.connectedAt.description), MariaDBValue(tokens.lastRefreshedAt?.description), .int(tokens.refreshCount),
            ])
    }

    /// Stores what a refresh granted, in one statement, only if the row still holds the refresh
    /// token that was sent (`replacing`). Returns false when it does not: the row was replaced
    /// or removed meanwhile. The hard limit is kept when QuickBooks did not repeat it.
    @discardableResult
    public func saveRefresh(_ grant: QuickBooksTokenGrant, replacing sentRefreshToken: String) throws -> Bool {
        let result = try connection.execute("""
            UPDATE \(Self.table) SET refresh_token = ?, refresh_token_expires_at = ?,
              refresh_token_hard_expires_at = COALESCE(?, refresh_token_hard_expires_at),
              access_token = ?, access_token_expires_at = ?, last_refreshed_at = ?, refresh_count = refresh_count + 1
            WHERE id = 1 AND refresh_token = ?
            """, [
                .string(grant.refreshToken), .string(UTCTime(grant.refreshTokenExpiresAt).description),
                MariaDBValue(grant.refreshTokenHardExpiresAt.map { UTCTime($0).description }),
                .string(grant.accessToken), .string(UTCTime(grant.accessTokenExpiresAt).description),
                .string(UTCTime(grant.receivedAt).description), .string(sentRefreshToken),
            ])
        // Affected rows count changed values only: a refresh always moves last_refreshed_at's
        // count, so a matched row is always a changed one.
        return result.affectedRows > 0
    }

    /// Forgets the connection (`synclet qbo disconnect`).
    public func delete() throws {
        try connection.execute("DELETE FROM \(Self.table) WHERE id = 1")
    }
}

/// Another process held the token lock for longer than this one waited (exit code 1).
public struct QuickBooksTokenLockTimeout: Error, CustomStringConvertible {
    public let lockName: String
    public let seconds: Int
    public var description: String {
        "another synclet process held the QuickBooks token lock (MariaDB lock '\(lockName)') for over \(seconds) s; try again (SHOW PROCESSLIST shows who holds it)"
    }
}
