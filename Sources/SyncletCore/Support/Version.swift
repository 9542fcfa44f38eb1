import Foundation

/// What `synclet --version` prints: the release version and the commit the binaries were built from.
///
/// The commit is not compiled in (the compiler cannot be handed a string from `make` without a
/// generated source file). `make release` writes `git rev-parse --short HEAD` to a `BUILD_COMMIT`
/// file beside the binaries, and `scripts/install.sh` copies it to `<prefix>/libexec/synclet/`.
/// The running executable reads whichever it finds first; without one the commit is unknown.
///
/// ```swift
/// SyncletVersion.description   // "synclet 0.1.0 (commit 1a2b3c4)"
/// ```
public enum SyncletVersion {
    public static let version = "0.1.0"

    /// The commit of this build, e.g. `1a2b3c4` (`-dirty` when built with uncommitted changes),
    /// or nil when no `BUILD_COMMIT` file was installed with the binaries.
    public static var commit: String? {
        readCommit(executableDirectory: (CommandLine.executablePath as NSString).deletingLastPathComponent)
    }

    /// `synclet 0.1.0 (commit 1a2b3c4)`, or `synclet 0.1.0 (unknown commit)`.
    public static var description: String {
        "synclet \(version) (\(commit.map { "commit \($0)" } ?? "unknown commit"))"
    }

    /// Where a `BUILD_COMMIT` file is looked for: beside the executable (a build directory, or
    /// `libexec/synclet` for the stages), then `../libexec/synclet` (an installed `bin/synclet`).
    static func commitFileCandidates(executableDirectory: String) -> [String] {
        let prefix = (executableDirectory as NSString).deletingLastPathComponent
        return [
            (executableDirectory as NSString).appendingPathComponent("BUILD_COMMIT"),
            (prefix as NSString).appendingPathComponent("libexec/synclet/BUILD_COMMIT"),
        ]
    }

    static func readCommit(executableDirectory: String) -> String? {
        for path in commitFileCandidates(executableDirectory: executableDirectory) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
            // A commit is short; anything else is not a BUILD_COMMIT file worth printing.
            if !commit.isEmpty, commit.count <= 64, !commit.contains("\n") { return commit }
        }
        return nil
    }
}
