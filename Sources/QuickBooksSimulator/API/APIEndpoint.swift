import Foundation

/// The accounting API under `/v3/company/<realm>/`: authentication, throttling, then the entity,
/// query and batch operations of sections 2, 3 and 7 of the reference.
struct APIEndpoint {
    static let prefix = "/v3/company/"

    let simulator: Simulator

    func respond(to request: HTTPRequest) -> HTTPResponse {
        simulator.count(.apiRequest)
        if !(request.headers["accept"] ?? "").lowercased().contains("application/json") { simulator.count(.missingAcceptJSON) }
        let now = simulator.clock.now()
        let parts = request.path.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let realm = parts.first else { return fault(.badRequest("the path needs a company id: /v3/company/<realmId>/...")) }

        guard let header = request.headers["authorization"], header.lowercased().hasPrefix("bearer ") else {
            simulator.count(.unauthorized)
            return FaultResponses.authenticationFailed("Token invalid: no Bearer access token in the Authorization header", now: now)
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        switch simulator.tokens.withLock({ $0.check(accessToken: token, now: now) }) {
        case .valid(let tokenRealm):
            guard tokenRealm == realm else {
                return fault(APIFault(code: "3100", message: "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                                      detail: "the access token is for company \(tokenRealm), not \(realm)",
                                      type: "AUTHORIZATION", status: 403))
            }
        case .expired:
            simulator.count(.unauthorized)
            return FaultResponses.authenticationFailed("Token expired: the access token has expired; refresh it", now: now)
        case .revoked:
            simulator.count(.unauthorized)
            return FaultResponses.authenticationFailed("Token revoked: the app was disconnected", now: now)
        case .unknown:
            simulator.count(.unauthorized)
            return FaultResponses.authenticationFailed("Token invalid: the access token is not one this server issued", now: now)
        }

        let segments = Array(parts.dropFirst())
        let isBatch = segments.first?.lowercased() == "batch"
        let refusal = simulator.controls.withLock { $0.throttle.admit(isBatch: isBatch, now: now) }
        if let refusal {
            simulator.count(.throttled)
            return FaultResponses.throttled(limit: refusal.rawValue, time: simulator.timestamp())
        }
        let throttle = simulator.controls
        var response = route(segments, request)
        response.delayMilliseconds += simulator.controls.withLock { $0.latencyMilliseconds }
        response.completion = { throttle.withLock { $0.throttle.finish() } }
        return response
    }

    private func route(_ route: [String], _ request: HTTPRequest) -> HTTPResponse {
        guard let first = route.first else { return fault(.badRequest("the path names no entity")) }
        switch (request.method, first.lowercased(), route.count) {
        case ("GET", "query", 1):
            guard let text = request.query["query"] else { return fault(.queryParse("GET .../query needs ?query=<the query>")) }
            return query(text)
        case ("POST", "query", 1):
            return query(request.bodyText)
        case ("POST", "batch", 1):
            return BatchEndpoint(simulator: simulator).respond(to: request)
        case ("GET", "companyinfo", 2):
            return companyInfo()
        case ("GET", _, 2):
            guard let kind = EntityKind(name: first) else { return unknownEntity(first) }
            simulator.count(.read)
            do {
                let body = try simulator.company.withLock { company throws(APIFault) in try company.read(kind, id: route[1]) }
                return answer(kind, body)
            } catch {
                return fault(error)
            }
        case ("POST", _, 1):
            guard let kind = EntityKind(name: first) else { return unknownEntity(first) }
            return write(kind, request)
        default:
            return fault(.badRequest("\(request.method) \(request.path) is not an operation of the API"))
        }
    }

    private func query(_ text: String) -> HTTPResponse {
        simulator.count(.query)
        do {
            let result = try QueryAnswer.run(text, simulator: simulator)
            return .json(.object([.init("QueryResponse", result), .init("time", .string(simulator.timestamp()))]))
        } catch {
            return fault(error)
        }
    }

    /// A create, update, delete or void, replayed from the first answer when its `requestid` was seen before.
    private func write(_ kind: EntityKind, _ request: HTTPRequest) -> HTTPResponse {
        let requestId = request.query["requestid"]
        if let requestId, requestId.count > 50 {
            return fault(.unsupported("requestid has at most 50 characters; this one has \(requestId.count)", element: "requestid"))
        }
        let parsed: JSON
        do {
            parsed = try JSON.parse(request.body)
        } catch {
            return fault(.badRequest("the request body is not JSON (\(error)); send the \(kind.name) as a JSON object"))
        }
        // `{"SalesReceipt": {...}}` is tolerated as well as the bare entity.
        let body = parsed[kind.name].flatMap { $0.isObject ? $0 : nil } ?? parsed
        let operation = WriteOperation(kind: kind, body: body, operation: request.query["operation"],
                                       include: request.queryValues("include"))
        let recorded = simulator.company.withLock { company -> (Company.RecordedAnswer, replayed: Bool) in
            if let requestId, let earlier = company.answersByRequestId[requestId] { return (earlier, true) }
            let answer = operation.perform(on: &company, simulator: simulator)
            if let requestId { company.answersByRequestId[requestId] = answer }
            return (answer, false)
        }
        if recorded.replayed { simulator.count(.replayed) }
        return .json(recorded.0.body, status: recorded.0.status)
    }

    private func companyInfo() -> HTTPResponse {
        simulator.count(.read)
        let configuration = simulator.configuration
        return .json(.object([
            .init("CompanyInfo", .object([
                .init("CompanyName", .string(configuration.companyName)),
                .init("LegalName", .string(configuration.companyName)),
                .init("Country", .string("GB")),
                .init("SupportedLanguages", .string("en")),
                .init("DefaultTimeZone", .string("Europe/London")),
                .init("Id", .string("1")),
                .init("SyncToken", .string("0")),
                .init("domain", .string("QBO")),
                .init("sparse", .bool(false)),
            ])),
            .init("time", .string(simulator.timestamp())),
        ]))
    }

    private func answer(_ kind: EntityKind, _ body: JSON) -> HTTPResponse {
        .json(.object([.init(kind.name, body), .init("time", .string(simulator.timestamp()))]))
    }

    private func unknownEntity(_ name: String) -> HTTPResponse {
        fault(.badRequest("\(name) is not an entity qbo-sim serves (" + EntityKind.allCases.map(\.name).joined(separator: ", ") + ")"))
    }

    private func fault(_ fault: APIFault) -> HTTPResponse {
        if fault.status == 400 { simulator.count(.validationFault) }
        return FaultResponses.fault(fault, time: simulator.timestamp())
    }
}

/// Runs query text against the company: the value of `QueryResponse`.
enum QueryAnswer {
    static func run(_ text: String, simulator: Simulator) throws(APIFault) -> JSON {
        let query = try Query.parse(text)
        return try simulator.company.withLock { company throws(APIFault) in try QueryEvaluator(company: company).run(query) }
    }
}

/// One write as the API or a batch item asks for it.
struct WriteOperation {
    enum Action {
        case create, update, delete, void
    }

