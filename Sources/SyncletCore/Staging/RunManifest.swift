import Foundation

/// Why a run was started (its kind); recorded in the manifest and in `sync_history`.
public enum RunType: String, Codable, Sendable {
    /// The first sync: every order created after `INITIAL_SYNC_DATE`.
    case initial
    /// Orders updated since the watermark.
    case incremental
    /// `sync --force-initial`: the initial window again, whatever the watermark.
    case forced
    /// A staged run loaded again with `sync --run <id> --from <stage>`. A replay never moves
    /// the watermark: its pages are older than what later runs may already have loaded.
    case replay
}

/// The stages of a run, in order.
public enum StageName: String, Codable, CaseIterable, Sendable {
    case extract, transform, load
}

/// `run.json`: everything known about one staged run. Written atomically after every step, so
/// it always describes files that are complete on disk. Only `StagedRun` reads and writes it;
/// its `status` changes only through the transitions in `RunManifest+Lifecycle.swift`.
public struct RunManifest: Codable, Sendable {
    /// 2 added `status`; a version-1 manifest (written by an older synclet) is still read, its
    /// status derived from its stages.
    public static let currentFormatVersion = 2
    public static let readableFormatVersions = 1...currentFormatVersion

    public var formatVersion = RunManifest.currentFormatVersion
    public var runId: String
    /// The run's kind. A replay rewrites it to `.replay`; `plannedAs` keeps what it was planned as.
    public var type: RunType
    /// What the run was planned as (initial, incremental or forced), kept when it is replayed.
    public var plannedAs: RunType?
    /// Where the run is in its lifecycle; nil only in a version-1 manifest before it is saved again.
    var recordedStatus: RunStatus?
    public var createdAt: UTCTime
    public var request: OrdersRequest
    /// The watermark when the run was planned (nil before the first sync).
    public var watermarkBefore: UTCTime?
    public var stages: [StageName: StageRecord] = [:]
    public var extract: ExtractRecord?
    public var transform: TransformRecord?
    public var load: LoadRecord?
    /// Set when the run can no longer be resumed; the next sync starts a new run.
    public var abandonedReason: String?
    /// The `sync_history` row of the current attempt at this run.
    public var historyId: Int64?

    public init(runId: String, type: RunType, createdAt: UTCTime, request: OrdersRequest, watermarkBefore: UTCTime?) {
        self.runId = runId
        self.type = type
        self.createdAt = createdAt
        self.request = request
        self.watermarkBefore = watermarkBefore
    }

    /// The first stage that has not completed, or nil when the run is done.
    public var nextStage: StageName? {
        StageName.allCases.first { stages[$0]?.status != .completed }
    }

    public var isFinished: Bool { status.isFinal }

    /// May loading this run move the watermark? Only the first load of a run planned from the
    /// watermark: a replay (even of a run that never loaded) or a second load would move it to a
    /// time older than what later runs may have loaded, so the next sync would skip nothing but
    /// ask for too much at best, and at worst a later watermark would go backwards.
    public var mayMoveWatermark: Bool {
        type != .replay && load == nil
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion, runId, type, plannedAs, recordedStatus = "status", createdAt, request, watermarkBefore,
             stages, extract, transform, load, abandonedReason, historyId
    }
}

/// The window of orders a run asks the endpoint for. The access key is never part of it.
public struct OrdersRequest: Codable, Sendable, Equatable {
    /// The endpoint URL without any query.
    public var endpoint: String
    public var pageSize: Int
    public var orderCreatedTime: UTCTime
    public var lastUpdatedTime: UTCTime?
}

public struct StageRecord: Codable, Sendable {
    public enum Status: String, Codable, Sendable { case running, completed, failed }
    public var status: Status
    public var startedAt: UTCTime
    public var finishedAt: UTCTime?
    public var attempts: Int
    public var error: String?
    /// Names this attempt at the stage: the pages it commits are listed in its ledger under this
    /// id, so a stage following it never takes a line of an earlier attempt for one of this one.
    public var attemptId: String?
}

public struct ExtractRecord: Codable, Sendable {
    /// Pages staged so far, in page order; only complete, verified files are listed.
    public var pages: [PageRecord] = []
    /// True once the endpoint answered `""` or an empty page.
    public var reachedEnd = false
    /// The endpoint's `Date` header on the first page: the store's clock when paging began.
    public var storeClockAtStart: UTCTime?
    /// Our clock when paging began, used when the store sends no `Date` header.
    public var localClockAtStart: UTCTime?
    public var extensionVersion: String?

    public init() {}
}

public struct PageRecord: Codable, Sendable {
    public var page: Int
    public var file: String
    public var bytes: Int
    public var sha256: String
    public var orders: Int
    public var dropped: Int
    public var httpStatus: Int
    /// The response's `Date` header as sent.
    public var serverDate: String?
    public var fetchedAt: UTCTime
    public var milliseconds: Int
    public var attempts: Int
}

public struct TransformRecord: Codable, Sendable {
    public var pages = 0
    public var accepted = 0
    public var rejected = 0
    public var dropped = 0
    public var unreconciled = 0
    public var incompleteLines = 0
    /// The earliest `LastUpdatedDate` among rejected orders that had one; the watermark must not
    /// pass it, so the next run asks for those orders again.
    public var earliestRejectedUpdate: UTCTime?
    /// True when some rejected order had no readable `LastUpdatedDate`. Such an order cannot be
    /// asked for again by time, so it does not hold the watermark; it stays in `order_rejects`.
    public var rejectedWithoutUpdateTime = false

    public init() {}
}

public struct LoadRecord: Codable, Sendable {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    /// Orders older than the version already stored, left alone.
    public var stale = 0
    public var watermarkAfter: UTCTime?

    public init() {}
}

/// One line of `rejects.ndjson`.
public struct RejectedOrder: Codable, Sendable, Equatable {
    public var page: Int
    public var position: Int
    public var orderId: String?
    public var lastUpdatedDate: String?
    public var reason: String
    /// The element exactly as the endpoint sent it, so nothing is lost.
    public var rawJSON: String
}
