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

    /// Returns the run ids removed.
    @discardableResult
    public func prune(except keep: String? = nil, includingAbandoned: Bool = false, now: UTCTime = .now()) -> [String] {
        let cutoff = now.adding(seconds: -Int64(keepDays) * 86_400)
        var removed: [String] = []
        for run in staging.allRuns() where run.runId != keep {
            guard let manifest = try? run.loadManifest(), manifest.createdAt <= cutoff else { continue }
            let loaded = manifest.stages[.load]?.status == .completed
            guard loaded || (includingAbandoned && manifest.abandonedReason != nil) else { continue }
            do {
                try FileManager.default.removeItem(atPath: run.directory)
                removed.append(run.runId)
            } catch {
                log.warning("cannot remove staged run \(run.runId): \(error)")
            }
        }
        if !removed.isEmpty { log.info("pruned \(removed.count) staged run(s) older than \(keepDays) days") }
        return removed
    }
}
