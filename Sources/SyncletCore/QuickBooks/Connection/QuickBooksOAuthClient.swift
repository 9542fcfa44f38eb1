import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// What Intuit's token endpoint granted: a new access token and the refresh token to use next
/// (which may differ from the one sent), with their lifetimes as of `receivedAt`.
/// Holds secrets: `description` shows none of them.
public struct QuickBooksTokenGrant: Sendable, Equatable, CustomStringConvertible {
    public var accessToken: String
    public var refreshToken: String
    /// When the request was sent: lifetimes count from then, so they never run late.
    public var receivedAt: Date
    /// `expires_in`, seconds (3600 at Intuit).
    public var accessTokenLifetime: TimeInterval
    /// `x_refresh_token_expires_in`, seconds (100 days, renewed by every refresh).
    public var refreshTokenLifetime: TimeInterval
    /// `x_refresh_token_hard_expires_in`, seconds left of the 5-year limit; nil when not sent.
    public var refreshTokenHardLifetime: TimeInterval?

    public init(accessToken: String, refreshToken: String, receivedAt: Date, accessTokenLifetime: TimeInterval,
                refreshTokenLifetime: TimeInterval, refreshTokenHardLifetime: TimeInterval?) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.receivedAt = receivedAt
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.refreshTokenHardLifetime = refreshTokenHardLifetime
    }

    public var accessTokenExpiresAt: Date { receivedAt.addingTimeInterval(accessTokenLifetime) }
    public var refreshTokenExpiresAt: Date { receivedAt.addingTimeInterval(refreshTokenLifetime) }
    public var refreshTokenHardExpiresAt: Date? { refreshTokenHardLifetime.map { receivedAt.addingTimeInterval($0) } }

    public var description: String { "QuickBooks tokens granted at \(receivedAt), access for \(Int(accessTokenLifetime)) s" }

    /// Reads the token endpoint's JSON answer. A refresh token Intuit left out means "keep the
    /// one sent" (`previousRefreshToken`); refresh tokens never arrive blank.
    static func parse(_ body: [UInt8], receivedAt: Date, previousRefreshToken: String?) throws -> QuickBooksTokenGrant {
        guard let value = try? JSONParser.parse(body), value.objectValue != nil else {
            throw QuickBooksOAuthError.unexpectedAnswer(status: 200, detail: "the answer is not a JSON object (\(body.count) bytes)")
        }
        func seconds(_ key: String) -> TimeInterval? {
            (value[key]?.numberText ?? value[key]?.stringValue).flatMap(TimeInterval.init)
        }
        guard let access = value["access_token"]?.stringValue, !access.isEmpty else {
            throw QuickBooksOAuthError.unexpectedAnswer(status: 200, detail: "the answer has no access_token")
        }
        guard let refresh = value["refresh_token"]?.stringValue.flatMap({ $0.isEmpty ? nil : $0 }) ?? previousRefreshToken else {
            throw QuickBooksOAuthError.unexpectedAnswer(status: 200, detail: "the answer has no refresh_token")
        }
        return QuickBooksTokenGrant(
            accessToken: access, refreshToken: refresh, receivedAt: receivedAt,
            accessTokenLifetime: seconds("expires_in") ?? 3600,
            refreshTokenLifetime: seconds("x_refresh_token_expires_in") ?? 100 * 86_400,
            refreshTokenHardLifetime: seconds("x_refresh_token_hard_expires_in"))
    }
}

/// Why a call to Intuit's OAuth endpoints failed. Never carries a token or the client secret.
public enum QuickBooksOAuthError: Error, Equatable, CustomStringConvertible {
    /// The token endpoint refused the grant with an OAuth error other than the client's.
    case refused(what: String, status: Int, error: String, detail: String?)
    /// The answer was not what the endpoint documents.
    case unexpectedAnswer(status: Int, detail: String)
    /// Every attempt failed to get an answer (connection, timeout, 5xx, 429).
    case unreachable(what: String, url: String, attempts: Int, lastProblem: String)

