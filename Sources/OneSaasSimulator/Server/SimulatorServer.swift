import SimulatorHTTP

/// The simulator's HTTP server: the OneSaas Connect endpoint and the `/_sim/` control API on one port.
///
/// ```swift
/// var configuration = SimulatorConfiguration()
/// configuration.store.orderCount = 500
/// let server = SimulatorServer(configuration: configuration)
/// let port = try server.start()
/// defer { try? server.shutdown() }
/// ```
public final class SimulatorServer: ListeningServer, @unchecked Sendable {
    let simulator: Simulator
    private let http: HTTPServer

    /// Generates the store; with 100,000 orders this takes a moment, before any port is bound.
    public init(configuration: SimulatorConfiguration) {
        simulator = Simulator(configuration: configuration)
        let simulator = self.simulator
        http = HTTPServer(host: configuration.host, port: configuration.port) { HTTPHandler(simulator: simulator) }
    }

    /// The simulated store, for in-process tests.
    public var store: Store { simulator.store }

    /// Binds and starts listening; returns the bound port (useful with port 0).
    public func start() throws -> Int {
        let port = try http.start()
        let stop: @Sendable () -> Void = { [weak self] in self?.stopListening() }
        simulator.shutdownRequest.withLock { $0 = stop }
        return port
    }

    /// Stops accepting connections; `waitUntilStopped()` then returns. Safe from any thread.
    public func stopListening() {
        http.stopListening()
    }

    /// Blocks until the server stops listening (SIGTERM, `POST /_sim/shutdown`, or `stopListening()`).
    public func waitUntilStopped() throws {
        try http.waitUntilStopped()
    }

    /// Closes every connection and the event loops. Call from outside the event loops.
    public func shutdown() throws {
        try http.shutdown()
    }
}

/// Why `start()` failed after binding (the shared `HTTPServerError`).
public typealias SimulatorServerError = HTTPServerError
