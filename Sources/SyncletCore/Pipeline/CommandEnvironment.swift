import CSyncletSupport
import Foundation

/// What every command starts from: settings, `pipeline.yaml`, the staging area and a log that
/// masks secrets. Errors end the command with one line and the documented exit code.
public struct CommandEnvironment: Sendable {
    public let settings: Settings
    public let pipeline: PipelineConfiguration
    public let pipelinePath: String?
    public let staging: StagingArea
    public let log: Log

    /// Loads everything a command needs; a problem is a `ConfigurationError` (exit code 2).
    public static func load(staging stagingOverride: String? = nil, verbose: Bool = false, quiet: Bool = false) throws -> CommandEnvironment {
        let settings = try Settings.load()
        // A stage started by the runner inherits its --verbose or --quiet through SYNCLET_LOG_LEVEL.
        let inherited = settings.values[Log.levelVariable].flatMap(Log.Level.init(name:)) ?? .info
        let level: Log.Level = verbose ? .debug : (quiet ? .warning : inherited)
        let log = Log(minimumLevel: level, redactor: Redactor(secrets: settings.secrets))
        for warning in settings.warnings { log.warning(warning) }
        let (pipeline, path) = try PipelineConfiguration.load(settings: settings)
        return CommandEnvironment(
            settings: settings, pipeline: pipeline, pipelinePath: path,
            staging: StagingArea(root: stagingOverride ?? settings.stagingDirectory), log: log)
    }

    /// Runs a command whose work blocks (database calls, files, child processes) on a thread of
    /// its own, never on the cooperative pool, and exits with the code its outcome maps to.
    ///
    /// ```swift
    /// await CommandEnvironment.run("synclet prune", verbose: common.verbose, quiet: common.quiet) { environment in ... }
    /// ```
    public static func run(_ command: String, verbose: Bool = false, quiet: Bool = false, staging: String? = nil,
                           _ body: @escaping @Sendable (CommandEnvironment) throws -> Void) async -> Never {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            // The thread lives until the body returns: the runner's stages are started from it,
            // and their parent-death signal is tied to the thread that started them.
            let thread = Thread { continuation.resume(returning: perform(command, verbose: verbose, quiet: quiet, staging: staging, body)) }
            thread.name = command
            thread.stackSize = 8 << 20
            thread.start()
        }
        exit(outcome)
    }

    /// `run` for a body that awaits (the endpoint client); what it does between awaits must not block.
    public static func runAsync(_ command: String, verbose: Bool = false, quiet: Bool = false, staging: String? = nil,
                                _ body: (CommandEnvironment) async throws -> Void) async -> Never {
        var log = Log()
        do {
            let environment = try load(staging: staging, verbose: verbose, quiet: quiet)
            log = environment.log
            try await body(environment)
            exit(SyncletExitCode.success.rawValue)
        } catch {
            exit(report(error, command: command, log: log))
        }
    }

    /// The one mapping from a command's outcome to its last line and exit code.
    private static func perform(_ command: String, verbose: Bool, quiet: Bool, staging: String?, _ body: (CommandEnvironment) throws -> Void) -> Int32 {
        // Before the settings are read nothing is secret yet, and the log is the plain one.
        var log = Log()
        do {
            let environment = try load(staging: staging, verbose: verbose, quiet: quiet)
            log = environment.log
            try body(environment)
            return SyncletExitCode.success.rawValue
        } catch {
            return report(error, command: command, log: log)
        }
    }

    /// Writes the command's last line through the log; a sync stopped by a signal then ends by
    /// that signal, so systemd or the shell sees the stop it asked for.
    private static func report(_ error: Error, command: String, log: Log) -> Int32 {
        log.fatal(command: command, "\(error)")
        if let interrupted = error as? SyncInterrupted { StopSignals.end(by: interrupted.signal) }
        return SyncletExitCode(for: error).rawValue
    }

    /// Holds the sync lock: a stage started by `synclet sync` holds the runner's, inherited as a
    /// descriptor, so the lock stays held while the stage lives even if the runner is killed; a
    /// stage run alone takes it itself. Under a runner the stage also asks to die with it.
    /// A stage following another (`describing` false) leaves the lock file's description to the
    /// stage it follows: the lock file names the holder once, not whichever stage wrote last.
    public func lockUnlessHeldByRunner(stage: StageName, run runId: String?, describing: Bool = true) throws -> RunLock {
        guard let runner = settings.values[RunLock.heldByParentVariable].flatMap({ Int32($0) }) else {
            let lock = try RunLock.acquire(staging: staging, staleAfterSeconds: pipeline.locking.staleLimitSeconds(for: pipeline))
            lock.describe(run: runId, stage: stage)
            return lock
        }
        _ = synclet_die_with_parent()
        // The runner may have died before the signal was asked for: then it will never come.
        if getppid() != runner {
            throw SyncFailure(exitCode: .failed, message: "the synclet sync that started this stage (process \(runner)) has ended")
        }
        let lock = try RunLock.inherited(staging: staging, runner: runner)
        if describing { lock.describe(run: runId, stage: stage) }
        return lock
    }

    /// The run named by `--run`, or the newest unfinished run.
    public func run(named runId: String?) throws -> StagedRun {
        if let runId { return try staging.run(runId) }
        guard let latest = staging.unfinishedRuns().last?.run else {
            throw StagingError.runNotFound("(no unfinished run in \(staging.runsDirectory); name one with --run)")
        }
        return latest
    }

    /// Records a stage's failure in the manifest, so `synclet status` and the runner can say why.
    public func recordFailure(of stage: StageName, run: StagedRun, error: Error) {
        let message = log.redactor.redact("\(error)")
        try? run.finishStage(stage, error: message)
    }
}
