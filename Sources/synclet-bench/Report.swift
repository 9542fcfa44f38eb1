import Foundation
import MariaDB

/// Everything one benchmark measured, written as JSON so runs at different sizes compare.
struct BenchResults: Codable {
    var orders: Int
    var machine = MachineDescription()
    var pages = 0
    var stagedOrders = 0
    var acceptedOrders = 0
    var rawBytes = 0
    var rows = 0
    var stages: [String: Measurement] = [:]
    var sync: Measurement?
    var downloadFloor = Measurement.wall(0)
    var downloadBytes = 0
    var downloadConnections = 0
    var loadDataFloor = Measurement.wall(0)
    var tsvSeconds = 0.0
    var rowCheck = ""
    var naive: Measurement?
    var naiveOrders = 0
    var latencyOrders = 0
    var latencyPages = 0
    var pageLatencyMs = 0
    var latency: [String: Measurement] = [:]
    /// Extract alone and the whole sync at the page latency, as pipeline.yaml configures them.
    var latencyExtract: Measurement?
    var latencySync: Measurement?
    /// The rate limit measured, and the sync at each fixed concurrency and adaptive.
    var rateLimit = ""
    var rateLimited: [String: RateLimitedSync] = [:]

    struct RateLimitedSync: Codable {
        var measurement: Measurement?
        /// Why the sync failed, nil when it succeeded.
        var failed: String?
    }

    init(orders: Int) { self.orders = orders }

    enum CodingKeys: String, CodingKey {
        case orders, machine, pages, stagedOrders, acceptedOrders, rawBytes, rows, stages, sync, downloadFloor, downloadBytes,
             downloadConnections, loadDataFloor, tsvSeconds, rowCheck, naive, naiveOrders, latencyOrders, latencyPages, pageLatencyMs,
             latency, latencyExtract, latencySync, rateLimit, rateLimited
    }

    /// Results written by an older synclet-bench lack the newer keys.
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        orders = try c.decode(Int.self, forKey: .orders)
        machine = try c.decodeIfPresent(MachineDescription.self, forKey: .machine) ?? MachineDescription()
        pages = try c.decodeIfPresent(Int.self, forKey: .pages) ?? 0
        stagedOrders = try c.decodeIfPresent(Int.self, forKey: .stagedOrders) ?? 0
        acceptedOrders = try c.decodeIfPresent(Int.self, forKey: .acceptedOrders) ?? 0
        rawBytes = try c.decodeIfPresent(Int.self, forKey: .rawBytes) ?? 0
        rows = try c.decodeIfPresent(Int.self, forKey: .rows) ?? 0
        stages = try c.decodeIfPresent([String: Measurement].self, forKey: .stages) ?? [:]
        sync = try c.decodeIfPresent(Measurement.self, forKey: .sync)
        downloadFloor = try c.decodeIfPresent(Measurement.self, forKey: .downloadFloor) ?? .wall(0)
        downloadBytes = try c.decodeIfPresent(Int.self, forKey: .downloadBytes) ?? 0
        downloadConnections = try c.decodeIfPresent(Int.self, forKey: .downloadConnections) ?? 0
        loadDataFloor = try c.decodeIfPresent(Measurement.self, forKey: .loadDataFloor) ?? .wall(0)
        tsvSeconds = try c.decodeIfPresent(Double.self, forKey: .tsvSeconds) ?? 0
        rowCheck = try c.decodeIfPresent(String.self, forKey: .rowCheck) ?? ""
        naive = try c.decodeIfPresent(Measurement.self, forKey: .naive)
        naiveOrders = try c.decodeIfPresent(Int.self, forKey: .naiveOrders) ?? 0
        latencyOrders = try c.decodeIfPresent(Int.self, forKey: .latencyOrders) ?? 0
        latencyPages = try c.decodeIfPresent(Int.self, forKey: .latencyPages) ?? 0
        pageLatencyMs = try c.decodeIfPresent(Int.self, forKey: .pageLatencyMs) ?? 0
        latency = try c.decodeIfPresent([String: Measurement].self, forKey: .latency) ?? [:]
        latencyExtract = try c.decodeIfPresent(Measurement.self, forKey: .latencyExtract)
        latencySync = try c.decodeIfPresent(Measurement.self, forKey: .latencySync)
        rateLimit = try c.decodeIfPresent(String.self, forKey: .rateLimit) ?? ""
        rateLimited = try c.decodeIfPresent([String: RateLimitedSync].self, forKey: .rateLimited) ?? [:]
    }

    var peakStageMiB: Double {
        (Array(stages.values) + [sync].compactMap { $0 }).map(\.peakResidentMiB).max() ?? 0
    }

    /// The larger of the two floors: a streaming sync can be no faster than either.
    var floorSeconds: Double { max(downloadFloor.wallSeconds, loadDataFloor.wallSeconds) }
}

