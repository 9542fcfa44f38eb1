import Foundation

/// Intuit's limits per realm: requests a minute, requests in flight, batch requests a minute.
/// A refused request is not counted against the minute (section 9 leaves this open).
struct Throttle {
    var limits: Limits
    private var requestTimes: [Date] = []
    private var batchTimes: [Date] = []
    private(set) var inFlight = 0
    private(set) var peakInFlight = 0

    init(limits: Limits) {
        self.limits = limits
    }

    enum Refusal: String {
        case requestsPerMinute = "requests_per_minute"
        case inFlight = "in_flight"
        case batchRequestsPerMinute = "batch_requests_per_minute"
    }

    /// Admits a request (counting it in flight until `finish()`), or says which limit it hits.
    mutating func admit(isBatch: Bool, now: Date) -> Refusal? {
        let windowStart = now.addingTimeInterval(-60)
        requestTimes.removeAll { $0 <= windowStart }
        batchTimes.removeAll { $0 <= windowStart }
        if inFlight >= limits.maxInFlight { return .inFlight }
        if requestTimes.count >= limits.requestsPerMinute { return .requestsPerMinute }
        if isBatch, batchTimes.count >= limits.batchRequestsPerMinute { return .batchRequestsPerMinute }
        requestTimes.append(now)
        if isBatch { batchTimes.append(now) }
        inFlight += 1
        peakInFlight = max(peakInFlight, inFlight)
        return nil
    }

    mutating func finish() {
        inFlight = max(0, inFlight - 1)
    }

    /// Forgets the last minute, so a test starts with the full allowance.
    mutating func resetWindows() {
        requestTimes.removeAll()
        batchTimes.removeAll()
        peakInFlight = inFlight
    }

    func json(now: Date) -> JSON {
        let windowStart = now.addingTimeInterval(-60)
        return .object([
            .init("requests_per_minute", .integer(limits.requestsPerMinute)),
            .init("max_in_flight", .integer(limits.maxInFlight)),
            .init("batch_requests_per_minute", .integer(limits.batchRequestsPerMinute)),
            .init("max_batch_items", .integer(limits.maxBatchItems)),
            .init("requests_last_minute", .integer(requestTimes.filter { $0 > windowStart }.count)),
            .init("batch_requests_last_minute", .integer(batchTimes.filter { $0 > windowStart }.count)),
            .init("in_flight", .integer(inFlight)),
            .init("peak_in_flight", .integer(peakInFlight)),
        ])
    }
}
