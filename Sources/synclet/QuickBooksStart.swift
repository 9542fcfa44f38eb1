import Foundation
import SyncletCore

/// The QuickBooks settings the push reads, until the connection's `Settings.quickBooks()` and
/// `QuickBooksConnection` are merged in; then these three read from them.
enum QuickBooksStart {
    /// `QBO_START_DATE` as the builder's start date (`YYYY-MM-DD`): orders before it are not pushed.
    static func date(_ settings: Settings) throws -> String? {
        guard let text = settings.values["QBO_START_DATE"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let time = UTCTime(parsing: text) ?? UTCTime(parsing: text + " 00:00:00") else {
            throw StartError(text: "configuration error: QBO_START_DATE " + "must be a UTC date as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, got \"\(text)\"")
        }
        return String(time.description.prefix(10))
    }

    static func apiURL(_ settings: Settings) throws -> URL {
        let text = settings.values["QBO_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://quickbooks.api.intuit.com"
        guard let url = URL(string: text), url.host != nil else {
            throw StartError(text: "configuration error: QBO_API_URL " + "must be an http(s) URL, got \"\(text)\"")
        }
        return url
    }

    static func accessProvider(environment: CommandEnvironment, database: Database) throws -> any QuickBooksAccessProvider {
        throw QuickBooksConnectionError.notConnected
    }
}

struct StartError: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}
