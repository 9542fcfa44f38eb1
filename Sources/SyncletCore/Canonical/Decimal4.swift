/// An exact decimal with four fractional digits: the precision of the database's `DECIMAL(20,4)`.
///
/// It is made from the text an amount arrived as, never from a `Double`, so PHP float noise
/// such as `0.30000000000000004` rounds (half away from zero) to exactly `0.3000` and a
/// string like `"119.9000"` keeps every digit.
///
/// ```swift
/// Decimal4(parsing: "0.30000000000000004")?.description   // "0.3000"
/// Decimal4(parsing: "1.5e-3")?.description                // "0.0015"
/// ```
public struct Decimal4: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The value in units of 0.0001.
    public let units: Int64

    public static let zero = Decimal4(units: 0)
    static let scale: Int64 = 10_000

    public init(units: Int64) {
        self.units = units
    }

    /// Parses a decimal number such as `-12.5`, `119.9000`, `1E+2` or `0.30000000000000004`.
    /// Returns nil for anything that is not a plain number or does not fit.
    public init?(parsing text: String) {
        guard let parsed = Self.parseUnits(Substring(text).utf8) else { return nil }
        self.units = parsed.units
    }

    /// How an amount's text reads as four places, for data that must not be rounded silently.
    public enum Reading: Equatable, Sendable {
        /// At most four places, or PHP float noise around a four-place value (the value it meant).
        case exact(Decimal4)
        /// A real fifth decimal such as `12.34567`: keeping four places would change the amount.
        case moreThanFourPlaces
        case notANumber
    }

    /// Reads `text` without losing a real decimal. PHP writes floats with up to 17 significant
    /// digits, so `0.30000000000000004` and `12.499999999999998` are the four-place values
    /// `0.3000` and `12.5000` written by PHP: digits beyond the fourth place that lie within a
    /// relative 1e-12 of the rounded value are float noise and accepted. Anything else beyond
    /// the fourth place (`12.34567`) is `moreThanFourPlaces`.
    ///
    /// ```swift
    /// Decimal4.read("0.30000000000000004")   // .exact(0.3000)
    /// Decimal4.read("12.34567")              // .moreThanFourPlaces
    /// ```
    public static func read(_ text: String) -> Reading {
        guard let parsed = parseUnits(Substring(text).utf8) else { return .notANumber }
        let units = parsed.units
        let value = Decimal4(units: units)
        guard parsed.inexact else { return .exact(value) }
        guard let written = Double(text) else { return .moreThanFourPlaces }
        let rounded = Double(units) / Double(scale)
        let isFloatNoise = abs(written - rounded) <= max(abs(written), 1) * 1e-12
        return isFloatNoise ? .exact(value) : .moreThanFourPlaces
    }

    /// The value in units of 0.0001, rounded, and whether a non-zero digit was dropped.
    private static func parseUnits(_ text: Substring.UTF8View) -> (units: Int64, inexact: Bool)? {
        var index = text.startIndex
        func current() -> UInt8? { index < text.endIndex ? text[index] : nil }
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }

        var negative = false
        if current() == UInt8(ascii: "-") { negative = true; index = text.index(after: index) }
        else if current() == UInt8(ascii: "+") { index = text.index(after: index) }

        // Collect significant digits and where the decimal point sits.
        var digits: [UInt8] = []
        var fractionDigits = 0
        var sawDigit = false
        while isDigit(current()) {
            digits.append(current()! - 0x30)
            sawDigit = true
            index = text.index(after: index)
        }
        if current() == UInt8(ascii: ".") {
            index = text.index(after: index)
            while isDigit(current()) {
                digits.append(current()! - 0x30)
                fractionDigits += 1
                sawDigit = true
                index = text.index(after: index)
            }
        }
        guard sawDigit else { return nil }
        var exponent = 0
        if current() == UInt8(ascii: "e") || current() == UInt8(ascii: "E") {
            index = text.index(after: index)
            var exponentNegative = false
            if current() == UInt8(ascii: "-") { exponentNegative = true; index = text.index(after: index) }
            else if current() == UInt8(ascii: "+") { index = text.index(after: index) }
            guard isDigit(current()) else { return nil }
            while isDigit(current()) {
                exponent = exponent * 10 + Int(current()! - 0x30)
                guard exponent < 10_000 else { return nil }
                index = text.index(after: index)
            }
            if exponentNegative { exponent = -exponent }
        }
        guard index == text.endIndex else { return nil }

        // value = digits × 10^(exponent − fractionDigits); we want it × 10^4, rounded.
        let shift = exponent - fractionDigits + 4
        var units: Int64 = 0
        var roundUp = false
        let keptCount = shift >= 0 ? digits.count : digits.count + shift
        let inexact = digits[min(max(keptCount, 0), digits.count)...].contains { $0 != 0 }
        for (position, digit) in digits.enumerated() {
            if position < keptCount {
                let (timesTen, overflowA) = units.multipliedReportingOverflow(by: 10)
                let (sum, overflowB) = timesTen.addingReportingOverflow(Int64(digit))
                if overflowA || overflowB { return nil }
                units = sum
            } else if position == max(keptCount, 0) {
                roundUp = digit >= 5
                break
            }
        }
        if keptCount < 0 { roundUp = false }
        if shift > 0 {
            for _ in 0..<shift {
                guard units != 0 else { break }
                let (timesTen, overflow) = units.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                units = timesTen
            }
        }
        if roundUp {
            let (sum, overflow) = units.addingReportingOverflow(1)
            if overflow { return nil }
            units = sum
        }
        return (negative ? -units : units, inexact)
    }

    /// The value with exactly four fractional digits, e.g. `"-0.5000"`.
    public var description: String {
        let magnitude = units.magnitude
        let whole = magnitude / UInt64(Self.scale)
        let fraction = magnitude % UInt64(Self.scale)
        let fractionText = String(fraction)
        let padded = String(repeating: "0", count: 4 - fractionText.count) + fractionText
        return (units < 0 ? "-" : "") + "\(whole).\(padded)"
    }

    public static func < (lhs: Decimal4, rhs: Decimal4) -> Bool { lhs.units < rhs.units }

    /// Sum, or nil when it would not fit.
    public func adding(_ other: Decimal4) -> Decimal4? {
        let (sum, overflow) = units.addingReportingOverflow(other.units)
        return Self.checked(sum, overflow: overflow)
    }

    public func subtracting(_ other: Decimal4) -> Decimal4? {
        let (difference, overflow) = units.subtractingReportingOverflow(other.units)
        return Self.checked(difference, overflow: overflow)
    }

    /// `Int64.min` units has no positive counterpart, so `magnitude` could not be taken; like
    /// parsing, arithmetic keeps every value within ±`Int64.max` units.
    private static func checked(_ units: Int64, overflow: Bool) -> Decimal4? {
        overflow || units == .min ? nil : Decimal4(units: units)
    }

    public var magnitude: Decimal4 { Decimal4(units: units < 0 ? -units : units) }
}