    public var description: String {
        switch self {
        case .refused(let what, let status, let error, let detail):
            return "QuickBooks refused \(what): HTTP \(status) \(error)" + (detail.map { " (\($0))" } ?? "")
        case .unexpectedAnswer(let status, let detail):
            return "QuickBooks' token endpoint answered HTTP \(status) in a form Synclet does not know: \(detail)"
        case .unreachable(let what, let url, let attempts, let lastProblem):
            return "\(what) at \(url) failed after \(attempts) attempt(s); last: \(lastProblem)"
        }
    }

    /// The one-line configuration error for `invalid_client`: the id or secret is wrong.
    static func invalidClient(environment: QuickBooksEnvironment) -> ConfigurationError {
        ConfigurationError(
            variable: "QBO_CLIENT_ID or QBO_CLIENT_SECRET",
            problem: "was refused by QuickBooks (invalid_client): copy both from the app's \(environment == .sandbox ? "development (sandbox)" : "production") keys in Intuit's developer portal")
    }
}

/// Intuit's OAuth 2.0 endpoints: exchange an authorization code, refresh, revoke. Every call
/// authenticates with HTTP Basic (client id and secret), sends a form (or JSON for revoke) and
/// asks for JSON, plus `x-include-refresh-token-hard-expires-in: true` so the 5-year limit is told.
///
/// ```swift
/// let oauth = QuickBooksOAuthClient(settings: quickBooks, http: pipeline.http, log: log)
/// defer { Task { await oauth.shutdown() } }
/// let grant = try await oauth.refresh(refreshToken: stored)   // store grant.refreshToken first
/// ```
///
/// `invalid_grant` on a refresh is `QuickBooksConnectionError.reconnectNeeded` (exit code 5);
/// `invalid_client` is a `ConfigurationError` naming QBO_CLIENT_ID and QBO_CLIENT_SECRET (exit 2).
/// Timeouts, refused connections, 5xx and 429 are retried `http.retries` times with backoff.
public final class QuickBooksOAuthClient: Sendable {
    public let settings: QuickBooksSettings
    private let http: PipelineConfiguration.HTTP
    private let client: HTTPClient
    private let log: Log

    public init(settings: QuickBooksSettings, http: PipelineConfiguration.HTTP, log: Log) {
        self.settings = settings
        self.http = http
        self.log = log
        self.client = HTTPClient.synclet(connectTimeoutSeconds: http.connectTimeoutSeconds, readTimeoutSeconds: http.readTimeoutSeconds)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Step 3 of the flow: the authorization code (single use, minutes old at most) for tokens.
    /// `invalid_grant` here means the code was used, expired, or issued for another redirect URI.
    public func exchange(code: String, redirectURI: URL) async throws -> QuickBooksTokenGrant {
        let sentAt = Date()
        let answer = try await post(what: "exchanging the authorization code", url: settings.tokenURL,
                                    form: [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI.absoluteString)],
                                    secrets: [code])
        if answer.status == 200 { return try QuickBooksTokenGrant.parse(answer.body, receivedAt: sentAt, previousRefreshToken: nil) }
        let error = oauthError(answer)
        if error.code == "invalid_grant" {
            throw QuickBooksOAuthError.refused(
                what: "the authorization code", status: answer.status, error: error.code,
                detail: "a code works once and for a few minutes, and only with the QBO_REDIRECT_URI it was issued for: run `synclet qbo connect` again")
        }
        throw classify(answer, error: error, what: "the authorization code")
    }

    /// Step 4: a refresh token for a new access token and the refresh token to keep from now on.
    /// Throws `QuickBooksConnectionError.reconnectNeeded` when QuickBooks refuses the refresh token.
    public func refresh(refreshToken: String) async throws -> QuickBooksTokenGrant {
        let sentAt = Date()
        let answer = try await post(what: "refreshing the QuickBooks access token", url: settings.tokenURL,
                                    form: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
                                    secrets: [refreshToken])
        if answer.status == 200 {
            return try QuickBooksTokenGrant.parse(answer.body, receivedAt: sentAt, previousRefreshToken: refreshToken)
        }
        let error = oauthError(answer)
        if error.code == "invalid_grant" {
            throw QuickBooksConnectionError.reconnectNeeded(reason: "invalid_grant: expired, revoked or superseded")
        }
        throw classify(answer, error: error, what: "the refresh token")
    }

