import MariaDB

/// Decides the window of a new run from the watermark and starts its staging folder.
public struct RunPlanner {
    public let staging: StagingArea
    public let magento: MagentoSettings

    public init(staging: StagingArea, magento: MagentoSettings) {
        self.staging = staging
        self.magento = magento
    }

    /// The first sync (no watermark) or a forced one asks for every order created after
    /// `INITIAL_SYNC_DATE`; later syncs ask for orders updated after the watermark, still
    /// limited to orders created after `INITIAL_SYNC_DATE` so the scope never widens.
    public func planNewRun(connection: MariaDBConnection, forceInitial: Bool) throws -> StagedRun {
        let watermark = try SyncHistory(connection: connection).watermark()
        let type: RunType = forceInitial ? .forced : (watermark == nil ? .initial : .incremental)
        let request = OrdersRequest(
            endpoint: endpointDescription,
            pageSize: magento.pageSize,
            orderCreatedTime: magento.initialSyncDate,
            lastUpdatedTime: type == .incremental ? watermark : nil)
        return try staging.createRun(type: type, request: request, watermarkBefore: watermark)
    }

    /// The endpoint URL without query or credentials, for manifests and history.
    var endpointDescription: String {
        var text = magento.baseURL.absoluteString
        if let query = text.firstIndex(of: "?") { text = String(text[..<query]) }
        return text
    }
}

/// What a normal `synclet sync` does with the unfinished runs it finds: a pure decision, so it
/// can be tested without a store or a database.
public struct ResumePlan: Equatable, Sendable {
    /// The run to resume, or nil to plan a new one.
    public var resume: String?
    /// Runs never to be resumed, with the reason recorded in their manifest and history.
    public var abandon: [Abandonment] = []
    /// Runs whose `run.json` cannot be read: set aside as `<id>.damaged`.
    public var setAside: [Abandonment] = []

    public struct Abandonment: Equatable, Sendable {
        public var runId: String
        public var reason: String
    }

    /// An unfinished run as the runner found it.
    public enum Candidate: Equatable, Sendable {
        /// Readable, every staged page intact.
        case resumable(runId: String)
        /// Readable, but its staged pages no longer match their SHA-256 (or are gone).
        case damagedPages(runId: String, problem: String)
        /// `run.json` cannot be read.
        case unreadable(runId: String, problem: String)

        var runId: String {
            switch self {
            case .resumable(let id), .damagedPages(let id, _), .unreadable(let id, _): return id
            }
        }
    }

    /// The newest unfinished run is resumed when it is intact; every older one is abandoned (it
    /// was superseded: the newer run's window starts from the same watermark or earlier). A run
    /// with damaged pages is abandoned and a new run planned; an unreadable one is set aside.
    /// `candidates` are oldest first.
    public static func decide(_ candidates: [Candidate]) -> ResumePlan {
        var plan = ResumePlan()
        guard let newest = candidates.last else { return plan }
        for older in candidates.dropLast() {
            if case .unreadable(let id, let problem) = older {
                plan.setAside.append(Abandonment(runId: id, reason: problem))
            } else {
                plan.abandon.append(Abandonment(runId: older.runId, reason: "superseded by the newer unfinished run \(newest.runId)"))
            }
        }
        switch newest {
        case .resumable(let id): plan.resume = id
        case .damagedPages(let id, let problem): plan.abandon.append(Abandonment(runId: id, reason: "it cannot be resumed: \(problem)"))
        case .unreadable(let id, let problem): plan.setAside.append(Abandonment(runId: id, reason: problem))
        }
        return plan
    }
}

extension RunPlanner {
    /// `INITIAL_SYNC_DATE` was moved earlier than the earliest window loaded: the orders created
    /// in between were never asked for, and an incremental run (orders updated since the
    /// watermark) would not find them either.
    public func backfillGap(connection: MariaDBConnection) throws -> (loadedFrom: UTCTime, configured: UTCTime)? {
        guard let loadedFrom = try SyncHistory(connection: connection).earliestLoadedOrderCreatedTime(),
              magento.initialSyncDate < loadedFrom else { return nil }
        return (loadedFrom, magento.initialSyncDate)
    }
}

extension SyncHistory {
    /// The earliest `OrderCreatedTime` of a window that loaded successfully: orders created
    /// before it were never asked for. Nil before the first successful sync.
    func earliestLoadedOrderCreatedTime() throws -> UTCTime? {
        try connection.query("""
            SELECT DATE_FORMAT(MIN(window_order_created_time), '%Y-%m-%d %H:%i:%s') AS earliest FROM sync_history
            WHERE status = 'success'
            """).first?["earliest"].flatMap(UTCTime.init(parsing:))
    }
}
