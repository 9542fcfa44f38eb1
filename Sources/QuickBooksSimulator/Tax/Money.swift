import Foundation

/// Decimal money made from text and rounded the way the simulator assumes QuickBooks rounds:
/// half away from zero, to the penny.
///
/// ```swift
/// let net = Money.round(Money.parse("1.99")! / Decimal(string: "1.2")!)   // 1.66
/// Money.text(net)                                                        // "1.66"
/// ```
public enum Money {
    private static let posix = Locale(identifier: "en_US_POSIX")

    /// The exact decimal of a JSON number's text or a numeric string; nil when it is not one.
    public static func parse(_ text: String) -> Decimal? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty,
              trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
              let value = Decimal(string: trimmed, locale: posix)
        else { return nil }
        return value
    }

    /// Rounds half away from zero to `places` decimals: `round(1.005) == 1.01`, `round(-0.125) == -0.13`.
    public static func round(_ value: Decimal, places: Int = 2) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, places, .plain)
        return output
    }

    /// The shortest exact text: `63.94`, `20`, `-0.5`.
    public static func text(_ value: Decimal) -> String {
        value.description
    }
}
