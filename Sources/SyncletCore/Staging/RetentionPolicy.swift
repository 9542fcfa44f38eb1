import Foundation

/// Removes loaded runs older than `pipeline.yaml`'s `retention.keep_loaded_runs_days`. Failed
/// and unfinished runs are kept until they are resumed or pruned explicitly.
public struct RetentionPolicy {
    public let staging: StagingArea
    public let keepDays: Int
    public let log: Log

    public init(staging: StagingArea, keepDays: Int, log: Log) {
        self.staging = staging
        self.keepDays = keepDays
        self.log = log
    }

    /// Returns the run ids removed (a damaged folder counts as its run id).
    @discardableResult
    public func prune(except keep: String? = nil, includingAbandoned: Bool = false, now: UTCTime = .now()) -> [String] {
        let cutoff = now.adding(seconds: -Int64(keepDays) * 86_400)
        var removed: [String] = []
        func remove(_ directory: String, runId: String) {
            do {
                try FileManager.default.removeItem(atPath: directory)
                removed.append(runId)
            } catch {
                log.warning("cannot remove staged run \(runId): \(error)")
            }
        }
        for run in staging.allRuns() where run.runId != keep {
            guard let manifest = try? run.loadManifest(), manifest.createdAt <= cutoff else { continue }
            guard manifest.status == .loaded || (includingAbandoned && manifest.status == .abandoned) else { continue }
            remove(run.directory, runId: run.runId)
        }
        // A damaged folder can never be resumed or replayed: it goes once past the retention
        // period, dated by the time in its name.
        for (directory, runId) in staging.damagedFolders() {
            guard let created = StagingArea.creationTime(ofRun: runId), created <= cutoff else { continue }
            remove(directory, runId: runId)
        }
        if !removed.isEmpty { log.info("pruned \(removed.count) staged run(s) older than \(keepDays) days") }
        return removed
    }
}
