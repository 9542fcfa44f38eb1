import CSyncletSupport
import Foundation

/// SIGTERM (systemd stopping the service or its `TimeoutStartSec` running out), SIGINT (Ctrl-C)
/// and SIGHUP (a closed terminal), as `synclet sync` sees them: recorded, not obeyed at once, so
/// the runner can stop its stage, mark the run `interrupted` in `sync_history` and then end by
/// the same signal.
///
/// ```swift
/// StopSignals.catchThem()
/// if let signal = StopSignals.received { throw SyncInterrupted(signal: signal, ...) }
/// ```
public enum StopSignals {
    /// From now on the three signals are recorded instead of ending the process.
    public static func catchThem() {
        _ = synclet_catch_stop_signals()
    }

    /// The first stop signal received, or nil.
    public static var received: Int32? {
        let signal = synclet_stop_signal_received()
        return signal == 0 ? nil : signal
    }

    /// `SIGTERM` for 15 and so on.
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGHUP: return "SIGHUP"
        case SIGKILL: return "SIGKILL"
        default: return "signal \(signal)"
        }
    }

    /// Ends the process by `signal`, so systemd or the shell sees the stop it asked for.
    public static func end(by signal: Int32) -> Never {
        synclet_exit_by_signal(signal)
        exit(128 + signal)
    }
}

/// A sync stopped by a signal: the stage was stopped and the run recorded as `interrupted`; the
/// next `synclet sync` resumes it. The command ends by the same signal.
public struct SyncInterrupted: Error, CustomStringConvertible {
    public let signal: Int32
    public let message: String
    public var description: String { message }
}
