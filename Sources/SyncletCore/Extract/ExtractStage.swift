import Foundation

/// The `extract` stage: pages through `Action=Orders` and stages each answer byte for byte.
///
/// Requests in flight start at `http.concurrency` and adapt to the store (`AdaptiveConcurrency`,
/// up to `http.max_concurrency`); pages are staged in page order, each atomically, listed in the
/// run's extract ledger for the stages that follow as soon as its file is complete, and recorded
/// with its size and SHA-256 in `run.json` every couple of seconds. A resumed
/// run starts at the first page not yet staged. Paging ends only at the answer `""`; what else
/// may end it (an empty or short page, a store that ignores `Page`) is judged by `PagingGuard`.
public struct ExtractStage: Sendable {
    public let run: StagedRun
    public let client: OneSaasClient
    /// Requests in flight at the start (`http.concurrency`), and at most (`http.max_concurrency`);
    /// in between, `AdaptiveConcurrency` follows how the store answers.
    public let concurrency: Int
    public let maximumConcurrency: Int
    public let log: Log

    public init(run: StagedRun, client: OneSaasClient, concurrency: Int, maximumConcurrency: Int? = nil, log: Log) {
        self.run = run
        self.client = client
        self.concurrency = concurrency
        self.maximumConcurrency = max(concurrency, maximumConcurrency ?? concurrency)
        self.log = log
        self.pacing = AdaptiveConcurrency(initial: concurrency, maximum: self.maximumConcurrency, log: log)
    }

    private var retries: Int { client.http.retries }
    /// One pace for the whole stage, across restarts of the window.
    private let pacing: AdaptiveConcurrency
    private var backoff: Backoff { client.http.backoff }

