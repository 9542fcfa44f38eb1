import Foundation

/// Waits for the answer to one authorization: the redirect address the operator pastes on
/// standard input, or, with a loopback listener, the browser's own request to it. The first
/// redirect that belongs to this attempt wins; one carrying another `state` ends the wait with
/// `stateMismatch`, whichever way it came.
///
/// ```swift
/// let catcher = RedirectCatcher(authorization: authorization, log: log)
/// let callback = try catcher.wait(listener: listener, readLine: { readLine() }, timeoutSeconds: 900)
/// ```
public final class RedirectCatcher: @unchecked Sendable {
    public let authorization: QuickBooksAuthorization
    private let log: Log
    private let condition = NSCondition()
    private var outcome: Result<QuickBooksAuthorization.Callback, Error>?

    public init(authorization: QuickBooksAuthorization, log: Log) {
        self.authorization = authorization
        self.log = log
    }

    private func deliver(_ result: Result<QuickBooksAuthorization.Callback, Error>) {
        condition.lock()
        if outcome == nil { outcome = result }
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until a redirect is accepted or refused, standard input ends without a listener,
    /// or `timeoutSeconds` pass. `readLine` returns nil at the end of the input.
    public func wait(listener: LoopbackRedirectListener?, readLine: @escaping @Sendable () -> String?,
                     timeoutSeconds: Int) throws -> QuickBooksAuthorization.Callback {
        if let listener {
            let thread = Thread { [self] in listener.serve { self.answer(target: $0) } }
            thread.name = "redirect listener"
            thread.start()
        }
        let hasListener = listener != nil
        let reader = Thread { [self] in self.readPasted(readLine: readLine, hasListener: hasListener) }
        reader.name = "redirect input"
        reader.start()

        defer { listener?.stop() }
        let deadline = Date().addingTimeInterval(TimeInterval(timeoutSeconds))
        condition.lock()
        defer { condition.unlock() }
        while outcome == nil {
            guard condition.wait(until: deadline) else { break }
        }
        guard let outcome else { throw QuickBooksAuthorizationError.noRedirect(waitedSeconds: timeoutSeconds) }
        return try outcome.get()
    }

    /// Lines from standard input until one is this attempt's redirect (or refused).
    private func readPasted(readLine: () -> String?, hasListener: Bool) {
        while let line = readLine() {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            do {
                deliver(.success(try authorization.callback(from: text)))
                return
            } catch let error as QuickBooksAuthorizationError {
                switch error {
                case .notARedirect, .missing:
                    log.warning("\(error)")
                default:
                    deliver(.failure(error))
                    return
                }
            } catch {
                deliver(.failure(error))
                return
            }
        }
        // The input ended: with a listener the browser may still come; without, nothing will.
        if !hasListener { deliver(.failure(QuickBooksAuthorizationError.inputEnded)) }
    }

    /// The listener's answer to one request of the browser.
    private func answer(target: String) -> LoopbackRedirectListener.Reply {
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        guard path == authorization.loopback?.path else {
            return .init(status: 404, page: "<p>Not Synclet's redirect address.</p>", finished: false)
        }
        do {
            let callback = try authorization.callback(from: target)
            deliver(.success(callback))
            return .init(status: 200, page: "<h1>Synclet received QuickBooks' answer</h1><p>You can close this tab: the terminal running <code>synclet qbo connect</code> says whether the connection worked.</p>", finished: true)
        } catch let error as QuickBooksAuthorizationError {
            switch error {
            case .notARedirect, .missing:
                return .init(status: 400, page: "<p>This is not QuickBooks' redirect: \(Self.escaped("\(error)"))</p>", finished: false)
            default:
                deliver(.failure(error))
                return .init(status: 400, page: "<h1>Not connected</h1><p>\(Self.escaped("\(error)"))</p>", finished: true)
            }
        } catch {
            deliver(.failure(error))
            return .init(status: 400, page: "<p>\(Self.escaped("\(error)"))</p>", finished: true)
        }
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
