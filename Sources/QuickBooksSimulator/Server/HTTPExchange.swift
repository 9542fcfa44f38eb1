import SimulatorHTTP

/// An HTTP request reduced to what the simulator looks at.
struct HTTPRequest: Sendable {
    var method: String
    /// The request target as sent, query included.
    var uri: String
    /// The path without the query, percent-decoded.
    var path: String
    /// Query parameters, decoded as a form (`+` is a space); a repeated name keeps its last value.
    var query: [String: String]
    /// Header names in lower case.
    var headers: [String: String]
    var body: [UInt8]

    init(method: String, uri: String, headers: [(String, String)], body: [UInt8]) {
        self.method = method
        self.uri = uri
        self.body = body
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = FormDecoding.decode(parts.first ?? "/", plusIsSpace: false)
        query = parts.count > 1 ? FormDecoding.fields(parts[1]) : [:]
        var lowered: [String: String] = [:]
        for (name, value) in headers { lowered[name.lowercased()] = value }
        self.headers = lowered
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// `operation=update&include=void`: the parameter's comma-separated values, lower-cased.
    func queryValues(_ name: String) -> Set<String> {
        guard let text = query[name] else { return [] }
        return Set(text.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }
}

/// How the answer leaves the simulator.
enum Delivery: Sendable {
    /// Written normally.
    case answer
    /// Nothing written; the connection is closed (a request lost on the way, or a committed write
    /// whose answer is lost).
    case drop
}

/// What the simulator answers; the HTTP handler puts it on the wire.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    var delivery = Delivery.answer
    var delayMilliseconds = 0
    /// Runs once the answer has left (or the connection was dropped): ends the in-flight count.
    var completion: (@Sendable () -> Void)?

    static func json(_ value: JSON, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json;charset=UTF-8")], body: value.bytes)
    }

    static func text(_ text: String, status: Int, contentType: String = "text/plain; charset=UTF-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    static func redirect(to location: String) -> HTTPResponse {
        HTTPResponse(status: 302, headers: [("Location", location), ("Content-Type", "text/plain; charset=UTF-8")],
                     body: Array("Redirecting to \(location)\n".utf8))
    }
}

extension FormDecoding {
    /// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay as they are).
    static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "-._~".unicodeScalars.contains(scalar) {
                output.unicodeScalars.append(scalar)
            } else {
                output += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return output
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
