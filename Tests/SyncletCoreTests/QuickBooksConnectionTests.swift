import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import SyncletCore

/// The pieces of connecting to QuickBooks that need no server: the QBO_ settings, the
/// authorization URL and the check of the redirect, the token endpoint's answer, and the
/// expiry warnings of `synclet qbo status`.
final class QuickBooksConnectionTests: XCTestCase {
    private let secret = "cl1ent-S3cret/with+signs"
    private var keys: [String: String] { ["QBO_CLIENT_ID": "ABclient123", "QBO_CLIENT_SECRET": secret] }

    private func assertConfigurationError(_ values: [String: String], names variable: String,
                                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Settings(values: values).quickBooks(), file: file, line: line) { error in
            guard let error = error as? ConfigurationError else { return XCTFail("not a ConfigurationError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.variable, variable, file: file, line: line)
            XCTAssertFalse(error.description.contains(secret), "the message shows the client secret", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "one line", file: file, line: line)
        }
    }

    // MARK: - Settings

    func testQuickBooksDefaultsToProductionAndIntuitsEndpoints() throws {
        let settings = try Settings(values: keys).quickBooks()
        XCTAssertEqual(settings.environment, .production)
        XCTAssertEqual(settings.apiBaseURL.absoluteString, "https://quickbooks.api.intuit.com")
        XCTAssertEqual(settings.tokenURL.absoluteString, "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer")
        XCTAssertEqual(settings.authorizationURL.absoluteString, "https://appcenter.intuit.com/connect/oauth2")
        XCTAssertEqual(settings.revokeURL.absoluteString, "https://developer.api.intuit.com/v2/oauth2/tokens/revoke")
        XCTAssertNil(settings.redirectURI)
        XCTAssertNil(settings.startDate)
        XCTAssertFalse(settings.description.contains(secret))
    }

    func testTheSandboxPicksTheSandboxAPIHostAndTheSimulatorOverridesEveryURL() throws {
        var values = keys
        values["QBO_ENVIRONMENT"] = "Sandbox"
        XCTAssertEqual(try Settings(values: values).quickBooks().apiBaseURL.absoluteString, "https://sandbox-quickbooks.api.intuit.com")
        values["QBO_API_URL"] = "http://127.0.0.1:9000/"
        values["QBO_TOKEN_URL"] = "http://127.0.0.1:9000/oauth2/v1/tokens/bearer"
        values["QBO_AUTH_URL"] = "http://127.0.0.1:9000/connect/oauth2"
        values["QBO_REVOKE_URL"] = "http://127.0.0.1:9000/v2/oauth2/tokens/revoke"
        values["QBO_REDIRECT_URI"] = "http://localhost:8765/callback"
        values["QBO_START_DATE"] = "2026-01-01"
        let settings = try Settings(values: values).quickBooks()
        XCTAssertEqual(settings.apiBaseURL.absoluteString, "http://127.0.0.1:9000", "a trailing / is dropped")
        XCTAssertEqual(settings.tokenURL.port, 9000)
        XCTAssertEqual(settings.redirectURI?.absoluteString, "http://localhost:8765/callback")
        XCTAssertEqual(settings.startDate, UTCTime(parsing: "2026-01-01 00:00:00"))
        values["QBO_START_DATE"] = "2026-01-01 07:30:00"
        XCTAssertEqual(try Settings(values: values).quickBooks().startDate, UTCTime(parsing: "2026-01-01 07:30:00"))
    }

    func testEachMalformedQuickBooksSettingIsOneLineNamingItsVariable() {
        assertConfigurationError([:], names: "QBO_CLIENT_ID")
        assertConfigurationError(["QBO_CLIENT_ID": "x"], names: "QBO_CLIENT_SECRET")
        assertConfigurationError(keys.merging(["QBO_ENVIRONMENT": "staging"]) { $1 }, names: "QBO_ENVIRONMENT")
        assertConfigurationError(keys.merging(["QBO_REDIRECT_URI": "localhost:8765"]) { $1 }, names: "QBO_REDIRECT_URI")
        assertConfigurationError(keys.merging(["QBO_REDIRECT_URI": "https://x.example/cb?a=1"]) { $1 }, names: "QBO_REDIRECT_URI")
        assertConfigurationError(keys.merging(["QBO_START_DATE": "01/02/2026"]) { $1 }, names: "QBO_START_DATE")
        assertConfigurationError(keys.merging(["QBO_TOKEN_URL": "ftp://x"]) { $1 }, names: "QBO_TOKEN_URL")
        assertConfigurationError(keys.merging(["QBO_API_URL": "not a url"]) { $1 }, names: "QBO_API_URL")
        XCTAssertThrowsError(try Settings(values: keys).quickBooks().requiredRedirectURI()) { error in
            XCTAssertEqual((error as? ConfigurationError)?.variable, "QBO_REDIRECT_URI")
        }
    }

    func testTheClientSecretIsMaskedInEveryLogLine() {
        let settings = Settings(values: keys)
        XCTAssertTrue(settings.secrets.contains(secret))
        let redactor = Redactor(secrets: settings.secrets)
        XCTAssertFalse(redactor.redact("Basic auth with \(secret) and %63l1ent-S3cret%2Fwith%2Bsigns").contains("S3cret"))
    }

    // MARK: - Authorization

    private func authorization(redirect: String = "http://localhost:8765/callback") throws -> QuickBooksAuthorization {
        var values = keys
        values["QBO_AUTH_URL"] = "http://127.0.0.1:9000/connect/oauth2"
        let settings = try Settings(values: values).quickBooks()
        return QuickBooksAuthorization(settings: settings, redirectURI: try XCTUnwrap(URL(string: redirect)))
    }

    func testTheAuthorizationURLAsksForAccountingWithTheRedirectAndARandomState() throws {
        let first = try authorization()
        let second = try authorization()
        XCTAssertNotEqual(first.state, second.state)
        XCTAssertEqual(first.state.count, 64)
        let components = try XCTUnwrap(URLComponents(url: first.url, resolvingAgainstBaseURL: false))
        XCTAssertEqual(components.path, "/connect/oauth2")
        let query = Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        XCTAssertEqual(query["client_id"], "ABclient123")
        XCTAssertEqual(query["response_type"], "code")
        XCTAssertEqual(query["scope"], "com.intuit.quickbooks.accounting")
        XCTAssertEqual(query["redirect_uri"], "http://localhost:8765/callback")
        XCTAssertEqual(query["state"], first.state)
        XCTAssertTrue(first.url.absoluteString.contains("redirect_uri=http%3A%2F%2Flocalhost%3A8765%2Fcallback"), first.url.absoluteString)
        XCTAssertFalse(first.url.absoluteString.contains(secret))
    }

    func testTheRedirectIsAcceptedAsAWholeURLOrItsQueryAndOnlyWithItsOwnState() throws {
        let authorization = try authorization()
        let expected = QuickBooksAuthorization.Callback(code: "AB11code", realmId: "9341453050298533")
        XCTAssertEqual(try authorization.callback(from: "  http://localhost:8765/callback?code=AB11code&state=\(authorization.state)&realmId=9341453050298533\n"), expected)
        XCTAssertEqual(try authorization.callback(from: "code=AB11code&realmId=9341453050298533&state=\(authorization.state)"), expected)
        XCTAssertThrowsError(try authorization.callback(from: "http://localhost:8765/callback?code=AB11code&state=forged&realmId=1")) {
            XCTAssertEqual($0 as? QuickBooksAuthorizationError, .stateMismatch)
        }
        XCTAssertThrowsError(try authorization.callback(from: "http://localhost:8765/callback?code=AB11code&realmId=1")) {
            XCTAssertEqual($0 as? QuickBooksAuthorizationError, .stateMismatch, "a redirect without state is not ours either")
        }
        XCTAssertThrowsError(try authorization.callback(from: "http://localhost:8765/callback?error=access_denied&state=\(authorization.state)")) {
            XCTAssertEqual($0 as? QuickBooksAuthorizationError, .denied(error: "access_denied", description: nil))
        }
        XCTAssertThrowsError(try authorization.callback(from: "hello")) {
            XCTAssertEqual($0 as? QuickBooksAuthorizationError, .notARedirect)
        }
        XCTAssertThrowsError(try authorization.callback(from: "?code=x&state=\(authorization.state)")) {
            XCTAssertEqual($0 as? QuickBooksAuthorizationError, .missing("realmId"))
        }
    }

    func testOnlyAPlainHTTPRedirectOnThisMachineWithAPortIsCaughtByTheListener() throws {
        XCTAssertEqual(try authorization(redirect: "http://localhost:8765/callback").loopback?.port, 8765)
        XCTAssertEqual(try authorization(redirect: "http://127.0.0.1:8765").loopback?.path, "/")
        XCTAssertNil(try authorization(redirect: "http://localhost/callback").loopback)
        XCTAssertNil(try authorization(redirect: "https://localhost:8765/callback").loopback)
        XCTAssertNil(try authorization(redirect: "http://sync.example.co.uk:8765/callback").loopback)
    }

    func testTheListenerAnswersTheBrowserAndHandsOverItsRedirect() throws {
        var listener: LoopbackRedirectListener?
        var port = 0
        for _ in 0..<20 where listener == nil {
            port = Int.random(in: 20_000...60_000)
            listener = try? LoopbackRedirectListener(port: port)
        }
        let authorization = try authorization(redirect: "http://localhost:\(port)/callback")
        let catcher = RedirectCatcher(authorization: authorization, log: Log(minimumLevel: .error))
        let result = expectation(description: "callback")
        let caught = UnsafeBox<QuickBooksAuthorization.Callback?>(nil)
        let running = try XCTUnwrap(listener)
        Thread.detachNewThread {
            caught.value = try? catcher.wait(listener: running, readLine: { nil }, timeoutSeconds: 20)
            result.fulfill()
        }
        XCTAssertEqual(try get("http://127.0.0.1:\(port)/favicon.ico").status, 404, "another path is not the redirect")
        let answer = try get("http://127.0.0.1:\(port)/callback?code=AB11c&state=\(authorization.state)&realmId=42")
        XCTAssertEqual(answer.status, 200)
        XCTAssertTrue(answer.body.contains("You can close this tab"), answer.body)
        wait(for: [result], timeout: 20)
        XCTAssertEqual(caught.value, QuickBooksAuthorization.Callback(code: "AB11c", realmId: "42"))
    }

    private func get(_ url: String) throws -> (status: Int, body: String) {
        let box = UnsafeBox<(Int, String)?>(nil)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: try XCTUnwrap(URL(string: url))) { data, response, _ in
            box.value = ((response as? HTTPURLResponse)?.statusCode ?? -1, String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        done.wait()
        let value = try XCTUnwrap(box.value)
        return (value.0, value.1)
    }

    // MARK: - The token endpoint's answer

    func testAGrantKeepsTheNewestRefreshTokenAndItsThreeLifetimes() throws {
        let sent = Date(timeIntervalSince1970: 1_800_000_000)
        let body = #"{"token_type":"bearer","access_token":"eyJ.a","expires_in":3600,"refresh_token":"RT1-new","x_refresh_token_expires_in":8726400,"x_refresh_token_hard_expires_in":157680000}"#
        let grant = try QuickBooksTokenGrant.parse(Array(body.utf8), receivedAt: sent, previousRefreshToken: "RT1-old")
        XCTAssertEqual(grant.refreshToken, "RT1-new")
        XCTAssertEqual(grant.accessTokenExpiresAt, sent.addingTimeInterval(3600))
        XCTAssertEqual(grant.refreshTokenExpiresAt, sent.addingTimeInterval(8_726_400))
        XCTAssertEqual(grant.refreshTokenHardExpiresAt, sent.addingTimeInterval(157_680_000))
        XCTAssertFalse(grant.description.contains("RT1") || grant.description.contains("eyJ"), "no token in its description")
        let unrotated = try QuickBooksTokenGrant.parse(Array(#"{"access_token":"eyJ.b","expires_in":3600}"#.utf8), receivedAt: sent, previousRefreshToken: "RT1-old")
        XCTAssertEqual(unrotated.refreshToken, "RT1-old", "without a refresh_token the one sent stays")
        XCTAssertNil(unrotated.refreshTokenHardExpiresAt)
        XCTAssertThrowsError(try QuickBooksTokenGrant.parse(Array(#"{"refresh_token":"RT1"}"#.utf8), receivedAt: sent, previousRefreshToken: nil))
    }

    func testTheTokenRequestIsAFormWithEverythingButUnreservedCharactersEncoded() {
        XCTAssertEqual(QuickBooksOAuthClient.formEncoded([("grant_type", "refresh_token"), ("refresh_token", "RT1+a/b=c&d e")]),
                       "grant_type=refresh_token&refresh_token=RT1%2Ba%2Fb%3Dc%26d%20e")
    }

    func testTheTokenLockIsNamedPerDatabaseWithinMariaDBsSixtyFourCharacters() {
        XCTAssertEqual(QuickBooksConnectionTable.lockName(database: "synclet"), "synclet.qbo_tokens.synclet")
        let long = String(repeating: "a", count: 64)
        let other = String(repeating: "a", count: 63) + "b"
        XCTAssertLessThanOrEqual(QuickBooksConnectionTable.lockName(database: long).count, 64)
        XCTAssertNotEqual(QuickBooksConnectionTable.lockName(database: long), QuickBooksConnectionTable.lockName(database: other))
    }

    // MARK: - Status

    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func facts(refreshDays: Double, hardDays: Double?) -> QuickBooksConnectionFacts {
        QuickBooksConnectionFacts(
            realmId: "9341453050298533", environment: "sandbox",
            connectedAt: UTCTime(now.addingTimeInterval(-200 * 86_400)), lastRefreshedAt: UTCTime(now.addingTimeInterval(-86_400)),
            accessTokenExpiresAt: UTCTime(now.addingTimeInterval(1800)),
            refreshTokenExpiresAt: UTCTime(now.addingTimeInterval(refreshDays * 86_400)),
            refreshTokenHardExpiresAt: hardDays.map { UTCTime(now.addingTimeInterval($0 * 86_400)) }, refreshCount: 12)
    }

    func testStatusWarnsThirtyDaysAheadOfTheRefreshTokensExpiryAndTheFiveYearLimit() throws {
        let healthy = QuickBooksConnectionReport(facts: facts(refreshDays: 99, hardDays: 1500), configured: .sandbox, now: now)
        XCTAssertEqual(healthy.warnings, [])
        XCTAssertEqual(healthy.refreshTokenDaysLeft, 99)
        XCTAssertFalse(healthy.text().contains("WARNING"))

        let unused = QuickBooksConnectionReport(facts: facts(refreshDays: 12.5, hardDays: 1500), configured: .sandbox, now: now)
        XCTAssertEqual(unused.warnings.count, 1)
        XCTAssertTrue(unused.warnings[0].contains("refresh token expires in 12 days"), unused.warnings[0])
        XCTAssertTrue(unused.text().contains("WARNING: the QuickBooks refresh token expires in 12 days"), unused.text())

        let ageing = QuickBooksConnectionReport(facts: facts(refreshDays: 99, hardDays: 20), configured: .sandbox, now: now)
        XCTAssertEqual(ageing.warnings.count, 1)
        XCTAssertTrue(ageing.warnings[0].contains("5-year limit in 20 days"), ageing.warnings[0])

        let expired = QuickBooksConnectionReport(facts: facts(refreshDays: -1, hardDays: nil), configured: nil, now: now)
        XCTAssertTrue(expired.warnings[0].contains("expired"), expired.warnings[0])
        XCTAssertEqual(expired.hardLimitAt, nil)

        let elsewhere = QuickBooksConnectionReport(facts: facts(refreshDays: 99, hardDays: 1500), configured: .production, now: now)
        XCTAssertTrue(elsewhere.warnings[0].contains("QBO_ENVIRONMENT is production"), elsewhere.warnings[0])
    }

    func testStatusJSONHasEveryKeyEvenWhenNotConnected() throws {
        let json = try JSONParser.parse(Array(try QuickBooksConnectionReport(facts: nil, configured: nil, now: now).json().utf8))
        let connection = try XCTUnwrap(json["connection"]?.objectValue)
        XCTAssertEqual(Set(connection.keys), [
            "connected", "realm_id", "environment", "connected_at", "last_refreshed_at", "refresh_count", "access_token_expires_at",
            "refresh_token_expires_at", "refresh_token_days_left", "hard_limit_at", "hard_limit_days_left", "warnings",
        ])
        XCTAssertEqual(connection["connected"], .bool(false))
        XCTAssertEqual(connection["realm_id"], .null)
    }
}

/// A value written by one thread and read by another after a semaphore or expectation.
final class UnsafeBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
