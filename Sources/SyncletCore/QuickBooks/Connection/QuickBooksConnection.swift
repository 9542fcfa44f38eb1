import Foundation
import MariaDB

/// The QuickBooks connection kept in `qbo_tokens`, shared by every Synclet process on any host:
/// the `QuickBooksAccessProvider` the API client asks for tokens, and what `synclet qbo
/// connect`, `disconnect` and `status` do to the stored tokens.
///
/// A token is refreshed when it has expired or expires within `refreshMargin` (5 minutes).
/// The refresh runs under the MariaDB lock `synclet.qbo_tokens.<database>`: the row is read
/// again once the lock is held (another process may have refreshed meanwhile, and then its token
/// is used), and the refresh token QuickBooks returns is stored, in one statement, before the
/// new access token is handed out. So two processes never send the same refresh token, and a
/// crash never loses the newest one. Within one process, concurrent callers share one refresh.
///
/// ```swift
/// let connection = QuickBooksConnection(database: database, oauth: oauth, log: log)
/// let access = try await connection.accessToken()   // QuickBooksConnectionError.reconnectNeeded: exit 5
/// ```
public actor QuickBooksConnection: QuickBooksAccessProvider {
    public let database: Database
    public let oauth: QuickBooksOAuthClient
    private let log: Log
    /// A token this close to its expiry is refreshed first.
    public let refreshMargin: TimeInterval
    /// How long to wait for another process's refresh.
    public let lockWaitSeconds: Int
    private let clock: @Sendable () -> Date
    private var current: QuickBooksAccess?
    private var inFlight: Task<QuickBooksAccess, Error>?

    public init(database: Database, oauth: QuickBooksOAuthClient, log: Log,
                refreshMargin: TimeInterval = 300, lockWaitSeconds: Int = 60,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.oauth = oauth
        self.log = log
        self.refreshMargin = refreshMargin
        self.lockWaitSeconds = lockWaitSeconds
        self.clock = clock
    }

    /// The connection a command uses: the `QBO_` settings and the database from `settings`, the
    /// HTTP timeouts and retries from `pipeline.yaml`. Throws `ConfigurationError` naming a
    /// missing variable. Call `shutdown()` when done.
    ///
    /// ```swift
    /// let connection = try QuickBooksConnection.configured(settings: environment.settings, http: environment.pipeline.http, log: environment.log)
    /// defer { Task { await connection.shutdown() } }   // or await it on every path
    /// ```
    public static func configured(settings: Settings, http: PipelineConfiguration.HTTP, log: Log) throws -> QuickBooksConnection {
        QuickBooksConnection(database: Database(settings: try settings.database()),
                             oauth: QuickBooksOAuthClient(settings: try settings.quickBooks(), http: http, log: log), log: log)
    }

    /// Closes the OAuth client's connections.
    public nonisolated func shutdown() async {
        await oauth.shutdown()
    }

    // MARK: - QuickBooksAccessProvider

    public func accessToken() async throws -> QuickBooksAccess {
        if let current, current.expiresAt.timeIntervalSince(clock()) > refreshMargin { return current }
        return try await shared(rejecting: nil)
    }

    public func accessTokenAfterRejection(_ rejected: QuickBooksAccess) async throws -> QuickBooksAccess {
        if let current, current.accessToken != rejected.accessToken, current.expiresAt.timeIntervalSince(clock()) > refreshMargin {
            return current
        }
        return try await shared(rejecting: rejected.accessToken)
    }

    /// One read-or-refresh at a time in this process; callers arriving meanwhile await its result.
    private func shared(rejecting rejected: String?) async throws -> QuickBooksAccess {
        if let inFlight {
            let access = try await inFlight.value
            // A read that began before QuickBooks rejected the token may bring that token back.
            if access.accessToken != rejected { return access }
        }
        let task = Task { try await self.readOrRefresh(rejecting: rejected) }
        inFlight = task
        defer { if inFlight == task { inFlight = nil } }
        let access = try await task.value
        current = access
        return access
    }

    /// Takes the stored access token when it is good (and not the one QuickBooks rejected);
    /// otherwise refreshes under the lock.
    private func readOrRefresh(rejecting rejected: String?) async throws -> QuickBooksAccess {
        let store = try await openStore()
        defer { store.connection.close() }
        let now = clock()
        func usable(_ tokens: StoredQuickBooksTokens) -> QuickBooksAccess? {
            guard let access = tokens.access(validFor: refreshMargin, at: now), access.accessToken != rejected else { return nil }
            return access
        }
        guard let stored = try await Blocking.run({ try store.read() }) else { throw QuickBooksConnectionError.notConnected }
        try checkEnvironment(of: stored)
        if let access = usable(stored) { return access }
        return try await store.withLock(waitingUpTo: lockWaitSeconds) {
            // Another process may have refreshed while this one waited: its token is the newest.
            guard let tokens = try await Blocking.run({ try store.read() }) else { throw QuickBooksConnectionError.notConnected }
            if let access = usable(tokens) {
                log.debug("QuickBooks access token: another process refreshed it")
                return access
            }
            return try await refreshLocked(tokens, store: store)
        }
    }

    /// Refreshes with the stored refresh token and stores the answer before returning it.
    /// The caller holds the lock.
    private func refreshLocked(_ tokens: StoredQuickBooksTokens, store: QuickBooksConnectionTable) async throws -> QuickBooksAccess {
        let grant = try await oauth.refresh(refreshToken: tokens.refreshToken)
        try await storeRefresh(grant, replacing: tokens.refreshToken, store: store)
        log.info("Refreshed the QuickBooks access token for company \(tokens.realmId) (valid until \(UTCTime(grant.accessTokenExpiresAt).iso8601)"
                 + (grant.refreshToken == tokens.refreshToken ? ")" : "; QuickBooks issued a new refresh token, stored)"))
        return QuickBooksAccess(realmId: tokens.realmId, accessToken: grant.accessToken, expiresAt: grant.accessTokenExpiresAt)
    }

    /// Writes the newest refresh token; a failed write is tried again on a new connection, since
    /// QuickBooks may already consider the token sent superseded.
    private func storeRefresh(_ grant: QuickBooksTokenGrant, replacing sent: String, store: QuickBooksConnectionTable) async throws {
        var lastError: Error?
        for attempt in 1...3 {
            do {
                let target = attempt == 1 ? store : try await openStore()
                defer { if attempt > 1 { target.connection.close() } }
                guard try await Blocking.run({ try target.saveRefresh(grant, replacing: sent) }) else {
                    throw SyncFailure(exitCode: .failed, message: "the QuickBooks connection in \(TableName.qboTokens.rawValue) was replaced or removed while this process refreshed it; run the command again")
                }
                return
            } catch let error as MariaDBError {
                lastError = error
                log.warning("storing the refreshed QuickBooks token failed (\(error)); attempt \(attempt) of 3")
                try await Task.sleep(nanoseconds: 500_000_000)
            }
        }
        throw SyncFailure(exitCode: .failed, message: "QuickBooks issued a new refresh token but the database could not store it (\(lastError.map { "\($0)" } ?? "?")); the previous one may still work for a while: run the command again once the database answers, else `synclet qbo connect`")
    }

    private func openStore() async throws -> QuickBooksConnectionTable {
        let database = database
        return QuickBooksConnectionTable(connection: try await Blocking.run { try database.connectWithCurrentSchema() })
    }

    /// Tokens of the sandbox do not work in production and the other way round.
    private func checkEnvironment(of tokens: StoredQuickBooksTokens) throws {
        let configured = oauth.settings.environment
        guard tokens.environment == configured else {
            throw ConfigurationError(
                variable: "QBO_ENVIRONMENT",
                problem: "is \(configured.rawValue), but the stored connection to company \(tokens.realmId) is \(tokens.environment.rawValue): set QBO_ENVIRONMENT=\(tokens.environment.rawValue), or run `synclet qbo connect` for the \(configured.rawValue) company")
        }
    }

    // MARK: - Connecting and disconnecting

    /// Stores a new connection from the tokens of an authorization (`synclet qbo connect`),
    /// replacing any earlier one.
    public func store(grant: QuickBooksTokenGrant, realmId: String) async throws {
        let store = try await openStore()
        defer { store.connection.close() }
        let tokens = StoredQuickBooksTokens(realmId: realmId, environment: oauth.settings.environment, grant: grant, connectedAt: UTCTime(clock()))
        try await store.withLock(waitingUpTo: lockWaitSeconds) {
            try await Blocking.run { try store.saveConnection(tokens) }
        }
        current = QuickBooksAccess(realmId: realmId, accessToken: grant.accessToken, expiresAt: grant.accessTokenExpiresAt)
    }

    /// Imports a refresh token obtained elsewhere (Intuit's OAuth playground): one refresh proves
    /// it and yields the token to keep, which is stored before anything else.
    /// Throws `reconnectNeeded` when QuickBooks refuses it.
    public func importRefreshToken(_ refreshToken: String, realmId: String) async throws -> QuickBooksAccess {
        let store = try await openStore()
        defer { store.connection.close() }
        let access = try await store.withLock(waitingUpTo: lockWaitSeconds) {
            let grant = try await oauth.refresh(refreshToken: refreshToken)
            let tokens = StoredQuickBooksTokens(realmId: realmId, environment: oauth.settings.environment, grant: grant, connectedAt: UTCTime(clock()))
            try await Blocking.run { try store.saveConnection(tokens) }
            return QuickBooksAccess(realmId: realmId, accessToken: grant.accessToken, expiresAt: grant.accessTokenExpiresAt)
        }
        current = access
        return access
    }

    /// What `disconnect` did.
    public enum Disconnection: Sendable, Equatable {
        case revoked(realmId: String)
        /// QuickBooks no longer knew the token (already revoked or expired); the row is gone too.
        case alreadyRevoked(realmId: String)
        case notConnected
    }

    /// Revokes the stored refresh token at QuickBooks, then forgets the row. When QuickBooks
    /// cannot be reached the row stays, so that a second try can still revoke.
    public func disconnect() async throws -> Disconnection {
        let store = try await openStore()
        defer { store.connection.close() }
        let outcome = try await store.withLock(waitingUpTo: lockWaitSeconds) { () async throws -> Disconnection in
            guard let tokens = try await Blocking.run({ try store.read() }) else { return .notConnected }
            let revocation = try await oauth.revoke(token: tokens.refreshToken)
            try await Blocking.run { try store.delete() }
            return revocation == .revoked ? .revoked(realmId: tokens.realmId) : .alreadyRevoked(realmId: tokens.realmId)
        }
        current = nil
        return outcome
    }
}

