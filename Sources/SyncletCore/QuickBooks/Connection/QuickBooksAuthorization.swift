import Crypto
import Foundation

/// One attempt at the OAuth 2.0 authorization code flow (steps 1 and 2): the URL the operator
/// opens, with a random `state`, and the check of the redirect that comes back.
///
/// ```swift
/// let authorization = QuickBooksAuthorization(settings: quickBooks, redirectURI: redirect)
/// print(authorization.url)
/// let callback = try authorization.callback(from: pastedURL)   // throws on a state that is not ours
/// let grant = try await oauth.exchange(code: callback.code, redirectURI: redirect)
/// ```
public struct QuickBooksAuthorization: Sendable {
    public static let scope = "com.intuit.quickbooks.accounting"

    public let settings: QuickBooksSettings
    public let redirectURI: URL
    /// 32 random bytes as hex: a redirect carrying any other value is not an answer to this URL.
    public let state: String

    public init(settings: QuickBooksSettings, redirectURI: URL, state: String? = nil) {
        self.settings = settings
        self.redirectURI = redirectURI
        self.state = state ?? SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }.hexString
    }

    /// `authorize?client_id=...&response_type=code&scope=...&redirect_uri=...&state=...`
    public var url: URL {
        var components = URLComponents(url: settings.authorizationURL, resolvingAgainstBaseURL: false)
        var items = components?.queryItems ?? []
        items += [
            URLQueryItem(name: "client_id", value: settings.clientId),
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "scope", value: Self.scope),
            URLQueryItem(name: "redirect_uri", value: redirectURI.absoluteString),
            URLQueryItem(name: "state", value: state),
        ]
        components?.queryItems = items
        // URLComponents leaves `:` and `/` of the redirect URI as they are; encode them all, as
        // Intuit's own samples do, so no server reads the URI's parts as the URL's.
        components?.percentEncodedQuery = items.map { item in
            "\(item.name)=\(QuickBooksOAuthClient.percentEncoded(item.value ?? ""))"
        }.joined(separator: "&")
        return components?.url ?? settings.authorizationURL
    }

    /// What the redirect carried.
    public struct Callback: Sendable, Equatable {
        public var code: String
        public var realmId: String
    }

    /// Reads the redirect: a whole URL as the browser shows it, or its query alone. Its `state`
    /// must be this attempt's; an `error` (the operator clicked Cancel) is reported as such.
    public func callback(from text: String) throws -> Callback {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var query = trimmed
        if let questionMark = trimmed.firstIndex(of: "?") { query = String(trimmed[trimmed.index(after: questionMark)...]) }
        if let hash = query.firstIndex(of: "#") { query = String(query[..<hash]) }
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.map(String.init)?.removingPercentEncoding else { continue }
            let value = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" : ""
            parameters[name] = value
        }
        guard parameters["state"] != nil || parameters["code"] != nil || parameters["error"] != nil else {
            throw QuickBooksAuthorizationError.notARedirect
        }
        guard let returnedState = parameters["state"], Self.constantTimeEqual(returnedState, state) else {
            throw QuickBooksAuthorizationError.stateMismatch
        }
        if let error = parameters["error"] {
            throw QuickBooksAuthorizationError.denied(error: error, description: parameters["error_description"])
        }
        guard let code = parameters["code"], !code.isEmpty else { throw QuickBooksAuthorizationError.missing("code") }
        guard let realmId = parameters["realmId"], !realmId.isEmpty else { throw QuickBooksAuthorizationError.missing("realmId") }
        return Callback(code: code, realmId: realmId)
    }

    static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8), b = Array(right.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The port and path to catch the redirect on, when the redirect URI is plain HTTP on this
    /// machine's loopback with a port (`http://localhost:8765/callback`); nil otherwise.
    public var loopback: (port: Int, path: String)? {
        guard redirectURI.scheme?.lowercased() == "http", let host = redirectURI.host?.lowercased(),
              ["localhost", "127.0.0.1"].contains(host), let port = redirectURI.port, (1...65535).contains(port)
        else { return nil }
        return (port, redirectURI.path.isEmpty ? "/" : redirectURI.path)
    }
}

/// Why a redirect is not accepted. Nothing is stored.
public enum QuickBooksAuthorizationError: Error, Equatable, CustomStringConvertible {
    case notARedirect
    case stateMismatch
    case denied(error: String, description: String?)
    case missing(String)
    case noRedirect(waitedSeconds: Int)
    case inputEnded

    public var description: String {
        switch self {
        case .notARedirect:
            return "that is not the address QuickBooks redirected to (it has no code, state or error); paste the whole address from the browser's address bar"
        case .stateMismatch:
            return "the redirect's state is not the one this `synclet qbo connect` sent: it answers another attempt (or was forged), so it was refused and nothing was stored; run `synclet qbo connect` again and open the URL it prints"
        case .denied(let error, let description):
            return "QuickBooks did not authorize Synclet (\(error)\(description.map { ": \($0)" } ?? "")); nothing was stored"
        case .missing(let parameter):
            return "the redirect has no \(parameter); paste the whole address from the browser's address bar"
        case .noRedirect(let seconds):
            return "no redirect arrived within \(seconds) s; run `synclet qbo connect` again"
        case .inputEnded:
            return "standard input ended before a redirect address was pasted; run `synclet qbo connect` in a terminal, or with a QBO_REDIRECT_URI on http://localhost:<port> so Synclet catches the redirect itself"
        }
    }
}
