import Foundation

/// What is wrong with one configuration variable. Printed as one line; exit code 2.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String

    public init(variable: String, problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "configuration error: \(variable) \(problem)" }
}

/// Where the shop's endpoint is and the key it expects.
public struct MagentoSettings: Sendable {
    public var baseURL: URL
    public var accessKey: String
    public var pageSize: Int
    public var initialSyncDate: UTCTime
}

/// How to reach MariaDB.
public struct DatabaseSettings: Sendable {
    public var host: String
    public var port: Int
    public var unixSocket: String?
    public var name: String
    public var user: String
    public var password: String
}

/// Which QuickBooks Online the app talks to: `QBO_ENVIRONMENT`. The OAuth endpoints are the
/// same for both; the API host is not, and a sandbox token is refused by production.
public enum QuickBooksEnvironment: String, Sendable, Codable {
    case production
    case sandbox

    /// The API base, without `/v3`.
    public var apiBaseURL: URL {
        switch self {
        case .production: return Self.known("https://quickbooks.api.intuit.com")
        case .sandbox: return Self.known("https://sandbox-quickbooks.api.intuit.com")
        }
    }

    public static let authorizationURL = known("https://appcenter.intuit.com/connect/oauth2")
    public static let tokenURL = known("https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer")
    public static let revokeURL = known("https://developer.api.intuit.com/v2/oauth2/tokens/revoke")

    private static func known(_ text: String) -> URL {
        guard let url = URL(string: text) else { preconditionFailure("\(text) is not a URL") }
        return url
    }
}

/// The QuickBooks Online app Synclet connects as, and where its endpoints are.
/// `clientSecret` is a secret: it is in `Settings.secrets`, so every log line masks it.
public struct QuickBooksSettings: Sendable, CustomStringConvertible {
    /// `QBO_CLIENT_ID`: the app's client id (Intuit's developer portal, Keys & credentials).
    public var clientId: String
    /// `QBO_CLIENT_SECRET`: never printed, logged, stored in the database or put on a command line.
    public var clientSecret: String
    /// `QBO_ENVIRONMENT`: `production` (default) or `sandbox`.
    public var environment: QuickBooksEnvironment
    /// `QBO_REDIRECT_URI`: the redirect URI registered for the app; `synclet qbo connect` needs it.
    public var redirectURI: URL?
    /// `QBO_START_DATE`: orders created after it (UTC) are pushed; earlier ones were booked before.
    public var startDate: UTCTime?
    /// `QBO_API_URL` (the base without `/v3`), else the environment's API host.
    public var apiBaseURL: URL
    /// `QBO_TOKEN_URL`, `QBO_AUTH_URL`, `QBO_REVOKE_URL`: Intuit's, unless a simulator stands in.
    public var tokenURL: URL
    public var authorizationURL: URL
    public var revokeURL: URL

    public init(clientId: String, clientSecret: String, environment: QuickBooksEnvironment = .production,
                redirectURI: URL? = nil, startDate: UTCTime? = nil,
                apiBaseURL: URL? = nil, tokenURL: URL? = nil, authorizationURL: URL? = nil, revokeURL: URL? = nil) {
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.environment = environment
        self.redirectURI = redirectURI
        self.startDate = startDate
        self.apiBaseURL = apiBaseURL ?? environment.apiBaseURL
        self.tokenURL = tokenURL ?? QuickBooksEnvironment.tokenURL
        self.authorizationURL = authorizationURL ?? QuickBooksEnvironment.authorizationURL
        self.revokeURL = revokeURL ?? QuickBooksEnvironment.revokeURL
    }

    /// The redirect URI, or a configuration error saying what to set.
    public func requiredRedirectURI() throws -> URL {
        guard let redirectURI else {
            throw ConfigurationError(variable: "QBO_REDIRECT_URI", problem: "is not set (environment or .env): set it to a redirect URI registered for the app in Intuit's developer portal, e.g. http://localhost:8765/callback")
        }
        return redirectURI
    }

    /// Names the app and its environment, never the secret.
    public var description: String { "QuickBooks app \(clientId) (\(environment.rawValue), API \(apiBaseURL.absoluteString))" }
}

/// Reads Synclet's settings from the environment and a `.env` file in the working directory;
/// a variable set in the environment wins over the file.
///
/// Each command asks only for the sections it needs, so `transform` runs without database or
/// shop settings, and a missing or malformed value stops a command before it touches anything.
///
/// ```swift
/// let settings = try Settings.load()
/// let database = try settings.database()   // throws ConfigurationError naming the variable
/// ```
public struct Settings: Sendable {
    public let values: [String: String]
    /// A warning to print, e.g. a `.env` readable by other users.
    public let warnings: [String]

