/// Everything a simulator run is made from; the `qbo-sim` command fills it from its options.
///
/// ```swift
/// var configuration = QuickBooksSimulatorConfiguration()
/// configuration.tokens.accessTokenLifetimeSeconds = 5
/// configuration.limits.requestsPerMinute = 20
/// ```
public struct QuickBooksSimulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 0
    /// The company id: the redirect's `realmId` and the `<realm>` of every API path.
    public var realmId = "9130357766900001"
    public var companyName = "Synclet Demo Ltd"
    public var clientId = "sim-client-id"
    public var clientSecret = "sim-client-secret"
    /// When set, the authorize and token endpoints accept only this redirect URI (Intuit's
    /// registered-URI check); when nil any URI is accepted.
    public var redirectURI: String?
    public var tokens = TokenPolicy()
    public var limits = Limits()
    /// Batch items are carried out in the order sent; their answers come back reversed by default,
    /// so a client that matches answers by position instead of `bId` fails its tests.
    public var reverseBatchAnswers = true
    /// Added to every API answer, in milliseconds (a network and Intuit's own latency).
    public var latencyMilliseconds = 0
    /// Faults planned from the start.
    public var faults: [Fault] = []
    /// Receives one line per request when set; never sees a token or the client secret.
    public var requestLog: (@Sendable (String) -> Void)?

    public init() {}
}

/// Lifetimes and rotation of OAuth codes and tokens (section 10 of the reference).
public struct TokenPolicy: Sendable, Equatable {
    public var accessTokenLifetimeSeconds = 3600
    /// Rolling: each refresh renews it, never past the hard limit.
    public var refreshTokenLifetimeSeconds = 8_726_400
    /// From the original authorization; refreshing does not extend it (5 years).
    public var refreshTokenHardLifetimeSeconds = 157_680_000
    public var authorizationCodeLifetimeSeconds = 600
    /// Every refresh hands out a new refresh token.
    public var rotateRefreshTokens = true
    /// How long a superseded refresh token still works after the refresh that replaced it.
    public var supersededRefreshTokenGraceSeconds = 60

    public init() {}
}

/// Intuit's throttling per realm (section 9 of the reference).
public struct Limits: Sendable, Equatable {
    public var requestsPerMinute = 500
    public var maxInFlight = 10
    public var batchRequestsPerMinute = 40
    public var maxBatchItems = 30

    public init() {}
}
