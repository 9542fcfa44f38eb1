import SimulatorHTTP

/// An HTTP request reduced to what the simulator looks at.
struct SimulatorRequest {
    var method: String
    var path: String
    /// Query parameters decoded like PHP's `$_GET`: `+` is a space, and a repeated name keeps its last value.
    var query: [String: String]
    var body: [UInt8]

    init(method: String, uri: String, body: [UInt8]) {
        self.method = method
        self.body = body
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = parts.first.map(String.init) ?? "/"
        query = parts.count > 1 ? FormDecoding.fields(parts[1]) : [:]
    }

    /// A non-negative integer parameter the way PHP's `(int)` cast reads it; nil when absent or not a number.
    func integer(_ name: String) -> Int? {
        guard let text = query[name]?.trimmingWhitespace() else { return nil }
        let digits = text.prefix { $0.isNumber || $0 == "-" }
        return Int(digits)
    }
}

/// What the simulator answers; the HTTP handler turns it into bytes on the wire.
struct SimulatorResponse {
    var status: Int
    var contentType: String
    var body: [UInt8]
    var extraHeaders: [(String, String)] = []
    /// Close the connection once the body is sent (a truncated answer).
    var closesConnection = false
    var delayMilliseconds = 0
    /// Answer nothing and close the connection after this long (the `timeout` fault).
    var holdSeconds: Int?
    /// Send the body one byte at a time with this pause between bytes (the `trickle` fault).
    var trickleMilliseconds: Int?
    /// Runs once the response is on its way (used by `POST /_sim/shutdown`).
    var afterSending: (@Sendable () -> Void)?

    static func json(_ value: JSONValue, status: Int = 200) -> SimulatorResponse {
        SimulatorResponse(status: status, contentType: "application/json", body: PHPJSONEncoder().encode(value))
    }

    static func html(_ text: String, status: Int) -> SimulatorResponse {
        SimulatorResponse(status: status, contentType: "text/html; charset=UTF-8", body: Array(text.utf8))
    }
}
