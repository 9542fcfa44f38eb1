import Foundation

/// The `extract` stage: pages through `Action=Orders` and stages each answer byte for byte.
///
/// Up to `http.concurrency` requests are in flight at once; pages are staged in page order, each atomically,
/// with its size and SHA-256 recorded in `run.json` only once the file is complete. A resumed
/// run starts at the first page not yet staged. Paging stops at the first `""` or empty page.
public struct ExtractStage {
    public let run: StagedRun
    public let client: OneSaasClient
    public let concurrency: Int
    public let log: Log

    public init(run: StagedRun, client: OneSaasClient, concurrency: Int, log: Log) {
        self.run = run
        self.client = client
        self.concurrency = concurrency
        self.log = log
    }

    public func execute() async throws {
        var manifest = try run.loadManifest()
        if manifest.stages[.extract]?.status == .completed { log.info("run \(run.runId): extract already complete"); return }
        try run.beginStage(.extract)
        StagingFileSystem.removeLeftoverTemporaryFiles(in: run.rawDirectory)
        manifest = try run.loadManifest()
        var record = manifest.extract ?? ExtractRecord()
        for page in record.pages { _ = try run.verifiedRawPage(page) }
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
        do {
            // A run that already reached the end (a replay from extract) fetches nothing more.
            if !record.reachedEnd {
                try await fetchInOrder(from: nextPage, request: request) { page, fetched, response, attempts in
                    if page == 0, let date = fetched.serverDate { record.storeClockAtStart = UTCTime(httpDate: date) }
                    guard case .orders(let ordersPage) = response, !ordersPage.isEmpty else {
                        record.reachedEnd = true
                        return false
                    }
                    record.extensionVersion = ordersPage.extensionVersion ?? record.extensionVersion
                    let staged = try run.writeRawPage(page, body: fetched.body)
                    record.pages.append(PageRecord(
                        page: page, file: staged.file, bytes: staged.bytes, sha256: staged.sha256,
                        orders: ordersPage.orderCount, dropped: ordersPage.droppedCount,
                        httpStatus: fetched.status, serverDate: fetched.serverDate,
                        fetchedAt: .now(), milliseconds: fetched.milliseconds, attempts: attempts))
                    orders += ordersPage.orderCount
                    if Date().timeIntervalSince(lastSaved) >= 2 { try saveRecord() }
                    progress.update(pages: record.pages.count, orders: orders)
                    return true
                }
            }
        } catch {
            // Keep what was staged before the failure, so the next attempt resumes after it.
            try? saveRecord()
            throw error
        }
        try saveRecord()
        try run.finishStage(.extract)
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

    /// Keeps `concurrency` requests in flight and hands each answer to `stage` in page order;
    /// stops at the first page `stage` declines (the end of the data) or the first failure,
    /// cancelling the requests still running.
    private func fetchInOrder(
        from firstPage: Int, request: OrdersRequest,
        stage: (Int, FetchedBody, PageResponse, Int) throws -> Bool
    ) async throws {
        try await withThrowingTaskGroup(of: (Int, Result<(FetchedBody, PageResponse, Int), Error>).self) { group in
            var nextToRequest = firstPage
            func ask(for page: Int) {
                group.addTask {
                    do {
                        let (body, response, attempts) = try await client.fetchOrdersPage(page, request: request)
                        return (page, .success((body, response, attempts)))
                    } catch {
                        return (page, .failure(error))
                    }
                }
            }
            for _ in 0..<concurrency {
                ask(for: nextToRequest)
                nextToRequest += 1
            }
            var answered: [Int: Result<(FetchedBody, PageResponse, Int), Error>] = [:]
            var nextToStage = firstPage
            while let (page, result) = try await group.next() {
                answered[page] = result
                while let ready = answered.removeValue(forKey: nextToStage) {
                    let (body, response, attempts) = try ready.get()
                    guard try stage(nextToStage, body, response, attempts) else {
                        group.cancelAll()
                        return
                    }
                    nextToStage += 1
                    ask(for: nextToRequest)
                    nextToRequest += 1
                }
            }
        }
    }
}
