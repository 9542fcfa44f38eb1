import Foundation

/// The `transform` stage: raw pages in, one canonical record per line out.
///
/// Each staged page is verified against its SHA-256, classified, and every order normalized;
/// `canonical/page-NNNNNN.jsonl` is written atomically per page. An order that cannot be
/// accepted goes to `rejects.ndjson` with its page, position, reason and original JSON; it never
/// stops the run. Running it again gives the same files.
public struct TransformStage: Sendable {
    public let run: StagedRun
    public let log: Log

    public init(run: StagedRun, log: Log) {
        self.run = run
        self.log = log
    }

    /// Transforms the run. `following`: extract may still be running (a streaming sync); each
    /// page is taken as soon as extract has listed it, and the stage completes after extract.
    public func execute(following: Bool = false) throws {
        let manifest = try run.loadManifest()
        guard following || manifest.stages[.extract]?.status == .completed, manifest.extract != nil else {
            throw StagingError.damaged(run: run.runId, reason: "extract has not completed, so there is nothing to transform yet")
        }
        try run.startLedger(of: .transform)
        let attemptId = try run.beginStage(.transform, following: following).stages[.transform]?.attemptId ?? ""
        StagingFileSystem.removeLeftoverTemporaryFiles(in: run.canonicalDirectory)
        let feed = try StageFeed(run: run, following: .extract)
        var record = TransformRecord()
        var rejects: [RejectedOrder] = []
        var transformed: [PageRecord] = []

        let progress = ProgressLine("run \(run.runId) transform", totalPages: feed.followsACompletedStage ? manifest.extract?.pages.count : nil, log: log)
        defer { progress.finish() }
        // Pages are independent: a few at a time go to the cores side by side; the results are
        // merged in page order, so the output does not depend on the number of cores.
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))
        while let chunk = try feed.next(upTo: workers) {
            var outcomes = [Result<PageOutcome, Error>?](repeating: nil, count: chunk.count)
            outcomes.withUnsafeMutableBufferPointer { buffer in
                // Each iteration writes only its own slot, so the writes never overlap.
                nonisolated(unsafe) let slots = buffer
                DispatchQueue.concurrentPerform(iterations: chunk.count) { index in
                    slots[index] = Result { try transform(chunk[index]) }
                }
            }
            for outcome in outcomes {
                guard let outcome else { continue }
                let page = try outcome.get()
                record.pages += 1
                record.accepted += page.accepted
                record.dropped += page.dropped
                record.unreconciled += page.unreconciled
                record.incompleteLines += page.incompleteLines
                rejects += page.rejects
            }
            // Listed for load once every canonical file of the chunk is complete.
            try run.appendToLedger(of: .transform, attemptId: attemptId, pages: chunk)
            transformed += chunk
            progress.update(pages: record.pages, orders: record.accepted)
        }
        // What was followed page by page must be exactly what extract recorded in the end.
        let staged = try run.loadManifest().extract?.pages ?? []
        guard staged.map(\.sha256) == transformed.map(\.sha256) else {
            throw StagingError.damaged(run: run.runId, reason: "the \(transformed.count) pages transformed are not the \(staged.count) pages extract recorded in run.json")
        }

        for reject in rejects {
            log.warning("run \(run.runId): rejected order \(reject.orderId ?? "without Id") at page \(reject.page), position \(reject.position): \(reject.reason)")
            if let updated = reject.lastUpdatedDate.flatMap(UTCTime.init(parsing:)) {
                record.earliestRejectedUpdate = min(record.earliestRejectedUpdate ?? updated, updated)
            } else {
                record.rejectedWithoutUpdateTime = true
            }
        }
        record.rejected = rejects.count
        try run.writeRejects(rejects)
        let finished = record
        try run.updateManifest { try $0.record(finished) }
        try run.finishStage(.transform)
        try run.closeLedger(of: .transform, attemptId: attemptId)
        log.info("run \(run.runId): transform complete: \(record.accepted) orders, \(record.rejected) rejected, \(record.dropped) dropped by the store, \(record.unreconciled) not reconciling")
    }

    /// What one page gave.
    struct PageOutcome {
        var accepted = 0
        var dropped = 0
        var unreconciled = 0
        var incompleteLines = 0
        var rejects: [RejectedOrder] = []
    }

    /// Normalizes one staged page and writes its canonical file.
    private func transform(_ page: PageRecord) throws -> PageOutcome {
        let bytes = try run.verifiedRawPage(page)
        guard case .orders(let ordersPage) = try PageResponse.classify(bytes) else {
            throw StagingError.damaged(run: run.runId, reason: "raw/\(page.file) is not a page of orders")
        }
        var outcome = PageOutcome()
        var orders: [CanonicalOrder] = []
        for (position, element) in ordersPage.elements.enumerated() {
            switch element {
            case .dropped:
                outcome.dropped += 1
            case .unexpected(let kind, let rawJSON):
                outcome.rejects.append(RejectedOrder(page: page.page, position: position, orderId: nil, lastUpdatedDate: nil,
                                                     reason: "the element is \(kind), not an order", rawJSON: rawJSON))
            case .order(let value, let rawJSON):
                let order: CanonicalOrder
                do {
                    order = try OrderNormalizer.normalize(value, rawJSON: rawJSON, source: .init(page: page.page, position: position))
                } catch {
                    outcome.rejects.append(RejectedOrder(
                        page: page.page, position: position, orderId: error.orderId,
                        lastUpdatedDate: value["LastUpdatedDate"]?.stringValue.flatMap { UTCTime(parsing: $0)?.description },
                        reason: error.reason, rawJSON: rawJSON))
                    continue
                }
                orders.append(order)
                outcome.accepted += 1
                if !order.reconciliation.reconciles { outcome.unreconciled += 1 }
                if order.hasIncompleteLines { outcome.incompleteLines += 1 }
            }
        }
        try run.writeCanonicalPage(page.page, orders: orders)
        return outcome
    }
}
