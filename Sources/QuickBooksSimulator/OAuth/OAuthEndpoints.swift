import Foundation
import SimulatorHTTP

/// Intuit's OAuth 2.0 endpoints (section 10 of the reference), on the simulator's own port:
///
/// - `GET /connect/oauth2`: the consent screen, approved at once: 302 to
///   `redirect_uri?code=...&state=...&realmId=...`.
/// - `POST /oauth2/v1/tokens/bearer`: `authorization_code` and `refresh_token` grants, Basic client auth.
/// - `POST /v2/oauth2/tokens/revoke`: `{"token": "..."}`, Basic client auth.
struct OAuthEndpoints {
    static let authorizePath = "/connect/oauth2"
    static let tokenPath = "/oauth2/v1/tokens/bearer"
    static let revokePath = "/v2/oauth2/tokens/revoke"

    let simulator: Simulator

    private var configuration: QuickBooksSimulatorConfiguration { simulator.configuration }

    func authorize(_ request: HTTPRequest) -> HTTPResponse {
        simulator.count(.authorize)
        guard request.query["client_id"] == configuration.clientId else {
            return oauthError("invalid_client", "client_id is missing or unknown", status: 400)
        }
        guard request.query["response_type"] == "code" else {
            return oauthError("unsupported_response_type", "response_type must be code", status: 400)
        }
        guard let scope = request.query["scope"], scope.split(separator: " ").contains("com.intuit.quickbooks.accounting") else {
            return oauthError("invalid_scope", "scope must include com.intuit.quickbooks.accounting", status: 400)
        }
        guard let redirectURI = request.query["redirect_uri"], !redirectURI.isEmpty else {
            return oauthError("invalid_request", "redirect_uri is required", status: 400)
        }
        if let registered = configuration.redirectURI, registered != redirectURI {
            return oauthError("invalid_request", "redirect_uri is not the one registered for the app", status: 400)
        }
        let code = simulator.tokens.withLock { $0.issueCode(redirectURI: redirectURI, now: simulator.clock.now()) }
        var parameters = ["code=" + FormDecoding.encode(code)]
        if let state = request.query["state"] { parameters.append("state=" + FormDecoding.encode(state)) }
        parameters.append("realmId=" + FormDecoding.encode(configuration.realmId))
        let separator = redirectURI.contains("?") ? "&" : "?"
        return .redirect(to: redirectURI + separator + parameters.joined(separator: "&"))
    }

    func token(_ request: HTTPRequest) -> HTTPResponse {
        simulator.count(.token)
        guard request.method == "POST" else { return oauthError("invalid_request", "use POST", status: 405) }
        guard clientIsAuthenticated(request) else { return oauthError("invalid_client", nil, status: 401) }
        let form = FormDecoding.fields(request.bodyText)
        let now = simulator.clock.now()
        let issued: GrantRegistry.Issued
        do {
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"] else { return oauthError("invalid_request", "code is required", status: 400) }
                issued = try simulator.tokens.withLock { store throws(GrantRegistry.Refusal) in
                    try store.exchange(code: code, redirectURI: form["redirect_uri"], now: now)
                }
            case "refresh_token":
                guard let refreshToken = form["refresh_token"] else {
                    return oauthError("invalid_request", "refresh_token is required", status: 400)
                }
                simulator.count(.refresh)
                issued = try simulator.tokens.withLock { store throws(GrantRegistry.Refusal) in try store.refresh(refreshToken, now: now) }
            default:
                return oauthError("unsupported_grant_type", nil, status: 400)
            }
        } catch {
            switch error {
            case .invalidGrant(let reason):
                simulator.count(.invalidGrant)
                return oauthError("invalid_grant", reason, status: 400)
            }
        }
        var members: [JSON.Member] = [
            .init("token_type", .string("bearer")),
            .init("access_token", .string(issued.accessToken)),
            .init("expires_in", .integer(issued.accessTokenExpiresIn)),
            .init("refresh_token", .string(issued.refreshToken)),
            .init("x_refresh_token_expires_in", .integer(issued.refreshTokenExpiresIn)),
        ]
        if request.headers["x-include-refresh-token-hard-expires-in"]?.lowercased() == "true" {
            members.append(.init("x_refresh_token_hard_expires_in", .integer(issued.refreshTokenHardExpiresIn)))
        }
        var response = HTTPResponse.json(.object(members))
        response.headers += [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
        return response
    }

    func revoke(_ request: HTTPRequest) -> HTTPResponse {
        simulator.count(.revoke)
        guard request.method == "POST" else { return oauthError("invalid_request", "use POST", status: 405) }
        guard clientIsAuthenticated(request) else { return oauthError("invalid_client", nil, status: 401) }
        let token = (try? JSON.parse(request.body))?["token"]?.string ?? FormDecoding.fields(request.bodyText)["token"]
        guard let token, !token.isEmpty else {
            return oauthError("invalid_request", #"the body must be {"token": "<refresh or access token>"}"#, status: 400)
        }
        // Intuit answers 200 whether or not it knew the token, so a retried revoke is harmless.
        _ = simulator.tokens.withLock { $0.revoke(token) }
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: [])
    }

    private func clientIsAuthenticated(_ request: HTTPRequest) -> Bool {
        guard let header = request.headers["authorization"], header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8)
        else { return false }
        return pair == configuration.clientId + ":" + configuration.clientSecret
    }

    private func oauthError(_ error: String, _ description: String?, status: Int) -> HTTPResponse {
        var members = [JSON.Member("error", .string(error))]
        if let description { members.append(.init("error_description", .string(description))) }
        return .json(.object(members), status: status)
    }
}
