import Crypto
import Foundation

/// Every file format of a staged run besides `run.json`: raw pages, canonical records and
/// rejects. The stages hand values to these and get values back; none of them knows a path or a
/// line format, so a format changes in one place.
extension StagedRun {
    // MARK: Raw pages (written by extract, read by transform)

    /// Stages one answer of the endpoint byte for byte and returns what `run.json` records of it
    /// (file name, size, SHA-256); the caller adds the page's own facts.
    public func writeRawPage(_ page: Int, body: [UInt8]) throws -> (file: String, bytes: Int, sha256: String) {
        try StagingFileSystem.writeAtomically(body, to: rawPath(page: page))
        return (Self.rawFileName(page: page), body.count, SHA256.hash(data: body).hexString)
    }

    // MARK: Canonical records (written by transform, read by load)

    /// Writes one page's canonical orders, one JSON line each, atomically.
    public func writeCanonicalPage(_ page: Int, orders: [CanonicalOrder]) throws {
        var lines: [UInt8] = []
        for order in orders {
            order.writeJSONLine(into: &lines)
            lines.append(0x0A)
        }
        try StagingFileSystem.writeAtomically(lines, to: canonicalPath(page: page))
    }

    /// The canonical records of one staged page.
    public func readCanonicalPage(_ page: Int) throws -> [CanonicalOrder] {
        let bytes = try StagingFileSystem.read(canonicalPath(page: page))
        var orders: [CanonicalOrder] = []
        // A plain scan for newlines: the generic `split` was a fifth of load's CPU.
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            if end > start {
                do {
                    orders.append(try CanonicalOrder(jsonLine: Array(bytes[start..<end])))
                } catch {
                    throw StagingError.damaged(run: runId, reason: "canonical/\(Self.canonicalFileName(page: page)) holds a line that is not a canonical order (\(error))")
                }
            }
            start = end + 1
        }
        return orders
    }

    // MARK: Rejects (written by transform, read by load)

    /// Writes `rejects.ndjson` atomically (empty when nothing was rejected).
    public func writeRejects(_ rejects: [RejectedOrder]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines: [UInt8] = []
        for reject in rejects {
            lines += try encoder.encode(reject)
            lines.append(0x0A)
        }
        try StagingFileSystem.writeAtomically(lines, to: rejectsPath)
    }

    /// The orders transform rejected; none when the file is absent.
    public func readRejects() throws -> [RejectedOrder] {
        guard FileManager.default.fileExists(atPath: rejectsPath) else { return [] }
        let decoder = JSONDecoder()
        return try StagingFileSystem.read(rejectsPath).split(separator: 0x0A).filter { !$0.isEmpty }.enumerated().map { index, line in
            do {
                return try decoder.decode(RejectedOrder.self, from: Data(line))
            } catch {
                throw StagingError.damaged(run: runId, reason: "rejects.ndjson line \(index + 1) is not a rejected order (\(error))")
            }
        }
    }
}

// MARK: The store's configuration (written by extract, read by load)

extension StagedRun {
    public var storeConfigurationPath: String { path("store-configuration.json") }

    public func writeStoreConfiguration(_ configuration: StoreConfiguration) throws {
        try StagingFileSystem.writeAtomically(Array(configuration.stagedJSON.utf8), to: storeConfigurationPath)
    }

    /// The configuration read at the start of this run; nil when it could not be read (a warning then).
    public func readStoreConfiguration() throws -> StoreConfiguration? {
        guard FileManager.default.fileExists(atPath: storeConfigurationPath) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: storeConfigurationPath))
        return try StoreConfiguration(staged: Array(data))
    }
}
