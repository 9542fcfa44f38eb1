import CSyncletSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One stage executable started by the runner, holding the runner's sync lock.
///
/// Started through `posix_spawn` rather than Foundation's `Process`, for two reasons: `Process`
/// closes every inherited descriptor, so a stage could not share the lock; and the stage's
/// parent-death signal is tied to the thread that started it, so the runner starts and waits for
/// its stages on one thread that lives as long as the sync (see `SyncRunner.sync`), never on a
/// pool thread that may end while the stage runs.
struct StageProcess {
    let pid: pid_t

    /// Starts `executable`; the lock's descriptor becomes the child's `RunLock.inheritedDescriptor`.
    static func start(_ executable: String, arguments: [String], environment: [String: String], lock: RunLock) throws -> StageProcess {
        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = (argv + [nil]).withUnsafeBufferPointer { arguments in
            (envp + [nil]).withUnsafeBufferPointer { environment in
                synclet_spawn(executable, arguments.baseAddress, environment.baseAddress, lock.descriptor, RunLock.inheritedDescriptor, &pid)
            }
        }
        guard result == 0 else { throw StagingError.io("cannot start \(executable)", result) }
        return StageProcess(pid: pid)
    }

    /// How a stage ended.
    enum Outcome: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        /// The runner was asked to stop (by this signal) and stopped the stage.
        case stopped(Int32)
    }

    /// Waits for the stage to end; past `timeout`, or once `stopRequested` names a signal the
    /// runner received, it gets SIGTERM, and SIGKILL ten seconds later.
    /// Blocks the calling thread, which is the runner's own, never the cooperative pool.
    func wait(timeout: TimeInterval, stopRequested: () -> Int32? = { StopSignals.received }) -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        var terminatedAt: Date?
        var stoppedBy: Int32?
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                if let stoppedBy = stoppedBy ?? stopRequested() { return .stopped(stoppedBy) }
                if terminatedAt != nil { return .timedOut }
                // WIFEXITED / WTERMSIG are macros Swift cannot import.
                let signal = status & 0x7F
                return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
            }
            if result < 0 && errno != EINTR { return .exited(SyncletExitCode.failed.rawValue) }
            let now = Date()
            if terminatedAt == nil, let signal = stopRequested() {
                stoppedBy = signal
                kill(pid, SIGTERM)
                terminatedAt = now
            } else if terminatedAt == nil, now >= deadline {
                kill(pid, SIGTERM)
                terminatedAt = now
            } else if let terminatedAt, now.timeIntervalSince(terminatedAt) > 10 {
                kill(pid, SIGKILL)
            }
            usleep(50_000)
        }
    }
}