    /// What revoking found: the token was revoked now, or QuickBooks no longer knew it.
    public enum Revocation: Sendable, Equatable {
        case revoked
        case alreadyInvalid
    }

    /// Step 6: revokes `token` (the refresh token revokes the whole authorization).
    public func revoke(token: String) async throws -> Revocation {
        var body = JSONObject()
        body.members.append((key: "token", value: .string(token)))
        let answer = try await send(what: "revoking the QuickBooks authorization", url: settings.revokeURL,
                                    contentType: "application/json", body: Array(JSONWriter.string(.object(body)).utf8),
                                    secrets: [token])
        switch answer.status {
        case 200...299: return .revoked
        case 400:
            let error = oauthError(answer)
            if error.code == "invalid_client" { throw QuickBooksOAuthError.invalidClient(environment: settings.environment) }
            return .alreadyInvalid
        default:
            throw classify(answer, error: oauthError(answer), what: "revoking the authorization")
        }
    }

    /// What the API answered to `CompanyInfo`.
    public enum CompanyInfoAnswer: Sendable, Equatable {
        case name(String)
        /// HTTP 401: the access token is expired, revoked or not this company's.
        case rejected
        case failed(String)
    }

    /// The company's name (`CompanyInfo.CompanyName`), read with `access`: the cheapest call that
    /// proves a token works for the company, and tells the operator which company it is.
    public func companyInfo(access: QuickBooksAccess) async -> CompanyInfoAnswer {
        let realm = access.realmId.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? access.realmId
        var request = HTTPClientRequest(url: settings.apiBaseURL.absoluteString + "/v3/company/\(realm)/companyinfo/\(realm)?minorversion=75")
        request.method = .GET
        request.headers.add(name: "Authorization", value: "Bearer \(access.accessToken)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Synclet/\(SyncletVersion.version)")
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(http.requestTimeoutSeconds * 1000)))
            let body = try await response.body.collect(upTo: 1 << 20)
            if let tid = response.headers.first(name: "intuit_tid") { log.debug("CompanyInfo: HTTP \(response.status.code), intuit_tid \(tid)") }
            if response.status.code == 401 { return .rejected }
            guard response.status.code == 200 else { return .failed("CompanyInfo answered HTTP \(response.status.code)") }
            guard let name = (try? JSONParser.parse(Array(buffer: body)))?["CompanyInfo"]?["CompanyName"]?.stringValue else {
                return .failed("CompanyInfo answered without a CompanyName")
            }
            return .name(name)
        } catch {
            return .failed(Redactor(secrets: [access.accessToken]).redact(Self.describe(error)))
        }
    }

    // MARK: - Answers

    struct Answer {
        var status: Int
        var body: [UInt8]
        var intuitTransactionId: String?
    }

    /// The `error` and `error_description` of an OAuth error answer, when it is JSON.
    private func oauthError(_ answer: Answer) -> (code: String, detail: String?) {
        guard let value = try? JSONParser.parse(answer.body) else { return ("", nil) }
        return (value["error"]?.stringValue ?? "", value["error_description"]?.stringValue)
    }

    private func classify(_ answer: Answer, error: (code: String, detail: String?), what: String) -> Error {
        if error.code == "invalid_client" || (answer.status == 401 && error.code.isEmpty) {
            return QuickBooksOAuthError.invalidClient(environment: settings.environment)
        }
        if !error.code.isEmpty {
            return QuickBooksOAuthError.refused(what: what, status: answer.status, error: error.code, detail: error.detail)
        }
        // An error page that is not OAuth's JSON (a proxy's HTML): its start says what it is.
        // Only non-200 answers get here, and those carry no token.
        let excerpt = String(decoding: answer.body.prefix(200), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        return QuickBooksOAuthError.unexpectedAnswer(status: answer.status, detail: excerpt.isEmpty ? "an empty body" : "\"\(excerpt)\"")
    }

    // MARK: - Requests

    private func post(what: String, url: URL, form: [(String, String)], secrets: [String]) async throws -> Answer {
        try await send(what: what, url: url, contentType: "application/x-www-form-urlencoded",
                       body: Array(Self.formEncoded(form).utf8), secrets: secrets)
    }

    /// `application/x-www-form-urlencoded`: everything but unreserved characters percent-encoded.
    static func formEncoded(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
    }

    /// Every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// `Basic base64(client_id:client_secret)`.
    var basicAuthorization: String {
        "Basic " + Data("\(settings.clientId):\(settings.clientSecret)".utf8).base64EncodedString()
    }

    /// Sends one POST with retries for what may pass: no connection, timeouts, 5xx and 429.
    private func send(what: String, url: URL, contentType: String, body: [UInt8], secrets: [String]) async throws -> Answer {
        let redactor = Redactor(secrets: secrets + [settings.clientSecret])
        let attempts = http.retries + 1
        var lastProblem = ""
        for attempt in 1...attempts {
            do {
                let answer = try await sendOnce(url: url, contentType: contentType, body: body)
                if let tid = answer.intuitTransactionId { log.debug("\(what): HTTP \(answer.status), intuit_tid \(tid)") }
                if answer.status == 429 || answer.status >= 500 {
                    lastProblem = "HTTP \(answer.status)"
                } else {
                    return answer
                }
            } catch let error where error is CancellationError {
                throw error
            } catch {
                lastProblem = redactor.redact(Self.describe(error))
            }
            guard attempt < attempts else { break }
            let delay = http.backoff.delay(afterAttempt: attempt)
            log.warning("\(what): \(lastProblem); attempt \(attempt) of \(attempts), retrying in \(String(format: "%.1f", delay))s")
            try await Task.sleep(nanoseconds: Backoff.nanoseconds(delay))
        }
        throw QuickBooksOAuthError.unreachable(what: what, url: url.absoluteString, attempts: attempts, lastProblem: lastProblem)
    }

    /// The system's reason for a failed request, without NIO's wrapping.
    static func describe(_ error: Error) -> String {
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .readTimeout: return "no answer in time (read timeout, http.read_timeout_seconds)"
            case .connectTimeout: return "could not connect in time (connect timeout, http.connect_timeout_seconds)"
            case .deadlineExceeded: return "the answer was not complete in time (http.request_timeout_seconds)"
            case .remoteConnectionClosed: return "the server closed the connection before the answer was complete"
            default: break
            }
        }
        var ioError = error as? IOError
        if let connectionError = error as? NIOConnectionError {
            ioError = connectionError.connectionErrors.lazy.compactMap { $0.error as? IOError }.first
            if ioError == nil, connectionError.dnsAError != nil || connectionError.dnsAAAAError != nil {
                return "the host name could not be resolved"
            }
        }
        if let ioError {
            if ioError.errnoCode == ECONNREFUSED { return "connection refused: nothing listens at that address and port" }
            return String(cString: strerror(ioError.errnoCode)).lowercased()
        }
        return "\(error)"
    }

    private func sendOnce(url: URL, contentType: String, body: [UInt8]) async throws -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Authorization", value: basicAuthorization)
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "x-include-refresh-token-hard-expires-in", value: "true")
        request.headers.add(name: "User-Agent", value: "Synclet/\(SyncletVersion.version)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .milliseconds(Int64(http.requestTimeoutSeconds * 1000)))
        var bytes: [UInt8] = []
        for try await chunk in response.body {
            bytes.append(contentsOf: chunk.readableBytesView)
            guard bytes.count <= 1 << 20 else { throw QuickBooksOAuthError.unexpectedAnswer(status: Int(response.status.code), detail: "the answer is larger than 1 MB") }
        }
        return Answer(status: Int(response.status.code), body: bytes, intuitTransactionId: response.headers.first(name: "intuit_tid"))
    }
}
