import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `<stage>.ledger` in a run's folder: the pages one attempt at a stage has committed, one JSON
/// line each in the order it committed them, then an end line once the stage has completed.
///
/// It is how a stage follows the one before it while both run (a streaming sync): the follower
/// takes a page only once its producer has listed it here, so only complete files, and only
/// lines of the attempt it follows. `run.json` stays the record of a finished stage; the ledger is
/// the cheap, append-only view of a running one, read a few new bytes at a time.
extension StagedRun {
    public func ledgerPath(_ stage: StageName) -> String { path("\(stage.rawValue).ledger") }

    /// Empties the ledger for a new attempt at `stage`. Called before the attempt is recorded in
    /// `run.json`, so a follower that sees the attempt's id never reads the file it replaced.
    public func startLedger(of stage: StageName) throws {
        try StagingFileSystem.writeAtomically([], to: ledgerPath(stage))
    }

    /// Lists pages whose files are complete on disk. Not flushed: a lost line (a crash of the
    /// machine) only means a follower waits, and a resumed run starts a new ledger anyway.
    public func appendToLedger(of stage: StageName, attemptId: String, pages: [PageRecord]) throws {
        guard !pages.isEmpty else { return }
        try appendLedgerLines(stage, pages.map { LedgerLine(attempt: attemptId, page: $0, end: nil) })
    }

    /// The attempt completed (its results are in `run.json`): followers stop waiting.
    public func closeLedger(of stage: StageName, attemptId: String) throws {
        try appendLedgerLines(stage, [LedgerLine(attempt: attemptId, page: nil, end: true)])
    }

    private func appendLedgerLines(_ stage: StageName, _ lines: [LedgerLine]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for line in lines {
            bytes += try encoder.encode(line)
            bytes.append(0x0A)
        }
        try StagingFileSystem.append(bytes, to: ledgerPath(stage))
    }
}

/// One line of a ledger.
struct LedgerLine: Codable {
    var attempt: String
    var page: PageRecord?
    var end: Bool?
}

/// The pages the stage before this one has committed, handed out in the order it committed
/// them, as it commits them.
///
/// ```swift
/// let feed = try StageFeed(run: run, following: .extract)
/// while let pages = try feed.next(upTo: 4) { for page in pages { ... } }
/// ```
/// When that stage has already completed, the feed is simply its pages from `run.json`.
/// While it runs, the feed reads its ledger, waiting briefly between looks; it fails with a clear
/// error when that stage fails or is started again, since what this stage took may then be stale.
public final class StageFeed {
    public let run: StagedRun
    public let producer: StageName
    /// The attempt followed; nil when the producer had completed when the feed began.
    private let attemptId: String?
    private var pending: [PageRecord] = []
    private var handedOut = 0
    private var ended = false
    private var offset: off_t = 0
    private var inode: ino_t = 0
    private var partial: [UInt8] = []
    private var lastManifestCheck = Date()
    private let decoder = JSONDecoder()

    /// Follows `producer` of `run` (the stage before the caller's). Fails when it neither runs
    /// nor has completed: there is then nothing to follow.
    public init(run: StagedRun, following producer: StageName) throws {
        self.run = run
        self.producer = producer
        let manifest = try run.loadManifest()
        switch manifest.stages[producer]?.status {
        case .completed?:
            attemptId = nil
            pending = manifest.extract?.pages ?? []
            ended = true
        case .running?:
            guard let id = manifest.stages[producer]?.attemptId else { throw Self.notRunning(run, producer) }
            attemptId = id
        default:
            throw Self.notRunning(run, producer)
        }
    }

    /// True when the producer had completed before the feed began (nothing is awaited).
    public var followsACompletedStage: Bool { attemptId == nil }

    /// Pages handed out so far.
    public var pagesHandedOut: Int { handedOut }

    /// Up to `limit` committed pages not handed out yet, waiting for at least one; nil once the
    /// producer has completed and every page it committed was handed out.
    public func next(upTo limit: Int) throws -> [PageRecord]? {
        while true {
            if !pending.isEmpty {
                let taken = Array(pending.prefix(max(1, limit)))
                pending.removeFirst(taken.count)
                handedOut += taken.count
                return taken
            }
            if ended { return nil }
            try readNewLines()
            if pending.isEmpty && !ended {
                try checkProducer()
                usleep(2_000)
            }
        }
    }

    private func readNewLines() throws {
        guard let attemptId else { return }
        let path = run.ledgerPath(producer)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }   // not started yet
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return }
        if status.st_ino != inode {
            // The producer started the ledger afresh: read the new file from its start.
            inode = status.st_ino
            offset = 0
            partial = []
        }
        guard status.st_size > offset else { return }
        var chunk = [UInt8](repeating: 0, count: Int(status.st_size - offset))
        let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
        guard count > 0 else { return }
        offset += off_t(count)
        partial += chunk.prefix(count)
        var start = 0
        while let newline = partial[start...].firstIndex(of: 0x0A) {
            let bytes = Array(partial[start..<newline])
            start = newline + 1
            guard !bytes.isEmpty else { continue }
            let line: LedgerLine
            do {
                line = try decoder.decode(LedgerLine.self, from: Data(bytes))
            } catch {
                throw StagingError.damaged(run: run.runId, reason: "\(producer.rawValue).ledger holds a line that is not a ledger entry (\(error))")
            }
            guard line.attempt == attemptId else { continue }
            if let page = line.page { pending.append(page) }
            if line.end == true { ended = true }
        }
        partial.removeFirst(start)
        if ended {
            // `run.json` lists every page of the run in the order the ledger lists them; a page
            // the ledger missed (it only lists what this attempt committed) is taken from there.
            pending += (try run.loadManifest().extract?.pages ?? []).dropFirst(handedOut + pending.count)
        }
    }

    /// Looks at `run.json` once a second while waiting: a producer that failed or was started
    /// again will never list more pages of the attempt followed.
    private func checkProducer() throws {
        guard Date().timeIntervalSince(lastManifestCheck) >= 1 else { return }
        lastManifestCheck = Date()
        let manifest = try run.loadManifest()
        let record = manifest.stages[producer]
        if record?.attemptId != attemptId {
            throw FollowError(run: run.runId, producer: producer, reason: "was started again")
        }
        if record?.status == .failed {
            throw FollowError(run: run.runId, producer: producer, reason: "failed" + (record?.error.map { ": \($0)" } ?? ""))
        }
        if record?.status == .completed && !ended {
            // Completed, its end line not written yet: `run.json` lists every page of the run, in
            // the order the ledger lists them.
            pending += (manifest.extract?.pages ?? []).dropFirst(handedOut + pending.count)
            ended = true
        }
    }

    private static func notRunning(_ run: StagedRun, _ producer: StageName) -> Error {
        StagingError.damaged(run: run.runId, reason: "\(producer.rawValue) has neither completed nor is it running, so there is nothing to follow yet")
    }
}

/// The stage followed stopped listing pages: the follower stops too, and names why.
public struct FollowError: Error, CustomStringConvertible {
    public let run: String
    public let producer: StageName
    public let reason: String

    public var description: String {
        "run \(run): \(producer.rawValue) \(reason), so the stages after it stop; the next `synclet sync` resumes the run"
    }
}
