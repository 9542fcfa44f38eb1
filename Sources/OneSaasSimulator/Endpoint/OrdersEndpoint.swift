/// The `Orders` action: the filter, `LIMIT`/`OFFSET` paging and the page body, as the extension computes them.
struct OrdersEndpoint {
    static let invalidKey: JSONValue = .object([.init("Error", .string("Invalid API key"))])
    static let invalidAction: JSONValue = .object([.init("Error", .string("Invalid Action"))])
    static let defaultPageSize = 50

    let store: Store
    /// Fields set by `POST /_sim/patch`, by order id, applied to the rendered order.
    var patches: [Int: [FieldPatch]] = [:]

    /// The paging parameters of one request, parsed leniently as PHP does.
    struct Query {
        var filter: OrderFilter
        var page: Int
        var pageSize: Int

        init(_ request: SimulatorRequest) {
            func time(_ name: String) -> Int64 {
                request.query[name].flatMap(UTCTime.parse) ?? UTCTime.fallback
            }
            filter = OrderFilter(orderCreatedTime: time("OrderCreatedTime"), lastUpdatedTime: time("LastUpdatedTime"))
            page = max(request.integer("Page") ?? 0, 0)
            let size = request.integer("PageSize") ?? OrdersEndpoint.defaultPageSize
            pageSize = size > 0 ? size : OrdersEndpoint.defaultPageSize
        }
    }

    /// Which of the page's orders a faulty store sends.
    enum Shape {
        case whole
        /// `"Orders": []` although the page has orders.
        case empty
        /// Only the first half (at least one dropped), as a store that skips rows.
        case firstHalf
    }

    /// The body for one page: `""` past the end, else the version and the rendered orders.
    func body(for query: Query, shape: Shape = .whole) -> [UInt8] {
        var orders = store.page(matching: query.filter, page: query.page, size: query.pageSize)
        let encoder = PHPJSONEncoder()
        guard !orders.isEmpty else { return encoder.encode(.string("")) }
        switch shape {
        case .whole: break
        case .empty: orders = []
        case .firstHalf: orders = Array(orders.prefix(min(orders.count / 2, orders.count - 1)))
        }
        var output: [UInt8] = []
        output.reserveCapacity(orders.count * 3000)
        output.append(contentsOf: #"{"OneSaas Version":"\#(ConfigurationActions.extensionVersion)","Orders":["#.utf8)
        for (index, order) in orders.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            var rendered = store.renderer.render(order)
            for patch in patches[order.id] ?? [] { patch.apply(to: &rendered) }
            encoder.append(rendered, to: &output)
        }
        output.append(contentsOf: "]}".utf8)
        return output
    }
}

/// One field of a rendered order set to a value, by a dotted path such as `Contact.WorkPhone`
/// or `Items.0.Price` (a number selects an array element). A missing member is added.
struct FieldPatch: Equatable {
    var path: [String]
    var value: JSONValue

    init(path: String, value: JSONValue) {
        self.path = path.split(separator: ".").map(String.init)
        self.value = value
    }

    var pathText: String { path.joined(separator: ".") }

    func apply(to target: inout JSONValue) {
        Self.set(value, at: path[...], in: &target)
    }

    private static func set(_ value: JSONValue, at path: ArraySlice<String>, in target: inout JSONValue) {
        guard let key = path.first else {
            target = value
            return
        }
        switch target {
        case .object(var members):
            if let index = members.firstIndex(where: { $0.key == key }) {
                set(value, at: path.dropFirst(), in: &members[index].value)
            } else {
                var member = JSONValue.Member(key, .object([]))
                set(value, at: path.dropFirst(), in: &member.value)
                members.append(member)
            }
            target = .object(members)
        case .array(var elements):
            guard let index = Int(key), elements.indices.contains(index) else { return }
            set(value, at: path.dropFirst(), in: &elements[index])
            target = .array(elements)
        default:
            // A scalar (or "" for a dropped order) has no members: replace it with an object.
            var replacement = JSONValue.object([])
            set(value, at: path, in: &replacement)
            target = replacement
        }
    }
}
