import Foundation

/// `synclet sync`: runs the stages of `pipeline.yaml` as separate processes, resuming an
/// unfinished run from the stage that did not complete.
///
/// Holds the sync lock for the whole run (the stages it starts run under it), records the run
/// in `sync_history`, and prunes old loaded runs at the end.
public struct SyncRunner {
    public let settings: Settings
    public let pipeline: PipelineConfiguration
    public let pipelinePath: String?
    public let staging: StagingArea
    public let log: Log

    public init(settings: Settings, pipeline: PipelineConfiguration, pipelinePath: String?, staging: StagingArea, log: Log) {
        self.settings = settings
        self.pipeline = pipeline
        self.pipelinePath = pipelinePath
        self.staging = staging
        self.log = log
    }

    /// What to run: a normal sync, a forced initial one, or a replay of a staged run.
    public enum Mode {
        case normal
        case forceInitial
        case replay(runId: String, from: StageName)
    }

    /// Runs the sync. Blocks until every stage has ended: call it from a thread that lives until
    /// it returns (`CommandEnvironment.run` gives it one), never from the cooperative pool, since
    /// the stages' parent-death signal is tied to the thread that starts them.
    public func sync(_ mode: Mode) throws {
        // From here on SIGTERM (systemd stopping the service) is handled by stopping the stage
        // and recording the run as interrupted, instead of leaving its row "running".
        StopSignals.catchThem()
        let magento = try settings.magento()
        let database = Database(settings: try settings.database())
        let lock = try RunLock.acquire(staging: staging, staleAfterSeconds: pipeline.locking.staleLimitSeconds(for: pipeline))
        defer { withExtendedLifetime(lock) {} }
        let planner = RunPlanner(staging: staging, magento: magento)

        // The runner holds no connection while the stages run (extract can take hours against a
        // slow store); each record in sync_history uses a short-lived one.
        let (run, type, historyId) = try withHistory(database, migrating: true) { history in
            let (run, type) = try chooseRun(mode, planner: planner, history: history)
            var manifest = try run.loadManifest()
            // Each attempt at a run has its own row, so failures can be counted
            // (`consecutive_failures`) and each attempt keeps its own times and error.
            if let previous = manifest.historyId, case .normal = mode {
                try history.closeUnfinishedAttempt(historyId: previous)
            }
            let id = try history.start(manifest, type: type)
            manifest = try run.updateManifest { $0.historyId = id }
            return (run, type, manifest.historyId ?? 0)
        }
        lock.describe(run: run.runId)
        guard let firstStage = try run.loadManifest().nextStage else { return }
        log.info("run \(run.runId) (\(type.rawValue)): starting at \(firstStage.rawValue)")

        // The stages run side by side, each following what the one before it commits.
        let stages = StreamingStages(
            stages: pipeline.stages.filter { isAtOrAfter($0.name, firstStage) }, run: run, pipelinePath: pipelinePath, log: log,
            start: { stage, following in try startStage(stage, following: following, run: run, lock: lock) },
            started: { stage in try? withHistory(database) { try $0.recordProgress(try run.loadManifest(), historyId: historyId, stage: stage) } })
        switch stages.execute() {
        case .succeeded:
            break
        case .stopped(let stage, let signal):
            let message = "run \(run.runId) interrupted by \(StopSignals.name(signal)) during \(stage.rawValue); "
                + "the next `synclet sync` resumes it"
            try? withHistory(database) { history in
                try history.recordProgress(try run.loadManifest(), historyId: historyId, stage: stage)
                try history.recordInterruption(historyId: historyId, stage: stage, reason: message)
            }
            throw SyncInterrupted(signal: signal, message: message)
        case .failed(let stage, let code, let runnerReason):
            let exitCode = SyncletExitCode(rawValue: code) ?? .failed
            let reason = runnerReason ?? ((try? run.loadManifest().stages[stage]?.error) ?? nil)
            let message = "run \(run.runId) failed at \(stage.rawValue)" + (reason.map { ": \($0)" } ?? " (exit code \(code))")
            try? withHistory(database) { history in
                try history.recordProgress(try run.loadManifest(), historyId: historyId, stage: stage)
                try history.recordFailure(historyId: historyId, stage: stage, error: message)
            }
            throw SyncFailure(exitCode: exitCode == .success ? .failed : exitCode, message: message
                + (exitCode == .failed ? "; run `synclet sync` again to resume it" : ""))
        }
        try withHistory(database) { try $0.recordProgress(try run.loadManifest(), historyId: historyId, stage: pipeline.stages.last?.name) }
        RetentionPolicy(staging: staging, keepDays: pipeline.retention.keepLoadedRunsDays, log: log).prune(except: run.runId)
        try pushToQuickBooks(lock: lock)
    }

    private func withHistory<T>(_ database: Database, migrating: Bool = false, _ body: (SyncHistory) throws -> T) throws -> T {
        let connection = try migrating ? database.connectWithCurrentSchema() : database.connect()
        defer { connection.close() }
        return try body(SyncHistory(connection: connection))
    }

    private func isAtOrAfter(_ stage: StageName, _ first: StageName) -> Bool {
        (StageName.allCases.firstIndex(of: stage) ?? 0) >= (StageName.allCases.firstIndex(of: first) ?? 0)
    }

