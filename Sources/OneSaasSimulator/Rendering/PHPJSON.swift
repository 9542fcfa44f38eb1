/// A JSON value whose object keys keep the order PHP's `json_encode` emits them in.
///
/// Numbers carry their literal text so that PHP float noise such as `0.30000000000000004`
/// reaches the client exactly as a real store sends it.
///
/// ```swift
/// let value: JSONValue = .object([("Total", .string("119.9000")), ("Discounts", .number("12.5"))])
/// ```
public indirect enum JSONValue: Equatable, Sendable {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([Member])

    /// One key and value of an object; keys may repeat or hold any text, as in PHP arrays.
    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONValue

        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// An integer as a JSON number.
    public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

    /// A string, or `null` when there is none.
    public static func optionalString(_ value: String?) -> JSONValue {
        value.map(JSONValue.string) ?? .null
    }
}

/// Renders `JSONValue`s byte for byte like PHP's `json_encode` without flags: `/` becomes `\/`,
/// and every non-ASCII character becomes `\uXXXX` (lower-case hex, surrogate pairs beyond the BMP).
///
/// ```swift
/// let bytes = PHPJSONEncoder().encode(.string("José/🌸"))
/// // "Jos\u00e9\/\ud83c\udf38"
/// ```
public struct PHPJSONEncoder {
    public init() {}

    public func encode(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        append(value, to: &output)
        return output
    }

    public func append(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .string(let text):
            Self.appendString(text, to: &output)
        case .number(let text):
            output.append(contentsOf: text.utf8)
        case .bool(let flag):
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .null:
            output.append(contentsOf: "null".utf8)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                append(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                append(member.value, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Nearly all text is plain ASCII: copy it straight from the UTF-8 storage.
        let plain = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x80 && $0 != 0x22 && $0 != 0x5C && $0 != 0x2F }) else { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if plain == true {
            output.append(UInt8(ascii: "\""))
            return
        }
        for unit in text.utf16 {
            switch unit {
            case 0x22: output.append(contentsOf: [0x5C, 0x22])
            case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
            case 0x2F: output.append(contentsOf: [0x5C, 0x2F])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x20..<0x80: output.append(UInt8(unit))
            default:
                output.append(contentsOf: [0x5C, UInt8(ascii: "u")])
                output.append(hexDigits[Int(unit >> 12) & 0xF])
                output.append(hexDigits[Int(unit >> 8) & 0xF])
                output.append(hexDigits[Int(unit >> 4) & 0xF])
                output.append(hexDigits[Int(unit) & 0xF])
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// Text of a PHP float as `json_encode` prints it with `serialize_precision = -1`:
/// the shortest text that reads back to the same double, and `.0` on whole numbers.
enum PHPFloat {
    static func text(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 {
            return "\(Int64(value)).0"
        }
        return "\(value)"
    }
}
