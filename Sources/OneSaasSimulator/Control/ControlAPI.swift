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

    private func setLatency(_ request: SimulatorRequest) -> SimulatorResponse {
        guard let milliseconds = request.integer("ms"), milliseconds >= 0 else {
            return failure("latency needs ms=<milliseconds, 0 or more>", status: 400)
        }
        simulator.settings.withLock { $0.pageLatencyMilliseconds = milliseconds }
        return .json(.object([.init("page_latency_ms", .integer(milliseconds))]))
    }

    private func failure(_ message: String, status: Int) -> SimulatorResponse {
        .json(.object([.init("error", .string(message))]), status: status)
    }
}