    public init(values: [String: String], warnings: [String] = []) {
        self.values = values
        self.warnings = warnings
    }

    /// The environment merged over `.env` in `directory` (the working directory by default).
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = FileManager.default.currentDirectoryPath
    ) throws -> Settings {
        let path = (directory as NSString).appendingPathComponent(".env")
        var values: [String: String] = [:]
        var warnings: [String] = []
        if FileManager.default.fileExists(atPath: path) {
            values = try DotEnvFile.parse(contentsOf: path)
            if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
               let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
                warnings.append("\(path) is readable by other users (mode \(String(mode, radix: 8))); it holds secrets: chmod 600 \(path)")
            }
        }
        values.merge(environment) { _, fromEnvironment in fromEnvironment }
        return Settings(values: values, warnings: warnings)
    }

    public var secrets: [String] {
        ["MAGENTO_ACCESS_KEY", "DB_PASSWORD", "QBO_CLIENT_SECRET"].compactMap { values[$0] }.filter { !$0.isEmpty }
    }

    public func magento() throws -> MagentoSettings {
        let urlText = try required("MAGENTO_BASE_URL")
        guard let url = URL(string: urlText), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", url.host != nil
        else { throw ConfigurationError(variable: "MAGENTO_BASE_URL", problem: "must be an http(s) URL such as https://shop.example.co.uk/onesaas_connect/index/index") }
        if url.query?.contains("AccessKey") == true {
            throw ConfigurationError(variable: "MAGENTO_BASE_URL", problem: "must not contain the AccessKey; put the key in MAGENTO_ACCESS_KEY")
        }
        let key = try required("MAGENTO_ACCESS_KEY")
        let dateText = try required("INITIAL_SYNC_DATE")
        guard let initial = UTCTime(parsing: dateText) else {
            throw ConfigurationError(variable: "INITIAL_SYNC_DATE", problem: "must be a UTC time as YYYY-MM-DD HH:MM:SS, got \"\(dateText)\"")
        }
        return MagentoSettings(
            baseURL: url, accessKey: key,
            pageSize: try integer("PAGE_SIZE", default: 50, range: 1...1000),
            initialSyncDate: initial)
    }

    public func database() throws -> DatabaseSettings {
        DatabaseSettings(
            host: values["DB_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
            port: try integer("DB_PORT", default: 3306, range: 1...65535),
            unixSocket: values["DB_SOCKET"].flatMap { $0.isEmpty ? nil : $0 },
            name: try identifier("DB_NAME"),
            user: try required("DB_USER"),
            password: values["DB_PASSWORD"] ?? "")
    }

    /// The QuickBooks Online app's keys and endpoints (`QBO_*`). Only the commands that talk to
    /// QuickBooks ask for them, so a sync into MariaDB alone needs none.
    ///
    /// ```swift
    /// let quickBooks = try settings.quickBooks()   // ConfigurationError naming the QBO_ variable
    /// quickBooks.apiBaseURL                        // https://quickbooks.api.intuit.com
    /// ```
    public func quickBooks() throws -> QuickBooksSettings {
        let environment = try quickBooksEnvironment()
        var redirectURI: URL?
        if let text = nonEmpty("QBO_REDIRECT_URI") {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
                  url.host != nil, url.query == nil, url.fragment == nil
            else {
                throw ConfigurationError(variable: "QBO_REDIRECT_URI", problem: "must be the http(s) redirect URI registered for the app (no query), such as http://localhost:8765/callback, got \"\(text)\"")
            }
            redirectURI = url
        }
        var startDate: UTCTime?
        if let text = nonEmpty("QBO_START_DATE") {
            guard let date = UTCTime(parsing: text) ?? UTCTime(parsing: text + " 00:00:00") else {
                throw ConfigurationError(variable: "QBO_START_DATE", problem: "must be a UTC date as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, got \"\(text)\"")
            }
            startDate = date
        }
        return QuickBooksSettings(
            clientId: try required("QBO_CLIENT_ID"),
            clientSecret: try required("QBO_CLIENT_SECRET"),
            environment: environment,
            redirectURI: redirectURI,
            startDate: startDate,
            apiBaseURL: try url("QBO_API_URL", default: environment.apiBaseURL),
            tokenURL: try url("QBO_TOKEN_URL", default: QuickBooksEnvironment.tokenURL),
            authorizationURL: try url("QBO_AUTH_URL", default: QuickBooksEnvironment.authorizationURL),
            revokeURL: try url("QBO_REVOKE_URL", default: QuickBooksEnvironment.revokeURL))
    }

    /// `QBO_ENVIRONMENT` alone (`production` when unset), for commands that need no keys.
    public func quickBooksEnvironment() throws -> QuickBooksEnvironment {
        guard let text = nonEmpty("QBO_ENVIRONMENT")?.lowercased() else { return .production }
        guard let environment = QuickBooksEnvironment(rawValue: text) else {
            throw ConfigurationError(variable: "QBO_ENVIRONMENT", problem: "must be production or sandbox, got \"\(text)\"")
        }
        return environment
    }

    /// `SYNCLET_STAGING_DIR`, default `./staging`.
    public var stagingDirectory: String {
        values["SYNCLET_STAGING_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "staging"
    }

    private func required(_ name: String) throws -> String {
        guard let value = values[name] else { throw ConfigurationError(variable: name, problem: "is not set (environment or .env)") }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ConfigurationError(variable: name, problem: "is empty") }
        return trimmed
    }

    /// The trimmed value, or nil when unset or empty.
    private func nonEmpty(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// An http(s) URL with a host, or `defaultValue` when unset. A trailing `/` is dropped.
    private func url(_ name: String, default defaultValue: URL) throws -> URL {
        guard var text = nonEmpty(name) else { return defaultValue }
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
            throw ConfigurationError(variable: name, problem: "must be an http(s) URL, got \"\(text)\"")
        }
        return url
    }

    private func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = values[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(variable: name, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    private func identifier(_ name: String) throws -> String {
        let value = try required(name)
        guard value.count <= 64, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw ConfigurationError(variable: name, problem: "must be a database name of letters, digits and _, got \"\(value)\"")
        }
        return value
    }
}

/// The `.env` format as dotenv tools share it: `NAME=value` lines, `#` comment lines, an optional
/// `export `, and values that are
/// - unquoted: trimmed, and a ` # comment` after whitespace is dropped;
/// - in single quotes: taken literally;
/// - in double quotes: with the escapes `\n`, `\t`, `\r`, `\"`, `\\` and `\$`.
/// After a closing quote only whitespace and a `# comment` may follow. A quote that is never
/// closed is an error naming the line, rather than a value that silently keeps the quote.
enum DotEnvFile {
    static func parse(contentsOf path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(variable: ".env", problem: "at \(path) cannot be read as UTF-8 text")
        }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String = ".env") throws -> [String: String] {
        var values: [String: String] = [:]
        // "\r\n" is one Character in Swift, so splitting on "\n" alone would read a file saved
        // on Windows as a single line.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, rawLine) in lines.enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            func malformed(_ why: String) -> ConfigurationError {
                ConfigurationError(variable: ".env", problem: "line \(index + 1) of \(path) \(why)")
            }
            guard let equals = line.firstIndex(of: "=") else { throw malformed("is not NAME=value") }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }) else {
                throw malformed("has no valid NAME before =")
            }
            let rawValue = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            values[name] = try value(of: rawValue, malformed: malformed)
        }
        return values
    }

    private static func value(of text: String, malformed: (String) -> ConfigurationError) throws -> String {
        guard let quote = text.first, quote == "\"" || quote == "'" else {
            // Unquoted: a `#` starts a comment only after whitespace, so `pa#ss` stays whole.
            var value = text
            if let range = text.range(of: #"\s#"#, options: .regularExpression) { value = String(text[..<range.lowerBound]) }
            return value.trimmingCharacters(in: .whitespaces)
        }
        var result = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == quote {
                let rest = text[text.index(after: index)...].trimmingCharacters(in: .whitespaces)
                guard rest.isEmpty || rest.hasPrefix("#") else {
                    // Not shown: the line may hold a secret.
                    throw malformed("has text after the closing quote; quote the whole value, or start a comment with \" #\"")
                }
                return result
            }
            if quote == "\"", character == "\\" {
                let next = text.index(after: index)
                guard next < text.endIndex else { break }
                switch text[next] {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "\"", "\\", "$", "'": result.append(text[next])
                default: result.append("\\"); result.append(text[next])
                }
                index = text.index(after: next)
                continue
            }
            result.append(character)
            index = text.index(after: index)
        }
        throw malformed("opens a \(quote == "\"" ? "double" : "single") quote that is never closed")
    }
}
