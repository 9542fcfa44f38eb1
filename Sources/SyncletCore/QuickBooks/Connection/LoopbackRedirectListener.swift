import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny HTTP listener on this machine's loopback that catches the browser's redirect to
/// `http://localhost:<port>/...`, so the operator need not paste it. It answers each request
/// with a short page and never listens beyond 127.0.0.1 (and ::1 when the system has it).
///
/// ```swift
/// let listener = try LoopbackRedirectListener(port: 8765)
/// listener.serve { target in
///     (200, "<p>Connected.</p>", finished: true)   // target: "/callback?code=...&state=..."
/// }
/// ```
public final class LoopbackRedirectListener: @unchecked Sendable {
    public let port: Int
    private let sockets: [Int32]
    private let lock = NSLock()
    private var stopped = false

    /// What the handler answers a request with.
    public struct Reply: Sendable {
        public var status: Int
        public var page: String
        /// Stop listening after this answer.
        public var finished: Bool

        public init(status: Int, page: String, finished: Bool) {
            self.status = status
            self.page = page
            self.finished = finished
        }
    }

    /// Binds the port on 127.0.0.1 (required) and ::1 (when possible).
    public init(port: Int) throws {
        self.port = port
        let v4 = try Self.openSocket(port: port, ipv6: false)
        var sockets = [v4]
        if let v6 = try? Self.openSocket(port: port, ipv6: true) { sockets.append(v6) }
        self.sockets = sockets
    }

    deinit {
        for socket in sockets { _ = close(socket) }
    }

    /// Stops `serve` within a fraction of a second; safe from any thread.
    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Answers requests on the calling thread until a reply says `finished` or `stop()` is called.
    /// `handle` gets each request's target (path and query).
    public func serve(_ handle: (String) -> Reply) {
        var descriptors = sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while !isStopped {
            let ready = poll(&descriptors, nfds_t(descriptors.count), 200)
            guard ready > 0 else { continue }
            for index in descriptors.indices where descriptors[index].revents & Int16(POLLIN) != 0 {
                let client = accept(descriptors[index].fd, nil, nil)
                guard client >= 0 else { continue }
                defer { _ = close(client) }
                guard let target = Self.readRequestTarget(client) else {
                    Self.answer(Reply(status: 400, page: "<p>Not an HTTP request.</p>", finished: false), to: client)
                    continue
                }
                let reply = handle(target)
                Self.answer(reply, to: client)
                if reply.finished {
                    stop()
                    return
                }
            }
        }
    }

    // MARK: - Sockets

    private static func openSocket(port: Int, ipv6: Bool) throws -> Int32 {
        #if canImport(Glibc)
        let stream = Int32(SOCK_STREAM.rawValue)
        #else
        let stream = SOCK_STREAM
        #endif
        let descriptor = socket(ipv6 ? AF_INET6 : AF_INET, stream, 0)
        guard descriptor >= 0 else { throw LoopbackListenerError(port: port, reason: String(cString: strerror(errno))) }
        var yes: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var result: Int32
        if ipv6 {
            _ = setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &yes, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port)).bigEndian
            address.sin6_addr = in6addr_loopback
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port)).bigEndian
            address.sin_addr = in_addr(s_addr: in_addr_t(0x7F00_0001).bigEndian)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if result == 0 { result = listen(descriptor, 8) }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            _ = close(descriptor)
            throw LoopbackListenerError(port: port, reason: reason)
        }
        return descriptor
    }

    /// The target of the request line (`GET /callback?code=... HTTP/1.1`), read within 5 s.
    private static func readRequestTarget(_ client: Int32) -> String? {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 16_384 {
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { break }
            received += buffer[0..<count]
            if received.contains(UInt8(ascii: "\n")) { break }
        }
        guard let end = received.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = String(decoding: received[..<end], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/") else { return nil }
        return String(parts[1])
    }

    private static func answer(_ reply: Reply, to client: Int32) {
        let body = Array("""
            <!doctype html><html><head><meta charset="utf-8"><title>Synclet</title></head>
            <body style="font-family: sans-serif; margin: 3em">\(reply.page)</body></html>

            """.utf8)
        let reason = reply.status == 200 ? "OK" : (reply.status == 404 ? "Not Found" : "Bad Request")
        let head = Array("HTTP/1.1 \(reply.status) \(reason)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \(body.count)\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n".utf8)
        let bytes = head + body
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            offset += written
        }
    }
}

/// The redirect URI's port cannot be listened on (already in use, or not allowed).
public struct LoopbackListenerError: Error, CustomStringConvertible {
    public let port: Int
    public let reason: String
    public var description: String { "cannot listen on 127.0.0.1:\(port) for the redirect (\(reason))" }
}
