import Foundation

/// Reads and decodes a run's canonical pages on a thread of its own, a couple of pages ahead of
/// the loader, so decoding (client CPU) overlaps with the database's work instead of adding to it.
/// The pages come from a `StageFeed` following transform: in a streaming sync, each as soon as
/// transform has listed it.
///
/// ```swift
/// let pages = CanonicalPrefetcher(run: run, feed: try StageFeed(run: run, following: .transform))
/// while let (page, orders) = try pages.next() { ... }
/// ```
/// Every mutable property is read and written only under `condition`, hence `@unchecked Sendable`.
final class CanonicalPrefetcher: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Result<(PageRecord, [CanonicalOrder]), Error>] = []
    private var finished = false
    private var cancelled = false
    private let depth: Int

    init(run: StagedRun, feed: StageFeed, depth: Int = 2) {
        self.depth = depth
        // Only the reader thread uses the feed from here on.
        nonisolated(unsafe) let feed = feed
        let thread = Thread { [self] in
            while true {
                let result: Result<(PageRecord, [CanonicalOrder]), Error>
                do {
                    guard let page = try feed.next(upTo: 1)?.first else { break }
                    result = .success((page, try run.readCanonicalPage(page.page)))
                } catch {
                    result = .failure(error)
                }
                condition.lock()
                while ready.count >= depth && !cancelled { condition.wait() }
                if cancelled {
                    condition.unlock()
                    return
                }
                ready.append(result)
                condition.broadcast()
                condition.unlock()
                if case .failure = result { break }
            }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.start()
    }

    /// The next page and its orders in page order, nil after the last page; rethrows a read error.
    func next() throws -> (PageRecord, [CanonicalOrder])? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        guard !ready.isEmpty else { return nil }
        let result = ready.removeFirst()
        condition.broadcast()
        return try result.get()
    }

    /// True when `next()` would not wait: a page is decoded, or the pages have ended.
    var hasReady: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !ready.isEmpty || finished
    }

    /// Stops the reader thread (when the load ends early).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    deinit {
        cancel()
    }
}
