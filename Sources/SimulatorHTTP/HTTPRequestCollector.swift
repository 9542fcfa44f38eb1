import NIOHTTP1

/// Gathers NIO's request parts (head, body chunks, end) into one whole request.
public struct HTTPRequestCollector {
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    public init() {}

    /// Takes one part; at the request's end returns its head and whole body, otherwise nil.
    public mutating func collect(_ part: HTTPServerRequestPart) -> (head: HTTPRequestHead, body: [UInt8])? {
        switch part {
        case .head(let requestHead):
            head = requestHead
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let requestHead = head else { return nil }
            defer { head = nil; body = [] }
            return (requestHead, body)
        }
        return nil
    }
}
