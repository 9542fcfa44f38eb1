import Foundation

/// The test-only API under `/_sim/`: the store's truth, statistics, mutations, faults, latency, shutdown.
/// It needs no access key, because only tests and `make demo` talk to it.
struct ControlAPI {
    let simulator: Simulator

    func respond(to request: SimulatorRequest) -> SimulatorResponse {
        switch (request.method, request.path) {
        case ("GET", "/_sim/orders"): return .json(.array(simulator.store.snapshot().filter { !$0.isDropped }.map(truth)))
        case ("GET", "/_sim/stats"): return stats()
        case ("POST", "/_sim/mutate"): return mutate(request)
        case ("GET", "/_sim/mutate-during-paging"): return .json(simulator.settings.withLock { $0.pagingMutation.json })
        case ("POST", "/_sim/mutate-during-paging"): return setPagingMutation(request)
        case ("GET", "/_sim/faults"): return pendingFaults()
        case ("POST", "/_sim/faults"): return addFaults(request)
        case ("DELETE", "/_sim/faults"):
            simulator.settings.withLock { $0.faults.removeAll() }
            return pendingFaults()
        case ("POST", "/_sim/latency"): return setLatency(request)
        case ("POST", "/_sim/rate-limit"): return setRateLimit(request)
        case ("POST", "/_sim/patch"): return patch(request)
        case ("GET", "/_sim/clock"), ("POST", "/_sim/clock"): return clock(request)
        case ("POST", "/_sim/shutdown"):
            var response = SimulatorResponse.json(.object([.init("shutdown", .bool(true))]))
            response.afterSending = simulator.shutdownRequest.withLock { $0 }
            return response
        default:
            return failure("no control route \(request.method) \(request.path)", status: 404)
        }
    }

    /// What the endpoint would say about an order, with amounts as the exact four-place strings it sends.
    private func truth(_ order: Order) -> JSONValue {
        var members: [JSONValue.Member] = [
            .init("id", .string(String(order.id))),
            .init("order_number", .string(order.number)),
            .init("last_updated", .string(UTCTime.databaseText(order.updatedAt))),
            .init("total", .string(Money.text(pence: order.totalPence))),
            .init("item_count", .integer(order.items.count)),
            .init("line_total_sum", .string(Money.text(pence: order.renderedLineTotalPence))),
            .init("credit_count", .integer(order.credits.count)),
            .init("status", .string(order.status)),
        ]
        if let defect = order.defect { members.append(.init("bad", .string(defect.rawValue))) }
        return .object(members)
    }

    private func stats() -> SimulatorResponse {
        let orders = simulator.store.snapshot()
        let counters = simulator.counters.withLock { $0 }
        let dropped = orders.lazy.filter(\.isDropped).count
        return .json(.object([
            .init("orders", .integer(orders.count - dropped)),
            .init("dropped", .integer(dropped)),
            .init("bad", .integer(orders.lazy.filter { $0.defect != nil }.count)),
            .init("requests", .integer(counters.requests)),
            .init("orders_requests", .integer(counters.ordersRequests)),
            .init("rate_limited", .integer(simulator.settings.withLock { $0.rateLimitWindow.rejected })),
        ]))
    }

    private func mutate(_ request: SimulatorRequest) -> SimulatorResponse {
        let update = request.integer("update") ?? 0
        let create = request.integer("create") ?? 0
        guard update >= 0, create >= 0 else { return failure("update and create must be counts of 0 or more", status: 400) }
        let result = simulator.store.mutate(update: update, create: create)
        return .json(.object([
            .init("updated", .array(result.updated.map(JSONValue.integer))),
            .init("created", .array(result.created.map(JSONValue.integer))),
        ]))
    }

    private func setPagingMutation(_ request: SimulatorRequest) -> SimulatorResponse {
        let plan = PagingMutation(every: request.integer("every") ?? 0, update: request.integer("update") ?? 0,
                                  create: request.integer("create") ?? 0)
        guard plan.every >= 0, plan.update >= 0, plan.create >= 0 else {
            return failure("every, update and create must be counts of 0 or more", status: 400)
        }
        simulator.settings.withLock {
            $0.pagingMutation = plan
            $0.pagesSinceMutation = 0
        }
        return .json(plan.json)
    }

    private func pendingFaults() -> SimulatorResponse {
        .json(.array(simulator.settings.withLock { $0.faults.pending.map(\.json) }))
    }

