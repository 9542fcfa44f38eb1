import Foundation

/// Authorization codes, grants and their tokens: who is connected, with which tokens, until when.
///
/// A grant is one authorization of the app by the company. It has exactly one current refresh
/// token; a refresh may replace it (rotation), and the replaced one keeps working for the grace
/// period only. Revoking any token of a grant ends the whole grant.
struct GrantRegistry {
    struct AuthorizationCode {
        var redirectURI: String
        var expiresAt: Date
        var used = false
    }

    struct Grant {
        var realmId: String
        var hardExpiry: Date
        var currentRefreshToken: String
        var refreshExpiry: Date
        /// Superseded refresh tokens and the end of their grace.
        var superseded: [String: Date] = [:]
        var revoked = false
    }

    struct AccessToken {
        var grant: Int
        var expiresAt: Date
    }

    /// What the token endpoint answers with.
    struct Issued {
        var accessToken: String
        var accessTokenExpiresIn: Int
        var refreshToken: String
        var refreshTokenExpiresIn: Int
        var refreshTokenHardExpiresIn: Int
        var realmId: String
    }

    enum Refusal: Error, Equatable {
        /// HTTP 400 `invalid_grant`, with why (for the log and the `error_description`).
        case invalidGrant(String)
    }

    enum AccessCheck: Equatable {
        case valid(realmId: String)
        case unknown
        case expired
        case revoked
    }

    var policy: TokenPolicy
    let realmId: String
    private var codes: [String: AuthorizationCode] = [:]
    private var grants: [Int: Grant] = [:]
    private var grantOfRefreshToken: [String: Int] = [:]
    private var accessTokens: [String: AccessToken] = [:]
    private var nextGrant = 1
    private var generator = SystemRandomNumberGenerator()

    init(policy: TokenPolicy, realmId: String) {
        self.policy = policy
        self.realmId = realmId
    }

    mutating func issueCode(redirectURI: String, now: Date) -> String {
        let code = "AB11" + randomText(count: 40, alphabet: Self.alphanumerics)
        codes[code] = AuthorizationCode(redirectURI: redirectURI,
                                        expiresAt: now.addingTimeInterval(TimeInterval(policy.authorizationCodeLifetimeSeconds)))
        return code
    }

    /// `grant_type=authorization_code`: a code works once, before it expires, with the redirect URI it was issued for.
    mutating func exchange(code: String, redirectURI: String?, now: Date) throws(Refusal) -> Issued {
        guard var entry = codes[code] else { throw .invalidGrant("unknown authorization code") }
        guard !entry.used else { throw .invalidGrant("authorization code already used") }
        guard entry.expiresAt > now else { throw .invalidGrant("authorization code expired") }
        guard redirectURI == entry.redirectURI else { throw .invalidGrant("redirect_uri does not match the authorization request") }
        entry.used = true
        codes[code] = entry
        return newGrant(now: now)
    }

    /// A grant as if the company had just authorized the app (the control API's way to hand a
    /// refresh token to an import test).
    mutating func newGrant(now: Date) -> Issued {
        let id = nextGrant
        nextGrant += 1
        let refreshToken = newRefreshToken()
        let hardExpiry = now.addingTimeInterval(TimeInterval(policy.refreshTokenHardLifetimeSeconds))
        grants[id] = Grant(realmId: realmId, hardExpiry: hardExpiry, currentRefreshToken: refreshToken,
                           refreshExpiry: min(hardExpiry, now.addingTimeInterval(TimeInterval(policy.refreshTokenLifetimeSeconds))))
        grantOfRefreshToken[refreshToken] = id
        return issueAccess(grant: id, now: now)
    }

