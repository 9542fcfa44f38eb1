import AsyncHTTPClient
import Foundation
import NIOCore

/// Talks to the QuickBooks Online Accounting API v3 for one company: query, read, create, sparse
/// update, void and batch, with `minorversion=75` and JSON on every call.
///
/// What it handles so callers need not: a 401 asks the connection for a fresh token once and
/// retries; a 429 waits (`Retry-After`, else `throttleWaitSeconds`) and retries; requests are
/// paced within QuickBooks' limits (`RequestPacer`). What it leaves to the caller: a write whose
/// outcome is unknown (a timeout, a dropped connection, a 5xx) is thrown as
/// `QuickBooksAPIError.outcomeUnknown`, never retried blindly, because the push must first look
/// the document up by DocNumber. Reads (queries, GETs) are retried with backoff.
///
/// ```swift
/// let client = QuickBooksClient(options: .init(baseURL: url), access: provider, log: log)
/// defer { Task { await client.shutdown() } }
/// let codes = try await client.query("select * from TaxCode where Name = '20.0% S'")
/// ```
public final class QuickBooksClient: Sendable {
    public struct Options: Sendable {
        /// The API's base URL without `/v3` (`https://quickbooks.api.intuit.com`).
        public var baseURL: URL
        public var limits = RequestPacer.Limits()
        public var connectTimeoutSeconds: Double = 10
        public var readTimeoutSeconds: Double = 60
        public var requestTimeoutSeconds: Double = 300
        /// How long to wait after a 429 that names no `Retry-After`: 60 s is safe (reference, section 8).
        public var throttleWaitSeconds: Double = 60
        /// 429 answers borne per request before giving up.
        public var throttleRetries = 5
        /// Attempts of a read beyond the first after a timeout, a dropped connection or a 5xx.
        public var readRetries = 4
        public var backoff = Backoff(initialSeconds: 1, maximumSeconds: 30)

        public init(baseURL: URL) {
            self.baseURL = baseURL
        }
    }

    public static let minorVersion = "75"
    /// QuickBooks' limit of items in one batch request.
    public static let maximumBatchItems = 30

    public let options: Options
    private let access: any QuickBooksAccessProvider
    private let pacer: RequestPacer
    private let client: HTTPClient
    private let log: Log

