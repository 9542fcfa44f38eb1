import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SyncletCore

/// The floor of the source: every page of the run fetched one after another over one
/// keep-alive connection, with nothing done to the bodies. No client can extract faster at
/// concurrency 1; with concurrency, only the store's own parallelism beats it.
struct DownloadFloor {
    let baseURL: URL
    let accessKey: String
    let request: OrdersRequest

    struct Result {
        var seconds: Double
        var pages: Int
        var bytes: Int
        var connections: Int
    }

    /// Fetches pages `0..<pageCount` (the run's order pages plus the terminal page).
    func measure(pageCount: Int) throws -> Result {
        guard let host = baseURL.host, let port = baseURL.port else { throw BenchError("no host and port in \(baseURL)") }
        var connection = try KeepAliveConnection(host: host, port: port)
        var connections = 1
        defer { connection.close() }
        var bytes = 0
        let start = monotonicSeconds()
        for page in 0..<pageCount {
            let target = try self.target(page: page)
            let (status, body, keepsAlive) = try connection.get(target, host: host)
            guard status == 200 else { throw BenchError("download floor: page \(page) answered HTTP \(status)") }
            bytes += body.count
            if !keepsAlive {
                connection.close()
                connection = try KeepAliveConnection(host: host, port: port)
                connections += 1
            }
        }
        return Result(seconds: monotonicSeconds() - start, pages: pageCount, bytes: bytes, connections: connections)
    }

    /// Path and query exactly as the extract stage asks for them.
    func target(page: Int) throws -> String {
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else { throw BenchError("bad URL \(baseURL)") }
        components.queryItems = [URLQueryItem(name: "AccessKey", value: accessKey)]
            + OneSaasClient.ordersParameters(page: page, request: request).map { URLQueryItem(name: $0.0, value: $0.1) }
        let query = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
        return components.percentEncodedPath + "?" + query
    }
}

/// A minimal HTTP/1.1 client on a blocking socket: GET, Content-Length bodies, keep-alive.
/// Just enough for the simulator, so the floor measures the store and the wire, not a client.
struct KeepAliveConnection {
    private let socketDescriptor: Int32
    private var buffer: [UInt8] = []

    init(host: String, port: Int) throws {
        socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw BenchError("download floor needs an IPv4 address, got \(host)") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchError("connect to \(host):\(port): \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(socketDescriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    func close() {
        _ = Glibc.close(socketDescriptor)
    }

    mutating func get(_ target: String, host: String) throws -> (status: Int, body: [UInt8], keepsAlive: Bool) {
        let request = "GET \(target) HTTP/1.1\r\nHost: \(host)\r\nConnection: keep-alive\r\n\r\n"
        var bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeMutableBytes { send(socketDescriptor, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchError("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
        bytes.removeAll()

        let headerEnd = try readUntilHeaderEnd()
        let head = String(decoding: buffer[..<headerEnd], as: UTF8.self)
        buffer.removeFirst(headerEnd + 4)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw BenchError("bad status line: \(lines.first ?? "")")
        }
        var length = 0
        var keepsAlive = true
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0].lowercased() {
            case "content-length": length = Int(parts[1]) ?? 0
            case "connection": keepsAlive = parts[1].lowercased() != "close"
            case "transfer-encoding": throw BenchError("the download floor does not speak \(parts[1]) bodies")
            default: break
            }
        }
        try fill(atLeast: length)
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return (status, body, keepsAlive)
    }

    private mutating func readUntilHeaderEnd() throws -> Int {
        var searchFrom = 0
        while true {
            if buffer.count >= 4 {
                var index = searchFrom
                while index + 3 < buffer.count {
                    if buffer[index] == 13, buffer[index + 1] == 10, buffer[index + 2] == 13, buffer[index + 3] == 10 { return index }
                    index += 1
                }
                searchFrom = max(0, buffer.count - 3)
            }
            try receive()
        }
    }

    private mutating func fill(atLeast count: Int) throws {
        while buffer.count < count { try receive() }
    }

    private mutating func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        let n = chunk.withUnsafeMutableBytes { recv(socketDescriptor, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw BenchError(n == 0 ? "the store closed the connection" : "recv: \(String(cString: strerror(errno)))") }
        buffer.append(contentsOf: chunk[..<n])
    }
}
