import MariaDB

/// The exit codes of every Synclet command, as documented in the README and `--help`.
public enum SyncletExitCode: Int32, Sendable {
    case success = 0
    /// The sync failed; the next `synclet sync` resumes it.
    case failed = 1
    /// A configuration variable or `pipeline.yaml` is missing or malformed, or the database
    /// schema is not the one this build writes to (run `synclet init`).
    case configuration = 2
    /// The store rejected the access key (or the request).
    case rejectedByStore = 3
    /// Another sync holds the lock.
    case locked = 4
    /// QuickBooks refused the stored refresh token (expired, revoked, superseded), or was never
    /// connected: run `synclet qbo connect`.
    case reconnectNeeded = 5
    /// Another sync has held the lock for longer than `locking.stale_after_seconds`: hung.
    case lockHeldTooLong = 6

    /// The code an error ends a command with.
    public init(for error: Error) {
        switch error {
        case is ConfigurationError, is SchemaError, is MappingCheckFailed: self = .configuration
        case PushError.locked: self = .locked
        case let error as EndpointError where error.isRejection: self = .rejectedByStore
        case StagingError.locked: self = .locked
        case LoadError.databaseLocked: self = .locked
        case is LockHeldTooLong: self = .lockHeldTooLong
        case is QuickBooksConnectionError: self = .reconnectNeeded
        case let error as SyncFailure: self = error.exitCode
        default: self = .failed
        }
    }

    public static let helpText = """
        Exit codes:
          0  success
          1  the sync failed; the next `synclet sync` resumes it
          2  configuration error (a variable, .env or pipeline.yaml), or a database schema that needs `synclet init`
          3  the store rejected the access key (or the request)
          4  another sync holds the lock
          5  QuickBooks needs `synclet qbo connect`: it refused the refresh token (expired or revoked), or was never connected
          6  another sync has held the lock longer than locking.stale_after_seconds (hung?)
        """
}

/// A failed sync, carrying the exit code of the stage that failed.
public struct SyncFailure: Error, CustomStringConvertible {
    public let exitCode: SyncletExitCode
    public let message: String
    public var description: String { message }

    public init(exitCode: SyncletExitCode, message: String) {
        self.exitCode = exitCode
        self.message = message
    }
}
