/// Changes applied to the store after every `every`-th `Orders` request, to reproduce orders
/// being updated and created while a client pages through the filtered set.
public struct PagingMutation: Equatable, Sendable {
    /// 0 switches it off.
    public var every: Int
    public var update: Int
    public var create: Int

    public static let off = PagingMutation(every: 0, update: 0, create: 0)

    public init(every: Int, update: Int, create: Int) {
        self.every = every
        self.update = update
        self.create = create
    }

    /// Reads `every=2,update=1,create=1`; missing counts are 0.
    public init?(specification: String) {
        self = .off
        for part in specification.split(whereSeparator: { $0 == "," || $0 == "&" || $0 == ":" }) {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let value = Int(pair[1]), value >= 0 else { return nil }
            switch pair[0] {
            case "every": every = value
            case "update": update = value
            case "create": create = value
            default: return nil
            }
        }
    }

    var json: JSONValue {
        .object([.init("every", .integer(every)), .init("update", .integer(update)), .init("create", .integer(create))])
    }
}
