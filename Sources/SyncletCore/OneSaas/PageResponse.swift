/// What one answer of the OneSaas Connect endpoint means.
///
/// Classifying a body is the only place that decides whether an answer is real data: `extract`
/// classifies before it stages anything, and `transform` classifies the staged bytes again, so a
/// body that is not a valid answer never reaches `canonical/`.
public enum PageResponse: Equatable {
    /// The body `""`: no page past this one.
    case endOfData
    /// `{"OneSaas Version": ..., "Orders": [...]}`.
    case orders(OrdersPage)
    /// `{"Error": "Invalid API key"}` or another error the extension reports with HTTP 200.
    case endpointError(String)

    /// Reads a body. Anything that is not one of the three answers above throws
    /// `PageResponseError`, with a short excerpt that is safe to print.
    ///
    /// With `keepingOrders: false` (what `extract` needs) the whole body is still validated, but
    /// orders are only counted, not built: the page's `elements` stay empty.
    public static func classify(_ body: [UInt8], keepingOrders: Bool = true) throws -> PageResponse {
        // A UTF-8 byte order mark (a PHP file saved by an editor that adds one prints it before
        // the JSON) is accepted and ignored, as browsers do.
        let body = body.starts(with: byteOrderMark) ? Array(body.dropFirst(byteOrderMark.count)) : body
        var parser = JSONParser(bytes: body)
        guard let first = parser.peek() else { throw PageResponseError.emptyBody }
        switch first {
        case UInt8(ascii: "\""):
            let value: JSONValue
            do { value = try JSONParser.parse(body) } catch { throw PageResponseError.invalidJSON("\(error)", excerpt: excerpt(body)) }
            guard value == .string("") else { throw PageResponseError.unexpectedShape("a JSON string other than \"\"", excerpt: excerpt(body)) }
            return .endOfData
        case UInt8(ascii: "{"):
            do {
                return try parseObject(&parser, body: body, keepingOrders: keepingOrders)
            } catch let error as JSONSyntaxError where error.offset >= body.count {
                throw PageResponseError.truncated(bytes: body.count)
            } catch let error as JSONSyntaxError {
                throw PageResponseError.invalidJSON(error.description, excerpt: excerpt(body))
            }
        default:
            if body.starts(with: Array("<".utf8)) || first == UInt8(ascii: "<") {
                throw PageResponseError.html(excerpt: excerpt(body))
            }
            throw PageResponseError.invalidJSON("the body does not start with JSON", excerpt: excerpt(body))
        }
    }

    /// The UTF-8 encoding of U+FEFF.
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private static func parseObject(_ parser: inout JSONParser, body: [UInt8], keepingOrders: Bool) throws -> PageResponse {
        try parser.expect(UInt8(ascii: "{"))
        var version: String?
        var page: OrdersPage?
        var errorMessage: String?
        if !parser.consume(UInt8(ascii: "}")) {
            repeat {
                guard case .string(let key) = try parser.parseValue() else { throw parser.error("expected a member name") }
                try parser.expect(UInt8(ascii: ":"))
                if key == "Orders", parser.peek() == UInt8(ascii: "[") {
                    page = keepingOrders ? OrdersPage(elements: try parseOrders(&parser)) : try countOrders(&parser)
                } else {
                    let value = try parser.parseValue()
                    if key == "OneSaas Version" { version = value.stringValue }
                    if key == "Error" { errorMessage = value.stringValue ?? "\(value)" }
                }
            } while parser.consume(UInt8(ascii: ","))
            try parser.expect(UInt8(ascii: "}"))
        }
        try parser.expectEnd()
        if let errorMessage { return .endpointError(errorMessage) }
        guard var page else {
            throw PageResponseError.unexpectedShape("a JSON object without \"Orders\"", excerpt: excerpt(body))
        }
        page.extensionVersion = version
        return .orders(page)
    }

    /// Validates `Orders` and counts its elements without building them.
    private static func countOrders(_ parser: inout JSONParser) throws -> OrdersPage {
        var page = OrdersPage(elements: [])
        try parser.expect(UInt8(ascii: "["))
        if parser.consume(UInt8(ascii: "]")) { return page }
        repeat {
            if parser.peek() == UInt8(ascii: "{") {
                if let id = try parser.skipObjectReadingMember("Id") { page.orderIds.append(id) }
                page.orderCount += 1
            } else if try parser.parseValue() == .string("") {
                page.droppedCount += 1
            } else {
                page.unexpectedCount += 1
            }
        } while parser.consume(UInt8(ascii: ","))
        try parser.expect(UInt8(ascii: "]"))
        return page
    }

    /// Parses `Orders` element by element, keeping each order's exact source text.
    private static func parseOrders(_ parser: inout JSONParser) throws -> [OrderElement] {
        try parser.parseArrayKeepingSource().map { value, source in
            switch value {
            case .string(""): return .dropped
            case .object: return .order(value, rawJSON: source)
            default: return .unexpected(value.kindName, rawJSON: source)
            }
        }
    }

    /// At most 120 printable characters of a body, for error messages. Bodies of error pages
    /// never contain the access key (it travels only in the request).
    public static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(400), as: UTF8.self)
        let collapsed = text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
        let squeezed = collapsed.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        return squeezed.count > 120 ? String(squeezed.prefix(120)) + "…" : squeezed
    }
}

/// One page of orders: its elements (when kept) and how many of each kind it holds.
public struct OrdersPage: Equatable {
    public var extensionVersion: String?
    public var elements: [OrderElement]
    public var orderCount = 0
    public var droppedCount = 0
    public var unexpectedCount = 0
    /// The `Id` of each order, in page order, when the page was only counted (`keepingOrders: false`):
    /// what tells a page that repeats the one before it apart from a new one.
    public var orderIds: [String] = []

    public init(extensionVersion: String? = nil, elements: [OrderElement]) {
        self.extensionVersion = extensionVersion
        self.elements = elements
        for element in elements {
            switch element {
            case .order: orderCount += 1
            case .dropped: droppedCount += 1
            case .unexpected: unexpectedCount += 1
            }
        }
    }

    /// Every element, whatever its kind: each took one row of the page's `LIMIT`.
    public var elementCount: Int { orderCount + droppedCount + unexpectedCount }

    /// True for `"Orders": []`, which the extension never sends for a real page (it answers `""`
    /// when there are no rows): an anomaly, not the end.
    public var isEmpty: Bool { elementCount == 0 }
}

/// An element of `Orders`.
public enum OrderElement: Equatable {
    /// `""`: the extension dropped an order that has neither address; it cannot be read.
    case dropped
    case order(JSONValue, rawJSON: String)
    /// Neither an object nor `""`.
    case unexpected(String, rawJSON: String)
}

/// Why a body is not a valid answer of the endpoint.
public enum PageResponseError: Error, CustomStringConvertible, Equatable {
    case emptyBody
    /// The JSON stops before it is complete: PHP ran out of memory or time, or a proxy cut it.
    case truncated(bytes: Int)
    case html(excerpt: String)
    case invalidJSON(String, excerpt: String)
    case unexpectedShape(String, excerpt: String)

    public var description: String {
        switch self {
        case .emptyBody: return "the body is empty"
        case .truncated(let bytes): return "the body is truncated: the JSON ends unfinished after \(bytes) bytes"
        case .html(let excerpt): return "an HTML page instead of JSON: \"\(excerpt)\""
        case .invalidJSON(let reason, let excerpt): return "\(reason): \"\(excerpt)\""
        case .unexpectedShape(let shape, let excerpt): return "\(shape): \"\(excerpt)\""
        }
    }
}
