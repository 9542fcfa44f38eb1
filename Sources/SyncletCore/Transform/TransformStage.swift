import Foundation

/// The `transform` stage: raw pages in, one canonical record per line out.
///
/// Each staged page is verified against its SHA-256, classified, and every order normalized;
/// `canonical/page-NNNNNN.jsonl` is written atomically per page. An order that cannot be
/// accepted goes to `rejects.ndjson` with its page, position, reason and original JSON; it never
/// stops the run. Running it again gives the same files.
public struct TransformStage {
    public let run: StagedRun
    public let log: Log

    public init(run: StagedRun, log: Log) {
        self.run = run
        self.log = log
    }

    public func execute() throws {
        let manifest = try run.loadManifest()
        guard manifest.stages[.extract]?.status == .completed, let extract = manifest.extract else {
            throw StagingError.damaged(run: run.runId, reason: "extract has not completed, so there is nothing to transform yet")
        }
        try run.beginStage(.transform)
        StagingFileSystem.removeLeftoverTemporaryFiles(in: run.canonicalDirectory)
        var record = TransformRecord()
        var rejects: [RejectedOrder] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]

        let progress = ProgressLine("run \(run.runId) transform", totalPages: extract.pages.count, log: log)
        defer { progress.finish() }
        for page in extract.pages {
            progress.update(pages: record.pages, orders: record.accepted)
            let bytes = try run.verifiedRawPage(page)
            guard case .orders(let ordersPage) = try PageResponse.classify(bytes) else {
                throw StagingError.damaged(run: run.runId, reason: "raw/\(page.file) is not a page of orders")
            }
            var lines: [UInt8] = []
            for (position, element) in ordersPage.elements.enumerated() {
                switch element {
                case .dropped:
                    record.dropped += 1
                case .unexpected(let kind, let rawJSON):
                    rejects.append(RejectedOrder(page: page.page, position: position, orderId: nil, lastUpdatedDate: nil,
                                                 reason: "the element is \(kind), not an order", rawJSON: rawJSON))
                case .order(let value, let rawJSON):
                    let order: CanonicalOrder
                    do {
                        order = try OrderNormalizer.normalize(value, rawJSON: rawJSON, source: .init(page: page.page, position: position))
                    } catch {
                        rejects.append(RejectedOrder(
                            page: page.page, position: position, orderId: error.orderId,
                            lastUpdatedDate: value["LastUpdatedDate"]?.stringValue.flatMap { UTCTime(parsing: $0)?.description },
                            reason: error.reason, rawJSON: rawJSON))
                        continue
                    }
                    order.writeJSONLine(into: &lines)
                    lines.append(0x0A)
                    record.accepted += 1
                    if !order.reconciliation.reconciles { record.unreconciled += 1 }
                    if order.hasIncompleteLines { record.incompleteLines += 1 }
                }
            }
            try StagingFileSystem.writeAtomically(lines, to: run.canonicalPath(page: page.page))
            record.pages += 1
        }

        var rejectLines: [UInt8] = []
        for reject in rejects {
            rejectLines += try encoder.encode(reject)
            rejectLines.append(0x0A)
            log.warning("run \(run.runId): rejected order \(reject.orderId ?? "without Id") at page \(reject.page), position \(reject.position): \(reject.reason)")
            if let updated = reject.lastUpdatedDate.flatMap(UTCTime.init(parsing:)) {
                record.earliestRejectedUpdate = min(record.earliestRejectedUpdate ?? updated, updated)
            } else {
                record.rejectedWithoutUpdateTime = true
            }
        }
        record.rejected = rejects.count
        try StagingFileSystem.writeAtomically(rejectLines, to: run.rejectsPath)
        let finished = record
        try run.updateManifest { $0.transform = finished }
        try run.finishStage(.transform)
        log.info("run \(run.runId): transform complete: \(record.accepted) orders, \(record.rejected) rejected, \(record.dropped) dropped by the store, \(record.unreconciled) not reconciling")
    }

    /// The canonical records of one staged page.
    public static func readCanonical(run: StagedRun, page: Int) throws -> [CanonicalOrder] {
        let bytes = try StagingFileSystem.read(run.canonicalPath(page: page))
        var orders: [CanonicalOrder] = []
        // A plain scan for newlines: the generic `split` was a fifth of load's CPU.
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            if end > start {
                do {
                    orders.append(try CanonicalOrder(jsonLine: Array(bytes[start..<end])))
                } catch {
                    throw StagingError.damaged(run: run.runId, reason: "canonical/\(StagedRun.canonicalFileName(page: page)) holds a line that is not a canonical order (\(error))")
                }
            }
            start = end + 1
        }
        return orders
    }

    public static func readRejects(run: StagedRun) throws -> [RejectedOrder] {
        guard FileManager.default.fileExists(atPath: run.rejectsPath) else { return [] }
        let decoder = JSONDecoder()
        return try StagingFileSystem.read(run.rejectsPath).split(separator: 0x0A).filter { !$0.isEmpty }.map {
            try decoder.decode(RejectedOrder.self, from: Data($0))
        }
    }
}
