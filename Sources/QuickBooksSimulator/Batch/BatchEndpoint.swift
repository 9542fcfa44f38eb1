import Foundation

/// `POST /v3/company/<realm>/batch` (section 7 of the reference): up to 30 independent items,
/// answered in one HTTP 200 body whose items are matched by `bId`; a failed item carries a `Fault`.
/// Items run in the order sent; the answers come back reversed unless configured otherwise.
///
/// ```json
/// {"BatchItemRequest": [
///   {"bId": "o1", "operation": "create", "SalesReceipt": {...}},
///   {"bId": "q1", "Query": "select * from SalesReceipt where DocNumber = '100000124'"}]}
/// ```
struct BatchEndpoint {
    let simulator: Simulator

    func respond(to request: HTTPRequest) -> HTTPResponse {
        simulator.count(.batch)
        let requestId = request.query["requestid"]
        if let requestId, requestId.count > 36 {
            return fault(.unsupported("a batch requestid has at most 36 characters; this one has \(requestId.count)", element: "requestid"))
        }
        guard let parsed = try? JSON.parse(request.body), let items = parsed["BatchItemRequest"]?.array else {
            return fault(.badRequest(#"the body must be {"BatchItemRequest": [{"bId": "1", "operation": "create", "SalesReceipt": {...}}, ...]}"#))
        }
        let limit = simulator.controls.withLock { $0.throttle.limits.maxBatchItems }
        guard items.count <= limit else {
            return fault(.unsupported("a batch has at most \(limit) items; this one has \(items.count)", element: "BatchItemRequest"))
        }
        var seen: Set<String> = []
        for item in items {
            guard let bId = item["bId"]?.scalarText, !bId.isEmpty else {
                return fault(.requiredMissing("BatchItemRequest.bId"))
            }
            guard seen.insert(bId).inserted else { return fault(.unsupported("bId \(bId) appears twice in the batch", element: "bId")) }
        }
        let recorded = simulator.company.withLock { company -> (Company.RecordedAnswer, replayed: Bool) in
            if let requestId, let earlier = company.answersByRequestId["batch:" + requestId] { return (earlier, true) }
            var answers = items.map { answer(to: $0, company: &company) }
            if simulator.configuration.reverseBatchAnswers { answers.reverse() }
            let recorded = Company.RecordedAnswer(status: 200, body: .object([
                .init("BatchItemResponse", .array(answers)), .init("time", .string(simulator.timestamp())),
            ]))
            if let requestId { company.answersByRequestId["batch:" + requestId] = recorded }
            return (recorded, false)
        }
        if recorded.replayed { simulator.count(.replayed) }
        return .json(recorded.0.body, status: recorded.0.status)
    }

    private func answer(to item: JSON, company: inout Company) -> JSON {
        simulator.count(.batchItem)
        let bId = JSON.Member("bId", .string(item["bId"]?.scalarText ?? ""))
        if let text = item["Query"]?.string {
            simulator.count(.query)
            do {
                let query = try Query.parse(text)
                return .object([bId, .init("QueryResponse", try QueryEvaluator(company: company).run(query))])
            } catch {
                return .object([bId, .init("Fault", error.faultJSON)])
            }
        }
        guard let member = (item.members ?? []).first(where: { EntityKind(name: $0.key) != nil }),
              let kind = EntityKind(name: member.key), member.value.isObject
        else {
            let fault = APIFault.badRequest("a batch item needs a Query or an entity (" + EntityKind.allCases.map(\.name).joined(separator: ", ") + ")")
            return .object([bId, .init("Fault", fault.faultJSON)])
        }
        let options = Set((item["optionsData"]?.string ?? "").lowercased().split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        })
        let operation = WriteOperation(kind: kind, body: member.value, operation: item["operation"]?.string, include: options)
        let answer = operation.perform(on: &company, simulator: simulator)
        var members = [bId]
        for member in answer.body.members ?? [] where member.key != "time" { members.append(member) }
        return .object(members)
    }

    private func fault(_ fault: APIFault) -> HTTPResponse {
        FaultResponses.fault(fault, time: simulator.timestamp())
    }
}
