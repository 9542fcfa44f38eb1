import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension StageName {
    /// Whether the stage can follow the one before it while that one still runs, taking each
    /// page it has committed (`--follow`). A stage that cannot is started once the stage before
    /// it has completed.
    public var followsPreviousStage: Bool {
        switch self {
        case .extract: return false
        case .transform, .load: return true
        }
    }
}

/// The stages of one sync, from the first one the run still needs, running side by side: a
/// streaming sync. Each stage is started as soon as the one before it has begun its attempt (or,
/// for a stage that cannot follow, has completed), and follows what that one commits.
///
/// - A stage's `timeout_seconds` counts from when the stage before it completed (or from its own
///   start, when later): waiting for the pages of a long extract is not a stage's own time.
/// - A stage that fails with exit code 1 (or is killed, or times out) is started again, up to
///   its `retries`; the stages after it are stopped first and started again after it, since
///   they followed the attempt that failed.
/// - A stage that fails for good stops every other stage; the stopped ones are recorded in
///   `run.json` as stopped because of it.
///
/// Runs on the runner's own thread (it blocks, polling its children every 5 ms), never on the
/// cooperative pool: the stages' parent-death signal is tied to the thread that started them.
struct StreamingStages {
    let stages: [PipelineConfiguration.Stage]
    let run: StagedRun
    let pipelinePath: String?
    let log: Log
    /// Starts one stage's executable; `following` adds `--follow`.
    let start: (PipelineConfiguration.Stage, _ following: Bool) throws -> StageProcess
    /// Told each time a stage is started (to record the stage reached in sync_history).
    let started: (StageName) -> Void

    /// How the sync's stages ended.
    enum Outcome {
        case succeeded
        /// The stage that failed, its exit code, and the reason when the runner knows it better
        /// than the stage (a timeout, a kill).
        case failed(StageName, Int32, reason: String?)
        /// The runner was asked to stop by this signal; `stage` is the earliest one still running.
        case stopped(StageName, Int32)
    }

    /// One stage's process and what the supervisor knows of it.
    private struct Slot {
        let stage: PipelineConfiguration.Stage
        var process: StageProcess?
        var failures = 0
        var completed = false
        var completedAt: Date?
        var startedAt: Date?
        /// The stage's attempts recorded in run.json before this process started: it has begun
        /// once run.json counts more.
        var attemptsBefore = 0
        var terminatedAt: Date?
        var timedOut = false
        /// How it ended, kept while the stage before it has not completed (see `execute`).
        var held: (code: Int32, reason: String?, at: Date)?
    }

    func execute() -> Outcome {
        var slots = stages.map { Slot(stage: $0) }
        guard !slots.isEmpty else { return .succeeded }
        if let failure = launch(0, &slots) { return failure }
        while true {
            if let signal = StopSignals.received {
                let running = slots.indices.filter { slots[$0].process != nil }
                stop(running, &slots, signal: SIGTERM)
                for index in running {
                    try? run.finishStage(slots[index].stage.name, error: "interrupted by \(StopSignals.name(signal))")
                }
                return .stopped(running.first.map { slots[$0].stage.name } ?? stages[0].name, signal)
            }
            // Start each stage whose predecessor has begun (or completed). run.json is read only
            // while a stage waits to start: it grows with the run.
            let waiting = slots.indices.dropFirst().filter { slots[$0].process == nil && !slots[$0].completed && slots[$0].held == nil }
            let following = waiting.filter { slots[$0].stage.name.followsPreviousStage && slots[$0 - 1].process != nil }
            let manifest = following.isEmpty ? nil : try? run.loadManifest()
            for index in waiting {
                let before = slots[index - 1]
                let begun = following.contains(index) && (manifest?.stages[before.stage.name]?.attempts ?? 0) > before.attemptsBefore
                guard before.completed || begun else { continue }
                if let failure = launch(index, &slots) { return failure }
            }
            for index in slots.indices {
                if let held = slots[index].held {
                    // A follower that ended while the stage before it had not completed: that
                    // stage's own end decides, unless it carries on for a while.
                    guard slots[index - 1].completed || Date().timeIntervalSince(held.at) > 5 else { continue }
                    slots[index].held = nil
                    if let outcome = fail(index, code: held.code, reason: held.reason, &slots) { return outcome }
                    continue
                }
                guard let process = slots[index].process else { continue }
                guard let exit = process.poll() else {
                    enforceTimeout(index, &slots)
                    continue
                }
                slots[index].process = nil
                if exit == .exited(0) && !slots[index].timedOut {
                    slots[index].completed = true
                    slots[index].completedAt = Date()
                    continue
                }
                let (code, reason) = describe(exit, of: slots[index])
                // A follower that exited with an error while the stage before it has not
                // completed may have stopped because of that stage: its end decides.
                if index > 0 && !slots[index - 1].completed, case .exited = exit, !slots[index].timedOut {
                    slots[index].held = (code, reason, Date())
                    continue
                }
                if let outcome = fail(index, code: code, reason: reason, &slots) { return outcome }
            }
            if slots.allSatisfy(\.completed) { return .succeeded }
            usleep(5_000)
        }
    }

