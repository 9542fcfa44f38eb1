/// Money in the store's base currency (GBP), kept as whole pence so that every total adds up
/// exactly; Magento's four-place text is produced only when rendering.
enum Money {
    /// `24.0000` for 2400 pence, the way Magento's DECIMAL(20,4) columns arrive.
    static func text(pence: Int) -> String {
        text(tenThousandths: pence * 100)
    }

    /// `20.8250` for 208250 ten-thousandths (unit prices excluding tax keep four places).
    static func text(tenThousandths value: Int) -> String {
        let sign = value < 0 ? "-" : ""
        let magnitude = abs(value)
        let fraction = String(magnitude % 10_000)
        return "\(sign)\(magnitude / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }

    /// The same amount as a PHP float would print it, for the quirk where amounts arrive as numbers.
    static func number(pence: Int) -> String {
        PHPFloat.text(Double(pence) / 100)
    }

    /// Divides with rounding half away from zero, as PHP's `round` does.
    static func roundedDivision(_ numerator: Int, _ denominator: Int) -> Int {
        let quotient = (2 * abs(numerator) + abs(denominator)) / (2 * abs(denominator))
        return (numerator < 0) != (denominator < 0) ? -quotient : quotient
    }
}
