/// Where and how to connect to a MariaDB (or MySQL) server.
///
/// Every property has a sensible default except the credentials:
///
/// ```swift
/// var config = MariaDBConfiguration(user: "synclet", password: secret, database: "synclet")
/// config.port = 3407
/// let db = try MariaDBConnection(config)
/// ```
///
/// The password is never included in errors or in ``description``.
public struct MariaDBConfiguration: Sendable, CustomStringConvertible {
    /// Host name or IP address. Ignored when ``unixSocket`` is set. Default `"127.0.0.1"`.
    ///
    /// Note that Connector/C treats `"localhost"` as "use the default Unix socket";
    /// use `"127.0.0.1"` to force TCP.
    public var host: String
    /// TCP port. Default 3306.
    public var port: Int
    /// Path of a Unix socket to connect through instead of TCP.
    public var unixSocket: String?
    /// User name.
    public var user: String
    /// Password (may be empty).
    public var password: String
    /// Default database (schema) for the session, or `nil` for none.
    public var database: String?
    /// Seconds to wait for the TCP connection and handshake. Default 10.
    public var connectTimeoutSeconds: Int
    /// Seconds to wait for each read from the server. Default 60. A statement whose result
    /// takes longer than this fails with a connection-lost error
    /// (``MariaDBError/isConnectionLost``).
    public var readTimeoutSeconds: Int
    /// Seconds to wait for each write to the server. Default 60.
    public var writeTimeoutSeconds: Int
    /// Allow `LOAD DATA LOCAL INFILE` (the client reads a local file and sends it).
    /// Off by default because a malicious server could otherwise ask for any readable file.
    /// The server must also run with `local_infile=1`.
    public var allowLocalInfile: Bool

    /// Creates a configuration. Only the credentials are required.
    ///
    /// ```swift
    /// let config = MariaDBConfiguration(host: "db.internal", port: 3306,
    ///                                   user: "app", password: "…", database: "shop")
    /// ```
    public init(
        host: String = "127.0.0.1",
        port: Int = 3306,
        unixSocket: String? = nil,
        user: String,
        password: String,
        database: String? = nil,
        connectTimeoutSeconds: Int = 10,
        readTimeoutSeconds: Int = 60,
        writeTimeoutSeconds: Int = 60,
        allowLocalInfile: Bool = false
    ) {
        self.host = host
        self.port = port
        self.unixSocket = unixSocket
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.readTimeoutSeconds = readTimeoutSeconds
        self.writeTimeoutSeconds = writeTimeoutSeconds
        self.allowLocalInfile = allowLocalInfile
    }

    /// Where this configuration connects, e.g. `127.0.0.1:3407` or `unix:/run/mysqld.sock`.
    public var endpoint: String {
        if let unixSocket { return "unix:\(unixSocket)" }
        return "\(host):\(port)"
    }

    /// A description without the password, e.g. `synclet@127.0.0.1:3407/synclet`.
    public var description: String {
        "\(user)@\(endpoint)" + (database.map { "/\($0)" } ?? "")
    }
}

extension MariaDBConfiguration: CustomReflectable {
    /// Keeps the password out of `dump()` and debugger output.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "host": host, "port": port, "unixSocket": unixSocket as Any, "user": user,
            "password": "<redacted>", "database": database as Any,
            "connectTimeoutSeconds": connectTimeoutSeconds, "readTimeoutSeconds": readTimeoutSeconds,
            "writeTimeoutSeconds": writeTimeoutSeconds, "allowLocalInfile": allowLocalInfile,
        ], displayStyle: .struct)
    }
}
