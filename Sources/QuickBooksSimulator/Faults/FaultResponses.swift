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
        case .http401Upper:
            return fault(APIFault(code: "3200", message: "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                  detail: "Token expired: the simulator was told to refuse this request (fault http401-upper)",
                                  type: "AUTHENTICATION", status: 401), time: time)
        case .http429:
            return throttled(time: time)
        case .http429XML:
            let xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
                + #"<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="\#(time)"><Fault type="SERVICE">"#
                + #"<Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"#
                + #"<Detail>The request limit was reached.</Detail></Error></Fault></IntuitResponse>"#
            var response = HTTPResponse.text(xml, status: 429, contentType: "application/xml")
            response.headers.append(("Retry-After", "60"))
            return response
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

    /// - Parameter limit: which limit was hit (`requests_per_minute`, `in_flight`, ...), named in the Detail.
    static func throttled(limit: String? = nil, time: String) -> HTTPResponse {
        var throttled = APIFault.throttled
        if let limit { throttled.detail += " (qbo-sim limit: \(limit))" }
        var response = fault(throttled, time: time)
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
