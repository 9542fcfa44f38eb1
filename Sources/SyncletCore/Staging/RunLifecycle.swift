/// Where a staged run is in its life. Recorded in `run.json` as `status`.
///
/// ```
/// planned ─▶ extracting ─▶ extracted ─▶ transforming ─▶ transformed ─▶ loading ─▶ loaded
///               │  ▲                        │  ▲                          │  ▲
///               ▼  │                        ▼  │                          ▼  │
///              failed (at a stage; resumed by the next sync)      any unfinished ─▶ abandoned
/// ```
/// A replay moves a finished or failed run back to the status before the stage it replays from.
/// A folder whose `run.json` cannot be read has no status: it is renamed `<id>.damaged` and is no
/// longer a run (see `StagingArea.isRunFolderName`).
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case planned, extracting, extracted, transforming, transformed, loading, loaded, failed, abandoned

    /// A final run is neither resumed nor listed as unfinished.
    public var isFinal: Bool { self == .loaded || self == .abandoned }

    /// The status while `stage` runs, and once it has completed.
    static func running(_ stage: StageName) -> RunStatus {
        switch stage {
        case .extract: return .extracting
        case .transform: return .transforming
        case .load: return .loading
        }
    }

    static func completed(_ stage: StageName) -> RunStatus {
        switch stage {
        case .extract: return .extracted
        case .transform: return .transformed
        case .load: return .loaded
        }
    }

    /// The status of a run whose stages before `stage` are complete and `stage` has not begun.
    static func ready(for stage: StageName) -> RunStatus {
        switch stage {
        case .extract: return .planned
        case .transform: return .extracted
        case .load: return .transformed
        }
    }
}

/// A transition the lifecycle does not allow, such as loading a run that was abandoned.
public struct RunTransitionError: Error, CustomStringConvertible, Equatable {
    public let runId: String
    public let from: RunStatus
    public let action: String

    public var description: String {
        "run \(runId) is \(from.rawValue), so it cannot \(action)"
            + (from == .abandoned ? "; replay it with `synclet sync --run \(runId) --from <stage>`" : "")
    }
}

extension RunManifest {
    /// The run's status. A version-1 manifest has none recorded: it is derived from its stages.
    public var status: RunStatus {
        if let recordedStatus { return recordedStatus }
        if abandonedReason != nil { return .abandoned }
        return statusOfStages
    }

    /// The status the stages give: that of the earliest stage not completed (while a sync
    /// streams, the stages after it may already be running too), `loaded` once all completed.
    var statusOfStages: RunStatus {
        guard let next = nextStage else { return .loaded }
        switch stages[next]?.status {
        case .running?: return .running(next)
        case .failed?: return .failed
        default: return StageName.allCases.contains { stages[$0]?.status == .failed } ? .failed : .ready(for: next)
        }
    }

    /// The stage that failed, when the status is `failed`.
    public var failedStage: StageName? {
        StageName.allCases.first { stages[$0]?.status == .failed }
    }

    /// `stage` starts (or starts again after a failure or a kill): allowed when every stage
    /// before it has completed and the run is not final. A stage `following` the one before it
    /// (a streaming sync) may start while that one still runs: it takes only what is committed.
    public mutating func begin(_ stage: StageName, following: Bool = false, at time: UTCTime = .now()) throws {
        let ready = following || StageName.allCases.prefix { $0 != stage }.allSatisfy { stages[$0]?.status == .completed }
        guard !status.isFinal, ready else {
            throw RunTransitionError(runId: runId, from: status, action: "start \(stage.rawValue)")
        }
        let attempts = (stages[stage]?.attempts ?? 0) + 1
        stages[stage] = StageRecord(status: .running, startedAt: time, finishedAt: nil, attempts: attempts, error: nil,
                                    attemptId: String(format: "%08x", UInt32.random(in: 0...UInt32.max)))
        recordedStatus = statusOfStages
    }

    /// `stage` ended, completed when `error` is nil. Only a running stage completes, and only once
    /// every stage before it has; a stage may fail before it began (its preconditions did not
    /// hold, or the runner stopped it), but never in a final run.
    public mutating func finish(_ stage: StageName, error: String? = nil, at time: UTCTime = .now()) throws {
        let earlierCompleted = StageName.allCases.prefix { $0 != stage }.allSatisfy { stages[$0]?.status == .completed }
        guard !status.isFinal, error != nil || (stages[stage]?.status == .running && earlierCompleted) else {
            throw RunTransitionError(runId: runId, from: status, action: "finish \(stage.rawValue)")
        }
        var record = stages[stage] ?? StageRecord(status: .running, startedAt: time, finishedAt: nil, attempts: 1, error: nil)
        record.status = error == nil ? .completed : .failed
        record.finishedAt = time
        record.error = error
        stages[stage] = record
        recordedStatus = statusOfStages
    }

    /// The run will never be resumed; the next sync plans a new one.
    public mutating func abandon(reason: String) throws {
        guard status != .loaded else { throw RunTransitionError(runId: runId, from: status, action: "be abandoned") }
        abandonedReason = reason
        recordedStatus = .abandoned
    }

    /// `sync --run <id> --from <stage>`: forgets `stage` and the stages after it, and makes the
    /// run a replay, which never moves the watermark. The staged files of earlier stages stay.
    public mutating func prepareReplay(from stage: StageName) throws {
        let earlier = StageName.allCases.prefix { $0 != stage }
        guard earlier.allSatisfy({ stages[$0]?.status == .completed }) else {
            let missing = earlier.first { stages[$0]?.status != .completed }?.rawValue ?? stage.rawValue
            throw RunTransitionError(runId: runId, from: status, action: "be replayed from \(stage.rawValue) before \(missing) has completed")
        }
        if type != .replay { plannedAs = type }
        type = .replay
        abandonedReason = nil
        historyId = nil
        for later in StageName.allCases.drop(while: { $0 != stage }) { stages[later] = nil }
        recordedStatus = .ready(for: stage)
    }
}

extension RunManifest {
    /// A stage's results are recorded only while that stage runs: a stage process that lived on
    /// after its run was taken over and finished (an orphan) can never rewrite it.
    public mutating func record(_ extract: ExtractRecord) throws {
        try requireRunning(.extract)
        self.extract = extract
    }

    public mutating func record(_ transform: TransformRecord) throws {
        try requireRunning(.transform)
        self.transform = transform
    }

    public mutating func record(_ load: LoadRecord) throws {
        try requireRunning(.load)
        self.load = load
    }

    private func requireRunning(_ stage: StageName) throws {
        guard !status.isFinal, stages[stage]?.status == .running else {
            throw RunTransitionError(runId: runId, from: status, action: "record the results of \(stage.rawValue)")
        }
    }
}
