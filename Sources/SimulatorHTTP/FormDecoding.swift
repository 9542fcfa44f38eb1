/// `application/x-www-form-urlencoded` and URL query decoding.
public enum FormDecoding {
    /// The fields of `name=value&...`, decoded with `+` as a space; a repeated name keeps its last value.
    public static func fields<S: StringProtocol>(_ text: S) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let nameAndValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = nameAndValue.first else { continue }
            fields[decode(name, plusIsSpace: true)] = nameAndValue.count > 1 ? decode(nameAndValue[1], plusIsSpace: true) : ""
        }
        return fields
    }

    /// Percent-decodes `text` (an invalid escape is dropped); with `plusIsSpace`, `+` is a space.
    public static func decode<S: StringProtocol>(_ text: S, plusIsSpace: Bool) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                if let high = iterator.next(), let low = iterator.next(),
                   let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                    bytes.append(value)
                }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
