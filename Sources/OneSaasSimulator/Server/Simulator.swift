/// Routes a request to the endpoint or the control API and keeps the run's mutable settings
/// (faults, latency, mutation during paging, counters).
final class Simulator: @unchecked Sendable {
    struct Settings {
        var pageLatencyMilliseconds: Int
        var pagingMutation: PagingMutation
        var pagesSinceMutation = 0
        var faults = FaultPlan()
        /// Fields set on single orders through `POST /_sim/patch`, by order id.
        var patches: [Int: [FieldPatch]] = [:]
        /// A proxy's rate limit (`POST /_sim/rate-limit`), and the requests in its window.
        var rateLimit: RateLimit?
        var rateLimitWindow = RateLimitWindow()
    }

    struct Counters {
        var requests = 0
        var ordersRequests = 0
    }

    let configuration: SimulatorConfiguration
    let store: Store
    let settings: Locked<Settings>
    let counters = Locked(Counters())
    /// Set by the server; asks it to stop listening.
    let shutdownRequest = Locked<(@Sendable () -> Void)?>(nil)

    static let endpointPaths: Set<String> = [
        "/onesaas_connect/index/index", "/onesaas_connect/index/index/",
        "/index.php/onesaas_connect/index/index", "/index.php/onesaas_connect/index/index/",
    ]

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        store = Store(settings: configuration.store, clock: StoreClock(offsetSeconds: configuration.clockOffsetSeconds))
        var settings = Settings(pageLatencyMilliseconds: configuration.pageLatencyMilliseconds,
                                pagingMutation: configuration.pagingMutation)
        settings.faults.add(configuration.faults)
        settings.rateLimit = configuration.rateLimit
        self.settings = Locked(settings)
    }

    func respond(to request: SimulatorRequest) -> SimulatorResponse {
        if Self.endpointPaths.contains(request.path) {
            return respondAsEndpoint(to: request)
        }
        if request.path.hasPrefix("/_sim/") {
            return ControlAPI(simulator: self).respond(to: request)
        }
        return .html("<html><body><h1>404 Not Found</h1><p>Whoops, our bad...</p></body></html>", status: 404)
    }

    private func respondAsEndpoint(to request: SimulatorRequest) -> SimulatorResponse {
        counters.withLock { $0.requests += 1 }
        guard request.query["AccessKey"] == configuration.accessKey else { return .json(OrdersEndpoint.invalidKey) }
        let action = request.query["Action"] ?? ""
        if action == "Orders" {
            return respondToOrders(OrdersEndpoint.Query(request))
        }
        return .json(ConfigurationActions.answer(to: action, tax: store.tax) ?? OrdersEndpoint.invalidAction)
    }

    private func respondToOrders(_ query: OrdersEndpoint.Query) -> SimulatorResponse {
        counters.withLock { $0.ordersRequests += 1 }
        let retryAfter: Int? = settings.withLock { settings in
            guard let limit = settings.rateLimit else { return nil }
            return settings.rateLimitWindow.admit(limit)
        }
        if let retryAfter {
            // The proxy answers at once; PHP never sees the request.
            var response = SimulatorResponse.html("<html><body><h1>429 Too Many Requests</h1></body></html>", status: 429)
            response.extraHeaders.append(("Retry-After", String(retryAfter)))
            return response
        }
        let (fault, latency, patches) = settings.withLock {
            ($0.faults.take(forPage: query.page), $0.pageLatencyMilliseconds, $0.patches)
        }
        let endpoint = OrdersEndpoint(store: store, patches: patches)
        var response: SimulatorResponse
        if let fault {
            var servedPage = false
            var served = query
            if fault == .ignorePage { served.page = 0 }
            let shape: OrdersEndpoint.Shape = fault == .emptyOrders ? .empty : fault == .shortPage ? .firstHalf : .whole
            response = FaultResponses.response(for: fault, normalBody: {
                servedPage = true
                return endpoint.body(for: served, shape: shape)
            }, holdSeconds: configuration.faultTimeoutSeconds, trickleMilliseconds: configuration.trickleByteMilliseconds)
            if servedPage { mutateIfDue(after: query) }
        } else {
            response = SimulatorResponse(status: 200, contentType: "application/json", body: endpoint.body(for: query))
            mutateIfDue(after: query)
        }
        response.delayMilliseconds = latency
        return response
    }

    /// Applies the mutation-during-paging plan once the page has been computed, so the next request sees it.
    private func mutateIfDue(after query: OrdersEndpoint.Query) {
        let due: PagingMutation? = settings.withLock { settings in
            let plan = settings.pagingMutation
            guard plan.every > 0 else { return nil }
            settings.pagesSinceMutation += 1
            guard settings.pagesSinceMutation >= plan.every else { return nil }
            settings.pagesSinceMutation = 0
            return plan
        }
        if let due {
            store.mutate(update: due.update, create: due.create, preferringOutside: query.filter)
        }
    }
}