struct MachineDescription: Codable {
    var cpus = ""
    var cpuModel = ""
    var memory = ""
    var kernel = ""
    var mariadb = ""

    static func current(server: MariaDBConfiguration) -> MachineDescription {
        var machine = MachineDescription()
        machine.cpus = String(ProcessInfo.processInfo.activeProcessorCount)
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        machine.cpuModel = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        machine.memory = String(format: "%.1f GiB", Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824)
        machine.kernel = ProcessInfo.processInfo.operatingSystemVersionString
        if let connection = try? MariaDBConnection(server) {
            machine.mariadb = connection.serverVersion
            connection.close()
        }
        return machine
    }
}

/// The table, the ratios and the targets, as text.
struct Report {
    let results: BenchResults
    let others: [BenchResults]

    static let peakMemoryLimitMiB = 64.0

    /// Results of other sizes written beside this one (results-<orders>.json).
    static func otherResults(near path: String, excluding orders: Int) -> [BenchResults] {
        let directory = (path as NSString).deletingLastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("results-") && $0.hasSuffix(".json") }.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
            return try? JSONDecoder().decode(BenchResults.self, from: data)
        }.filter { $0.orders != orders }.sorted { $0.orders < $1.orders }
    }

    var orders: Double { Double(max(results.acceptedOrders, 1)) }

    func row(_ name: String, _ measurement: Measurement?, orders: Double? = nil, note: String = "") -> String {
        guard let m = measurement else { return pad(name, 36) + "  (skipped)" }
        let count = orders ?? self.orders
        let rate = m.wallSeconds > 0 ? count / m.wallSeconds : 0
        let cpu = m.cpuSeconds > 0 ? String(format: "%8.2f %5.0f%%", m.cpuSeconds, 100 * m.cpuSeconds / max(m.wallSeconds, 1e-9)) : pad("-", 8, right: true) + "      "
        let memory = m.peakResidentKiB > 0 ? String(format: "%8.1f", m.peakResidentMiB) : pad("-", 8, right: true)
        return pad(name, 36) + String(format: " %9.3f %11.0f ", m.wallSeconds, rate) + cpu + " " + memory + (note.isEmpty ? "" : "  " + note)
    }

    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }

    func verdict(_ passed: Bool) -> String { passed ? "PASS" : "MISS" }

    var text: String {
        let r = results
        var lines: [String] = []
        lines.append("")
        lines.append("Synclet benchmark: \(r.acceptedOrders) orders (\(r.stagedOrders) staged, \(r.pages) pages, \(r.rows) rows, \(String(format: "%.1f", Double(r.rawBytes) / 1_048_576)) MiB raw)")
        lines.append("Machine: \(r.machine.cpus) CPUs, \(r.machine.cpuModel), \(r.machine.memory); MariaDB \(r.machine.mariadb)")
        lines.append("")
        lines.append(pad("step", 36) + "    wall s    orders/s    CPU s  CPU%  peak MiB")
        lines.append(String(repeating: "-", count: 82))
        lines.append(row("extract (concurrency from pipeline)", r.stages["extract"]))
        lines.append(row("transform", r.stages["transform"]))
        lines.append(row("load", r.stages["load"]))
        let transformLoad = sum(r.stages["transform"], r.stages["load"])
        lines.append(row("transform + load", transformLoad))
        lines.append(row("synclet sync (streaming; fresh staging, db)", r.sync))
        lines.append(row("download floor (1 keep-alive conn)", r.downloadFloor, note: "\(r.downloadConnections) connection(s), \(String(format: "%.1f", Double(r.downloadBytes) / 1_048_576)) MiB"))
        lines.append(row("LOAD DATA floor (6 tables)", r.loadDataFloor, note: String(format: "+ %.2f s writing TSV", r.tsvSeconds)))
        lines.append(row("naive (1 order/txn, 1 row/INSERT)", r.naive, orders: Double(r.naiveOrders), note: r.naive == nil ? "" : "\(r.naiveOrders) orders"))
        for (concurrency, measurement) in r.latency.sorted(by: { Int($0.key)! < Int($1.key)! }) {
            lines.append(row("extract c=\(concurrency) at \(r.pageLatencyMs) ms/page", measurement, orders: Double(r.latencyOrders),
                             note: "\(r.latencyOrders) orders, \(r.latencyPages) pages"))
        }
        if r.latencyExtract != nil || r.latencySync != nil {
            lines.append(row("extract (pipeline) at \(r.pageLatencyMs) ms/page", r.latencyExtract, orders: Double(r.latencyOrders)))
            lines.append(row("synclet sync at \(r.pageLatencyMs) ms/page", r.latencySync, orders: Double(r.latencyOrders)))
        }
        for (name, run) in r.rateLimited.sorted(by: { $0.key < $1.key }) {
            if let measurement = run.measurement {
                lines.append(row("sync \(name), rate-limited", measurement, orders: Double(r.latencyOrders)))
            } else {
                lines.append(pad("sync \(name), rate-limited", 36) + "  FAILED (\(run.failed ?? "?"))")
            }
        }
        if !r.rateLimited.isEmpty { lines.append("  rate limit: \(r.rateLimit)") }
        if !MeasuredProcess.hasTimeTool {
            lines.append("Note: \(MeasuredProcess.timeTool) is missing (apt-get install time), so peak memory includes the benchmark's own peak.")
        }
        lines.append("")
        if !r.rowCheck.isEmpty { lines.append("Row check: \(r.rowCheck)") }

        lines.append("")
        lines.append("Ratios and targets")
        var targets: [(String, Bool)] = []
        if let sync = r.sync {
            let ratio = sync.wallSeconds / max(r.downloadFloor.wallSeconds, 1e-9)
            lines.append(String(format: "  sync / download floor                 %7.2f×   (information)", ratio))
            let floorRatio = sync.wallSeconds / max(r.floorSeconds, 1e-9)
            lines.append(String(format: "  sync / max(download, LOAD DATA floor) %7.2f×   target ≤ 1.5×   ", floorRatio) + verdict(floorRatio <= 1.5))
            targets.append(("sync within 1.5× of the larger floor", floorRatio <= 1.5))
        }
        if let extract = r.latencyExtract, let sync = r.latencySync {
            let over = sync.wallSeconds - extract.wallSeconds
            lines.append(String(format: "  sync − extract alone at %d ms/page    %+7.2f s   target ≤ +0.2 s ", r.pageLatencyMs, over) + verdict(over <= 0.2))
            targets.append(("sync at most extract alone + 0.2 s at \(r.pageLatencyMs) ms/page", over <= 0.2))
        }
        let fixed = r.rateLimited.filter { $0.key.hasPrefix("c=") }.compactMap { $0.value.measurement?.wallSeconds }.min()
        if let adaptive = r.rateLimited.first(where: { $0.key.hasPrefix("adaptive") })?.value {
            let ratio = (adaptive.measurement?.wallSeconds ?? .infinity) / (fixed ?? .infinity)
            let met = adaptive.failed == nil && ratio <= 1.2
            lines.append(String(format: "  adaptive / best fixed, rate-limited   %7.2f×   target ≤ 1.2×, no failed page ", ratio) + verdict(met))
            targets.append(("adaptive sync within 20 % of the best fixed concurrency under a rate limit", met))
        }
        if let transformLoad {
            let rate = orders / transformLoad.wallSeconds
            let ratio = transformLoad.wallSeconds / max(r.loadDataFloor.wallSeconds, 1e-9)
            lines.append(String(format: "  transform+load orders/s             %9.0f    target ≥ 20000  ", rate) + verdict(rate >= 20_000))
            lines.append(String(format: "  (transform+load) / LOAD DATA floor    %7.2f×   target ≤ 2×     ", ratio) + verdict(ratio <= 2))
            targets.append(("transform+load ≥ 20,000 orders/s", rate >= 20_000))
            targets.append(("transform+load within 2× of LOAD DATA", ratio <= 2))
            if let load = r.stages["load"] {
                lines.append(String(format: "  load / LOAD DATA floor                %7.2f×   (information)", load.wallSeconds / max(r.loadDataFloor.wallSeconds, 1e-9)))
            }
        }
        if let naive = r.naive, let load = r.stages["load"], r.naiveOrders > 0 {
            // Compared as rates, so a capped naive run still compares.
            let naiveRate = Double(r.naiveOrders) / naive.wallSeconds
            let loadRate = orders / load.wallSeconds
            lines.append(String(format: "  naive / load (time per order)         %7.2f×   (information: what batching buys)", loadRate / naiveRate))
        }
        if let one = r.latency["1"], let four = r.latency["4"] {
            let speedUp = one.wallSeconds / four.wallSeconds
            lines.append(String(format: "  extract c=4 vs c=1 at %d ms/page      %7.2f×   target ≥ 3.5×   ", r.pageLatencyMs, speedUp) + verdict(speedUp >= 3.5))
            targets.append(("concurrency 4 ≥ 3.5× faster than 1", speedUp >= 3.5))
        }
        let stageNames = ["extract", "transform", "load"]
        var peaks = stageNames.compactMap { name in r.stages[name].map { (name, $0.peakResidentMiB) } }
        if let sync = r.sync { peaks.append(("sync", sync.peakResidentMiB)) }
        let peaksText = peaks.map { String(format: "%@ %.1f", $0.0, $0.1) }.joined(separator: ", ")
        let underLimit = peaks.allSatisfy { $0.1 < Self.peakMemoryLimitMiB }
        lines.append("  peak memory at \(r.acceptedOrders) orders (MiB): \(peaksText)   target < 64 MiB each   " + verdict(underLimit))
        targets.append(("peak memory < 64 MiB for every stage", underLimit))

        lines.append("")
        lines.append("Targets: \(targets.filter { $0.1 }.count) of \(targets.count) met" + (targets.contains { !$0.1 } ? "; missed: " + targets.filter { !$0.1 }.map(\.0).joined(separator: "; ") : ""))
        return lines.joined(separator: "\n")
    }

    /// Peak memory against the runs of other sizes: flat means memory does not grow with orders.
    var memoryComparison: String? {
        guard !others.isEmpty else { return nil }
        var lines = ["", "Peak memory by size (MiB), from results-*.json beside this run (each stage alone, and the runner of the sync):"]
        let all = (others + [results]).sorted { $0.orders < $1.orders }
        lines.append(pad("orders", 10) + ["extract", "transform", "load", "sync"].map { pad($0, 11, right: true) }.joined())
        for result in all {
            let values = ["extract", "transform", "load"].map { result.stages[$0]?.peakResidentMiB } + [result.sync?.peakResidentMiB]
            lines.append(pad(String(result.orders), 10) + values.map { pad($0.map { String(format: "%.1f", $0) } ?? "-", 11, right: true) }.joined())
        }
        lines.append("")
        lines.append("Sync against its floors by size (s): the larger of the download and LOAD DATA floors")
        lines.append(pad("orders", 10) + ["sync", "download", "LOAD DATA", "sync/floor"].map { pad($0, 11, right: true) }.joined() + "   target ≤ 1.5×")
        for result in all {
            let sync = result.sync?.wallSeconds
            let ratio = sync.map { $0 / max(result.floorSeconds, 1e-9) }
            lines.append(pad(String(result.orders), 10)
                + [sync, result.downloadFloor.wallSeconds, result.loadDataFloor.wallSeconds].map { pad($0.map { String(format: "%.3f", $0) } ?? "-", 11, right: true) }.joined()
                + pad(ratio.map { String(format: "%.2f×", $0) } ?? "-", 11, right: true) + "   " + (ratio.map { verdict($0 <= 1.5) } ?? ""))
        }
        if let smallest = all.first, let largest = all.last, smallest.orders != largest.orders {
            let growth = largest.peakStageMiB / max(smallest.peakStageMiB, 1e-9)
            let flat = growth <= 1.25 && largest.peakStageMiB < Self.peakMemoryLimitMiB
            lines.append(String(format: "  largest stage peak at %d orders / at %d orders: %.2f×   target: the same (≤ 1.25×) and < 64 MiB   ",
                                largest.orders, smallest.orders, growth) + verdict(flat))
        }
        return lines.joined(separator: "\n")
    }

    func sum(_ a: Measurement?, _ b: Measurement?) -> Measurement? {
        guard let a, let b else { return nil }
        return Measurement(wallSeconds: a.wallSeconds + b.wallSeconds, userSeconds: a.userSeconds + b.userSeconds,
                           systemSeconds: a.systemSeconds + b.systemSeconds, peakResidentKiB: max(a.peakResidentKiB, b.peakResidentKiB))
    }
}
