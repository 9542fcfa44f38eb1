import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// One HTTP answer of the endpoint, before classification.
public struct FetchedBody: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// The `Date` header as sent.
    public var serverDate: String?
    public var retryAfterSeconds: Double?
    public var milliseconds: Int
}

/// Why talking to the endpoint failed for good.
public enum EndpointError: Error, CustomStringConvertible {
    /// `{"Error":"Invalid API key"}`: exit code 3.
    case keyRejected
    /// Another `{"Error": ...}` answer such as `Invalid Action`: exit code 3.
    case requestRejected(String)
    /// Every attempt at one request failed; the last problem is named.
    case gaveUp(what: String, attempts: Int, lastProblem: String)
    /// An HTTP status that retrying cannot fix (e.g. 404: a wrong MAGENTO_BASE_URL).
    case unexpectedStatus(what: String, status: Int, excerpt: String)
    /// The TLS handshake failed: the store's certificate could not be verified.
    case tlsFailed(what: String, detail: String)

    public var description: String {
        switch self {
        case .keyRejected:
            return "the store rejected the access key (\"Invalid API key\"): check MAGENTO_ACCESS_KEY against the key in the OneSaas Connect extension's settings"
        case .requestRejected(let message):
            return "the store rejected the request: \"\(message)\"; check MAGENTO_BASE_URL points at the OneSaas Connect endpoint"
        case .gaveUp(let what, let attempts, let lastProblem):
            return "\(what) failed after \(attempts) attempts; last: \(lastProblem)"
        case .unexpectedStatus(let what, let status, let excerpt):
            return "\(what) answered HTTP \(status): \"\(excerpt)\"; check MAGENTO_BASE_URL"
        case .tlsFailed(let what, let detail):
            return "\(what): the store's TLS certificate could not be verified (\(detail)); if the store uses a private CA, name its certificate file in pipeline.yaml under http.ca_file"
        }
    }

    /// True when the store refused the key or the request: retrying cannot help.
    public var isRejection: Bool {
        switch self {
        case .keyRejected, .requestRejected: return true
        default: return false
        }
    }
}

/// Talks to the OneSaas Connect endpoint: builds requests, applies timeouts, retries transient
/// failures with exponential backoff and jitter, and classifies every answer.
///
/// ```swift
/// let client = try OneSaasClient(settings: magento, http: pipeline.http, log: log)
/// defer { client.shutdown() }
/// let page = try await client.fetchOrdersPage(0, request: manifest.request)
/// ```
public final class OneSaasClient: @unchecked Sendable {
    private let settings: MagentoSettings
    private let http: PipelineConfiguration.HTTP
    private let client: HTTPClient
    private let log: Log

