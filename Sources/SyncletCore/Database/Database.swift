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

    /// Connects and brings the schema up to date.
    public func connectAndMigrate() throws -> MariaDBConnection {
        let connection = try connect()
        try SchemaMigrator(connection: connection).migrate()
        return connection
    }
}
