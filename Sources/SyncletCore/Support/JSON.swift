/// A JSON value that keeps numbers as the text they arrived as.
///
/// Foundation's JSON readers turn numbers into `Double`, which would change
/// `0.30000000000000004` or `12345678901234.5678` before we ever see them. Money must be
/// exact, so this model keeps the literal text of every number and lets `Decimal4` parse it.
///
/// ```swift
/// let value = try JSONParser.parse(Array(#"{"Total": 19.9}"#.utf8))
/// value["Total"]?.numberText   // "19.9"
/// ```
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number exactly as written in the source, e.g. `"12.5"` or `"1.0E-5"`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The member called `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// A short name of the kind of value, for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON object with its members in source order (keys are kept even when a name repeats).
public struct JSONObject: Equatable, Sendable {
    public var members: [(key: String, value: JSONValue)]

    public init(members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    public subscript(key: String) -> JSONValue? {
        members.first(where: { $0.key == key })?.value
    }

    public var keys: [String] { members.map(\.key) }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// Why a text is not JSON, with the byte offset where reading stopped.
public struct JSONSyntaxError: Error, CustomStringConvertible, Equatable {
    public let offset: Int
    public let reason: String

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes that keeps number literals as text.
///
/// It can also be driven step by step (`skipWhitespace`, `expect`, `parseValue`) so that
/// a caller can record the exact byte range of each element, which is how a page of orders
/// keeps every order's original JSON.
public struct JSONParser {
    public let bytes: [UInt8]
    public private(set) var position: Int = 0
    private var depth = 0
    private static let maximumDepth = 512

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses a whole document; anything but whitespace after the value is an error.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.parseValue()
        try parser.expectEnd()
        return value
    }

    public mutating func expectEnd() throws {
        skipWhitespace()
        if position != bytes.count { throw error("unexpected text after the end of the value") }
    }

    public mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte, without consuming it.
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    public mutating func expect(_ byte: UInt8) throws {
        guard peek() == byte else {
            throw error("expected '\(Character(Unicode.Scalar(byte)))'\(foundDescription)")
        }
        position += 1
    }

    /// Consumes `byte` if it is next.
    public mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    /// Parses an array, returning each element with its exact source text, so an order or a
    /// credit memo can be kept byte for byte as it arrived.
    public mutating func parseArrayKeepingSource() throws -> [(value: JSONValue, source: String)] {
        try expect(UInt8(ascii: "["))
        var elements: [(value: JSONValue, source: String)] = []
        if consume(UInt8(ascii: "]")) { return elements }
        repeat {
            _ = peek()
            let start = position
            let value = try parseValue()
            elements.append((value, String(decoding: bytes[start..<position], as: UTF8.self)))
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
        return elements
    }

    /// The exact source text of each element of the array held by the top-level member `key`
    /// of an object, or nil when there is no such array.
    public static func sourceOfArrayElements(member key: String, in bytes: [UInt8]) -> [String]? {
        var parser = JSONParser(bytes: bytes)
        guard (try? parser.expect(UInt8(ascii: "{"))) != nil, !parser.consume(UInt8(ascii: "}")) else { return nil }
        repeat {
            guard case .string(let name)? = try? parser.parseValue(), (try? parser.expect(UInt8(ascii: ":"))) != nil else { return nil }
            if name == key, parser.peek() == UInt8(ascii: "[") {
                return (try? parser.parseArrayKeepingSource())?.map(\.source)
            }
            guard (try? parser.parseValue()) != nil else { return nil }
        } while parser.consume(UInt8(ascii: ","))
        return nil
    }

    public mutating func parseValue() throws -> JSONValue {
        guard let byte = peek() else { throw error("unexpected end of text") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return .array(try parseArray())
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character\(foundDescription)")
        }
    }

    /// Validates the next value exactly as `parseValue` would, without building it.
    public mutating func skipValue() throws {
        guard let byte = peek() else { throw error("unexpected end of text") }
        switch byte {
        case UInt8(ascii: "{"):
            try enterContainer()
            defer { depth -= 1 }
            position += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name\(foundDescription)") }
                try skipString()
                try expect(UInt8(ascii: ":"))
                try skipValue()
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            try enterContainer()
            defer { depth -= 1 }
            position += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue() } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            try skipString()
        default:
            _ = try parseValue()
        }
    }

    /// Validates the next object exactly as `skipValue` would, building only the value of its
    /// top-level member `key` (when that is a string or a number), e.g. an order's `Id`.
    public mutating func skipObjectReadingMember(_ key: String) throws -> String? {
        try enterContainer()
        defer { depth -= 1 }
        try expect(UInt8(ascii: "{"))
        var found: String?
        if consume(UInt8(ascii: "}")) { return nil }
        repeat {
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name\(foundDescription)") }
            let name = try parseString()
            try expect(UInt8(ascii: ":"))
            if name == key, found == nil {
                switch try parseValue() {
                case .string(let text): found = text
                case .number(let text): found = text
                default: break
                }
            } else {
                try skipValue()
            }
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
        return found
    }

    /// Validates a string without building it; only text with escapes or non-ASCII bytes takes
    /// the full path.
    private mutating func skipString() throws {
        let start = position
        var index = position + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return
            }
            if byte == UInt8(ascii: "\\") || byte >= 0x80 || byte < 0x20 { break }
            index += 1
        }
        position = start
        _ = try parseString()
    }

    private mutating func parseObject() throws -> JSONObject {
        try enterContainer()
        defer { depth -= 1 }
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        if consume(UInt8(ascii: "}")) { return JSONObject(members: members) }
        repeat {
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name\(foundDescription)") }
            let key = try parseString()
            try expect(UInt8(ascii: ":"))
            members.append((key, try parseValue()))
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
        return JSONObject(members: members)
    }

    private mutating func parseArray() throws -> [JSONValue] {
        try enterContainer()
        defer { depth -= 1 }
        position += 1
        var elements: [JSONValue] = []
        if consume(UInt8(ascii: "]")) { return elements }
        repeat {
            elements.append(try parseValue())
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
        return elements
    }

    private mutating func enterContainer() throws {
        depth += 1
        if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func parseLiteral(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else {
            position = bytes.count
            throw error("unexpected end of text")
        }
        let matches = word.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[position + $0] == expected[$0] }
        }
        guard matches else { throw error("unexpected character\(foundDescription)") }
        position += count
    }

    private mutating func parseNumber() throws -> String {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw error("a number needs a digit") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("a fraction needs a digit") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("an exponent needs a digit") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private mutating func parseString() throws -> String {
        let openingQuote = position
        position += 1
        var utf8: [UInt8] = []
        var runStart = position
        while true {
            guard position < bytes.count else {
                throw error("the text ends inside the string that starts at byte \(openingQuote)")
            }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                utf8.append(contentsOf: bytes[runStart..<position])
                position += 1
                break
            }
            if byte < 0x20 { throw error("a control character inside a string") }
            if byte == UInt8(ascii: "\\") {
                utf8.append(contentsOf: bytes[runStart..<position])
                position += 1
                try appendEscape(to: &utf8)
                runStart = position
                continue
            }
            position += 1
        }
        // Most text is ASCII, which needs no validation; the rest takes the checked path.
        if utf8.allSatisfy({ $0 < 0x80 }) { return String(decoding: utf8, as: UTF8.self) }
        guard let text = String(validating: utf8, as: UTF8.self) else {
            position = openingQuote
            throw error("a string is not valid UTF-8")
        }
        return text
    }

    private mutating func appendEscape(to utf8: inout [UInt8]) throws {
        guard position < bytes.count else { throw error("unexpected end of text in an escape") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate (how PHP writes emoji).
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                else { throw error("a high surrogate without its low surrogate") }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("a high surrogate without its low surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("a low surrogate without its high surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("an invalid \\u escape") }
            utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            position -= 1
            throw error("an unknown escape '\\\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("unexpected end of text in a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x41 + 10)
            default: throw error("an invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private var foundDescription: String {
        guard position < bytes.count else { return ", found the end of the text" }
        let byte = bytes[position]
        if byte >= 0x20 && byte < 0x7F { return ", found '\(Character(Unicode.Scalar(byte)))'" }
        return ", found byte 0x\(String(byte, radix: 16))"
    }

    public func error(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, reason: reason)
    }
}