    var kind: EntityKind
    var body: JSON
    var action: Action
    var allowDuplicateDocNumber: Bool

    /// - Parameters:
    ///   - operation: the `operation` query parameter (`update`, `delete`, `void`), or a batch item's.
    ///   - include: the `include` values (`void`, `allowduplicatedocnum`) or a batch item's `optionsData`.
    init(kind: EntityKind, body: JSON, operation: String?, include: Set<String>) {
        self.kind = kind
        self.body = body
        allowDuplicateDocNumber = include.contains("allowduplicatedocnum")
        switch operation?.lowercased() {
        case "delete": action = .delete
        case "void": action = .void
        case "update" where include.contains("void"): action = .void
        case "create": action = .create
        case "update": action = .update
        default: action = body["Id"] == nil ? .create : .update
        }
    }

    /// The entity-wrapped answer, or the fault; counted by kind.
    func perform(on company: inout Company, simulator: Simulator) -> Company.RecordedAnswer {
        let now = simulator.clock.now()
        let options = Company.WriteOptions(allowDuplicateDocNumber: allowDuplicateDocNumber)
        do {
            let result: JSON
            switch action {
            case .create:
                simulator.count(.create)
                result = try company.create(kind, body, options: options, now: now)
            case .update:
                simulator.count(.update)
                result = try company.update(kind, body, options: options, now: now)
            case .delete:
                simulator.count(.delete)
                result = try company.delete(kind, body, now: now)
            case .void:
                simulator.count(.void)
                result = try company.void(kind, body, now: now)
            }
            return Company.RecordedAnswer(status: 200, body: .object([.init(kind.name, result), .init("time", .string(simulator.timestamp()))]))
        } catch {
            if error.status == 400 { simulator.count(.validationFault) }
            return Company.RecordedAnswer(status: error.status,
                                          body: .object([.init("Fault", error.faultJSON), .init("time", .string(simulator.timestamp()))]))
        }
    }
}
