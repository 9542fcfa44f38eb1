import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// The staging directory: `runs/<UTC timestamp>-<short id>/` with `run.json`, `raw/`,
/// `canonical/` and `rejects.ndjson`.
///
/// ```swift
/// let staging = StagingArea(root: "staging")
/// let run = try staging.createRun(type: .initial, request: request, watermarkBefore: nil)
/// try run.writePage(0, body: bytes, ...)
/// ```
public struct StagingArea: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var runsDirectory: String { (root as NSString).appendingPathComponent("runs") }

    public func createRun(type: RunType, request: OrdersRequest, watermarkBefore: UTCTime?, now: Date = Date()) throws -> StagedRun {
        try StagingFileSystem.makePrivateDirectory(root)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let suffix = String(format: "%06x", UInt32.random(in: 0...0xFFFFFF))
        let runId = "\(formatter.string(from: now))-\(suffix)"
        let run = StagedRun(directory: (runsDirectory as NSString).appendingPathComponent(runId), runId: runId)
        try StagingFileSystem.makePrivateDirectory(run.rawDirectory)
        try StagingFileSystem.makePrivateDirectory(run.canonicalDirectory)
        var manifest = RunManifest(runId: runId, type: type, createdAt: UTCTime(now), request: request, watermarkBefore: watermarkBefore)
        manifest.extract = ExtractRecord()
        manifest.recordedStatus = .planned
        try run.save(manifest)
        return run
    }

    public func run(_ runId: String) throws -> StagedRun {
        guard Self.isRunFolderName(runId) else { throw StagingError.runNotFound(runId) }
        let run = StagedRun(directory: (runsDirectory as NSString).appendingPathComponent(runId), runId: runId)
        guard FileManager.default.fileExists(atPath: run.manifestPath) else { throw StagingError.runNotFound(runId) }
        return run
    }

    /// The one rule for which folders of `runs/` are runs: a name of the form `createRun` gives
    /// (`20261125T120000Z-3f9a1c`). Anything else — `<id>.damaged`, a temporary or hidden
    /// folder, a stray file — is not a run: never resumed, listed or renamed again.
    public static func isRunFolderName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 23, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"), bytes[16] == UInt8(ascii: "-") else { return false }
        let digits = Array(bytes[0..<8]) + Array(bytes[9..<15])
        let hex = bytes[17...]
        return digits.allSatisfy { (0x30...0x39).contains($0) }
            && hex.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// When a run was created, from its id (`20261125T120000Z-…`).
    public static func creationTime(ofRun runId: String) -> UTCTime? {
        guard isRunFolderName(runId) else { return nil }
        let c = Array(runId)
        func part(_ range: Range<Int>) -> String { String(c[range]) }
        return UTCTime(parsing: "\(part(0..<4))-\(part(4..<6))-\(part(6..<8)) \(part(9..<11)):\(part(11..<13)):\(part(13..<15))")
    }

    /// The suffix given to a run folder whose `run.json` cannot be read.
    public static let damagedSuffix = ".damaged"

    /// Every run, oldest first (run ids start with their UTC timestamp).
    public func allRuns() -> [StagedRun] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runsDirectory)) ?? []
        return names.filter(Self.isRunFolderName).sorted().map {
            StagedRun(directory: (runsDirectory as NSString).appendingPathComponent($0), runId: $0)
        }
    }

    /// Folders set aside as damaged, oldest first, for `prune`, with the run id each was. Older
    /// synclets renamed such a folder again on every sync (`<id>.damaged.damaged…`): those count too.
    public func damagedFolders() -> [(directory: String, runId: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runsDirectory)) ?? []
        return names.sorted().compactMap { name in
            var base = Substring(name)
            while base.hasSuffix(Self.damagedSuffix) { base = base.dropLast(Self.damagedSuffix.count) }
            guard base.count < name.count, Self.isRunFolderName(String(base)) else { return nil }
            return ((runsDirectory as NSString).appendingPathComponent(name), String(base))
        }
    }

    /// Sets aside a run whose `run.json` cannot be read: renamed `<id>.damaged`, it is no longer a
    /// run (so it is never resumed, listed or renamed again) and `prune` removes it.
    public func setAsideDamaged(runId: String) throws {
        guard Self.isRunFolderName(runId) else { throw StagingError.runNotFound(runId) }
        let run = StagedRun(directory: (runsDirectory as NSString).appendingPathComponent(runId), runId: runId)
        let target = run.directory + Self.damagedSuffix
        if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
        try FileManager.default.moveItem(atPath: run.directory, toPath: target)
    }

    /// Runs that neither finished nor were abandoned, oldest first. A run whose manifest cannot
    /// be read is reported with the reason so the caller can set it aside.
    public func unfinishedRuns() -> [(run: StagedRun, manifest: RunManifest?)] {
        unfinishedRunsWithReasons().map { ($0.run, $0.manifest) }
    }

    /// Like `unfinishedRuns`, with why a manifest could not be read.
    public func unfinishedRunsWithReasons() -> [(run: StagedRun, manifest: RunManifest?, unreadable: Error?)] {
        allRuns().compactMap { run in
            do {
                let manifest = try run.loadManifest()
                return manifest.isFinished ? nil : (run, manifest, nil)
            } catch {
                return FileManager.default.fileExists(atPath: run.directory) ? (run, nil, error) : nil
            }
        }
    }
}

