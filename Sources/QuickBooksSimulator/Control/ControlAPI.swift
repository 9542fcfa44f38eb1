import Foundation

/// The test-only API under `/__control/`: what the company holds, counters, faults, limits, token
/// policy, latency, the clock, reset and shutdown. It needs no token: only tests, `make demo` and
/// `make bench` talk to it.
struct ControlAPI {
    static let prefix = "/__control/"

    let simulator: Simulator

    func respond(to request: HTTPRequest) -> HTTPResponse {
        let route = String(request.path.dropFirst(Self.prefix.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        switch (request.method, route) {
        case ("GET", "documents"): return documents(request)
        case ("GET", "creates"): return creates()
        case ("GET", "stats"): return stats()
        case ("GET", "faults"): return pendingFaults()
        case ("POST", "faults"): return addFaults(request)
        case ("DELETE", "faults"):
            simulator.controls.withLock { $0.faults.removeAll() }
            return pendingFaults()
        case ("POST", "tokens/expire-access"):
            let now = simulator.clock.now()
            let expired = simulator.tokens.withLock { $0.expireAllAccessTokens(now: now) }
            return .json(.object([.init("expired_access_tokens", .integer(expired))]))
        case ("POST", "tokens/grant"): return grant()
        case ("GET", "tokens/policy"), ("POST", "tokens/policy"): return tokenPolicy(request)
        case ("GET", "limits"), ("POST", "limits"): return limits(request)
        case ("GET", "latency"), ("POST", "latency"): return latency(request)
        case ("GET", "clock"), ("POST", "clock"): return clock(request)
        case ("POST", "reset"):
            simulator.reset(tokens: request.query["tokens"] == "true")
            return .json(.object([.init("reset", .bool(true)), .init("tokens_forgotten", .bool(request.query["tokens"] == "true"))]))
        case ("POST", "shutdown"):
            var response = HTTPResponse.json(.object([.init("shutdown", .bool(true))]))
            let stop = simulator.shutdownRequest.withLock { $0 }
            response.completion = stop
            return response
        default:
            if request.method == "GET", route.hasPrefix("documents/") { return document(route) }
            return failure("no control route \(request.method) \(request.path); see qbo-sim --help", status: 404)
        }
    }

    /// `GET /__control/documents[?entity=SalesReceipt|all]`: transactions by default, deleted and voided included.
    private func documents(_ request: HTTPRequest) -> HTTPResponse {
        let kinds: [EntityKind]
        switch request.query["entity"] {
        case nil: kinds = EntityKind.allCases.filter(\.isTransaction)
        case "all": kinds = EntityKind.allCases
        case let name?:
            guard let kind = EntityKind(name: name) else { return failure("entity \(name) is not one qbo-sim serves", status: 400) }
            kinds = [kind]
        }
        let summaries = simulator.company.withLock { $0.all(kinds).map(\.summary) }
        return .json(.object([.init("count", .integer(summaries.count)), .init("documents", .array(summaries))]))
    }

    /// `GET /__control/documents/SalesReceipt/123`: the stored entity whatever its state.
    private func document(_ route: String) -> HTTPResponse {
        let parts = route.split(separator: "/").map(String.init)
        guard parts.count == 3, let kind = EntityKind(name: parts[1]) else {
            return failure("use /__control/documents/<Entity>/<Id>", status: 400)
        }
        guard let stored = simulator.company.withLock({ $0.entity(kind, id: parts[2]) }) else {
            return failure("no \(kind.name) \(parts[2])", status: 404)
        }
        return .json(.object([.init("state", .string(stored.state.rawValue)), .init(kind.name, stored.body)]))
    }

    /// `GET /__control/creates`: successful creates per DocNumber; `duplicates` lists those created more than once.
    private func creates() -> HTTPResponse {
        let counts = simulator.company.withLock { $0.createsByDocNumber }
        let sorted = counts.sorted { $0.key < $1.key }
        return .json(.object([
            .init("total", .integer(counts.values.reduce(0, +))),
            .init("doc_numbers", .integer(counts.count)),
            .init("duplicates", .object(sorted.filter { $0.value > 1 }.map { .init($0.key, .integer($0.value)) })),
            .init("by_doc_number", .object(sorted.map { .init($0.key, .integer($0.value)) })),
        ]))
    }

    private func stats() -> HTTPResponse {
        let now = simulator.clock.now()
        let (counters, throttle) = simulator.controls.withLock { ($0.counters, $0.throttle.json(now: now)) }
        let tokens = simulator.tokens.withLock { $0.summary }
        return .json(.object([
            .init("requests", .object(Simulator.Counter.allCases.map { .init($0.rawValue, .integer(counters[$0] ?? 0)) })),
            .init("limits", throttle),
            .init("tokens", tokens),
        ]))
    }

    private func pendingFaults() -> HTTPResponse {
        .json(.array(simulator.controls.withLock { $0.faults.pending.map(\.json) }))
    }

    /// Accepts `[{"kind": "apply-then-drop", "times": 1, "path": "/salesreceipt", "method": "POST"}]` or one such object.
    private func addFaults(_ request: HTTPRequest) -> HTTPResponse {
        let kinds = FaultKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let parsed = try? JSON.parse(request.body) else {
            return failure(#"the body must be JSON like [{"kind":"http500","times":1,"path":"/salesreceipt"}]"#, status: 400)
        }
        var faults: [Fault] = []
        for entry in parsed.array ?? [parsed] {
            guard let name = entry["kind"]?.string, let kind = FaultKind(rawValue: name) else {
                return failure("each fault needs a kind, one of: \(kinds)", status: 400)
            }
            let times = entry["times"]?.scalarText.flatMap { Int($0) } ?? 1
            let milliseconds = entry["ms"]?.scalarText.flatMap { Int($0) } ?? Fault.defaultDelayMilliseconds
            guard times > 0, milliseconds >= 0 else { return failure("times must be > 0 and ms >= 0", status: 400) }
            faults.append(Fault(kind: kind, times: times, path: entry["path"]?.string, method: entry["method"]?.string?.uppercased(),
                                delayMilliseconds: milliseconds))
        }
        simulator.controls.withLock { $0.faults.add(faults) }
        return pendingFaults()
    }

    /// A new grant, as if the company had authorized the app elsewhere (Intuit's OAuth playground):
    /// for tests of importing a refresh token.
    private func grant() -> HTTPResponse {
        let now = simulator.clock.now()
        let issued = simulator.tokens.withLock { $0.newGrant(now: now) }
        return .json(.object([
            .init("realmId", .string(issued.realmId)),
            .init("access_token", .string(issued.accessToken)),
            .init("expires_in", .integer(issued.accessTokenExpiresIn)),
            .init("refresh_token", .string(issued.refreshToken)),
            .init("x_refresh_token_expires_in", .integer(issued.refreshTokenExpiresIn)),
            .init("x_refresh_token_hard_expires_in", .integer(issued.refreshTokenHardExpiresIn)),
        ]))
    }

    /// `POST /__control/tokens/policy?rotate=false&grace_seconds=0&access_lifetime_seconds=5`.
    private func tokenPolicy(_ request: HTTPRequest) -> HTTPResponse {
        if request.method == "POST" {
            var policy = simulator.tokens.withLock { $0.policy }
            if let rotate = request.query["rotate"] {
                guard let flag = JSON.string(rotate).bool else { return failure("rotate must be true or false", status: 400) }
                policy.rotateRefreshTokens = flag
            }
            let numbers: [(String, WritableKeyPath<TokenPolicy, Int>)] = [
                ("grace_seconds", \.supersededRefreshTokenGraceSeconds),
                ("access_lifetime_seconds", \.accessTokenLifetimeSeconds),
                ("refresh_lifetime_seconds", \.refreshTokenLifetimeSeconds),
                ("hard_lifetime_seconds", \.refreshTokenHardLifetimeSeconds),
                ("code_lifetime_seconds", \.authorizationCodeLifetimeSeconds),
            ]
            for (name, path) in numbers {
                guard let text = request.query[name] else { continue }
                guard let value = Int(text), value >= 0 else { return failure("\(name) must be a number of seconds, 0 or more", status: 400) }
                policy[keyPath: path] = value
            }
            simulator.tokens.withLock { $0.policy = policy }
        }
        return .json(simulator.tokens.withLock { $0.policy.json })
    }

    /// `POST /__control/limits?requests_per_minute=100000&max_in_flight=10&batch_requests_per_minute=40&max_batch_items=30`;
    /// any POST also forgets the last minute's requests.
    private func limits(_ request: HTTPRequest) -> HTTPResponse {
        let now = simulator.clock.now()
        if request.method == "POST" {
            var limits = simulator.controls.withLock { $0.throttle.limits }
            let numbers: [(String, WritableKeyPath<Limits, Int>)] = [
                ("requests_per_minute", \.requestsPerMinute), ("max_in_flight", \.maxInFlight),
                ("batch_requests_per_minute", \.batchRequestsPerMinute), ("max_batch_items", \.maxBatchItems),
            ]
            for (name, path) in numbers {
                guard let text = request.query[name] else { continue }
                guard let value = Int(text), value >= 1 else { return failure("\(name) must be a number, 1 or more", status: 400) }
                limits[keyPath: path] = value
            }
            simulator.controls.withLock {
                $0.throttle.limits = limits
                $0.throttle.resetWindows()
            }
        }
        return .json(simulator.controls.withLock { $0.throttle.json(now: now) })
    }

    private func latency(_ request: HTTPRequest) -> HTTPResponse {
        if request.method == "POST" {
            guard let text = request.query["ms"], let milliseconds = Int(text), milliseconds >= 0 else {
                return failure("latency needs ms=<milliseconds, 0 or more>", status: 400)
            }
            simulator.controls.withLock { $0.latencyMilliseconds = milliseconds }
        }
        return .json(.object([.init("latency_ms", .integer(simulator.controls.withLock { $0.latencyMilliseconds }))]))
    }

    /// `POST /__control/clock?offset_seconds=8640000`: token lifetimes run against a clock that far ahead.
    private func clock(_ request: HTTPRequest) -> HTTPResponse {
        if request.method == "POST" {
            guard let text = request.query["offset_seconds"], let offset = Int(text) else {
                return failure("clock needs offset_seconds=<seconds, negative for behind>", status: 400)
            }
            simulator.clock.setOffset(seconds: TimeInterval(offset))
        }
        return .json(.object([
            .init("offset_seconds", .integer(Int(simulator.clock.offsetSeconds))),
            .init("now", .string(simulator.timestamp())),
        ]))
    }

    private func failure(_ message: String, status: Int) -> HTTPResponse {
        .json(.object([.init("error", .string(message))]), status: status)
    }
}
