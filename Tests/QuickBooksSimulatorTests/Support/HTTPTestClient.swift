import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately tiny blocking HTTP/1.1 client over a raw socket, one connection per request, so
/// tests see exactly what the simulator puts on the wire, including an answer that never comes.
struct HTTPTestResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    /// False when the connection closed before any response arrived.
    var answered: Bool

    var text: String { String(decoding: body, as: UTF8.self) }
}

enum HTTPTestError: Error {
    case connectFailed(Int32)
}

struct HTTPTestClient {
    let port: Int
    var readTimeoutSeconds = 15

    func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: String = "") throws -> HTTPTestResponse {
        let descriptor = try connect()
        defer { close(descriptor) }
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n" + body
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        return parse(readAll(descriptor))
    }

    private func connect() throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: readTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            throw HTTPTestError.connectFailed(errno)
        }
        return descriptor
    }

    private func readAll(_ descriptor: Int32) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            received += chunk[0..<count]
        }
        return received
    }

    private func parse(_ bytes: [UInt8]) -> HTTPTestResponse {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.firstRange(of: separator) else {
            return HTTPTestResponse(status: 0, headers: [:], body: bytes, answered: !bytes.isEmpty)
        }
        let headText = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return HTTPTestResponse(status: statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0, headers: headers,
                                body: Array(bytes[end.upperBound...]), answered: true)
    }
}
