import Foundation

/// What a call to the QuickBooks Online API needs from the connection: the company (realm) and a
/// bearer token. Never printed: `description` names the realm only.
public struct QuickBooksAccess: Sendable, Equatable, CustomStringConvertible {
    /// The company id from the OAuth redirect (`realmId`), used in every API path.
    public var realmId: String
    /// The bearer access token. A secret: never logged, staged, or put in an error message.
    public var accessToken: String
    /// When the access token stops working (UTC), as QuickBooks said (`expires_in`).
    public var expiresAt: Date

    public init(realmId: String, accessToken: String, expiresAt: Date) {
        self.realmId = realmId
        self.accessToken = accessToken
        self.expiresAt = expiresAt
    }

    public var description: String { "QuickBooks access to company \(realmId) until \(expiresAt)" }
}

/// The seam between the connection (OAuth tokens kept in `qbo_tokens`) and the API client.
///
/// The API client asks for a token before each call; when QuickBooks answers 401 it asks once
/// for a fresh one (`accessTokenAfterRejection`) and retries the call once. An implementation
/// refreshes under a lock so that two processes never race for the rotating refresh token.
///
/// ```swift
/// var access = try await provider.accessToken()
/// // ... QuickBooks answered 401 with `access.accessToken`:
/// access = try await provider.accessTokenAfterRejection(access)
/// ```
public protocol QuickBooksAccessProvider: Sendable {
    /// A token that is valid now (refreshed first when it has expired or is about to).
    /// Throws `QuickBooksConnectionError.reconnectNeeded` when the refresh token was refused.
    func accessToken() async throws -> QuickBooksAccess
    /// A token other than `rejected`, refreshing unless another process already has.
    func accessTokenAfterRejection(_ rejected: QuickBooksAccess) async throws -> QuickBooksAccess
}

/// Why there is no usable connection to QuickBooks. `reconnectNeeded` is exit code 5.
public enum QuickBooksConnectionError: Error, Equatable, CustomStringConvertible {
    /// `synclet qbo connect` has never run (or `disconnect` did).
    case notConnected
    /// QuickBooks refused the refresh token (`invalid_grant`): expired, revoked or superseded.
    case reconnectNeeded(reason: String)

    public var description: String {
        switch self {
        case .notConnected:
            return "QuickBooks is not connected: run `synclet qbo connect`"
        case .reconnectNeeded(let reason):
            return "QuickBooks refused the stored refresh token (\(reason)): run `synclet qbo connect` again"
        }
    }
}