    /// A stage failed: starts it again (and the stages after it) while it has retries left,
    /// else stops every other stage and returns the sync's outcome.
    private func fail(_ index: Int, code: Int32, reason: String?, _ slots: inout [Slot]) -> Outcome? {
        slots[index].failures += 1
        let stage = slots[index].stage
        // Rejections, configuration errors and locks do not get better by trying again.
        guard code == SyncletExitCode.failed.rawValue, slots[index].failures <= stage.retries else {
            let others = slots.indices.filter { slots[$0].process != nil }
            stop(others, &slots, signal: SIGTERM)
            for other in others {
                try? run.finishStage(slots[other].stage.name, error: "stopped because \(stage.name.rawValue) failed")
            }
            return .failed(stage.name, code, reason: reason)
        }
        let followers = slots.indices.filter { $0 > index && (slots[$0].process != nil || slots[$0].held != nil) }
        log.warning("\(stage.name.rawValue) failed (attempt \(slots[index].failures) of \(stage.retries + 1)); starting it again"
            + (followers.isEmpty ? "" : " with the stages after it"))
        stop(followers, &slots, signal: SIGTERM)
        for follower in followers { slots[follower].held = nil }
        Thread.sleep(forTimeInterval: 1)
        if StopSignals.received != nil { return nil }
        return launch(index, &slots)
    }

    private func launch(_ index: Int, _ slots: inout [Slot]) -> Outcome? {
        let stage = slots[index].stage
        slots[index].attemptsBefore = (try? run.loadManifest().stages[stage.name]?.attempts) ?? 0
        slots[index].startedAt = Date()
        slots[index].terminatedAt = nil
        slots[index].timedOut = false
        started(stage.name)
        do {
            slots[index].process = try start(stage, index > 0 && stage.name.followsPreviousStage)
            return nil
        } catch {
            let others = slots.indices.filter { slots[$0].process != nil }
            stop(others, &slots, signal: SIGTERM)
            return .failed(stage.name, SyncletExitCode.failed.rawValue, reason: "\(error)")
        }
    }

    /// Past its timeout a stage gets SIGTERM, and SIGKILL ten seconds later.
    private func enforceTimeout(_ index: Int, _ slots: inout [Slot]) {
        let now = Date()
        if let terminatedAt = slots[index].terminatedAt {
            if now.timeIntervalSince(terminatedAt) > 10 { slots[index].process?.send(SIGKILL) }
            return
        }
        // The clock runs from the later of its start and the completion of the stage before it.
        guard let startedAt = slots[index].startedAt else { return }
        var since = startedAt
        if index > 0 {
            guard let before = slots[index - 1].completedAt else { return }
            since = max(since, before)
        }
        guard now.timeIntervalSince(since) > TimeInterval(slots[index].stage.timeoutSeconds) else { return }
        let stage = slots[index].stage
        log.warning(timeoutReason(stage))
        slots[index].timedOut = true
        slots[index].terminatedAt = now
        slots[index].process?.send(SIGTERM)
    }

    private func timeoutReason(_ stage: PipelineConfiguration.Stage) -> String {
        "\(stage.name.rawValue) ran past its timeout of \(SyncRunner.duration(stage.timeoutSeconds)) "
            + "(stages[\(stage.name.rawValue)].timeout_seconds: \(stage.timeoutSeconds) in \(pipelinePath ?? "pipeline.yaml")) and was stopped"
    }

    private func describe(_ exit: StageProcess.Exit, of slot: Slot) -> (Int32, String?) {
        if slot.timedOut { return (SyncletExitCode.failed.rawValue, timeoutReason(slot.stage)) }
        switch exit {
        case .exited(let code): return (code, nil)
        case .signalled(let signal):
            return (SyncletExitCode.failed.rawValue, "\(slot.stage.name.rawValue) was killed by \(StopSignals.name(signal))")
        }
    }

    /// Sends `signal` to these stages and waits until each has ended (SIGKILL after ten seconds).
    private func stop(_ indices: [Int], _ slots: inout [Slot], signal: Int32) {
        for index in indices { slots[index].process?.send(signal) }
        let since = Date()
        var killed = false
        while indices.contains(where: { slots[$0].process != nil }) {
            for index in indices where slots[index].process?.poll() != nil { slots[index].process = nil }
            if !killed, Date().timeIntervalSince(since) > 10 {
                for index in indices { slots[index].process?.send(SIGKILL) }
                killed = true
            }
            usleep(20_000)
        }
    }
}
