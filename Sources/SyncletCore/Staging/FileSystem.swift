import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File operations with the guarantees staging relies on: a file is complete or absent, never
/// half-written, and everything is private to its owner (staged runs hold customers' names and
/// addresses).
public enum StagingFileSystem {
    /// Creates `path` and its parents with mode 0700.
    public static func makePrivateDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod(path, 0o700)
    }

    /// Writes `bytes` to a temporary file beside `path` (mode 0600), fsyncs it, renames it over
    /// `path` and fsyncs the directory, so a reader sees the old file, the new file, or nothing.
    /// `mode` is for files others must read (node_exporter's textfile); staged files stay 0600.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(
            ".tmp-\((path as NSString).lastPathComponent)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StagingError.io("cannot create \(temporary)", errno) }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        if mode != 0o600 { fchmod(descriptor, mode) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress!.advanced(by: written), bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                unlink(temporary)
                throw StagingError.io("cannot write \(temporary)", code)
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            unlink(temporary)
            throw StagingError.io("cannot flush \(temporary) to disk", code)
        }
        close(descriptor)
        closed = true
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw StagingError.io("cannot rename \(temporary) to \(path)", code)
        }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Appends `bytes` to `path` (created 0600) in one `write` where the kernel allows: a reader
    /// sees whole lines, or a tail it leaves for its next look. Not flushed: for logs a reader
    /// follows (a ledger), whose loss on a crash of the machine only makes the reader wait.
    public static func append(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StagingError.io("cannot open \(path)", errno) }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0.advanced(by: written) }, bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw StagingError.io("cannot write \(path)", errno)
            }
            written += result
        }
    }

    public static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StagingError.io("cannot read \(path)", errno)
        }
        return [UInt8](data)
    }

    /// Removes temporary files a killed writer left behind.
    public static func removeLeftoverTemporaryFiles(in directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(".tmp-") {
            unlink((directory as NSString).appendingPathComponent(name))
        }
    }
}

/// A problem with the staging area.
public enum StagingError: Error, CustomStringConvertible {
    case io(String, Int32)
    case runNotFound(String)
    case damaged(run: String, reason: String)
    case unknownFormat(run: String, version: Int?)
    case locked(holder: String)

    public var description: String {
        switch self {
        case .io(let what, let code): return "\(what): \(String(cString: strerror(code)))"
        case .runNotFound(let id): return "no staged run \(id)"
        case .damaged(let run, let reason): return "staged run \(run) cannot be used: \(reason)"
        case .unknownFormat(let run, let version):
            return "staged run \(run): run.json has format version \(version.map(String.init) ?? "(none)"), which this synclet does not know "
                + "(it reads \(RunManifest.readableFormatVersions.map(String.init).joined(separator: ", "))); "
                + "use the synclet that staged it, or remove the run's folder"
        case .locked(let holder): return "another sync is running (\(holder)); it holds the lock, try again when it ends"
        }
    }
}
