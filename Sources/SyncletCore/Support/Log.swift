import Foundation

/// One line per event on stderr: `2026-11-25T12:00:00Z INFO  message`, secrets masked.
///
/// Colour only on a terminal and never with `NO_COLOR`. When stderr is systemd's journal
/// (`JOURNAL_STREAM` names it), each line starts with its syslog priority instead of a time
/// (`<4>WARN  message`, as sd-daemon(3) describes): the journal stamps the time itself, and
/// `journalctl -p warning` then finds the warnings and errors.
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
        /// The syslog priority the journal files the line under.
        var priority: Int {
            switch self {
            case .debug: return 7
            case .info: return 6
            case .warning: return 4
            case .error: return 3
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
    private let toJournal: Bool

    public init(minimumLevel: Level = .info, redactor: Redactor = Redactor(secrets: []),
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.minimumLevel = minimumLevel
        self.redactor = redactor
        self.toJournal = Self.isJournal(stderrOf: environment)
        self.useColour = !toJournal && isatty(STDERR_FILENO) == 1 && environment["NO_COLOR"] == nil
    }

    /// True when stderr is the journal stream systemd named in `JOURNAL_STREAM` (`device:inode`).
    /// A stderr redirected elsewhere (`synclet sync 2>file` in a unit) gets plain lines.
    static func isJournal(stderrOf environment: [String: String]) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    public func debug(_ message: @autoclosure () -> String) { write(.debug, message) }
    public func info(_ message: @autoclosure () -> String) { write(.info, message) }
    public func warning(_ message: @autoclosure () -> String) { write(.warning, message) }
    public func error(_ message: @autoclosure () -> String) { write(.error, message) }

    /// The last line of a command that failed: `synclet sync: error: <message>`, whatever the
    /// level, without a time on a terminal (it is the answer, not an event) and at priority
    /// `err` in the journal.
    public func fatal(command: String, _ message: String) {
        emit(.error, "\(command): error: \(redactor.redact(message).replacingOccurrences(of: "\n", with: " "))", stamped: false)
    }

    private func write(_ level: Level, _ message: () -> String) {
        guard level >= minimumLevel else { return }
        let text = redactor.redact(message()).replacingOccurrences(of: "\n", with: " ")
        emit(level, "\(level.label) \(text)", stamped: true)
    }

    private func emit(_ level: Level, _ text: String, stamped: Bool) {
        var line: String
        if toJournal {
            line = "<\(level.priority)>\(text)"
        } else {
            line = stamped ? "\(UTCTime.now().iso8601) \(text)" : text
            if useColour, !level.colour.isEmpty { line = level.colour + line + "\u{1B}[0m" }
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