    private func chooseRun(_ mode: Mode, planner: RunPlanner, history: SyncHistory) throws -> (StagedRun, RunType) {
        switch mode {
        case .replay(let runId, let from):
            let run = try staging.run(runId)
            let manifest = try run.updateManifest { try $0.prepareReplay(from: from) }
            if from == .extract, manifest.extract?.pages.isEmpty == false {
                log.info("run \(runId): replaying from extract re-uses the pages already staged")
            }
            log.info("run \(runId): a replay does not move the watermark")
            return (run, .replay)
        case .forceInitial:
            try settle(ResumePlan.decide(candidates()), reason: "superseded by sync --force-initial", history: history)
            return (try planner.planNewRun(connection: history.connection, forceInitial: true), .forced)
        case .normal:
            let plan = ResumePlan.decide(try candidates())
            try settle(plan, reason: nil, history: history)
            if let runId = plan.resume {
                let run = try staging.run(runId)
                let manifest = try run.loadManifest()
                log.info("resuming run \(runId) from \(manifest.nextStage?.rawValue ?? "its end")")
                return (run, manifest.type)
            }
            if !plan.abandon.isEmpty || !plan.setAside.isEmpty {
                log.warning("starting a new run from the last committed watermark")
            }
            if let gap = try planner.backfillGap(connection: history.connection) {
                log.warning("INITIAL_SYNC_DATE (\(gap.configured)) is earlier than the earliest window loaded (\(gap.loadedFrom)): "
                    + "this sync asks again for every order created since \(gap.configured), as `synclet sync --force-initial` does, "
                    + "so the orders created before \(gap.loadedFrom) are backfilled")
                return (try planner.planNewRun(connection: history.connection, forceInitial: true), .forced)
            }
            let run = try planner.planNewRun(connection: history.connection, forceInitial: false)
            return (run, try run.loadManifest().type)
        }
    }

    /// The unfinished runs as the resume decision sees them. A manifest in a format this synclet
    /// does not know stops the sync: it was written by another version, not damaged.
    private func candidates() throws -> [ResumePlan.Candidate] {
        try staging.unfinishedRunsWithReasons().map { run, manifest, unreadable in
            guard let manifest else {
                if let error = unreadable as? StagingError, case .unknownFormat = error { throw error }
                return .unreadable(runId: run.runId, problem: unreadable.map { "\($0)" } ?? "run.json is missing or unreadable")
            }
            if let problem = resumeProblem(run, manifest) { return .damagedPages(runId: run.runId, problem: problem) }
            return .resumable(runId: run.runId)
        }
    }

    /// Why a staged run cannot be resumed, or nil when every staged page is intact.
    private func resumeProblem(_ run: StagedRun, _ manifest: RunManifest) -> String? {
        do {
            for page in manifest.extract?.pages ?? [] { _ = try run.verifiedRawPage(page) }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Carries out a resume plan's abandonments; `reason` overrides the plan's (and abandons the
    /// run it would resume too).
    private func settle(_ plan: ResumePlan, reason override: String?, history: SyncHistory) throws {
        var abandon = plan.abandon
        if let override, let resume = plan.resume { abandon.append(.init(runId: resume, reason: override)) }
        for item in abandon {
            let reason = override ?? item.reason
            try staging.run(item.runId).updateManifest { try $0.abandon(reason: reason) }
            try history.markInterrupted(runId: item.runId, reason: "abandoned: \(reason)")
            log.warning("run \(item.runId) abandoned: \(reason)")
        }
        for item in plan.setAside {
            try staging.setAsideDamaged(runId: item.runId)
            try history.markInterrupted(runId: item.runId, reason: "set aside as damaged: \(item.reason)")
            log.warning("run \(item.runId) set aside as \(item.runId)\(StagingArea.damagedSuffix): \(item.reason)")
        }
    }

    /// Starts one stage's executable under the runner's lock; `following` lets it follow the
    /// stage before it while that one still runs.
    private func startStage(_ stage: PipelineConfiguration.Stage, following: Bool, run: StagedRun, lock: RunLock) throws -> StageProcess {
        guard let executable = StageExecutable.locate(stage.executable) else {
            throw SyncFailure(exitCode: .failed, message: "cannot find the \(stage.name.rawValue) executable '\(stage.executable)' beside synclet or in libexec/synclet")
        }
        let arguments = ["--run", run.runId, "--staging", staging.root] + (following ? ["--follow"] : []) + stage.arguments
        var environment = ProcessInfo.processInfo.environment
        environment[RunLock.heldByParentVariable] = String(getpid())
        environment[Log.levelVariable] = log.minimumLevel.name
        if let pipelinePath { environment["SYNCLET_PIPELINE"] = pipelinePath }
        log.debug("starting \(executable) \(arguments.joined(separator: " "))")
        return try StageProcess.start(executable, arguments: arguments, environment: environment, lock: lock)
    }

    /// `3600 s (1 h)`, readable for timeouts of hours.
    static func duration(_ seconds: Int) -> String {
        guard seconds >= 3600 else { return seconds >= 60 ? "\(seconds) s (\(seconds / 60) min)" : "\(seconds) s" }
        let minutes = seconds % 3600 / 60
        return "\(seconds) s (\(seconds / 3600) h" + (minutes > 0 ? " \(minutes) min)" : ")")
    }
}

/// Where the stage executables live: beside `synclet`, or in `<prefix>/libexec/synclet`.
public enum StageExecutable {
    public static func locate(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let directory = (CommandLine.executablePath as NSString).deletingLastPathComponent
        let candidates = [
            (directory as NSString).appendingPathComponent(name),
            ((directory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("libexec/synclet/\(name)"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