    /// Accepts `[{"page":2,"kind":"http503","times":1}]` or a single such object.
    private func addFaults(_ request: SimulatorRequest) -> SimulatorResponse {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(request.body), options: [.fragmentsAllowed]) else {
            return failure(#"body must be JSON like [{"page":2,"kind":"http503","times":1}]"#, status: 400)
        }
        let entries = (parsed as? [Any]) ?? [parsed]
        var faults: [Fault] = []
        for entry in entries {
            guard let object = entry as? [String: Any], let kindName = object["kind"] as? String,
                  let kind = FaultKind(rawValue: kindName)
            else {
                let kinds = FaultKind.allCases.map(\.rawValue).joined(separator: ", ")
                return failure("each fault needs a kind, one of: \(kinds)", status: 400)
            }
            let page = (object["page"] as? NSNumber)?.intValue
            let times = (object["times"] as? NSNumber)?.intValue ?? 1
            guard times > 0, page.map({ $0 >= 0 }) ?? true else { return failure("page must be >= 0 and times > 0", status: 400) }
            faults.append(Fault(page: page, kind: kind, times: times))
        }
        simulator.settings.withLock { $0.faults.add(faults) }
        return pendingFaults()
    }

    /// `POST /_sim/patch?order=12` with `{"Contact.WorkPhone": "+44 ...", "LastUpdatedDate": "9999-12-31 00:00:00"}`:
    /// sets fields of one order as the endpoint renders it. `LastUpdatedDate` changes the order's
    /// `updated_at` in the store itself, so the filter sees it too.
    private func patch(_ request: SimulatorRequest) -> SimulatorResponse {
        guard let orderId = request.integer("order"), simulator.store.contains(orderId: orderId) else {
            return failure("patch needs order=<an order id of the store>", status: 400)
        }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any], !parsed.isEmpty else {
            return failure(#"body must be a JSON object of field paths and values, e.g. {"Contact.WorkPhone":"+44 20 7946 0000"}"#, status: 400)
        }
        var patches: [FieldPatch] = []
        for (path, raw) in parsed.sorted(by: { $0.key < $1.key }) {
            guard let value = Self.jsonValue(raw) else { return failure("\(path): only strings, numbers and null can be set", status: 400) }
            if path == "LastUpdatedDate" {
                guard case .string(let text) = value, let time = UTCTime.parse(text) else {
                    return failure("LastUpdatedDate must be a time like 2025-07-01 12:00:00", status: 400)
                }
                simulator.store.setUpdatedAt(orderId: orderId, to: time)
                continue
            }
            patches.append(FieldPatch(path: path, value: value))
        }
        let all = simulator.settings.withLock { settings in
            var current = settings.patches[orderId] ?? []
            current.removeAll { existing in patches.contains { $0.path == existing.path } }
            current += patches
            settings.patches[orderId] = current
            return current
        }
        return .json(.object([
            .init("order", .integer(orderId)),
            .init("fields", .object(all.map { .init($0.pathText, $0.value) })),
        ]))
    }

    private static func jsonValue(_ raw: Any) -> JSONValue? {
        switch raw {
        case let text as String: return .string(text)
        case is NSNull: return .null
        case let number as NSNumber: return .number(number.stringValue)
        default: return nil
        }
    }

    /// `POST /_sim/clock?offset_seconds=10800`: the store's clock runs that far ahead (negative: behind).
    private func clock(_ request: SimulatorRequest) -> SimulatorResponse {
        if request.method == "POST" {
            guard let offset = request.integer("offset_seconds") else {
                return failure("clock needs offset_seconds=<seconds, negative for behind>", status: 400)
            }
            simulator.store.clock.setOffset(seconds: Int64(offset))
        }
        return .json(.object([
            .init("offset_seconds", .integer(Int(simulator.store.clock.offsetSeconds))),
            .init("now", .string(UTCTime.databaseText(simulator.store.clock.now()))),
        ]))
    }

    private func setLatency(_ request: SimulatorRequest) -> SimulatorResponse {
        guard let milliseconds = request.integer("ms"), milliseconds >= 0 else {
            return failure("latency needs ms=<milliseconds, 0 or more>", status: 400)
        }
        simulator.settings.withLock { $0.pageLatencyMilliseconds = milliseconds }
        return .json(.object([.init("page_latency_ms", .integer(milliseconds))]))
    }

    /// `requests=N[&seconds=W]`: at most N Orders requests in any W seconds (60), the rest 429;
    /// `requests=0` lifts the limit.
    private func setRateLimit(_ request: SimulatorRequest) -> SimulatorResponse {
        guard let requests = request.integer("requests"), requests >= 0 else {
            return failure("rate-limit needs requests=<Orders requests allowed per window, 0 for no limit>[&seconds=<window, default 60>]", status: 400)
        }
        let seconds = request.query["seconds"].flatMap(Double.init) ?? 60
        guard seconds > 0 else { return failure("rate-limit seconds must be more than 0", status: 400) }
        simulator.settings.withLock {
            $0.rateLimit = requests > 0 ? RateLimit(requests: requests, seconds: seconds) : nil
            $0.rateLimitWindow = RateLimitWindow()
        }
        return .json(.object([.init("requests", .integer(requests)), .init("seconds", .number(String(seconds)))]))
    }

    private func failure(_ message: String, status: Int) -> SimulatorResponse {
        .json(.object([.init("error", .string(message))]), status: status)
    }
}
