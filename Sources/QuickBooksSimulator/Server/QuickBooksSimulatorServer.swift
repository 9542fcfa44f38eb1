import NIOCore
import NIOHTTP1
import NIOPosix

/// The simulator's HTTP server: OAuth, the `/v3/company/<realm>/` API and the `/__control/` API
/// on one port.
///
/// ```swift
/// var configuration = QuickBooksSimulatorConfiguration()
/// configuration.limits.requestsPerMinute = 100_000
/// let server = QuickBooksSimulatorServer(configuration: configuration)
/// let port = try server.start()
/// defer { try? server.shutdown() }
/// ```
public final class QuickBooksSimulatorServer: @unchecked Sendable {
    let simulator: Simulator
    private let group: MultiThreadedEventLoopGroup
    private let channel = Locked<Channel?>(nil)

    public init(configuration: QuickBooksSimulatorConfiguration) {
        simulator = Simulator(configuration: configuration)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    }

    /// Binds and starts listening; returns the bound port (useful with port 0).
    public func start() throws -> Int {
        let simulator = self.simulator
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                // Built on the channel's own event loop, so the non-Sendable handler never crosses threads.
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(simulator: simulator))
                }
            }
        let serverChannel = try bootstrap.bind(host: simulator.configuration.host, port: simulator.configuration.port).wait()
        channel.withLock { $0 = serverChannel }
        let stop: @Sendable () -> Void = { [weak self] in self?.stopListening() }
        simulator.shutdownRequest.withLock { $0 = stop }
        guard let port = serverChannel.localAddress?.port else { throw QuickBooksSimulatorServerError.noBoundPort }
        return port
    }

    /// Stops accepting connections; `waitUntilStopped()` then returns. Safe from any thread.
    public func stopListening() {
        channel.withLock { $0 }?.close(promise: nil)
    }

    /// Blocks until the server stops listening (SIGTERM, `POST /__control/shutdown`, or `stopListening()`).
    public func waitUntilStopped() throws {
        try channel.withLock { $0 }?.closeFuture.wait()
    }

    /// Closes every connection and the event loops. Call from outside the event loops.
    public func shutdown() throws {
        stopListening()
        try group.syncShutdownGracefully()
    }
}

public enum QuickBooksSimulatorServerError: Error, CustomStringConvertible {
    case noBoundPort

    public var description: String {
        "the server socket was bound but reports no port; check --host"
    }
}
