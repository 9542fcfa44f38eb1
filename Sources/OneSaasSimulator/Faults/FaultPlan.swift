import Foundation

/// A failure a real store or its proxy produces, injected on an `Orders` request.
public enum FaultKind: String, CaseIterable, Sendable {
    case http500
    case http503
    case http502
    case http429
    case phpNotice = "php-notice"
    case truncated
    case invalidJSON = "invalid-json"
    case emptyBody = "empty-body"
    case timeout
    case badKey = "bad-key"
    /// `{"OneSaas Version": ..., "Orders": []}`: a page whose query failed quietly.
    case emptyOrders = "empty-orders"
    /// The page with only its first half of orders: rows skipped by a broken query or cache.
    case shortPage = "short-page"
    /// Page 0 whatever `Page` asks for: a cache that keys on the path and ignores the query.
    case ignorePage = "ignore-page"
    /// The right body, sent one byte at a time (see `--trickle-byte-ms`).
    case trickle
    /// The right body after a UTF-8 byte order mark.
    case bom
    /// `{"Error":"SQLSTATE[HY000] [2002] Connection refused"}`: the store's database is down.
    case dbError = "db-error"
}

/// One planned failure: on `page` (any page when nil), for the next `times` requests.
public struct Fault: Equatable, Sendable {
    public var page: Int?
    public var kind: FaultKind
    public var times: Int

    public init(page: Int?, kind: FaultKind, times: Int = 1) {
        self.page = page
        self.kind = kind
        self.times = times
    }

    /// Reads the command-line form: `page=2:http503`, `http500`, `page=3:timeout:times=2`
    /// (parts separated by `:` or `,`).
    public init?(specification: String) {
        var page: Int?
        var kind: FaultKind?
        var times = 1
        for part in specification.split(whereSeparator: { $0 == ":" || $0 == "," }) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            switch (pair.first, pair.count) {
            case ("page", 2): guard let value = Int(pair[1]), value >= 0 else { return nil }; page = value
            case ("times", 2): guard let value = Int(pair[1]), value > 0 else { return nil }; times = value
            case ("kind", 2): kind = FaultKind(rawValue: pair[1])
            case (let name?, 1): kind = FaultKind(rawValue: name)
            default: return nil
            }
        }
        guard let kind else { return nil }
        self.init(page: page, kind: kind, times: times)
    }

    var json: JSONValue {
        .object([.init("page", page.map(JSONValue.integer) ?? .null), .init("kind", .string(kind.rawValue)),
                 .init("times", .integer(times))])
    }
}

/// The faults still to be served, consumed in the order they were planned.
struct FaultPlan {
    private(set) var pending: [Fault] = []

    mutating func add(_ faults: [Fault]) {
        pending += faults.filter { $0.times > 0 }
    }

    mutating func removeAll() {
        pending.removeAll()
    }

    /// The fault this `Orders` request for `page` must suffer, if any, counting it as served.
    mutating func take(forPage page: Int) -> FaultKind? {
        guard let index = pending.firstIndex(where: { $0.page == nil || $0.page == page }) else { return nil }
        let kind = pending[index].kind
        pending[index].times -= 1
        if pending[index].times == 0 { pending.remove(at: index) }
        return kind
    }
}
