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

    /// How a stage process ended.
    enum Exit: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// How the stage ended, or nil while it runs. Never blocks.
    func poll() -> Exit? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            // WIFEXITED / WTERMSIG are macros Swift cannot import.
            let signal = status & 0x7F
            return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        }
        if result < 0 && errno != EINTR && errno != 0 { return .exited(SyncletExitCode.failed.rawValue) }
        return nil
    }

    /// Sends `signal` to the stage.
    func send(_ signal: Int32) {
        kill(pid, signal)
    }
}
