import Foundation
import QuickBooksSimulator
import XCTest

/// The authorization code flow, refresh rotation and its grace, and the refusals an app must handle.
final class OAuthTests: SimulatorTestCase {
    func testConsentRedirectsWithCodeStateAndRealmThenTheCodeBuysTokensThatOpenTheAPI() throws {
        try startServer()
        let redirect = try authorize(state: "abc 123")
        XCTAssertEqual(redirect.host, "localhost")
        XCTAssertEqual(redirect.path, "/callback")
        XCTAssertEqual(redirect.queryItems?.first { $0.name == "state" }?.value, "abc 123")
        XCTAssertEqual(redirect.queryItems?.first { $0.name == "realmId" }?.value, realm)
        let code = try XCTUnwrap(redirect.queryItems?.first { $0.name == "code" }?.value)

        let response = try tokenRequest("grant_type=authorization_code&code=\(code)&redirect_uri=\(redirectURI)",
                                        headers: [("x-include-refresh-token-hard-expires-in", "true")])
        XCTAssertEqual(response.status, 200, response.text)
        let tokens = try JSON.parse(response.body)
        XCTAssertEqual(tokens["token_type"]?.string, "bearer")
        XCTAssertEqual(tokens["expires_in"], .number("3600"))
        XCTAssertEqual(tokens["x_refresh_token_expires_in"], .number("8726400"))
        XCTAssertEqual(tokens["x_refresh_token_hard_expires_in"], .number("157680000"))
        accessToken = try XCTUnwrap(tokens["access_token"]?.string)
        XCTAssertEqual(try api("GET", "companyinfo/\(realm)").status, 200)

        let again = try tokenRequest("grant_type=authorization_code&code=\(code)&redirect_uri=\(redirectURI)")
        XCTAssertEqual(again.status, 400, "a code works once")
        XCTAssertEqual(try JSON.parse(again.body)["error"]?.string, "invalid_grant")
    }

    func testTheHardExpiryIsOnlySentWhenAskedFor() throws {
        try startServer()
        let tokens = try connect()
        XCTAssertNil(tokens["x_refresh_token_hard_expires_in"])
    }

    func testEveryRefreshRotatesTheRefreshTokenAndTheOldOneWorksOnlyWithinTheGrace() throws {
        try startServer { $0.tokens.supersededRefreshTokenGraceSeconds = 120 }
        try connect()
        let first = refreshToken
        let refreshed = try tokenRequest("grant_type=refresh_token&refresh_token=\(first)")
        XCTAssertEqual(refreshed.status, 200, refreshed.text)
        let second = try XCTUnwrap(JSON.parse(refreshed.body)["refresh_token"]?.string)
        XCTAssertNotEqual(second, first, "a new refresh token on every refresh")

        XCTAssertEqual(try tokenRequest("grant_type=refresh_token&refresh_token=\(first)").status, 200, "within the grace")
        _ = try control("POST", "clock?offset_seconds=121")
        let stale = try tokenRequest("grant_type=refresh_token&refresh_token=\(first)")
        XCTAssertEqual(stale.status, 400)
        XCTAssertEqual(try JSON.parse(stale.body)["error"]?.string, "invalid_grant")
    }

    func testWithoutGraceTheSupersededRefreshTokenIsRefusedAtOnceAndTheNewestWorks() throws {
        try startServer { $0.tokens.supersededRefreshTokenGraceSeconds = 0 }
        try connect()
        let first = refreshToken
        let newest = try XCTUnwrap(JSON.parse(tokenRequest("grant_type=refresh_token&refresh_token=\(first)").body)["refresh_token"]?.string)
        XCTAssertEqual(try tokenRequest("grant_type=refresh_token&refresh_token=\(first)").status, 400)
        let refreshed = try tokenRequest("grant_type=refresh_token&refresh_token=\(newest)")
        XCTAssertEqual(refreshed.status, 200)
        accessToken = try XCTUnwrap(JSON.parse(refreshed.body)["access_token"]?.string)
        XCTAssertEqual(try api("GET", "companyinfo/\(realm)").status, 200)
    }

    func testWithoutRotationTheSameRefreshTokenComesBack() throws {
        try startServer { $0.tokens.rotateRefreshTokens = false }
        try connect()
        let refreshed = try tokenRequest("grant_type=refresh_token&refresh_token=\(refreshToken)")
        XCTAssertEqual(try JSON.parse(refreshed.body)["refresh_token"]?.string, refreshToken)
    }

    func testWrongClientCredentialsAre401InvalidClient() throws {
        try startServer()
        try connect()
        let wrong = "Basic " + Data("\(configuration.clientId):not-the-secret".utf8).base64EncodedString()
        for authorization in [wrong, "Bearer nothing"] {
            let response = try tokenRequest("grant_type=refresh_token&refresh_token=\(refreshToken)", authorization: authorization)
            XCTAssertEqual(response.status, 401)
            XCTAssertEqual(try JSON.parse(response.body)["error"]?.string, "invalid_client")
        }
    }