    public func execute() async throws {
        var manifest = try run.loadManifest()
        if manifest.stages[.extract]?.status == .completed { log.info("run \(run.runId): extract already complete"); return }
        try run.startLedger(of: .extract)
        manifest = try run.beginStage(.extract)
        let attemptId = manifest.stages[.extract]?.attemptId ?? ""
        StagingFileSystem.removeLeftoverTemporaryFiles(in: run.rawDirectory)
        var record = manifest.extract ?? ExtractRecord()
        var lastStaged: (page: Int, body: [UInt8])?
        for page in record.pages { lastStaged = (page.page, try run.verifiedRawPage(page)) }
        // The stages following this one take the pages staged before from the ledger too.
        try run.appendToLedger(of: .extract, attemptId: attemptId, pages: record.pages)
        let request = manifest.request
        log.info("run \(run.runId): extracting \(manifest.type.rawValue) window OrderCreatedTime=\(request.orderCreatedTime)\(request.lastUpdatedTime.map { " LastUpdatedTime=\($0)" } ?? ""), from page \(record.pages.count)")

        if !FileManager.default.fileExists(atPath: run.storeConfigurationPath) { await stageStoreConfiguration() }

        let nextPage = record.pages.count
        if record.localClockAtStart == nil { record.localClockAtStart = .now() }
        var orders = record.pages.reduce(0) { $0 + $1.orders }
        // run.json is rewritten at most every couple of seconds, not per page, so a long run does
        // not spend its time re-encoding a growing manifest. A page staged but not yet listed is
        // simply fetched again on resume: only listed pages count as staged.
        var lastSaved = Date()
        let progress = ProgressLine("run \(run.runId) extract", totalPages: nil, log: log)
        defer { progress.finish() }
        func saveRecord() throws {
            let snapshot = record
            try run.updateManifest { try $0.record(snapshot) }
            lastSaved = Date()
        }
        var pagingGuard = PagingGuard(pageSize: request.pageSize)
        // A resumed run judges its next page against the last one staged before, so a store that
        // repeats pages is caught at the first repeat even across a restart of the stage.
        if let lastStaged, case .orders(let ordersPage) = try? PageResponse.classify(lastStaged.body, keepingOrders: false) {
            pagingGuard.remember(page: lastStaged.page, answer: .orders(count: ordersPage.elementCount, ids: ordersPage.orderIds))
        }
        var held: (page: Int, fetched: FetchedBody, ordersPage: OrdersPage, attempts: Int)?
        var anomalies: [Int: Int] = [:]
        func stage(_ page: Int, _ fetched: FetchedBody, _ ordersPage: OrdersPage, _ attempts: Int) throws {
            record.extensionVersion = ordersPage.extensionVersion ?? record.extensionVersion
            let staged = try run.writeRawPage(page, body: fetched.body)
            let pageRecord = PageRecord(
                page: page, file: staged.file, bytes: staged.bytes, sha256: staged.sha256,
                orders: ordersPage.orderCount, dropped: ordersPage.droppedCount,
                httpStatus: fetched.status, serverDate: fetched.serverDate,
                fetchedAt: .now(), milliseconds: fetched.milliseconds, attempts: attempts)
            record.pages.append(pageRecord)
            // Listed at once for the stages that follow; run.json catches up every two seconds.
            try run.appendToLedger(of: .extract, attemptId: attemptId, pages: [pageRecord])
            orders += ordersPage.orderCount
            if Date().timeIntervalSince(lastSaved) >= 2 { try saveRecord() }
            progress.update(pages: record.pages.count, orders: orders)
        }
        do {
            // A run that already reached the end (a replay from extract) fetches nothing more.
            if !record.reachedEnd {
                try await fetchInOrder(from: nextPage, request: request) { page, fetched, response, attempts in
                    if page == 0, let date = fetched.serverDate { record.storeClockAtStart = UTCTime(httpDate: date) }
                    let answer: PagingGuard.Answer
                    switch response {
                    case .orders(let ordersPage): answer = .orders(count: ordersPage.elementCount, ids: ordersPage.orderIds)
                    default: answer = .end
                    }
                    switch pagingGuard.judge(page: page, answer: answer) {
                    case .stage:
                        guard case .orders(let ordersPage) = response else { return .next }
                        try stage(page, fetched, ordersPage, attempts)
                        return .next
                    case .holdAsLast:
                        guard case .orders(let ordersPage) = response else { return .next }
                        held = (page, fetched, ordersPage, attempts)
                        return .next
                    case .end:
                        if let last = held { try stage(last.page, last.fetched, last.ordersPage, last.attempts) }
                        held = nil
                        record.reachedEnd = true
                        return .finished
                    case .retry(let again, let reason):
                        held = nil
                        let attempt = anomalies[again, default: 0] + 1
                        anomalies[again] = attempt
                        guard attempt <= retries else {
                            throw ExtractError.pagingAnomaly(page: again, reason: reason, attempts: attempt)
                        }
                        let delay = backoff.delay(afterAttempt: attempt)
                        log.warning("\(reason); fetching page \(again) again in \(String(format: "%.1f", delay))s (\(attempt) of \(retries))")
                        try await Task.sleep(nanoseconds: Backoff.nanoseconds(delay))
                        return .restart(from: again)
                    case .stop(let reason):
                        throw ExtractError.storeIgnoresPaging(reason)
                    }
                }
            }
        } catch {
            // Keep what was staged before the failure, so the next attempt resumes after it.
            try? saveRecord()
            throw error
        }
        try saveRecord()
        try run.finishStage(.extract)
        try run.closeLedger(of: .extract, attemptId: attemptId)
        log.info("run \(run.runId): extract complete: \(record.pages.count) pages, \(orders) orders")
    }

