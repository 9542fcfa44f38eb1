import Foundation

/// The connection part of `synclet qbo status`: which company, which environment, and when each
/// token stops working, with a warning well ahead (`warningDays`, 30) of the refresh token's
/// 100-day expiry and of the 5-year limit. Holds no token.
///
/// ```swift
/// let report = try QuickBooksConnection.report(connection: connection, configured: .production)
/// print(report.text())
/// report.warnings   // ["the QuickBooks refresh token expires in 12 days ..."]
/// ```
///
/// Encoded (`--json`, snake case) as `{"connected", "realm_id", "environment", "connected_at",
/// "last_refreshed_at", "refresh_count", "access_token_expires_at", "refresh_token_expires_at",
/// "refresh_token_days_left", "hard_limit_at", "hard_limit_days_left", "warnings"}`; every key is
/// always present (null when unknown), times RFC 3339 UTC.
public struct QuickBooksConnectionReport: Sendable, Equatable, Encodable {
    public static let warningDays = 30

    public var connected: Bool
    public var realmId: String?
    public var environment: String?
    public var connectedAt: String?
    public var lastRefreshedAt: String?
    public var refreshCount: Int64?
    public var accessTokenExpiresAt: String?
    public var refreshTokenExpiresAt: String?
    public var refreshTokenDaysLeft: Int?
    public var hardLimitAt: String?
    public var hardLimitDaysLeft: Int?
    public var warnings: [String]

    public init(facts: QuickBooksConnectionFacts?, configured: QuickBooksEnvironment?, now: Date) {
        warnings = []
        guard let facts else {
            connected = false
            warnings.append("QuickBooks is not connected: run `synclet qbo connect`")
            return
        }
        connected = true
        realmId = facts.realmId
        environment = facts.environment
        connectedAt = facts.connectedAt?.iso8601
        lastRefreshedAt = facts.lastRefreshedAt?.iso8601
        refreshCount = facts.refreshCount
        accessTokenExpiresAt = facts.accessTokenExpiresAt?.iso8601
        refreshTokenExpiresAt = facts.refreshTokenExpiresAt?.iso8601
        hardLimitAt = facts.refreshTokenHardExpiresAt?.iso8601
        func daysLeft(_ time: UTCTime?) -> Int? {
            time.map { Int((Double($0.secondsSince1970) - now.timeIntervalSince1970) / 86_400) }
        }
        refreshTokenDaysLeft = daysLeft(facts.refreshTokenExpiresAt)
        hardLimitDaysLeft = daysLeft(facts.refreshTokenHardExpiresAt)
        let nowTime = UTCTime(now)

        if let configured, configured.rawValue != facts.environment {
            warnings.append("QBO_ENVIRONMENT is \(configured.rawValue) but the stored connection is \(facts.environment): set QBO_ENVIRONMENT=\(facts.environment), or run `synclet qbo connect` for the \(configured.rawValue) company")
        }
        // The hard limit comes first when it is the earlier: refreshing cannot move it.
        if let hard = facts.refreshTokenHardExpiresAt, let days = hardLimitDaysLeft {
            if hard <= nowTime {
                warnings.append("the QuickBooks authorization reached its 5-year limit at \(hard.iso8601): run `synclet qbo connect` to authorize again")
            } else if days < Self.warningDays {
                warnings.append("the QuickBooks authorization reaches its 5-year limit in \(Self.days(days)) (\(hard.iso8601)), which refreshing cannot extend: run `synclet qbo connect` before then")
            }
        }
        if let expiry = facts.refreshTokenExpiresAt, let days = refreshTokenDaysLeft,
           facts.refreshTokenHardExpiresAt.map({ $0 > expiry }) ?? true {
            let last = facts.lastRefreshedAt.map { " (last refreshed \($0.iso8601))" } ?? ""
            if expiry <= nowTime {
                warnings.append("the QuickBooks refresh token expired at \(expiry.iso8601)\(last): run `synclet qbo connect` to authorize again")
            } else if days < Self.warningDays {
                warnings.append("the QuickBooks refresh token expires in \(Self.days(days)) (\(expiry.iso8601))\(last) unless Synclet refreshes it: a push or `synclet qbo status --verify` renews it for 100 days")
            }
        }
    }

    static func days(_ count: Int) -> String {
        count < 1 ? "less than a day" : (count == 1 ? "1 day" : "\(count) days")
    }

    /// The readable form for a terminal: one fact a line, each warning on a `WARNING:` line.
    public func text() -> String {
        var lines: [String] = []
        if connected {
            lines.append("QuickBooks: connected to company \(realmId ?? "?") (\(environment ?? "?"))")
            lines.append("  connected at:           \(connectedAt ?? "?")")
            lines.append("  tokens last issued:     \(lastRefreshedAt ?? "?")" + (refreshCount.map { $0 > 0 ? " (\($0) refresh(es) since connecting)" : " (when connecting)" } ?? ""))
            lines.append("  access token expires:   \(accessTokenExpiresAt ?? "?") (refreshed when needed)")
            lines.append("  refresh token expires:  \(refreshTokenExpiresAt ?? "?")" + (refreshTokenDaysLeft.map { " (in \(Self.days($0)), 100 days after the last refresh)" } ?? ""))
            lines.append("  5-year limit:           \(hardLimitAt ?? "not told by QuickBooks")" + (hardLimitDaysLeft.map { " (in \(Self.days($0)))" } ?? ""))
        } else {
            lines.append("QuickBooks: not connected")
        }
        lines += warnings.map { "WARNING: \($0)" }
        return lines.joined(separator: "\n")
    }

    private enum CodingKeys: String, CodingKey {
        case connected, realmId, environment, connectedAt, lastRefreshedAt, refreshCount, accessTokenExpiresAt,
             refreshTokenExpiresAt, refreshTokenDaysLeft, hardLimitAt, hardLimitDaysLeft, warnings
    }

    /// Every key, null when unknown: monitoring reads fixed keys.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(connected, forKey: .connected)
        try container.encode(realmId, forKey: .realmId)
        try container.encode(environment, forKey: .environment)
        try container.encode(connectedAt, forKey: .connectedAt)
        try container.encode(lastRefreshedAt, forKey: .lastRefreshedAt)
        try container.encode(refreshCount, forKey: .refreshCount)
        try container.encode(accessTokenExpiresAt, forKey: .accessTokenExpiresAt)
        try container.encode(refreshTokenExpiresAt, forKey: .refreshTokenExpiresAt)
        try container.encode(refreshTokenDaysLeft, forKey: .refreshTokenDaysLeft)
        try container.encode(hardLimitAt, forKey: .hardLimitAt)
        try container.encode(hardLimitDaysLeft, forKey: .hardLimitDaysLeft)
        try container.encode(warnings, forKey: .warnings)
    }

    /// `{"connection": {...}}` as `synclet qbo status --json` prints it, keys in snake case.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(["connection": self]), as: UTF8.self)
    }
}