    public init(options: Options, access: any QuickBooksAccessProvider, log: Log) {
        self.options = options
        self.access = access
        self.pacer = RequestPacer(limits: options.limits)
        self.log = log
        self.client = HTTPClient.synclet(connectTimeoutSeconds: options.connectTimeoutSeconds, readTimeoutSeconds: options.readTimeoutSeconds)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    // MARK: - Operations (reference, section 2)

    /// `select ...`: the rows of the entity the query names (empty when QuickBooks found none).
    public func query(_ text: String) async throws -> [JSONValue] {
        let answer = try await send(.GET, path: "query", parameters: [("query", text)], body: nil,
                                    what: "QuickBooks query \(Self.excerpt(text))", isWrite: false)
        return Self.rows(of: answer["QueryResponse"])
    }

    /// The rows of a `QueryResponse`, whatever entity they are.
    public static func rows(of response: JSONValue?) -> [JSONValue] {
        guard let object = response?.objectValue else { return [] }
        return object.members.compactMap { $0.value.arrayValue }.first ?? []
    }

    /// `GET /<entity>/<id>`.
    public func read(entity: String, id: String) async throws -> JSONValue {
        let answer = try await send(.GET, path: "\(entity.lowercased())/\(id)", parameters: [], body: nil,
                                    what: "reading \(entity) \(id)", isWrite: false)
        return try Self.entity(entity, in: answer, what: "reading \(entity) \(id)")
    }

    /// A sparse update: `fields` replace theirs, everything else is left as it is.
    public func sparseUpdate(entity: String, id: String, syncToken: String, fields: [(key: String, value: JSONValue)],
                             requestId: String, what: String) async throws -> JSONValue {
        let body = JSONValue.object(JSONObject(members: [("Id", .string(id)), ("SyncToken", .string(syncToken)), ("sparse", .bool(true))] + fields))
        let answer = try await send(.POST, path: entity.lowercased(), parameters: [("requestid", requestId)],
                                    body: body, what: what, isWrite: true)
        return try Self.entity(entity, in: answer, what: what)
    }

    /// Voids a document: an invoice by `operation=void`, a sales receipt (or payment) by a sparse
    /// update with `include=void` (reference, section 2).
    public func void(entity: String, id: String, syncToken: String, requestId: String, what: String) async throws -> JSONValue {
        let parameters: [(String, String)]
        var members: [(key: String, value: JSONValue)] = [("Id", .string(id)), ("SyncToken", .string(syncToken))]
        if entity == "Invoice" {
            parameters = [("operation", "void"), ("requestid", requestId)]
        } else {
            parameters = [("operation", "update"), ("include", "void"), ("requestid", requestId)]
            members.append(("sparse", .bool(true)))
        }
        let answer = try await send(.POST, path: entity.lowercased(), parameters: parameters,
                                    body: .object(JSONObject(members: members)), what: what, isWrite: true)
        return try Self.entity(entity, in: answer, what: what)
    }

    // MARK: - Batch (reference, section 7)

    public struct BatchItem: Sendable {
        public enum Operation: Sendable {
            case create(entity: String, body: JSONValue)
            case query(String)
        }

        /// At most 10 characters, unique in its batch.
        public var bId: String
        public var operation: Operation

        public init(bId: String, operation: Operation) {
            self.bId = bId
            self.operation = operation
        }

        var isWrite: Bool {
            if case .query = operation { return false }
            return true
        }

        var json: JSONValue {
            var members: [(key: String, value: JSONValue)] = [("bId", .string(bId))]
            switch operation {
            case .create(let entity, let body):
                members += [("operation", .string("create")), (entity, body)]
            case .query(let text):
                members.append(("Query", .string(text)))
            }
            return .object(JSONObject(members: members))
        }
    }

    /// One item's answer, matched by `bId`.
    public enum BatchAnswer: Sendable {
        /// The entity written, under its name.
        case entity(JSONValue)
        /// The rows a query found.
        case rows([JSONValue])
        case fault(QuickBooksFault)
    }

    /// Sends up to 30 items as one request; answers are matched by `bId`, not position, and an
    /// item missing from the answer is absent from the result (its outcome is unknown).
    /// `requestId` (at most 36 characters) makes a resent batch replay instead of writing twice.
    public func batch(_ items: [BatchItem], requestId: String?) async throws -> [String: BatchAnswer] {
        precondition(items.count <= Self.maximumBatchItems, "a batch holds at most \(Self.maximumBatchItems) items")
        guard !items.isEmpty else { return [:] }
        let body = JSONValue.object(JSONObject(members: [("BatchItemRequest", .array(items.map(\.json)))]))
        let what = "QuickBooks batch of \(items.count)"
        let answer = try await send(.POST, path: "batch", parameters: requestId.map { [("requestid", $0)] } ?? [],
                                    body: body, what: what, isWrite: items.contains(where: \.isWrite), isBatch: true)
        var answers: [String: BatchAnswer] = [:]
        for item in answer["BatchItemResponse"]?.arrayValue ?? [] {
            guard let bId = item["bId"]?.stringValue, let object = item.objectValue else { continue }
            if let fault = QuickBooksFault.parse(item, httpStatus: 200, intuitTid: nil) {
                answers[bId] = .fault(fault)
            } else if let response = item["QueryResponse"] {
                answers[bId] = .rows(Self.rows(of: response))
            } else if let entity = object.members.first(where: { $0.key != "bId" && $0.value.objectValue != nil })?.value {
                answers[bId] = .entity(entity)
            }
        }
        return answers
    }

    // MARK: - Sending

    private func url(path: String, realmId: String, parameters: [(String, String)]) -> String {
        var text = options.baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += "/v3/company/\(Self.percentEncoded(realmId))/\(path)?"
        let all = parameters + [("minorversion", Self.minorVersion)]
        text += all.map { "\(Self.percentEncoded($0.0))=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        return text
    }

    /// RFC 3986 unreserved characters stay; everything else (spaces, quotes, `=`, `&`, `+`) is encoded.
    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private enum Method { case GET, POST }

    private struct Answer {
        var status: Int
        var body: [UInt8]
        var retryAfterSeconds: Double?
        var intuitTid: String?
    }

    /// One call, with the token, pacing, the 401 refresh, 429 waits and read retries.
    private func send(_ method: Method, path: String, parameters: [(String, String)], body: JSONValue?,
                      what: String, isWrite: Bool, isBatch: Bool = false) async throws -> JSONValue {
        var access = try await self.access.accessToken()
        var refreshed = false
        var throttled = 0
        var failedReads = 0
        let bodyText = body.map { JSONWriter.string($0) }
        while true {
            try Task.checkCancellation()
            var request = HTTPClientRequest(url: url(path: path, realmId: access.realmId, parameters: parameters))
            request.method = method == .GET ? .GET : .POST
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Synclet/\(SyncletVersion.version)")
            request.headers.add(name: "Authorization", value: "Bearer \(access.accessToken)")
            if let bodyText {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: bodyText))
            }
            let answer: Answer
            do {
                let ticket = try await pacer.acquire(isBatch: isBatch)
                do {
                    answer = try await execute(request)
                    await pacer.release(ticket)
                } catch {
                    await pacer.release(ticket)
                    throw error
                }
            } catch let error where error is CancellationError {
                throw error
            } catch {
                let problem = Self.describe(error, options: options)
                if isWrite { throw QuickBooksAPIError.outcomeUnknown(what: what, problem: problem, intuitTid: nil) }
                failedReads += 1
                guard failedReads <= options.readRetries else {
                    throw QuickBooksAPIError.outcomeUnknown(what: what, problem: problem, intuitTid: nil)
                }
                let delay = options.backoff.delay(afterAttempt: failedReads)
                log.warning("\(what): \(problem); retrying in \(String(format: "%.1f", delay))s")
                try await Task.sleep(nanoseconds: Backoff.nanoseconds(delay))
                continue
            }
            let parsed = try? JSONParser.parse(answer.body)
            switch answer.status {
            case 401:
                guard !refreshed else {
                    throw QuickBooksConnectionError.reconnectNeeded(reason: "QuickBooks refused a freshly refreshed access token (HTTP 401)")
                }
                refreshed = true
                log.info("\(what): QuickBooks refused the access token (401); refreshing it once")
                access = try await self.access.accessTokenAfterRejection(access)
                continue
            case 429:
                throttled += 1
                guard throttled <= options.throttleRetries else { throw QuickBooksAPIError.throttled(what: what, attempts: throttled) }
                let wait = answer.retryAfterSeconds.map { min(max($0, 0), options.throttleWaitSeconds * 5) } ?? options.throttleWaitSeconds
                log.warning("\(what): QuickBooks throttled the request (429); waiting \(String(format: "%.1f", wait))s")
                try await Task.sleep(nanoseconds: Backoff.nanoseconds(wait))
                continue
            case 500...599:
                let problem = "HTTP \(answer.status)" + (parsed.flatMap { QuickBooksFault.parse($0, httpStatus: answer.status, intuitTid: nil) }.map { ": \($0.text)" } ?? "")
                if isWrite { throw QuickBooksAPIError.outcomeUnknown(what: what, problem: problem, intuitTid: answer.intuitTid) }
                failedReads += 1
                guard failedReads <= options.readRetries else {
                    throw QuickBooksAPIError.outcomeUnknown(what: what, problem: problem, intuitTid: answer.intuitTid)
                }
                let delay = options.backoff.delay(afterAttempt: failedReads)
                log.warning("\(what): \(problem); retrying in \(String(format: "%.1f", delay))s")
                try await Task.sleep(nanoseconds: Backoff.nanoseconds(delay))
                continue
            default:
                break
            }
            guard let parsed else {
                throw QuickBooksAPIError.unexpectedAnswer(what: what, status: answer.status, excerpt: PageResponse.excerpt(answer.body))
            }
            if let fault = QuickBooksFault.parse(parsed, httpStatus: answer.status, intuitTid: answer.intuitTid) {
                throw QuickBooksAPIError.fault(fault)
            }
            guard (200...299).contains(answer.status) else {
                throw QuickBooksAPIError.unexpectedAnswer(what: what, status: answer.status, excerpt: PageResponse.excerpt(answer.body))
            }
            if let tid = answer.intuitTid { log.debug("\(what): intuit_tid \(tid)") }
            return parsed
        }
    }

