import Foundation

/// A fault QuickBooks answered: `{"Fault": {"Error": [...], "type": ...}}`, or the lower-case
/// envelope a 401 comes in (`{"fault": {"error": [...]}}`). A batch item's fault arrives inside an
/// HTTP 200. Carries the `intuit_tid` header Intuit support asks for.
///
/// ```swift
/// if let fault = QuickBooksFault.parse(body, httpStatus: 400, intuitTid: tid), fault.code == "6140" { ... }
/// ```
public struct QuickBooksFault: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Detail: Equatable, Sendable {
        public var code: String
        public var message: String
        public var detail: String?
        public var element: String?
    }

    public var errors: [Detail]
    public var type: String?
    public var httpStatus: Int
    public var intuitTid: String?

    public init(errors: [Detail], type: String?, httpStatus: Int, intuitTid: String?) {
        self.errors = errors
        self.type = type
        self.httpStatus = httpStatus
        self.intuitTid = intuitTid
    }

    /// The first error's code (`6140`), or the HTTP status when the body named none.
    public var code: String { errors.first?.code ?? String(httpStatus) }

    /// The first error's detail (or message): where QuickBooks names the existing document.
    public var text: String { errors.first.map { $0.detail ?? $0.message } ?? "HTTP \(httpStatus)" }

    public var description: String {
        var parts: [String] = []
        for error in errors {
            var part = "QuickBooks error \(error.code): \(error.message)"
            if let detail = error.detail, !detail.isEmpty, detail != error.message { part += " (\(detail))" }
            if let element = error.element, !element.isEmpty { part += " [element \(element)]" }
            parts.append(part)
        }
        if parts.isEmpty { parts.append("QuickBooks answered HTTP \(httpStatus)") }
        if let intuitTid { parts.append("intuit_tid \(intuitTid)") }
        return parts.joined(separator: "; ")
    }

    /// Reads either fault envelope out of a parsed body (or a batch item); nil when there is none.
    public static func parse(_ value: JSONValue, httpStatus: Int, intuitTid: String?) -> QuickBooksFault? {
        guard let envelope = value["Fault"] ?? value["fault"] else { return nil }
        let list = (envelope["Error"] ?? envelope["error"])?.arrayValue ?? []
        let errors = list.map { item -> Detail in
            func text(_ names: String...) -> String? {
                for name in names { if let value = item[name] { return value.stringValue ?? value.numberText } }
                return nil
            }
            return Detail(code: text("code", "Code") ?? "", message: text("Message", "message") ?? "",
                          detail: text("Detail", "detail"), element: text("element", "Element"))
        }
        return QuickBooksFault(errors: errors, type: (envelope["type"] ?? envelope["Type"])?.stringValue,
                               httpStatus: httpStatus, intuitTid: intuitTid)
    }

    /// 6140: the DocNumber is taken; the document may already be ours.
    public var isDuplicateDocumentNumber: Bool { errors.contains { $0.code == "6140" } }
    /// 5010: the SyncToken is old; re-read and retry.
    public var isStaleObject: Bool { errors.contains { $0.code == "5010" } }
    /// 6240: a customer or item of that name exists.
    public var isDuplicateName: Bool { errors.contains { $0.code == "6240" } }
}

/// Why a call to the QuickBooks Online API failed.
public enum QuickBooksAPIError: Error, CustomStringConvertible, Sendable {
    /// QuickBooks answered with a fault: it did not apply the request.
    case fault(QuickBooksFault)
    /// The request may or may not have been applied: a timeout, a dropped connection or a 5xx.
    /// A write is looked up (by DocNumber) before it is sent again.
    case outcomeUnknown(what: String, problem: String, intuitTid: String?)
    /// QuickBooks kept answering 429 (throttled) past our patience; nothing was applied.
    case throttled(what: String, attempts: Int)
    /// An answer that is not what the API sends (not JSON, no entity).
    case unexpectedAnswer(what: String, status: Int, excerpt: String)

    public var description: String {
        switch self {
        case .fault(let fault): return "\(fault)"
        case .outcomeUnknown(let what, let problem, let tid):
            return "\(what): \(problem); whether QuickBooks applied it is unknown" + (tid.map { " (intuit_tid \($0))" } ?? "")
        case .throttled(let what, let attempts):
            return "\(what): QuickBooks throttled every one of \(attempts) attempts (HTTP 429); run again later"
        case .unexpectedAnswer(let what, let status, let excerpt):
            return "\(what): QuickBooks answered HTTP \(status) with \"\(excerpt)\"; check QBO_API_URL"
        }
    }

    public var fault: QuickBooksFault? {
        if case .fault(let fault) = self { return fault }
        return nil
    }
}
