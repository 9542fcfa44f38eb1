/// A failure injected on the next matching requests.
public enum FaultKind: String, CaseIterable, Sendable {
    /// HTTP 500 with the SystemFault 10000 body; nothing is applied.
    case http500
    /// HTTP 503 with the SystemFault 10000 body; nothing is applied.
    case http503
    /// HTTP 401 in the lower-case `fault` envelope, as for an expired token; nothing is applied.
    case http401
    /// HTTP 401 in the upper-case `Fault` envelope most mocks and older answers use; nothing is applied.
    case http401Upper = "http401-upper"
    /// HTTP 429 ThrottleExceeded; nothing is applied.
    case http429
    /// HTTP 429 ThrottleExceeded as XML, as some throttled answers come; nothing is applied.
    case http429XML = "http429-xml"
    /// The connection is closed without an answer; nothing is applied.
    case drop
    /// The request is applied (a write is committed, its answer kept for requestid replay), then the
    /// connection is closed without an answer: the client cannot know it succeeded.
    case applyThenDrop = "apply-then-drop"
    /// The request is applied and answered after a delay (`ms`, 3000 by default).
    case slow

    /// Whether the request is carried out before the fault shows.
    var applies: Bool { self == .applyThenDrop || self == .slow }
}

/// One planned failure: for the next `times` requests whose URI contains `path` (any API request
/// when nil) and whose method is `method` (any when nil).
///
/// ```swift
/// configuration.faults = [Fault(kind: .applyThenDrop, path: "/salesreceipt", method: "POST")]
/// let same = Fault(specification: "apply-then-drop:path=/salesreceipt:method=POST")
/// ```
public struct Fault: Equatable, Sendable {
    public var kind: FaultKind
    public var times: Int
    /// A piece of the request URI, e.g. `/salesreceipt`, `/batch`, `operation=void`, `/oauth2/v1/tokens/bearer`.
    public var path: String?
    public var method: String?
    /// The delay of a `slow` fault.
    public var delayMilliseconds: Int

    public static let defaultDelayMilliseconds = 3000

    public init(kind: FaultKind, times: Int = 1, path: String? = nil, method: String? = nil,
                delayMilliseconds: Int = Fault.defaultDelayMilliseconds) {
        self.kind = kind
        self.times = times
        self.path = path
        self.method = method
        self.delayMilliseconds = delayMilliseconds
    }

    /// The command-line form: `http500`, `apply-then-drop:times=2:path=/salesreceipt`, `slow:ms=5000:method=POST`
    /// (parts separated by `:` or `,`).
    public init?(specification: String) {
        var kind: FaultKind?
        var fault = Fault(kind: .http500)
        for part in specification.split(whereSeparator: { $0 == ":" || $0 == "," }) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            switch (pair.first, pair.count) {
            case ("times", 2): guard let value = Int(pair[1]), value > 0 else { return nil }; fault.times = value
            case ("ms", 2): guard let value = Int(pair[1]), value >= 0 else { return nil }; fault.delayMilliseconds = value
            case ("path", 2): fault.path = pair[1]
            case ("method", 2): fault.method = pair[1].uppercased()
            case ("kind", 2): kind = FaultKind(rawValue: pair[1])
            case (let name?, 1): kind = FaultKind(rawValue: name)
            default: return nil
            }
        }
        guard let kind else { return nil }
        fault.kind = kind
        self = fault
    }

    /// Whether this fault is meant for a request.
    func matches(method requestMethod: String, uri: String, isAPI: Bool) -> Bool {
        if let method, method != requestMethod.uppercased() { return false }
        guard let path else { return isAPI }
        return uri.lowercased().contains(path.lowercased())
    }

    var json: JSON {
        var members: [JSON.Member] = [.init("kind", .string(kind.rawValue)), .init("times", .integer(times)),
                                      .init("path", path.map(JSON.string) ?? .null), .init("method", method.map(JSON.string) ?? .null)]
        if kind == .slow { members.append(.init("ms", .integer(delayMilliseconds))) }
        return .object(members)
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

    /// The fault this request must suffer, if any, counting it as served.
    mutating func take(method: String, uri: String, isAPI: Bool) -> Fault? {
        guard let index = pending.firstIndex(where: { $0.matches(method: method, uri: uri, isAPI: isAPI) }) else { return nil }
        let fault = pending[index]
        pending[index].times -= 1
        if pending[index].times == 0 { pending.remove(at: index) }
        return fault
    }
}
