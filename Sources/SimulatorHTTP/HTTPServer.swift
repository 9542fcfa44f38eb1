import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A simulator's HTTP/1 listener: binds one port and gives every connection NIO's HTTP server
/// pipeline followed by a handler of the simulator's own.
///
/// ```swift
/// let server = HTTPServer(host: "127.0.0.1", port: 0) { MyHandler() }
/// let port = try server.start()
/// defer { try? server.shutdown() }
/// ```
public final class HTTPServer: Sendable {
    private let host: String
    private let port: Int
    private let makeHandler: @Sendable () -> any ChannelHandler
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    private let channel = NIOLockedValueBox<Channel?>(nil)

    /// `makeHandler` is called on each new connection's event loop, so its handler never crosses threads.
    public init(host: String, port: Int, makeHandler: @escaping @Sendable () -> any ChannelHandler) {
        self.host = host
        self.port = port
        self.makeHandler = makeHandler
    }

    /// Binds and starts listening; returns the bound port (useful with port 0).
    public func start() throws -> Int {
        let makeHandler = self.makeHandler
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(makeHandler())
                }
            }
        let serverChannel = try bootstrap.bind(host: host, port: port).wait()
        channel.withLockedValue { $0 = serverChannel }
        guard let port = serverChannel.localAddress?.port else { throw HTTPServerError.noBoundPort }
        return port
    }

    /// Stops accepting connections; `waitUntilStopped()` then returns. Safe from any thread.
    public func stopListening() {
        channel.withLockedValue { $0 }?.close(promise: nil)
    }

    /// Blocks until the server stops listening.
    public func waitUntilStopped() throws {
        try channel.withLockedValue { $0 }?.closeFuture.wait()
    }

    /// Closes every connection and the event loops. Call from outside the event loops.
    public func shutdown() throws {
        stopListening()
        try group.syncShutdownGracefully()
    }
}

/// Why `HTTPServer.start()` failed after binding.
public enum HTTPServerError: Error, CustomStringConvertible {
    case noBoundPort

    public var description: String {
        "the server socket was bound but reports no port; check --host"
    }
}
