import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One sync at a time: an exclusive `flock` on `<staging>/sync.lock`.
///
/// The kernel releases the lock when the holding process ends, however it ends, so the lock
/// can never go stale. The file's content (pid and run id) only serves the message a second
/// sync prints.
public final class RunLock {
    /// Set by the runner for the stages it starts: they run under the runner's lock.
    public static let heldByParentVariable = "SYNCLET_LOCK_HELD_BY"

    private let descriptor: Int32
    public let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Takes the lock or throws `StagingError.locked` naming the holder.
    public static func acquire(staging: StagingArea) throws -> RunLock {
        try StagingFileSystem.makePrivateDirectory(staging.root)
        let path = (staging.root as NSString).appendingPathComponent("sync.lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StagingError.io("cannot open \(path)", errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw StagingError.locked(holder: holder.flatMap { $0.isEmpty ? nil : $0 } ?? "holder unknown")
        }
        let lock = RunLock(descriptor: descriptor, path: path)
        lock.describe(run: nil)
        return lock
    }

    /// Records which run the holder is working on, for the message a second sync prints.
    public func describe(run runId: String?) {
        let text = "process \(getpid())" + (runId.map { ", run \($0)" } ?? "") + "\n"
        ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