    /// Reads the store's settings (time zone, price basis, tax codes, payment methods) once per run
    /// and stages them for load. They are cheap and not needed to fetch orders, so an action the
    /// store cannot answer is a warning: the last configuration stored stays in force.
    private func stageStoreConfiguration() async {
        var answers: [String: JSONValue] = [:]
        for action in ["StoreInfo", "TaxCodes", "PaymentGateways"] {
            do {
                answers[action] = try await client.configuration(action: action)
            } catch {
                log.warning("run \(run.runId): could not read the store's \(action) (\(error)); the configuration stored last stays in force")
            }
        }
        guard !answers.isEmpty else { return }
        let configuration = StoreConfiguration(readAt: UTCTime.now().description, storeInfo: answers["StoreInfo"],
                                               taxCodes: answers["TaxCodes"], paymentGateways: answers["PaymentGateways"])
        do {
            try run.writeStoreConfiguration(configuration)
        } catch {
            log.warning("run \(run.runId): could not stage the store's configuration (\(error))")
        }
    }

    /// What to do after one answer has been handed over.
    enum NextStep {
        case next
        /// The end of the data: cancel what is still in flight.
        case finished
        /// Throw away every answer from this page on and ask for them again.
        case restart(from: Int)
    }

    /// Keeps `concurrency` requests in flight and hands each answer to `stage` in page order,
    /// until `stage` says the data has ended or the first failure, cancelling the requests still
    /// running. A restart discards the answers from that page on and asks again from there.
    private func fetchInOrder(
        from firstPage: Int, request: OrdersRequest,
        stage: (Int, FetchedBody, PageResponse, Int) async throws -> NextStep
    ) async throws {
        var start = firstPage
        while let restart = try await fetchWindow(from: start, request: request, stage: stage) {
            start = restart
        }
    }

    /// One pass of `fetchInOrder`; returns the page to start again from, or nil when finished.
    private func fetchWindow(
        from firstPage: Int, request: OrdersRequest,
        stage: (Int, FetchedBody, PageResponse, Int) async throws -> NextStep
    ) async throws -> Int? {
        let pacing = self.pacing
        return try await withThrowingTaskGroup(of: (Int, Result<(FetchedBody, PageResponse, Int), Error>).self) { group in
            var nextToRequest = firstPage
            func ask(for page: Int) {
                group.addTask {
                    do {
                        let (body, response, attempts) = try await client.fetchOrdersPage(page, request: request, pacing: pacing)
                        return (page, .success((body, response, attempts)))
                    } catch {
                        return (page, .failure(error))
                    }
                }
            }
            // As many pages are asked for as the pace may ever allow; each request waits for
            // a slot of `pacing`, so only its current limit is in flight.
            for _ in 0..<maximumConcurrency {
                ask(for: nextToRequest)
                nextToRequest += 1
            }
            var answered: [Int: Result<(FetchedBody, PageResponse, Int), Error>] = [:]
            var nextToStage = firstPage
            while let (page, result) = try await group.next() {
                answered[page] = result
                while let ready = answered.removeValue(forKey: nextToStage) {
                    let (body, response, attempts) = try ready.get()
                    switch try await stage(nextToStage, body, response, attempts) {
                    case .next:
                        nextToStage += 1
                        ask(for: nextToRequest)
                        nextToRequest += 1
                    case .finished:
                        group.cancelAll()
                        return nil
                    case .restart(let page):
                        group.cancelAll()
                        return page
                    }
                }
            }
            return nil
        }
    }
}

/// Why `extract` stopped paging although every request was answered.
public enum ExtractError: Error, CustomStringConvertible {
    /// A page kept looking wrong (empty `Orders`, a short page before the end) after every retry.
    case pagingAnomaly(page: Int, reason: String, attempts: Int)
    /// The store answers the same orders whatever `Page` asks for.
    case storeIgnoresPaging(String)

    public var description: String {
        switch self {
        case .pagingAnomaly(let page, let reason, let attempts):
            return "\(reason); page \(page) was fetched \(attempts) times and stayed so, and the watermark did not move; check the store (its error log, a cache in front of it), then run synclet sync again"
        case .storeIgnoresPaging(let reason):
            return "\(reason), and the watermark did not move; make the cache in front of the store pass the query string (Page, PageSize) through, then run synclet sync again"
        }
    }
}
