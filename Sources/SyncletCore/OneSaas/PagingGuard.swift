/// Decides, answer by answer in page order, whether what the endpoint sends while paging is
/// the orders it holds, the end, or something a store should never send.
///
/// The endpoint's only end is the answer `""`. Paging is `LIMIT size OFFSET page*size` over a
/// set evaluated afresh on every request, so:
/// - a **full page** (as many elements as `PageSize`, dropped `""` elements included) is staged;
/// - a **short page** can only be the last one: it is held until the next answer shows it. When
///   that is `""`, the short page is staged and the run ends. When it holds orders, either rows
///   went missing from the short page or the store grew between the two requests (orders created
///   mid-pass appear at the end); both are settled by fetching the short page again: a store that
///   grew now fills it and paging goes on, a store that keeps skipping rows keeps failing it;
/// - an **empty `Orders` list** is never the end: the extension answers `""` when no row is left,
///   so an empty list means the query failed quietly (a timeout, a broken cache). The page is
///   fetched again;
/// - a page with **the same orders as an earlier page** of this run means the store, or a cache in
///   front of it, ignores `Page`: fetching again cannot help, so the run stops at once. So does a
///   run that has been given far more orders than the highest order id it saw can account for.
///
/// Fetching again is the caller's job (`.retry`), with backoff and a limit; this type only judges.
///
/// ```swift
/// var guard = PagingGuard(pageSize: 50)
/// switch guard.judge(page: 0, answer: .orders(count: 50, ids: ids)) { case .stage: ... }
/// ```
public struct PagingGuard: Sendable {
    /// What one answer is, reduced to what the judgement needs.
    public enum Answer: Equatable, Sendable {
        case end
        /// `count` elements of `Orders` (dropped `""` included) and the `Id` of each order in it.
        case orders(count: Int, ids: [String])
    }

    public enum Decision: Equatable, Sendable {
        /// A full page: stage it and go on.
        case stage
        /// A short page: keep it aside; the next answer must be `""`.
        case holdAsLast
        /// `""`: stage the held short page, if any, and finish.
        case end
        /// Something is wrong with `page` that fetching it again may cure; fetch from `page` on.
        case retry(page: Int, reason: String)
        /// The store is not paging; retrying cannot help.
        case stop(reason: String)
    }

    public let pageSize: Int
    /// Pages judged and kept (staged or held), newest last, with the key of their orders.
    private var kept: [(page: Int, count: Int, key: String?)] = []
    /// How many times each order key came back, to tell a repeated page from a new one.
    private var timesSeen: [String: Int] = [:]
    private var elementsKept = 0
    private var highestId = 0

    public init(pageSize: Int) {
        self.pageSize = pageSize
    }

    public mutating func judge(page: Int, answer: Answer) -> Decision {
        let held = kept.last.flatMap { $0.count < pageSize ? $0 : nil }
        guard case .orders(let count, let ids) = answer else { return .end }
        guard count > 0 else {
            return .retry(page: page, reason: "page \(page) answered an empty Orders list before the end (\"\")")
        }
        let key = ids.isEmpty ? nil : ids.joined(separator: ",")
        if let key, let earlier = kept.last(where: { $0.key == key }) {
            // One order repeated (PAGE_SIZE=1) can be a legitimate shift: an order updated mid-pass
            // entered the set before this position. A second repeat cannot.
            let repeats = (timesSeen[key] ?? 0)
            if ids.count > 1 || repeats >= 2 {
                return .stop(reason: "page \(page) holds the same orders as page \(earlier.page) (\(Self.describe(ids))): the store, or a cache in front of it, ignores the Page parameter and answers the same page again")
            }
        }
        if let held {
            rollBack(to: held.page)
            return .retry(page: held.page, reason: "page \(held.page) held \(held.count) of \(pageSize) orders, so it should have been the last, but page \(page) is not the end (\"\") and holds \(count): the store skipped rows or changed while paging")
        }
        remember(page: page, answer: answer)
        if highestId > 0, elementsKept > 2 * highestId + 10 * pageSize {
            return .stop(reason: "the store has sent \(elementsKept) orders in \(kept.count) pages, but its highest order Id is \(highestId): it keeps answering pages it cannot have, so it ignores the Page parameter")
        }
        return count < pageSize ? .holdAsLast : .stage
    }

    /// Records a page staged by an earlier attempt of the run, without judging it again.
    public mutating func remember(page: Int, answer: Answer) {
        guard case .orders(let count, let ids) = answer else { return }
        let key = ids.isEmpty ? nil : ids.joined(separator: ",")
        for id in ids { if let number = Int(id), number > highestId { highestId = number } }
        elementsKept += count
        kept.append((page, count, key))
        if let key { timesSeen[key, default: 0] += 1 }
    }

    /// Forgets what was kept from `page` on, because those pages are fetched again.
    private mutating func rollBack(to page: Int) {
        while let last = kept.last, last.page >= page {
            kept.removeLast()
            elementsKept -= last.count
            if let key = last.key {
                timesSeen[key, default: 1] -= 1
            }
        }
    }

    private static func describe(_ ids: [String]) -> String {
        ids.count <= 3 ? "Id \(ids.joined(separator: ", "))" : "Id \(ids[0]) to \(ids[ids.count - 1])"
    }
}
