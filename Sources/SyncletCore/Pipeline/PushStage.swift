import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Yams

/// `synclet sync`'s last stage: `synclet qbo push`, when QuickBooks is configured (`QBO_CLIENT_ID`
/// is set). It is listed last in `pipeline.yaml`'s `stages` like the others, but it belongs to no
/// staged run: the push works from the database and `qbo_documents`, so whatever one sync's push
/// left undone (a failure, a timeout, a kill) the next sync's push does, as `synclet qbo push` would.
///
/// ```yaml
/// stages:
///   - name: extract
///   - name: transform
///   - name: load
///   - name: push
///     timeout_seconds: 1500
/// ```
public struct PushStage: Sendable {
    public static let name = "push"
    /// A name looked up like the other stages' (beside `synclet`, then `libexec/synclet`), or a path.
    public var executable = "synclet"
    public var arguments = ["qbo", "push"]
    /// Each sync's push is itself the retry of the last one's.
    public var retries = 0
    /// 25 minutes: a push of thousands of documents at QuickBooks' 40 batches a minute fits, and
    /// the longest default sync stays within the shipped unit's `TimeoutStartSec`. A push stopped
    /// by it is finished by the next sync.
    public var timeoutSeconds = 1500

    public init() {}
}

extension PipelineSchema {
    func readPushStage(_ node: Node) throws -> PushStage {
        var section = try Section(node, name: "stages[push]", path: path)
        _ = try section.take("name")
        var stage = PushStage()
        if let executable = try section.string("executable") { stage.executable = executable }
        if let arguments = try section.stringList("arguments") { stage.arguments = arguments }
        try section.integer("retries", into: &stage.retries, in: 0...10)
        try section.integer("timeout_seconds", into: &stage.timeoutSeconds, in: 1...604_800)
        try section.finish()
        return stage
    }
}

extension SyncRunner {
    /// Runs the push stage after a sync's run has loaded. Without `QBO_CLIENT_ID` it is skipped
    /// with one line and the sync succeeds as before; a failed push fails the sync with the push's
    /// exit code (1 some documents failed, 2 configuration, 5 reconnect needed).
    func pushToQuickBooks(lock: RunLock) throws {
        guard let push = pipeline.push else {
            log.debug("pipeline.yaml lists no push stage: QuickBooks is not pushed to")
            return
        }
        guard let clientId = settings.values["QBO_CLIENT_ID"], !clientId.trimmingCharacters(in: .whitespaces).isEmpty else {
            log.info("QuickBooks is not configured (QBO_CLIENT_ID is not set): the push stage is skipped")
            return
        }
        guard let executable = StageExecutable.locate(push.executable) else {
            throw SyncFailure(exitCode: .failed, message: "cannot find the push executable '\(push.executable)' beside synclet or in libexec/synclet")
        }
        var environment = ProcessInfo.processInfo.environment
        environment[Log.levelVariable] = log.minimumLevel.name
        if let pipelinePath { environment["SYNCLET_PIPELINE"] = pipelinePath }
        var code: Int32 = SyncletExitCode.failed.rawValue
        var reason = ""
        for attempt in 1...(push.retries + 1) {
            log.info("pushing to QuickBooks: \(push.executable) \(push.arguments.joined(separator: " "))")
            let process = try StageProcess.start(executable, arguments: push.arguments, environment: environment, lock: lock)
            switch Self.waitForPush(process, timeout: TimeInterval(push.timeoutSeconds)) {
            case .exited(0): return
            case .exited(let exitCode):
                code = exitCode
                reason = "exit code \(exitCode)"
            case .signalled(let signal):
                reason = "killed by \(StopSignals.name(signal))"
            case .timedOut:
                reason = "ran past its timeout of \(Self.duration(push.timeoutSeconds)) (stages[push].timeout_seconds in \(pipelinePath ?? "pipeline.yaml"))"
            case .stopped(let signal):
                throw SyncInterrupted(signal: signal, message: "the push to QuickBooks was interrupted by \(StopSignals.name(signal)); the next `synclet sync` pushes what is missing")
            }
            guard code == SyncletExitCode.failed.rawValue, attempt <= push.retries else { break }
            log.warning("the push to QuickBooks failed (\(reason)); starting it again")
        }
        throw SyncFailure(exitCode: SyncletExitCode(rawValue: code) ?? .failed,
                          message: "the orders were loaded, but the push to QuickBooks failed (\(reason)); "
                              + "the next `synclet sync` (or `synclet qbo push`) pushes what is missing, `synclet qbo status` shows why")
    }

    enum PushExit: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case stopped(Int32)
    }

    /// Waits for the push on the runner's own thread; past `timeout`, or when the runner is asked to
    /// stop, it gets SIGTERM, and SIGKILL ten seconds later. The push needs no more: whatever it
    /// leaves half done, the next push looks up before it writes again.
    static func waitForPush(_ process: StageProcess, timeout: TimeInterval) -> PushExit {
        let deadline = Date().addingTimeInterval(timeout)
        var terminatedAt: Date?
        var stoppedBy: Int32?
        while true {
            if let exit = process.poll() {
                if let stoppedBy { return .stopped(stoppedBy) }
                if terminatedAt != nil { return .timedOut }
                switch exit {
                case .exited(let code): return .exited(code)
                case .signalled(let signal): return .signalled(signal)
                }
            }
            let now = Date()
            if terminatedAt == nil, let signal = StopSignals.received {
                stoppedBy = signal
                process.send(SIGTERM)
                terminatedAt = now
            } else if terminatedAt == nil, now >= deadline {
                process.send(SIGTERM)
                terminatedAt = now
            } else if let terminatedAt, now.timeIntervalSince(terminatedAt) > 10 {
                process.send(SIGKILL)
            }
            usleep(50_000)
        }
    }
}
