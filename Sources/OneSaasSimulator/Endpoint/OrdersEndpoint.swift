/// The `Orders` action: the filter, `LIMIT`/`OFFSET` paging and the page body, as the extension computes them.
struct OrdersEndpoint {
    static let invalidKey: JSONValue = .object([.init("Error", .string("Invalid API key"))])
    static let invalidAction: JSONValue = .object([.init("Error", .string("Invalid Action"))])
    static let defaultPageSize = 50

    let store: Store

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

    /// The body for one page: `""` past the end, else the version and the rendered orders.
    func body(for query: Query) -> [UInt8] {
        let orders = store.page(matching: query.filter, page: query.page, size: query.pageSize)
        let encoder = PHPJSONEncoder()
        guard !orders.isEmpty else { return encoder.encode(.string("")) }
        var output: [UInt8] = []
        output.reserveCapacity(orders.count * 3000)
        output.append(contentsOf: #"{"OneSaas Version":"\#(ConfigurationActions.extensionVersion)","Orders":["#.utf8)
        for (index, order) in orders.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            encoder.append(store.renderer.render(order), to: &output)
        }
        output.append(contentsOf: "]}".utf8)
        return output
    }
}
