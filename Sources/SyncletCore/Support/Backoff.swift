import Foundation

/// How long to wait before the next attempt of anything Synclet retries: exponential steps from
/// `initialSeconds`, capped at `maximumSeconds`, each with jitter between half and the whole step
/// so that clients that failed together do not come back together.
///
/// One type for every retry (HTTP requests, page anomalies, database transactions), so a change
/// of policy is made once.
///
/// ```swift
/// let backoff = Backoff(initialSeconds: 1, maximumSeconds: 30)
/// try await Task.sleep(nanoseconds: backoff.nanoseconds(afterAttempt: 2))   // 1-2 s
/// ```
public struct Backoff: Sendable, Equatable {
    public var initialSeconds: Double
    public var maximumSeconds: Double

    public init(initialSeconds: Double, maximumSeconds: Double) {
        self.initialSeconds = initialSeconds
        self.maximumSeconds = maximumSeconds
    }

    /// Transactions that lost their connection or hit a deadlock: short first steps, because the
    /// usual cause (a competing transaction) clears in milliseconds.
    public static let database = Backoff(initialSeconds: 0.5, maximumSeconds: 30)

    /// The undithered step after the `attempt`-th failure (1-based).
    public func step(afterAttempt attempt: Int) -> Double {
        let exponent = Double(max(attempt - 1, 0))
        return min(maximumSeconds, initialSeconds * pow(2, min(exponent, 62)))
    }

    /// The wait after the `attempt`-th failure: the step with full jitter in its upper half.
    public func delay(afterAttempt attempt: Int) -> Double {
        let step = step(afterAttempt: attempt)
        return step > 0 ? step * Double.random(in: 0.5...1.0) : 0
    }

    /// A wait the server asked for (`Retry-After`), bounded so a hostile value cannot park a run.
    public func honouring(retryAfter seconds: Double) -> Double {
        min(max(seconds, 0), maximumSeconds * 4)
    }

    public static func nanoseconds(_ seconds: Double) -> UInt64 {
        UInt64(max(seconds, 0) * 1_000_000_000)
    }
}
