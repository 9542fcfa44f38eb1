import AsyncHTTPClient
import NIOSSL

extension HTTPClient {
    /// The HTTP client every Synclet client uses (the store's, QuickBooks' API and OAuth): HTTP/1.1,
    /// no redirects followed, the configured connect and read timeouts, and no retry of a refused
    /// connection by the pool: a refused connection fails the attempt at once, and the caller's own
    /// retries (with `Backoff`) decide whether to try again, instead of the pool retrying until the
    /// connect timeout each time.
    ///
    /// ```swift
    /// let client = HTTPClient.synclet(connectTimeoutSeconds: 10, readTimeoutSeconds: 60)
    /// defer { Task { try? await client.shutdown() } }
    /// ```
    static func synclet(connectTimeoutSeconds: Double, readTimeoutSeconds: Double,
                        tls: TLSConfiguration? = nil, decompression: HTTPClient.Decompression = .disabled) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .milliseconds(Int64(connectTimeoutSeconds * 1000)),
                read: .milliseconds(Int64(readTimeoutSeconds * 1000))),
            decompression: decompression)
        configuration.httpVersion = .http1Only
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
