import Foundation

/// Keeps Synclet within QuickBooks' limits per company, on our side, so that a push is paced
/// rather than throttled: requests a minute, requests in flight, and batch requests a minute
/// (reference, section 9). Every request waits for a slot before it is sent and gives it back
/// when its answer is complete.
///
/// ```swift
/// let pacer = RequestPacer(limits: .init())
/// try await pacer.acquire(isBatch: true)
/// defer { Task { await pacer.release() } }
/// ```
public actor RequestPacer {
    public struct Limits: Equatable, Sendable {
        public var requestsPerMinute = 500
        public var inFlight = 10
        public var batchesPerMinute = 40
        /// The window the per-minute limits count in; shorter only in tests.
        public var windowSeconds: Double = 60

        public init() {}
    }

    public let limits: Limits
    private var requestTimes: [Double] = []
    private var batchTimes: [Double] = []
    private var running = 0

    public init(limits: Limits) {
        self.limits = limits
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Waits until a request (a batch request when `isBatch`) may be sent, and counts it.
    public func acquire(isBatch: Bool) async throws {
        while true {
            let now = Self.now()
            requestTimes.removeAll { now - $0 >= limits.windowSeconds }
            batchTimes.removeAll { now - $0 >= limits.windowSeconds }
            var wait = 0.0
            if requestTimes.count >= limits.requestsPerMinute, let oldest = requestTimes.first {
                wait = max(wait, oldest + limits.windowSeconds - now)
            }
            if isBatch, batchTimes.count >= limits.batchesPerMinute, let oldest = batchTimes.first {
                wait = max(wait, oldest + limits.windowSeconds - now)
            }
            if running >= limits.inFlight { wait = max(wait, 0.01) }
            if wait <= 0 {
                running += 1
                requestTimes.append(now)
                if isBatch { batchTimes.append(now) }
                return
            }
            try await Task.sleep(nanoseconds: Backoff.nanoseconds(min(wait, 1)))
        }
    }

    public func release() {
        running = max(running - 1, 0)
    }
}
