import Crypto
import Foundation
import MariaDB

/// Opens connections to Synclet's database from `DatabaseSettings`.
public struct Database: Sendable {
    public let settings: DatabaseSettings

    public init(settings: DatabaseSettings) {
        self.settings = settings
    }

    public var configuration: MariaDBConfiguration {
        MariaDBConfiguration(
            host: settings.host, port: settings.port, unixSocket: settings.unixSocket,
            user: settings.user, password: settings.password, database: settings.name)
    }

    /// A new connection; failures say where it tried to connect, never the password.
    public func connect() throws -> MariaDBConnection {
        try MariaDBConnection(configuration)
    }

    /// Connects and checks that the schema is the one this build writes to; only `synclet init`
    /// migrates, so a user with data rights alone can run everything else.
    /// Throws `SchemaError` (exit code 2) telling to run `synclet init`.
    public func connectWithCurrentSchema() throws -> MariaDBConnection {
        let connection = try connect()
        do {
            try SchemaMigrator(connection: connection).check()
        } catch {
            connection.close()
            throw error
        }
        return connection
    }
}

/// The name of a MariaDB `GET_LOCK` lock that guards one Synclet database. `GET_LOCK` names are
/// server-wide, so the database's name is part of it: two Synclet databases on one server never
/// wait for each other. At most 64 characters, MariaDB's limit: a long name is shortened with its hash.
///
/// ```swift
/// DatabaseLockName.make("synclet.qbo_push", database: "shop")   // "synclet.qbo_push.shop"
/// ```
public enum DatabaseLockName {
    public static func make(_ prefix: String, database: String) -> String {
        let name = prefix + "." + database
        return name.count <= 64 ? name : String(name.prefix(48)) + "." + String(SHA256.hash(data: Array(name.utf8)).hexString.prefix(15))
    }
}

/// The database-wide sync lock (`GET_LOCK`), held by a load for as long as it writes and taken
/// by every command that changes data (`init`, `clear`), whatever staging area or machine it
/// runs from. MariaDB releases it when the connection ends, so a killed process never leaves
/// it behind.
public enum DatabaseLock {
    public static let name = "synclet.load"

    /// Takes the lock on `connection` without waiting; throws `LoadError.databaseLocked`
    /// (exit code 4) when another session holds it.
    public static func acquire(on connection: MariaDBConnection) throws {
        let granted = try connection.query("SELECT GET_LOCK(?, 0) AS granted", [.string(name)]).first?.int("granted")
        guard granted == 1 else { throw LoadError.databaseLocked }
    }

    public static func release(on connection: MariaDBConnection) {
        _ = try? connection.query("SELECT RELEASE_LOCK(?)", [.string(name)])
    }
}
