import Foundation

/// Keeps Synclet within QuickBooks' limits per company, on our side, so that a push is paced
/// rather than throttled: requests a minute, requests in flight, and batch requests a minute
/// (reference, section 9). Every request waits for a slot before it is sent and gives it back
/// when its answer is complete.
///
/// ```swift
/// let pacer = RequestPacer(limits: .init())
/// let ticket = try await pacer.acquire(isBatch: true)
/// defer { Task { await pacer.release(ticket) } }
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
    /// When each request of the window was counted: at its sending, then again at its answer, because
    /// QuickBooks counts a request when it arrives, which lies between the two.
    private var requestTimes: [Int: Double] = [:]
    private var batchTimes: [Int: Double] = [:]
    private var running = 0
    private var nextTicket = 0

    public init(limits: Limits) {
        self.limits = limits
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Waits until a request (a batch request when `isBatch`) may be sent, and counts it. Give the
    /// ticket back to `release` when the answer is complete.
    public func acquire(isBatch: Bool) async throws -> Int {
        while true {
            let now = Self.now()
            requestTimes = requestTimes.filter { now - $0.value < limits.windowSeconds }
            batchTimes = batchTimes.filter { now - $0.value < limits.windowSeconds }
            var wait = 0.0
            if requestTimes.count >= limits.requestsPerMinute, let oldest = requestTimes.values.min() {
                wait = max(wait, oldest + limits.windowSeconds - now)
            }
            if isBatch, batchTimes.count >= limits.batchesPerMinute, let oldest = batchTimes.values.min() {
                wait = max(wait, oldest + limits.windowSeconds - now)
            }
            if running >= limits.inFlight { wait = max(wait, 0.01) }
            if wait <= 0 {
                running += 1
                nextTicket += 1
                requestTimes[nextTicket] = now
                if isBatch { batchTimes[nextTicket] = now }
                return nextTicket
            }
            try await Task.sleep(nanoseconds: Backoff.nanoseconds(min(wait, 1) + 0.001))
        }
    }

    /// The request's answer is complete (or it failed): it no longer counts as in flight, and its
    /// place in the minute is counted from now.
    public func release(_ ticket: Int) {
        running = max(running - 1, 0)
        let now = Self.now()
        if requestTimes[ticket] != nil { requestTimes[ticket] = now }
        if batchTimes[ticket] != nil { batchTimes[ticket] = now }
    }
}
