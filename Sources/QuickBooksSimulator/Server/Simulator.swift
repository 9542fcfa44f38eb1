import Foundation

/// Routes a request to OAuth, the API or the control API, and owns the run's shared state.
final class Simulator: @unchecked Sendable {
    /// What the control API counts, by kind of request or outcome.
    enum Counter: String, CaseIterable {
        case authorize, token, refresh, invalidGrant = "invalid_grant", revoke
        case create, read, query, update, delete, void, batch
        case batchItem = "batch_item"
        case unauthorized, throttled, faulted, replayed
        case validationFault = "validation_fault"
        case missingAcceptJSON = "missing_accept_json"
        case apiRequest = "api_request"
    }

    /// Settings the control API changes while the simulator runs.
    struct Controls {
        var faults = FaultPlan()
        var latencyMilliseconds: Int
        var throttle: Throttle
        var counters: [Counter: Int] = [:]
    }

    let configuration: QuickBooksSimulatorConfiguration
    let clock = SimulatorClock()
    let tokens: Locked<GrantRegistry>
    let company: Locked<Company>
    let controls: Locked<Controls>
    /// Set by the server; asks it to stop listening.
    let shutdownRequest = Locked<(@Sendable () -> Void)?>(nil)
    private let transactionIds = Locked(0)

    init(configuration: QuickBooksSimulatorConfiguration) {
        self.configuration = configuration
        tokens = Locked(GrantRegistry(policy: configuration.tokens, realmId: configuration.realmId))
        company = Locked(Company(realmId: configuration.realmId, name: configuration.companyName, now: Date()))
        var controls = Controls(latencyMilliseconds: configuration.latencyMilliseconds, throttle: Throttle(limits: configuration.limits))
        controls.faults.add(configuration.faults)
        self.controls = Locked(controls)
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        if request.path.hasPrefix(ControlAPI.prefix) {
            return ControlAPI(simulator: self).respond(to: request)
        }
        let isAPI = request.path.hasPrefix(APIEndpoint.prefix)
        let fault = controls.withLock { $0.faults.take(method: request.method, uri: request.uri, isAPI: isAPI) }
        if let fault, !fault.kind.applies {
            count(.faulted)
            return FaultResponses.response(for: fault.kind, now: clock.now())
        }
        var response: HTTPResponse
        switch request.path {
        case OAuthEndpoints.authorizePath: response = OAuthEndpoints(simulator: self).authorize(request)
        case OAuthEndpoints.tokenPath: response = OAuthEndpoints(simulator: self).token(request)
        case OAuthEndpoints.revokePath: response = OAuthEndpoints(simulator: self).revoke(request)
        default:
            if isAPI {
                response = APIEndpoint(simulator: self).respond(to: request)
            } else {
                return .text("no route \(request.method) \(request.path) (the API is under /v3/company/<realm>/, "
                             + "OAuth under /connect/oauth2 and /oauth2/v1/tokens/bearer, the control API under /__control/)", status: 404)
            }
        }
        if let fault {
            count(.faulted)
            switch fault.kind {
            case .applyThenDrop: response.delivery = .drop
            case .slow: response.delayMilliseconds += fault.delayMilliseconds
            default: break
            }
        }
        return response
    }

    func count(_ counter: Counter, by amount: Int = 1) {
        controls.withLock { $0.counters[counter, default: 0] += amount }
    }

    func timestamp() -> String { SimulatorClock.intuitTimestamp(clock.now()) }

    func nextTransactionId() -> String {
        let number = transactionIds.withLock { value -> Int in
            value += 1
            return value
        }
        return "1-sim-" + String(number)
    }

    /// Drops everything the company holds and every planned fault and count; keeps the tokens
    /// unless asked, so a connected client stays connected.
    func reset(tokens forgetTokens: Bool) {
        company.withLock { $0 = Company(realmId: configuration.realmId, name: configuration.companyName, now: clock.now()) }
        controls.withLock { controls in
            controls.faults.removeAll()
            controls.counters.removeAll()
            controls.throttle.resetWindows()
        }
        if forgetTokens {
            tokens.withLock { store in store = GrantRegistry(policy: store.policy, realmId: configuration.realmId) }
        }
    }

    func log(_ request: HTTPRequest, _ response: HTTPResponse) {
        guard let requestLog = configuration.requestLog else { return }
        // Only the path and the query's names that carry no secret reach the log; never a token.
        let shown = request.query.filter { ["query", "requestid", "operation", "include", "minorversion"].contains($0.key) }
            .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        let outcome: String
        switch response.delivery {
        case .answer: outcome = String(response.status)
        case .drop: outcome = "dropped"
        }
        let delay = response.delayMilliseconds > 0 ? " after \(response.delayMilliseconds)ms" : ""
        requestLog("\(request.method) \(request.path)\(shown.isEmpty ? "" : "?" + shown) -> \(outcome) \(response.body.count)B\(delay)")
    }
}
