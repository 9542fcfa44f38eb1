import SimulatorHTTP

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
public final class QuickBooksSimulatorServer: ListeningServer, @unchecked Sendable {
    let simulator: Simulator
    private let http: HTTPServer

    public init(configuration: QuickBooksSimulatorConfiguration) {
        simulator = Simulator(configuration: configuration)
        let simulator = self.simulator
        http = HTTPServer(host: configuration.host, port: configuration.port) { HTTPHandler(simulator: simulator) }
    }

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

    /// Blocks until the server stops listening (SIGTERM, `POST /__control/shutdown`, or `stopListening()`).
    public func waitUntilStopped() throws {
        try http.waitUntilStopped()
    }

    /// Closes every connection and the event loops. Call from outside the event loops.
    public func shutdown() throws {
        try http.shutdown()
    }
}

/// Why `start()` failed after binding (the shared `HTTPServerError`).
public typealias QuickBooksSimulatorServerError = HTTPServerError