/// One run's folder.
public struct StagedRun: Sendable {
    public let directory: String
    public let runId: String

    public var manifestPath: String { path("run.json") }
    public var rawDirectory: String { path("raw") }
    public var canonicalDirectory: String { path("canonical") }
    public var rejectsPath: String { path("rejects.ndjson") }

    public func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    public static func rawFileName(page: Int) -> String { String(format: "page-%06d.json", page) }
    public static func canonicalFileName(page: Int) -> String { String(format: "page-%06d.jsonl", page) }

    public func rawPath(page: Int) -> String {
        (rawDirectory as NSString).appendingPathComponent(Self.rawFileName(page: page))
    }

    public func canonicalPath(page: Int) -> String {
        (canonicalDirectory as NSString).appendingPathComponent(Self.canonicalFileName(page: page))
    }

    /// Reads `run.json`, refusing a format this synclet does not know rather than guessing.
    public func loadManifest() throws -> RunManifest {
        let bytes = try StagingFileSystem.read(manifestPath)
        struct Header: Decodable { var formatVersion: Int? }
        let version: Int?
        do {
            version = try JSONDecoder().decode(Header.self, from: Data(bytes)).formatVersion
        } catch {
            throw StagingError.damaged(run: runId, reason: "run.json is not a valid manifest (\(error))")
        }
        guard let version, RunManifest.readableFormatVersions.contains(version) else {
            throw StagingError.unknownFormat(run: runId, version: version)
        }
        do {
            return try JSONDecoder().decode(RunManifest.self, from: Data(bytes))
        } catch {
            throw StagingError.damaged(run: runId, reason: "run.json is not a valid manifest (\(error))")
        }
    }

    /// Writes `run.json` atomically, always in the current format.
    public func save(_ manifest: RunManifest) throws {
        var current = manifest
        if current.formatVersion < RunManifest.currentFormatVersion {
            current.recordedStatus = manifest.status
            current.formatVersion = RunManifest.currentFormatVersion
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try StagingFileSystem.writeAtomically(Array(try encoder.encode(current)) + [0x0A], to: manifestPath)
    }

    /// Loads the manifest, applies `change` and saves it atomically. The stages of a streaming
    /// sync update one run's manifest side by side: each update holds the run's manifest lock
    /// (`flock` on `.run.json.lock`), so none overwrites another's change with an older copy.
    @discardableResult
    public func updateManifest(_ change: (inout RunManifest) throws -> Void) throws -> RunManifest {
        let descriptor = open(path(".run.json.lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StagingError.io("cannot open \(path(".run.json.lock"))", errno) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StagingError.io("cannot lock \(path(".run.json.lock"))", errno) }
        }
        var manifest = try loadManifest()
        try change(&manifest)
        try save(manifest)
        return manifest
    }

    /// Reads a staged raw page and checks it against the manifest's size and SHA-256, so a
    /// damaged or half-written file is never taken for a complete one.
    public func verifiedRawPage(_ record: PageRecord) throws -> [UInt8] {
        let path = (rawDirectory as NSString).appendingPathComponent(record.file)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StagingError.damaged(run: runId, reason: "raw/\(record.file) is missing")
        }
        let bytes = try StagingFileSystem.read(path)
        guard bytes.count == record.bytes, SHA256.hash(data: bytes).hexString == record.sha256 else {
            throw StagingError.damaged(run: runId, reason: "raw/\(record.file) does not match its SHA-256 in run.json")
        }
        return bytes
    }

    /// Marks a stage as started, counting the attempt; `following` lets it start while the stage
    /// before it still runs (see `RunManifest.begin`). Returns the manifest as it now is.
    @discardableResult
    public func beginStage(_ stage: StageName, following: Bool = false) throws -> RunManifest {
        try updateManifest { try $0.begin(stage, following: following) }
    }

    /// Marks a stage as completed, or failed with `error`.
    public func finishStage(_ stage: StageName, error: String? = nil) throws {
        try updateManifest { try $0.finish(stage, error: error) }
    }
}
