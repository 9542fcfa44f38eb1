import Foundation

/// One line per event on stderr: `2026-11-25T12:00:00Z INFO  message`, secrets masked.
///
/// Colour only on a terminal and never with `NO_COLOR`. Under systemd the journal gets the same
/// clean lines.
public struct Log: Sendable {
    /// Passes the runner's level to the stages it starts.
    public static let levelVariable = "SYNCLET_LOG_LEVEL"

    public enum Level: Int, Comparable, Sendable {
        case debug, info, warning, error

        public init?(name: String) {
            switch name.lowercased() {
            case "debug": self = .debug
            case "info": self = .info
            case "warning": self = .warning
            case "error": self = .error
            default: return nil
            }
        }

        public var name: String {
            switch self {
            case .debug: return "debug"
            case .info: return "info"
            case .warning: return "warning"
            case .error: return "error"
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
        var label: String {
            switch self {
            case .debug: return "DEBUG"
            case .info: return "INFO "
            case .warning: return "WARN "
            case .error: return "ERROR"
            }
        }
        var colour: String {
            switch self {
            case .debug: return "\u{1B}[2m"
            case .info: return ""
            case .warning: return "\u{1B}[33m"
            case .error: return "\u{1B}[31m"
            }
        }
    }

    public var minimumLevel: Level
    public var redactor: Redactor
    private let useColour: Bool

    public init(minimumLevel: Level = .info, redactor: Redactor = Redactor(secrets: [])) {
        self.minimumLevel = minimumLevel
        self.redactor = redactor
        self.useColour = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    public func debug(_ message: @autoclosure () -> String) { write(.debug, message) }
    public func info(_ message: @autoclosure () -> String) { write(.info, message) }
    public func warning(_ message: @autoclosure () -> String) { write(.warning, message) }
    public func error(_ message: @autoclosure () -> String) { write(.error, message) }

    private func write(_ level: Level, _ message: () -> String) {
        guard level >= minimumLevel else { return }
        let text = redactor.redact(message()).replacingOccurrences(of: "\n", with: " ")
        var line = "\(UTCTime.now().iso8601) \(level.label) \(text)"
        if useColour, !level.colour.isEmpty { line = level.colour + line + "\u{1B}[0m" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
