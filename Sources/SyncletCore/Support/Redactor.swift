import Foundation

/// Replaces secrets (the access key, the database password) with a mask in any text that is
/// about to be printed, logged or stored. Every message leaves through one of these.
///
/// ```swift
/// let redactor = Redactor(secrets: ["s3cret"])
/// redactor.redact("GET /?AccessKey=s3cret")   // "GET /?AccessKey=********"
/// ```
public struct Redactor: Sendable {
    public static let mask = "********"
    private let secrets: [String]

    public init(secrets: [String]) {
        // Longest first, so a secret that contains another is masked whole. Very short values
        // would mask ordinary words, so they are left out (a 1–3 character secret is no secret).
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        // The key also travels in URLs, percent-encoded by whichever rules built the URL
        // (URLComponents leaves `/` and `!` alone, others encode every byte), so each byte of a
        // secret may appear as itself or as %XX in either case.
        let secretBytes = secrets.map { Array($0.utf8) }
        let bytes = Array(text.utf8)
        var result: [UInt8] = []
        var index = 0
        var masked = false
        while index < bytes.count {
            if let length = secretBytes.lazy.compactMap({ Self.matchLength(of: $0, in: bytes, at: index) }).first {
                result += Self.mask.utf8
                index += length
                masked = true
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return masked ? String(decoding: result, as: UTF8.self) : text
    }

    /// How many bytes of `text` from `start` spell `secret`, each byte plain or percent-encoded.
    private static func matchLength(of secret: [UInt8], in text: [UInt8], at start: Int) -> Int? {
        func match(_ secretIndex: Int, _ textIndex: Int) -> Int? {
            if secretIndex == secret.count { return textIndex - start }
            guard textIndex < text.count else { return nil }
            if text[textIndex] == UInt8(ascii: "%"), textIndex + 2 < text.count,
               let high = hexValue(text[textIndex + 1]), let low = hexValue(text[textIndex + 2]),
               high << 4 | low == secret[secretIndex],
               let length = match(secretIndex + 1, textIndex + 3) {
                return length
            }
            return text[textIndex] == secret[secretIndex] ? match(secretIndex + 1, textIndex + 1) : nil
        }
        return match(0, start)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