extension QuickBooksConnection {
    /// Proves the stored connection works as a push would use it: takes an access token
    /// (refreshing it when due), reads the company's name, and on a 401 asks once for a fresh
    /// token and tries again. Returns the company's name.
    public func verify() async throws -> String {
        var access = try await accessToken()
        switch await oauth.companyInfo(access: access) {
        case .name(let name): return name
        case .failed(let problem): throw QuickBooksVerificationFailed(realmId: access.realmId, problem: problem)
        case .rejected:
            log.info("QuickBooks rejected the access token (HTTP 401); asking for a fresh one")
            access = try await accessTokenAfterRejection(access)
        }
        switch await oauth.companyInfo(access: access) {
        case .name(let name): return name
        case .failed(let problem): throw QuickBooksVerificationFailed(realmId: access.realmId, problem: problem)
        case .rejected: throw QuickBooksVerificationFailed(realmId: access.realmId, problem: "QuickBooks rejected a freshly refreshed access token too (HTTP 401): is QBO_API_URL or QBO_ENVIRONMENT the company's?")
        }
    }

    /// The connection part of `synclet qbo status`, from the token-free columns alone.
    public static func report(connection: MariaDBConnection, configured: QuickBooksEnvironment?, now: Date = Date()) throws -> QuickBooksConnectionReport {
        QuickBooksConnectionReport(facts: try QuickBooksConnectionTable(connection: connection).facts(), configured: configured, now: now)
    }
}

/// Reading the company with the stored connection failed for a reason other than the tokens.
public struct QuickBooksVerificationFailed: Error, CustomStringConvertible {
    public let realmId: String
    public let problem: String
    public var description: String { "reading QuickBooks company \(realmId) failed: \(problem)" }
}