    /// `grant_type=refresh_token`: the current refresh token, or a superseded one within its grace.
    mutating func refresh(_ refreshToken: String, now: Date) throws(Refusal) -> Issued {
        guard let id = grantOfRefreshToken[refreshToken], var grant = grants[id] else {
            throw .invalidGrant("unknown refresh token")
        }
        guard !grant.revoked else { throw .invalidGrant("refresh token revoked") }
        if refreshToken != grant.currentRefreshToken {
            guard let graceEnd = grant.superseded[refreshToken], graceEnd > now else {
                throw .invalidGrant("refresh token superseded by a newer one")
            }
        }
        guard grant.refreshExpiry > now, grant.hardExpiry > now else { throw .invalidGrant("refresh token expired") }
        if policy.rotateRefreshTokens {
            let replacement = newRefreshToken()
            grant.superseded[grant.currentRefreshToken] = now.addingTimeInterval(TimeInterval(policy.supersededRefreshTokenGraceSeconds))
            grant.currentRefreshToken = replacement
            grantOfRefreshToken[replacement] = id
        }
        grant.refreshExpiry = min(grant.hardExpiry, now.addingTimeInterval(TimeInterval(policy.refreshTokenLifetimeSeconds)))
        grants[id] = grant
        return issueAccess(grant: id, now: now)
    }

    /// Revokes the grant an access or refresh token belongs to; true when the token was known.
    mutating func revoke(_ token: String) -> Bool {
        let id = grantOfRefreshToken[token] ?? accessTokens[token]?.grant
        guard let id, var grant = grants[id] else { return false }
        grant.revoked = true
        grants[id] = grant
        return true
    }

    func check(accessToken: String, now: Date) -> AccessCheck {
        guard let entry = accessTokens[accessToken], let grant = grants[entry.grant] else { return .unknown }
        if grant.revoked { return .revoked }
        if entry.expiresAt <= now { return .expired }
        return .valid(realmId: grant.realmId)
    }

    /// Every access token issued so far now fails with 401, as after an hour of idling.
    mutating func expireAllAccessTokens(now: Date) -> Int {
        var count = 0
        for (token, entry) in accessTokens where entry.expiresAt > now {
            accessTokens[token]?.expiresAt = now
            count += 1
        }
        return count
    }

    var summary: JSON {
        let live = grants.values.filter { !$0.revoked }
        return .object([
            .init("grants", .integer(grants.count)),
            .init("active_grants", .integer(live.count)),
            .init("access_tokens", .integer(accessTokens.count)),
            .init("policy", policy.json),
        ])
    }

    private mutating func issueAccess(grant id: Int, now: Date) -> Issued {
        let token = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + randomText(count: 64, alphabet: Self.alphanumerics)
        accessTokens[token] = AccessToken(grant: id, expiresAt: now.addingTimeInterval(TimeInterval(policy.accessTokenLifetimeSeconds)))
        let grant = grants[id] ?? Grant(realmId: realmId, hardExpiry: now, currentRefreshToken: "", refreshExpiry: now)
        return Issued(accessToken: token, accessTokenExpiresIn: policy.accessTokenLifetimeSeconds,
                      refreshToken: grant.currentRefreshToken,
                      refreshTokenExpiresIn: max(0, Int(grant.refreshExpiry.timeIntervalSince(now).rounded())),
                      refreshTokenHardExpiresIn: max(0, Int(grant.hardExpiry.timeIntervalSince(now).rounded())),
                      realmId: grant.realmId)
    }

    private mutating func newRefreshToken() -> String {
        "RT1-" + randomText(count: 3, alphabet: Self.digits) + "-H0-" + randomText(count: 10, alphabet: Self.digits)
            + randomText(count: 20, alphabet: Self.lowercase)
    }

    private static let digits = Array("0123456789")
    private static let lowercase = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    private mutating func randomText(count: Int, alphabet: [Character]) -> String {
        String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

extension TokenPolicy {
    var json: JSON {
        .object([
            .init("access_token_lifetime_seconds", .integer(accessTokenLifetimeSeconds)),
            .init("refresh_token_lifetime_seconds", .integer(refreshTokenLifetimeSeconds)),
            .init("refresh_token_hard_lifetime_seconds", .integer(refreshTokenHardLifetimeSeconds)),
            .init("authorization_code_lifetime_seconds", .integer(authorizationCodeLifetimeSeconds)),
            .init("rotate_refresh_tokens", .bool(rotateRefreshTokens)),
            .init("superseded_refresh_token_grace_seconds", .integer(supersededRefreshTokenGraceSeconds)),
        ])
    }
}
