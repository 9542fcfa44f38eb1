import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
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
    /// An `https` URL reached a port that answers plain HTTP.
    case notTLS(what: String, detail: String)

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
        case .notTLS(let what, let detail):
            return "\(what): MAGENTO_BASE_URL says https, but the server at that address and port answered plain HTTP, not TLS (\(detail)); use the store's https port (usually 443), or http:// if the store really serves plain HTTP"
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
    let http: PipelineConfiguration.HTTP
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
        self.client = HTTPClient.synclet(connectTimeoutSeconds: http.connectTimeoutSeconds, readTimeoutSeconds: http.readTimeoutSeconds,
                                         tls: tls, decompression: .enabled(limit: .ratio(50)))
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
    /// With `pacing`, each attempt waits for a slot and tells it how the store answered.
    public func fetchOrdersPage(_ page: Int, request: OrdersRequest, pacing: AdaptiveConcurrency? = nil) async throws -> (FetchedBody, PageResponse, attempts: Int) {
        try await fetchValid(what: "page \(page)", parameters: Self.ordersParameters(page: page, request: request), pacing: pacing)
    }

    /// `Action=StoreInfo`: a cheap call that proves the key and names the store.
    public func storeInfo() async throws -> JSONValue {
        try await configuration(action: "StoreInfo")
    }

    /// One of the cheap configuration actions (`StoreInfo`, `TaxCodes`, `PaymentGateways`), parsed.
    public func configuration(action: String) async throws -> JSONValue {
        let (fetched, _) = try await fetchWithRetries(what: action, parameters: [("Action", action)]) { body in
            let value = try JSONParser.parse(body)
            if let message = value["Error"]?.stringValue { throw Self.classifyError(message) }
            return value
        }
        return try JSONParser.parse(fetched.body)
    }

    private func fetchValid(what: String, parameters: [(String, String)], pacing: AdaptiveConcurrency?) async throws -> (FetchedBody, PageResponse, attempts: Int) {
        var attempts = 0
        let (fetched, response) = try await fetchWithRetries(what: what, parameters: parameters, pacing: pacing) { body in
            attempts += 1
            let response = try PageResponse.classify(body, keepingOrders: false)
            if case .endpointError(let message) = response { throw Self.classifyError(message) }
            return response
        }
        return (fetched, response, attempts)
    }

    /// What an `{"Error": ...}` answer means. Only the extension's own refusals are rejections
    /// (exit 3, not retried); anything else it passes on, such as a PHP exception or a database
    /// error (`SQLSTATE[HY000] [2002] Connection refused`), is a failure of the store that may pass,
    /// so it is retried like a 500 and in the end fails the run (exit 1) naming what the store said.
    static func classifyError(_ message: String) -> Error {
        if message.localizedCaseInsensitiveContains("api key") || message.localizedCaseInsensitiveContains("access key") {
            return EndpointError.keyRejected
        }
        if message.localizedCaseInsensitiveContains("invalid action") {
            return EndpointError.requestRejected(message)
        }
        return StoreSideError(message: message)
    }

    /// Sends a GET until `accept` takes the body. Connection errors, timeouts, 5xx, 429 and
    /// bodies `accept` throws on (other than rejections) are retried with backoff.
    private func fetchWithRetries<T>(
        what: String, parameters: [(String, String)], pacing: AdaptiveConcurrency? = nil, accept: ([UInt8]) throws -> T
    ) async throws -> (FetchedBody, T) {
        let totalAttempts = http.retries + 1
        var lastProblem = ""
        for attempt in 1...totalAttempts {
            var waitSeconds: Double? = nil
            do {
                let fetched = try await paced(pacing) { try await self.get(parameters: parameters) }
                switch fetched.status {
                case 200:
                    do {
                        return (fetched, try accept(fetched.body))
                    } catch let error as EndpointError {
                        throw error
                    } catch let error as StoreSideError {
                        lastProblem = "\(error)"
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
                let detail = Self.tlsDetail(error)
                if Self.plainHTTPReasons.contains(detail) { throw EndpointError.notTLS(what: what, detail: detail) }
                throw EndpointError.tlsFailed(what: what, detail: detail)
            } catch {
                lastProblem = describe(error)
            }
            guard attempt < totalAttempts else { break }
            try Task.checkCancellation()
            let delay = waitSeconds.map(http.backoff.honouring(retryAfter:)) ?? http.backoff.delay(afterAttempt: attempt)
            log.warning("\(what): \(lastProblem); attempt \(attempt) of \(totalAttempts), retrying in \(String(format: "%.1f", delay))s")
            try await Task.sleep(nanoseconds: Backoff.nanoseconds(delay))
        }
        throw EndpointError.gaveUp(what: what, attempts: totalAttempts, lastProblem: lastProblem)
    }

    /// One attempt under `pacing`: waits for a slot, and tells it whether the store was overloaded.
    private func paced(_ pacing: AdaptiveConcurrency?, _ attempt: () async throws -> FetchedBody) async throws -> FetchedBody {
        guard let pacing else { return try await attempt() }
        let ticket = try await pacing.acquire()
        let result: Result<FetchedBody, Error>
        do {
            result = .success(try await attempt())
        } catch {
            result = .failure(error)
        }
        await pacing.release(ticket, Self.bearing(of: result))
        return try result.get()
    }

    /// What an attempt's outcome says of the store's load: 429, 503 and timeouts say it is
    /// overloaded; an answer says it copes.
    static func bearing(of result: Result<FetchedBody, Error>) -> AdaptiveConcurrency.Answer {
        switch result {
        case .success(let fetched):
            switch fetched.status {
            case 429, 503: return .overloaded(retryAfter: fetched.retryAfterSeconds)
            case 200: return .good
            default: return .neutral
            }
        case .failure(let error):
            if error is RequestDeadlineExceeded { return .overloaded(retryAfter: nil) }
            if let clientError = error as? HTTPClientError,
               [.readTimeout, .connectTimeout, .deadlineExceeded].contains(clientError) {
                return .overloaded(retryAfter: nil)
            }
            return .neutral
        }
    }

    /// BoringSSL's reasons when the peer's first bytes are not a TLS record, e.g. `HTTP/1.1 400`.
    static let plainHTTPReasons: Set<String> = ["WRONG_VERSION_NUMBER", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG", "RECORD_TOO_LARGE"]

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
            case .readTimeout: return "no answer within \(Self.seconds(http.readTimeoutSeconds)) (read timeout, http.read_timeout_seconds)"
            case .connectTimeout: return "could not connect within \(Self.seconds(http.connectTimeoutSeconds)) (connect timeout, http.connect_timeout_seconds)"
            case .deadlineExceeded: return "the answer was not complete within \(Self.seconds(http.requestTimeoutSeconds)) (http.request_timeout_seconds)"
            case .remoteConnectionClosed: return "the store closed the connection before the answer was complete (truncated)"
            default: break
            }
        }
        if let deadline = error as? RequestDeadlineExceeded {
            return "the answer was not complete within \(Self.seconds(http.requestTimeoutSeconds)) (http.request_timeout_seconds): the store sent \(deadline.describedProgress)"
        }
        return Self.describeConnectionError(error)
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }

    /// NIO's socket errors read `connection reset (error set): Connection refused`; an operator
    /// needs the system's reason alone.
    static func describeConnectionError(_ error: Error) -> String {
        let ioErrors: [IOError]
        if let connectionError = error as? NIOConnectionError {
            ioErrors = connectionError.connectionErrors.compactMap { $0.error as? IOError }
        } else if let ioError = error as? IOError {
            ioErrors = [ioError]
        } else {
            ioErrors = []
        }
        if let ioError = ioErrors.first {
            switch ioError.errnoCode {
            case ECONNREFUSED: return "connection refused: nothing listens at that address and port"
            case ECONNRESET: return "the store reset the connection"
            case EHOSTUNREACH, ENETUNREACH: return "the store's host cannot be reached (\(String(cString: strerror(ioError.errnoCode))))"
            default: return String(cString: strerror(ioError.errnoCode)).lowercased()
            }
        }
        if let connectionError = error as? NIOConnectionError, connectionError.dnsAAAAError != nil || connectionError.dnsAError != nil {
            return "the store's host name could not be resolved"
        }
        return "\(error)"
    }

    /// One GET, answer and body complete, within `http.request_timeout_seconds`. AsyncHTTPClient's
    /// own deadline stops at the response head, so a body that trickles in a byte at a time would
    /// otherwise be read for as long as the store cares to send it.
    private func get(parameters: [(String, String)]) async throws -> FetchedBody {
        let progress = BodyProgress()
        let limit = http.requestTimeoutSeconds
        return try await withThrowingTaskGroup(of: FetchedBody?.self) { group in
            group.addTask { try await self.getWithoutDeadline(parameters: parameters, progress: progress) }
            group.addTask {
                try await Task.sleep(nanoseconds: Backoff.nanoseconds(limit))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let fetched = first else {
                throw RequestDeadlineExceeded(bytesReceived: progress.bytes)
            }
            return fetched
        }
    }

    private func getWithoutDeadline(parameters: [(String, String)], progress: BodyProgress) async throws -> FetchedBody {
        var request = HTTPClientRequest(url: url(parameters: parameters))
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "Synclet/\(SyncletVersion.version)")
        request.headers.add(name: "Accept", value: "application/json")
        let started = DispatchTime.now()
        let response = try await client.execute(request, timeout: .milliseconds(Int64(http.requestTimeoutSeconds * 1000)))
        var body: [UInt8] = []
        for try await chunk in response.body {
            body.append(contentsOf: chunk.readableBytesView)
            progress.add(chunk.readableBytes)
            guard body.count <= Self.maximumBodyBytes else {
                throw PageResponseError.invalidJSON("the answer is larger than \(Self.maximumBodyBytes / 1_048_576) MB", excerpt: PageResponse.excerpt(body))
            }
        }
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

/// An `{"Error": ...}` answer that is not a refusal of the key or the request: the store failed
/// (a PHP exception, a database error). Retried; named in the final failure.
struct StoreSideError: Error, CustomStringConvertible {
    let message: String
    var description: String { "the store answered an error: \"\(PageResponse.excerpt(Array(message.utf8)))\"" }
}

/// The whole request took longer than `http.request_timeout_seconds`.
struct RequestDeadlineExceeded: Error {
    let bytesReceived: Int
    var describedProgress: String {
        bytesReceived == 0 ? "nothing" : "only \(bytesReceived) bytes of the answer in that time (a body trickling in)"
    }
}

/// Bytes of a body received so far, read by the deadline when it strikes.
final class BodyProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func add(_ bytes: Int) {
        lock.lock()
        count += bytes
        lock.unlock()
    }

    var bytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

extension OneSaasClient {
    /// Larger than any page a store sends (100 orders are about 300 KB).
    static let maximumBodyBytes = 256 * 1024 * 1024
}
