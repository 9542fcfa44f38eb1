import Foundation

/// How many requests extract keeps in flight, adapted to how the store answers.
///
/// It starts at `http.concurrency`. An answer that says the store is overloaded (HTTP 429 or
/// 503, or a timeout) halves it, down to one, and a `Retry-After` the store sends holds every new
/// request back until that time; one halving per overload, however many requests in flight
/// saw it. Each run of good answers as long as twice the current limit raises it by one, up to
/// `http.max_concurrency`; but the level at which the store last said it was overloaded is tried
/// again only after a long run of good answers (`probeAfter`), since a store or proxy that limits
/// its rate keeps doing so and every overload costs a pause. So a store that slows down is asked
/// less, and one that answers well is asked at the rate the operator allowed and never more.
///
/// ```swift
/// let pacing = AdaptiveConcurrency(initial: 2, maximum: 4, log: log)
/// let ticket = try await pacing.acquire()
/// // ... one request ...
/// await pacing.release(ticket, .good)
/// ```
public actor AdaptiveConcurrency {
    /// How an answer bears on the pace.
    public enum Answer: Sendable, Equatable {
        /// The store answered (HTTP 200).
        case good
        /// 429, 503 or a timeout; `retryAfter` when the store named a time.
        case overloaded(retryAfter: Double?)
        /// Anything else (a 500, a refused connection, a cancelled request): says nothing of load.
        case neutral
    }

    /// A slot held by one request; released with what the answer was.
    public struct Ticket: Sendable {
        let generation: Int
    }

    public private(set) var limit: Int
    public let maximum: Int
    private var inFlight = 0
    private var goodAnswers = 0
    /// Raised by each halving: answers to requests started before it do not halve again.
    private var generation = 0
    private var pausedUntil: Date?
    /// The limit at which the store last answered that it was overloaded.
    private var overloadedAt: Int?
    /// Good answers in a row before that level is tried again.
    public static let probeAfter = 64
    private let log: Log
    /// The highest and lowest limit reached, for the end-of-stage log line.
    public private(set) var lowest: Int
    public private(set) var highest: Int

    public init(initial: Int, maximum: Int, log: Log) {
        self.limit = max(1, initial)
        self.maximum = max(initial, maximum)
        self.log = log
        self.lowest = self.limit
        self.highest = self.limit
    }

    /// Waits until a request may start: a slot is free and no `Retry-After` pause holds.
    /// Throws `CancellationError` when the waiting task is cancelled.
    public func acquire() async throws -> Ticket {
        while true {
            try Task.checkCancellation()
            if let until = pausedUntil, until > Date() {
                try await Task.sleep(nanoseconds: UInt64(min(until.timeIntervalSinceNow, 3600) * 1e9))
                continue
            }
            if inFlight < limit {
                inFlight += 1
                return Ticket(generation: generation)
            }
            // Requests take milliseconds to minutes; a short look again costs nothing.
            try await Task.sleep(nanoseconds: 2_000_000)
        }
    }

    /// Ends the request holding `ticket`, adapting the limit to its answer.
    public func release(_ ticket: Ticket, _ answer: Answer) {
        inFlight = max(0, inFlight - 1)
        switch answer {
        case .good:
            goodAnswers += 1
            let needed = limit + 1 >= (overloadedAt ?? Int.max) ? max(Self.probeAfter, 2 * limit) : 2 * limit
            if goodAnswers >= needed, limit < maximum {
                limit += 1
                highest = max(highest, limit)
                goodAnswers = 0
                log.debug("the store answers well: \(limit) requests at once (http.max_concurrency \(maximum))")
            }
        case .overloaded(let retryAfter):
            goodAnswers = 0
            if let retryAfter, retryAfter > 0 {
                let until = Date().addingTimeInterval(retryAfter)
                pausedUntil = max(pausedUntil ?? until, until)
            }
            guard ticket.generation == generation else { return }
            generation += 1
            overloadedAt = limit
            let halved = max(1, limit / 2)
            if halved != limit {
                log.info("the store is overloaded: \(halved) requests at once instead of \(limit)"
                    + (retryAfter.map { ", none before its Retry-After of \(String(format: "%.0f", $0)) s" } ?? ""))
                limit = halved
                lowest = min(lowest, limit)
            }
        case .neutral:
            break
        }
    }
}
