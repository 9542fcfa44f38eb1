import Foundation

/// The simulator's clock: the real clock plus an offset the control API can move, so tests can age
/// tokens by days without waiting.
final class SimulatorClock: @unchecked Sendable {
    private let offset = Locked<TimeInterval>(0)

    func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    var offsetSeconds: TimeInterval { offset.withLock { $0 } }

    func setOffset(seconds: TimeInterval) { offset.withLock { $0 = seconds } }

    /// QuickBooks stamps answers in the company's Pacific-time style: `2026-12-05T17:12:29.123-08:00`.
    /// A fixed -08:00 offset is enough for a simulator.
    static func intuitTimestamp(_ date: Date, fractional: Bool = true) -> String {
        let shifted = date.addingTimeInterval(-8 * 3600)
        var seconds = time_t(shifted.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let milliseconds = Int((shifted.timeIntervalSince1970 - Double(seconds)) * 1000) % 1000
        let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                          Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        return base + (fractional ? String(format: ".%03d", milliseconds) : "") + "-08:00"
    }

    /// The UTC calendar date, `2026-12-05`: a transaction's default TxnDate.
    static func date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
    }
}
