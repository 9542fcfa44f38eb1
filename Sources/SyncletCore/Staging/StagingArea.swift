import Foundation
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
        try run.save(manifest)
        return run
    }

    public func run(_ runId: String) throws -> StagedRun {
        guard !runId.contains("/"), !runId.hasPrefix(".") else { throw StagingError.runNotFound(runId) }
        let run = StagedRun(directory: (runsDirectory as NSString).appendingPathComponent(runId), runId: runId)
        guard FileManager.default.fileExists(atPath: run.manifestPath) else { throw StagingError.runNotFound(runId) }
        return run
    }

    /// Every run directory, oldest first (run ids start with their UTC timestamp).
    public func allRuns() -> [StagedRun] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runsDirectory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map {
            StagedRun(directory: (runsDirectory as NSString).appendingPathComponent($0), runId: $0)
        }
    }

    /// Runs that neither finished nor were abandoned, oldest first. A run whose manifest cannot
    /// be read is reported with the reason so the caller can mark or skip it.
    public func unfinishedRuns() -> [(run: StagedRun, manifest: RunManifest?)] {
        allRuns().compactMap { run in
            guard let manifest = try? run.loadManifest() else {
                return FileManager.default.fileExists(atPath: run.directory) ? (run, nil) : nil
            }
            return manifest.isFinished ? nil : (run, manifest)
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

    public func loadManifest() throws -> RunManifest {
        let bytes = try StagingFileSystem.read(manifestPath)
        do {
            return try JSONDecoder().decode(RunManifest.self, from: Data(bytes))
        } catch {
            throw StagingError.damaged(run: runId, reason: "run.json is not a valid manifest (\(error))")
        }
    }

    public func save(_ manifest: RunManifest) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try StagingFileSystem.writeAtomically(Array(try encoder.encode(manifest)) + [0x0A], to: manifestPath)
    }

    /// Loads the manifest, applies `change` and saves it atomically.
    @discardableResult
    public func updateManifest(_ change: (inout RunManifest) throws -> Void) throws -> RunManifest {
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

    /// Marks a stage as started, counting the attempt.
    public func beginStage(_ stage: StageName) throws {
        try updateManifest { manifest in
            let attempts = (manifest.stages[stage]?.attempts ?? 0) + 1
            manifest.stages[stage] = StageRecord(status: .running, startedAt: .now(), finishedAt: nil, attempts: attempts, error: nil)
        }
    }

    public func finishStage(_ stage: StageName, error: String? = nil) throws {
        try updateManifest { manifest in
            var record = manifest.stages[stage] ?? StageRecord(status: .running, startedAt: .now(), finishedAt: nil, attempts: 1, error: nil)
            record.status = error == nil ? .completed : .failed
            record.finishedAt = .now()
            record.error = error
            manifest.stages[stage] = record
        }
    }
}
