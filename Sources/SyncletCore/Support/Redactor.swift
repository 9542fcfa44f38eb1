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
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        // The key also travels percent-encoded in URLs.
        for secret in secrets {
            if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != secret,
               result.contains(encoded) {
                result = result.replacingOccurrences(of: encoded, with: Self.mask)
            }
        }
        return result
    }
}
