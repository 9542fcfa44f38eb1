import CSyncletSupport
import Foundation

/// What every command starts from: settings, `pipeline.yaml`, the staging area and a log that
/// masks secrets. Errors end the command with one line and the documented exit code.
public struct CommandEnvironment {
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

    /// Runs a command body and exits with the code its outcome maps to.
    public static func run(_ command: String, verbose: Bool = false, quiet: Bool = false, staging: String? = nil,
                           _ body: (CommandEnvironment) async throws -> Void) async -> Never {
        var redactor = Redactor(secrets: [])
        do {
            let environment = try load(staging: staging, verbose: verbose, quiet: quiet)
            redactor = environment.log.redactor
            try await body(environment)
            exit(SyncletExitCode.success.rawValue)
        } catch {
            let code = SyncletExitCode(for: error)
            let message = redactor.redact("\(error)").replacingOccurrences(of: "\n", with: " ")
            FileHandle.standardError.write(Data("\(command): error: \(message)\n".utf8))
            exit(code.rawValue)
        }
    }

    /// Holds the sync lock unless the runner that started this stage already holds it. A stage
    /// under a runner dies with it, so it never goes on writing after the lock is released.
    public func lockUnlessHeldByRunner() throws -> RunLock? {
        guard let runner = settings.values[RunLock.heldByParentVariable].flatMap({ Int32($0) }) else {
            return try RunLock.acquire(staging: staging)
        }
        _ = synclet_die_with_parent()
        if getppid() != runner {
            throw SyncFailure(exitCode: .failed, message: "the synclet sync that started this stage (process \(runner)) has ended")
        }
        return nil
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