    public init(settings: MagentoSettings, http: PipelineConfiguration.HTTP, log: Log) throws {
        self.settings = settings
        self.http = http
        self.log = log
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caFile = http.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ConfigurationError(variable: "http.ca_file", problem: "names \(caFile), which cannot be read")
            }
            tls.additionalTrustRoots = [.file(caFile)]
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .milliseconds(Int64(http.connectTimeoutSeconds * 1000)),
                read: .milliseconds(Int64(http.readTimeoutSeconds * 1000))),
            decompression: .enabled(limit: .ratio(50)))
        configuration.httpVersion = .http1Only
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// The URL of one request; holds the access key, so it is never logged or stored.
    func url(parameters: [(String, String)]) -> String {
        guard var components = URLComponents(url: settings.baseURL, resolvingAgainstBaseURL: false) else {
            return settings.baseURL.absoluteString
        }
        var items = components.queryItems ?? []
        items.append(URLQueryItem(name: "AccessKey", value: settings.accessKey))
        items += parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        components.queryItems = items
        // `+` in a key would read as a space on the PHP side.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? settings.baseURL.absoluteString
    }

    public static func ordersParameters(page: Int, request: OrdersRequest) -> [(String, String)] {
        var parameters = [
            ("Action", "Orders"),
            ("PageSize", String(request.pageSize)),
            ("Page", String(page)),
            ("OrderCreatedTime", request.orderCreatedTime.description),
        ]
        if let lastUpdated = request.lastUpdatedTime {
            parameters.append(("LastUpdatedTime", lastUpdated.description))
        }
        return parameters
    }

    /// Fetches one page of orders, retrying until it is a valid answer. Returns the body with
    /// its classification; throws `EndpointError` when the store refuses or keeps failing.
    public func fetchOrdersPage(_ page: Int, request: OrdersRequest) async throws -> (FetchedBody, PageResponse, attempts: Int) {
        try await fetchValid(what: "page \(page)", parameters: Self.ordersParameters(page: page, request: request))
    }

    /// `Action=StoreInfo`: a cheap call that proves the key and names the store.
    public func storeInfo() async throws -> JSONValue {
        try await configuration(action: "StoreInfo")
    }

    /// One of the cheap configuration actions (`StoreInfo`, `TaxCodes`, `PaymentGateways`), parsed.
    public func configuration(action: String) async throws -> JSONValue {
        let (fetched, _) = try await fetchWithRetries(what: action, parameters: [("Action", action)]) { body in
            let value = try JSONParser.parse(body)
            if let message = value["Error"]?.stringValue { throw Self.rejection(message) }
            return value
        }
        return try JSONParser.parse(fetched.body)
    }

    private func fetchValid(what: String, parameters: [(String, String)]) async throws -> (FetchedBody, PageResponse, attempts: Int) {
        var attempts = 0
        let (fetched, response) = try await fetchWithRetries(what: what, parameters: parameters) { body in
            attempts += 1
            let response = try PageResponse.classify(body, keepingOrders: false)
            if case .endpointError(let message) = response { throw Self.rejection(message) }
            return response
        }
        return (fetched, response, attempts)
    }

    static func rejection(_ message: String) -> EndpointError {
        message.localizedCaseInsensitiveContains("api key") ? .keyRejected : .requestRejected(message)
    }

    /// Sends a GET until `accept` takes the body. Connection errors, timeouts, 5xx, 429 and
    /// bodies `accept` throws on (other than rejections) are retried with backoff.
    private func fetchWithRetries<T>(
        what: String, parameters: [(String, String)], accept: ([UInt8]) throws -> T
    ) async throws -> (FetchedBody, T) {
        let totalAttempts = http.retries + 1
        var lastProblem = ""
        for attempt in 1...totalAttempts {
            var waitSeconds: Double? = nil
            do {
                let fetched = try await get(parameters: parameters)
                switch fetched.status {
                case 200:
                    do {
                        return (fetched, try accept(fetched.body))
                    } catch let error as EndpointError {
                        throw error
                    } catch {
                        lastProblem = "HTTP 200 with \(error)"
                    }
                case 429, 500...599:
                    lastProblem = "HTTP \(fetched.status): \"\(PageResponse.excerpt(fetched.body))\""
                    waitSeconds = fetched.retryAfterSeconds
                default:
                    throw EndpointError.unexpectedStatus(what: what, status: fetched.status, excerpt: PageResponse.excerpt(fetched.body))
                }
            } catch let error as EndpointError {
                throw error
            } catch let error where error is CancellationError || Task.isCancelled {
                // Paging reached the end while this request was in flight: nothing to report.
                throw error
            } catch let error as NIOSSLError {
                // A certificate that does not verify will not verify on the next attempt either.
                throw EndpointError.tlsFailed(what: what, detail: Self.tlsDetail(error))
            } catch {
                lastProblem = describe(error)
            }
            guard attempt < totalAttempts else { break }
            try Task.checkCancellation()
            let delay = waitSeconds.map { min($0, http.backoffMaximumSeconds * 4) } ?? backoff(attempt: attempt)
            log.warning("\(what): \(lastProblem); attempt \(attempt) of \(totalAttempts), retrying in \(String(format: "%.1f", delay))s")
            try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
        }
        throw EndpointError.gaveUp(what: what, attempts: totalAttempts, lastProblem: lastProblem)
    }

    /// Exponential backoff with full jitter between half and the whole step.
    private func backoff(attempt: Int) -> Double {
        let step = min(http.backoffMaximumSeconds, http.backoffInitialSeconds * pow(2, Double(attempt - 1)))
        return step * Double.random(in: 0.5...1.0)
    }

    /// The reason inside BoringSSL's message, e.g. `CERTIFICATE_VERIFY_FAILED`, without file paths.
    static func tlsDetail(_ error: NIOSSLError) -> String {
        let text = "\(error)"
        if let range = text.range(of: #"OPENSSL_internal:[A-Z_]+"#, options: .regularExpression) {
            return String(text[range].dropFirst("OPENSSL_internal:".count))
        }
        return text
    }

    private func describe(_ error: Error) -> String {
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .readTimeout: return "no answer within \(http.readTimeoutSeconds)s (read timeout)"
            case .connectTimeout: return "could not connect within \(http.connectTimeoutSeconds)s (connect timeout)"
            case .deadlineExceeded: return "the request took too long"
            case .remoteConnectionClosed: return "the store closed the connection before the answer was complete (truncated)"
            default: break
            }
        }
        return "\(error)"
    }

    private func get(parameters: [(String, String)]) async throws -> FetchedBody {
        var request = HTTPClientRequest(url: url(parameters: parameters))
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "Synclet/\(SyncletVersion.version)")
        request.headers.add(name: "Accept", value: "application/json")
        let started = DispatchTime.now()
        let response = try await client.execute(request, timeout: .seconds(Int64(http.readTimeoutSeconds * 10 + http.connectTimeoutSeconds)))
        var buffer = try await response.body.collect(upTo: 256 * 1024 * 1024)
        let body = buffer.readBytes(length: buffer.readableBytes) ?? []
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length != body.count {
            throw HTTPClientError.remoteConnectionClosed
        }
        return FetchedBody(
            status: Int(response.status.code),
            body: body,
            serverDate: response.headers.first(name: "Date"),
            retryAfterSeconds: response.headers.first(name: "Retry-After").flatMap(Double.init),
            milliseconds: Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000))
    }
}