    func testUnknownRevokedAndExpiredRefreshTokensAreInvalidGrant() throws {
        try startServer { $0.tokens.refreshTokenLifetimeSeconds = 100 }
        try connect()
        XCTAssertEqual(try tokenRequest("grant_type=refresh_token&refresh_token=RT1-nonsense").status, 400)

        _ = try control("POST", "clock?offset_seconds=101")
        let expired = try tokenRequest("grant_type=refresh_token&refresh_token=\(refreshToken)")
        XCTAssertEqual(expired.status, 400)
        XCTAssertEqual(try JSON.parse(expired.body)["error"]?.string, "invalid_grant")
        _ = try control("POST", "clock?offset_seconds=0")

        try connect()
        let revoke = try http.send("POST", "/v2/oauth2/tokens/revoke", headers: [
            ("Authorization", basicAuthorization), ("Content-Type", "application/json"),
        ], body: #"{"token": "\#(refreshToken)"}"#)
        XCTAssertEqual(revoke.status, 200)
        XCTAssertEqual(try tokenRequest("grant_type=refresh_token&refresh_token=\(refreshToken)").status, 400)
        let api = try api("GET", "companyinfo/\(realm)")
        XCTAssertEqual(api.status, 401, "revoking ends the access token too")
    }

    func testAnExpiredAccessTokenGets401InTheLowerCaseFaultEnvelope() throws {
        try startServer { $0.tokens.accessTokenLifetimeSeconds = 60 }
        try connect()
        XCTAssertEqual(try api("GET", "companyinfo/\(realm)").status, 200)
        _ = try control("POST", "clock?offset_seconds=61")
        let response = try api("GET", "companyinfo/\(realm)")
        XCTAssertEqual(response.status, 401)
        let error = try XCTUnwrap(JSON.parse(response.body).value(at: "fault.error")?.array?.first)
        XCTAssertEqual(error["code"]?.string, "3200")
        XCTAssertEqual(error["message"]?.string, "message=AuthenticationFailed; errorCode=003200; statusCode=401")
        XCTAssertTrue(error["detail"]?.string?.hasPrefix("Token expired") == true)
    }

    func testTheControlAPIExpiresEveryAccessTokenAndARefreshRecovers() throws {
        try startServer()
        try connect()
        let expired = try control("POST", "tokens/expire-access")
        XCTAssertEqual(expired["expired_access_tokens"], .number("1"))
        XCTAssertEqual(try api("GET", "companyinfo/\(realm)").status, 401)
        let refreshed = try tokenRequest("grant_type=refresh_token&refresh_token=\(refreshToken)")
        accessToken = try XCTUnwrap(JSON.parse(refreshed.body)["access_token"]?.string)
        XCTAssertEqual(try api("GET", "companyinfo/\(realm)").status, 200)
    }

    func testARedirectURIOtherThanTheRegisteredOneIsRefused() throws {
        try startServer { $0.redirectURI = "https://example.com/registered" }
        let response = try http.send("GET", "/connect/oauth2?client_id=\(configuration.clientId)&response_type=code"
                                     + "&scope=com.intuit.quickbooks.accounting&redirect_uri=\(redirectURI)&state=s")
        XCTAssertEqual(response.status, 400)
    }

    func testAGrantFromTheControlAPIImportsLikeAPlaygroundToken() throws {
        try startServer()
        let grant = try control("POST", "tokens/grant")
        XCTAssertEqual(grant["realmId"]?.string, realm)
        let token = try XCTUnwrap(grant["refresh_token"]?.string)
        XCTAssertEqual(try tokenRequest("grant_type=refresh_token&refresh_token=\(token)").status, 200)
    }

    func testARefreshWhoseAnswerIsLostCanBeRetriedWithTheOldTokenWithinTheGrace() throws {
        try startServer { $0.tokens.supersededRefreshTokenGraceSeconds = 60 }
        try connect()
        let dropped = try http.send("POST", "/__control/faults", body: #"{"kind": "apply-then-drop", "path": "/oauth2/v1/tokens/bearer"}"#)
        XCTAssertEqual(dropped.status, 200)
        XCTAssertFalse(try tokenRequest("grant_type=refresh_token&refresh_token=\(refreshToken)").answered)
        let retried = try tokenRequest("grant_type=refresh_token&refresh_token=\(refreshToken)")
        XCTAssertEqual(retried.status, 200, "the rotated token was never seen, the old one still works")
        XCTAssertNotEqual(try JSON.parse(retried.body)["refresh_token"]?.string, refreshToken)
        XCTAssertEqual(try control("GET", "stats").value(at: "requests.refresh"), .number("2"))
    }
}
