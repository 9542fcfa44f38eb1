import Foundation

/// A proxy's rate limit in front of the store: at most `requests` Orders requests in any
/// `seconds`; every request beyond answers HTTP 429 at once with `Retry-After`, the seconds until
/// the oldest request counted leaves the window (rounded up). Rejected requests do not count.
public struct RateLimit: Sendable, Equatable {
    public var requests: Int
    public var seconds: Double

    public init(requests: Int, seconds: Double = 60) {
        self.requests = requests
        self.seconds = seconds
    }
}

/// The requests a rate limit has let through in its window, oldest first.
struct RateLimitWindow {
    private var admitted: [Double] = []
    /// Requests answered 429 so far.
    private(set) var rejected = 0

    /// nil when the request may pass (and counts it), else the seconds to send as Retry-After.
    mutating func admit(_ limit: RateLimit, now: Double = Date().timeIntervalSince1970) -> Int? {
        admitted.removeAll { $0 <= now - limit.seconds }
        guard admitted.count >= limit.requests, let oldest = admitted.first else {
            admitted.append(now)
            return nil
        }
        rejected += 1
        return max(1, Int((oldest + limit.seconds - now).rounded(.up)))
    }
}