    private func execute(_ request: HTTPClientRequest) async throws -> Answer {
        let response = try await client.execute(request, timeout: .milliseconds(Int64(options.requestTimeoutSeconds * 1000)))
        var body: [UInt8] = []
        for try await chunk in response.body { body.append(contentsOf: chunk.readableBytesView) }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length != body.count {
            throw HTTPClientError.remoteConnectionClosed
        }
        return Answer(status: Int(response.status.code), body: body,
                      retryAfterSeconds: response.headers.first(name: "Retry-After").flatMap(Double.init),
                      intuitTid: response.headers.first(name: "intuit_tid"))
    }

    private static func entity(_ name: String, in answer: JSONValue, what: String) throws -> JSONValue {
        guard let entity = answer[name], entity.objectValue != nil else {
            throw QuickBooksAPIError.unexpectedAnswer(what: what, status: 200, excerpt: PageResponse.excerpt(Array(JSONWriter.string(answer).utf8)))
        }
        return entity
    }

    static func describe(_ error: Error, options: Options) -> String {
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .readTimeout: return "no answer within \(options.readTimeoutSeconds)s (read timeout)"
            case .connectTimeout: return "could not connect within \(options.connectTimeoutSeconds)s"
            case .deadlineExceeded: return "the answer was not complete within \(options.requestTimeoutSeconds)s"
            case .remoteConnectionClosed: return "QuickBooks closed the connection before the answer was complete"
            default: break
            }
        }
        return OneSaasClient.describeConnectionError(error)
    }

    private static func excerpt(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}

/// Query text for QuickBooks' query language: a string literal with `\` and `'` escaped.
///
/// ```swift
/// QuickBooksQuery.literal("O'Neill & Sons")   // 'O\'Neill & Sons'
/// ```
public enum QuickBooksQuery {
    public static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// `select * from <entity> where <field> in ('a', 'b')`, or `=` for one value.
    public static func select(_ entity: String, where field: String, in values: [String], extra: String = "") -> String {
        let condition = values.count == 1 ? "\(field) = \(literal(values[0]))" : "\(field) in (\(values.map(literal).joined(separator: ", ")))"
        return "select * from \(entity) where \(condition)\(extra) MAXRESULTS 1000"
    }
}
