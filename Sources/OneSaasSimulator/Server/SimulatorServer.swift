import NIOCore
import NIOHTTP1
import NIOPosix

/// The simulator's HTTP server: the OneSaas Connect endpoint and the `/_sim/` control API on one port.
///
/// ```swift
/// var configuration = SimulatorConfiguration()
/// configuration.store.orderCount = 500
/// let server = SimulatorServer(configuration: configuration)
/// let port = try server.start()
/// defer { try? server.shutdown() }
/// ```
public final class SimulatorServer: @unchecked Sendable {
    let simulator: Simulator
    private let group: MultiThreadedEventLoopGroup
    private let channel = Locked<Channel?>(nil)

    /// Generates the store; with 100,000 orders this takes a moment, before any port is bound.
    public init(configuration: SimulatorConfiguration) {
        simulator = Simulator(configuration: configuration)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    }

    /// The simulated store, for in-process tests.
    public var store: Store { simulator.store }

    /// Binds and starts listening; returns the bound port (useful with port 0).
    public func start() throws -> Int {
        let simulator = self.simulator
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(HTTPHandler(simulator: simulator))
                }
            }
        let serverChannel = try bootstrap.bind(host: simulator.configuration.host, port: simulator.configuration.port).wait()
        channel.withLock { $0 = serverChannel }
        let stop: @Sendable () -> Void = { [weak self] in self?.stopListening() }
        simulator.shutdownRequest.withLock { $0 = stop }
        guard let port = serverChannel.localAddress?.port else { throw SimulatorServerError.noBoundPort }
        return port
    }

    /// Stops accepting connections; `waitUntilStopped()` then returns. Safe from any thread.
    public func stopListening() {
        channel.withLock { $0 }?.close(promise: nil)
    }

    /// Blocks until the server stops listening (SIGTERM, `POST /_sim/shutdown`, or `stopListening()`).
    public func waitUntilStopped() throws {
        try channel.withLock { $0 }?.closeFuture.wait()
    }

    /// Closes every connection and the event loops. Call from outside the event loops.
    public func shutdown() throws {
        stopListening()
        try group.syncShutdownGracefully()
    }
}

public enum SimulatorServerError: Error, CustomStringConvertible {
    case noBoundPort

    public var description: String {
        "the server socket was bound but reports no port; check --host"
    }
}
