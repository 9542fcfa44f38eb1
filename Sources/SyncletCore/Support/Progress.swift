import Foundation

/// Progress of long work: on a terminal, one line rewritten in place (pages, orders per second,
/// time left when the total is known); under cron or systemd, a plain log line every 30 seconds.
public final class Progress {
    private let label: String
    private let total: Int?
    private let log: Log
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let started = Date()
    private var lastShown = Date()
    private var showedLine = false

    public init(_ label: String, totalPages: Int?, log: Log) {
        self.label = label
        self.total = totalPages
        self.log = log
    }

    public func update(pages: Int, orders: Int) {
        let now = Date()
        guard now.timeIntervalSince(lastShown) >= (isTerminal ? 0.5 : 30), log.minimumLevel <= .info else { return }
        lastShown = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        var text = "\(label): \(pages)\(total.map { "/\($0)" } ?? "") pages, \(orders) orders, \(Int(Double(orders) / elapsed)) orders/s"
        if let total, pages > 0, pages < total {
            text += ", about \(Int(elapsed / Double(pages) * Double(total - pages)))s left"
        }
        if isTerminal {
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
            showedLine = true
        } else {
            log.info(text)
        }
    }

    /// Ends the in-place line so the next log line starts clean.
    public func finish() {
        if showedLine { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        showedLine = false
    }
}
