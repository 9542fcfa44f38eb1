import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One sync at a time: an exclusive `flock` on `<staging>/sync.lock`.
///
/// The kernel releases the lock when the last descriptor of its open file description closes,
/// however the holders end, so the lock can never go stale. The runner hands that description
/// to every stage it starts (as descriptor `inheritedDescriptor`): the lock stays held while any
/// process of the sync lives, even a stage whose runner was killed. The file's content (pid, run
/// id and since when the lock is held) serves the message a second sync prints, and tells it
/// whether the holder has held the lock for longer than any sync should (a hung sync).
public final class RunLock: @unchecked Sendable {
    /// Set by the runner for the stages it starts: the runner's pid. The stage runs under the
    /// runner's lock, which it inherits as `inheritedDescriptor`.
    public static let heldByParentVariable = "SYNCLET_LOCK_HELD_BY"
    /// The descriptor number a stage finds the runner's lock at.
    public static let inheritedDescriptor: Int32 = 3

    /// The open descriptor holding the lock; handed to the stages the runner starts.
    let descriptor: Int32
    public let path: String
    /// A stage's inherited lock is the runner's: unlocking it would release the runner's too.
    private let isInherited: Bool
    /// When the sync (the runner, for a stage it started) took the lock.
    public let heldSince: UTCTime

    private init(descriptor: Int32, path: String, isInherited: Bool = false, heldSince: UTCTime = .now()) {
        self.descriptor = descriptor
        self.path = path
        self.isInherited = isInherited
        self.heldSince = heldSince
    }

    private static let heldSinceMarker = ", held since "

    /// The holder's line in the lock file, or nil when it has none. The holder writes that line
    /// right after it takes the lock and rewrites it as the sync moves on, and a read is not
    /// atomic with a write: a line that is empty or not whole (no `held since` time) is read
    /// again for a moment. Anything after the line is what remains of a longer earlier one until
    /// the holder truncates it.
    static func holderLine(at path: String) -> String? {
        var seen: String?
        for attempt in 1...20 {
            let content = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if let end = content.firstIndex(of: "\n") {
                let line = String(content[..<end]).trimmingCharacters(in: .whitespaces)
                if timeHeldSince(in: line) != nil { return line }
                if !line.isEmpty { seen = line }
            } else if !content.isEmpty {
                seen = content.trimmingCharacters(in: .whitespaces)
            }
            if attempt < 20 { usleep(5_000) }
        }
        return seen
    }

    /// The time a holder wrote after `held since`, or nil for a file without one.
    static func timeHeldSince(in content: String) -> UTCTime? {
        guard let range = content.range(of: heldSinceMarker, options: .backwards) else { return nil }
        return UTCTime(parsing: content[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func path(in staging: StagingArea) -> String {
        (staging.root as NSString).appendingPathComponent("sync.lock")
    }

    /// The lock a stage inherited from the runner that started it, checked to be this staging
    /// area's lock and held; an error when it is not (the stage was started some other way).
    public static func inherited(staging: StagingArea, runner: Int32) throws -> RunLock {
        let lockPath = Self.path(in: staging)
        let descriptor = inheritedDescriptor
        var held = stat(), expected = stat()
        guard fstat(descriptor, &held) == 0, stat(lockPath, &expected) == 0,
              held.st_dev == expected.st_dev, held.st_ino == expected.st_ino,
              flock(descriptor, LOCK_EX | LOCK_NB) == 0
        else {
            throw SyncFailure(exitCode: .failed, message: "this stage was started as part of synclet sync (process \(runner)) "
                + "but did not inherit the sync lock of \(staging.root); run it alone without \(heldByParentVariable) set")
        }
        // Descriptors this stage opens from now on must not reach processes it might start.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        // The sync's age is the runner's: keep the time it wrote.
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        let line = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").first.map(String.init) : nil
        let since = line.flatMap(timeHeldSince(in:))
        return RunLock(descriptor: descriptor, path: lockPath, isInherited: true, heldSince: since ?? .now())
    }

    /// Takes the lock or throws `StagingError.locked` naming the holder; when the holder has held
    /// it for longer than `staleAfterSeconds`, throws `LockHeldTooLong` instead (a hung sync is
    /// a failure to report, not a sync to wait for).
    public static func acquire(staging: StagingArea, staleAfterSeconds: Int? = nil, now: UTCTime = .now()) throws -> RunLock {
        try StagingFileSystem.makePrivateDirectory(staging.root)
        let path = Self.path(in: staging)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StagingError.io("cannot open \(path)", errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = holderLine(at: path)
            close(descriptor)
            let described = holder ?? "holder unknown"
            if let staleAfterSeconds, let since = holder.flatMap(timeHeldSince(in:)),
               now.secondsSince1970 - since.secondsSince1970 > Int64(staleAfterSeconds) {
                throw LockHeldTooLong(path: path, holder: described, seconds: now.secondsSince1970 - since.secondsSince1970,
                                      limit: staleAfterSeconds)
            }
            throw StagingError.locked(holder: described)
        }
        let lock = RunLock(descriptor: descriptor, path: path)
        lock.describe(run: nil)
        return lock
    }

    /// Records which run the holder is working on, for the message a second sync prints.
    public func describe(run runId: String?, stage: StageName? = nil) {
        let role = stage.map { isInherited ? " (\($0.rawValue), started by synclet sync process \(getppid()))" : " (\($0.rawValue))" } ?? ""
        let text = "process \(getpid())" + role
            + (runId.map { ", run \($0)" } ?? "") + Self.heldSinceMarker + heldSince.iso8601 + "\n"
        // The new line over the old one, then cut what is left of the old: the file is never
        // empty, so a second sync reading it at that moment still learns who holds the lock.
        let written = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        if written > 0 { ftruncate(descriptor, off_t(written)) }
    }

    deinit {
        if !isInherited { flock(descriptor, LOCK_UN) }
        close(descriptor)
    }
}

/// The sync lock has been held for longer than `locking.stale_after_seconds`: the sync holding
/// it is most likely hung. Exit code 6, so a timer's failure unit fires instead of each start
/// quietly giving way (exit code 4).
public struct LockHeldTooLong: Error, CustomStringConvertible {
    public let path: String
    public let holder: String
    public let seconds: Int64
    public let limit: Int

    public var description: String {
        "the sync lock \(path) has been held for \(Self.duration(seconds)) by \(holder), longer than "
            + "locking.stale_after_seconds (\(limit)) in pipeline.yaml allows: that sync is probably hung; "
            + "look at it (synclet status, ps), stop it (systemctl stop synclet.service, or kill the process), "
            + "and the next sync resumes its run"
    }

    static func duration(_ seconds: Int64) -> String {
        seconds >= 3600 ? "\(seconds / 3600) h \(seconds % 3600 / 60) min" : (seconds >= 60 ? "\(seconds / 60) min \(seconds % 60) s" : "\(seconds) s")
    }
}
