import Foundation

/// What each fault looks like on the wire.
enum FaultResponses {
    static func response(for kind: FaultKind, now: Date) -> HTTPResponse {
        let time = SimulatorClock.intuitTimestamp(now)
        switch kind {
        case .http500:
            return fault(.applicationError, time: time)
        case .http503:
            var unavailable = APIFault.applicationError
            unavailable.status = 503
            return fault(unavailable, time: time)
        case .http401:
            return authenticationFailed("Token expired: the simulator was told to refuse this request (fault http401)", now: now)
        case .http429:
            return throttled(time: time)
        case .drop, .applyThenDrop, .slow:
            var response = HTTPResponse(status: 200)
            response.delivery = .drop
            return response
        }
    }

    /// `{"Fault": {...}, "time": ...}` with the fault's own HTTP status.
    static func fault(_ fault: APIFault, time: String) -> HTTPResponse {
        .json(.object([.init("Fault", fault.faultJSON), .init("time", .string(time))]), status: fault.status)
    }

    static func throttled(time: String) -> HTTPResponse {
        var response = fault(.throttled, time: time)
        response.headers.append(("Retry-After", "60"))
        return response
    }

    /// A 401 from the API comes in the lower-case envelope of section 8.
    static func authenticationFailed(_ detail: String, now: Date) -> HTTPResponse {
        var response = HTTPResponse.json(.object([
            .init("warnings", .null),
            .init("intuitObject", .null),
            .init("fault", .object([
                .init("error", .array([.object([
                    .init("message", .string("message=AuthenticationFailed; errorCode=003200; statusCode=401")),
                    .init("detail", .string(detail)),
                    .init("code", .string("3200")),
                    .init("element", .null),
                ])])),
                .init("type", .string("AUTHENTICATION")),
            ])),
            .init("report", .null),
            .init("queryResponse", .null),
            .init("batchItemResponse", .array([])),
            .init("attachableResponse", .array([])),
            .init("syncErrorResponse", .null),
            .init("requestId", .null),
            .init("time", .number(String(Int64((now.timeIntervalSince1970 * 1000).rounded())))),
            .init("status", .null),
            .init("cdcresponse", .array([])),
        ]), status: 401)
        response.headers.append(("WWW-Authenticate", "Bearer realm=\"Intuit\", error=\"invalid_token\""))
        return response
    }
}
