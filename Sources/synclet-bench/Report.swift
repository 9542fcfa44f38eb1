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

    init(orders: Int) { self.orders = orders }

    var peakStageMiB: Double {
        (Array(stages.values) + [sync].compactMap { $0 }).map(\.peakResidentMiB).max() ?? 0
    }
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
        lines.append(row("synclet sync (fresh db + staging)", r.sync))
        lines.append(row("download floor (1 keep-alive conn)", r.downloadFloor, note: "\(r.downloadConnections) connection(s), \(String(format: "%.1f", Double(r.downloadBytes) / 1_048_576)) MiB"))
        lines.append(row("LOAD DATA floor (6 tables)", r.loadDataFloor, note: String(format: "+ %.2f s writing TSV", r.tsvSeconds)))
        lines.append(row("naive (1 order/txn, 1 row/INSERT)", r.naive, orders: Double(r.naiveOrders), note: r.naive == nil ? "" : "\(r.naiveOrders) orders"))
        for (concurrency, measurement) in r.latency.sorted(by: { Int($0.key)! < Int($1.key)! }) {
            lines.append(row("extract c=\(concurrency) at \(r.pageLatencyMs) ms/page", measurement, orders: Double(r.latencyOrders),
                             note: "\(r.latencyOrders) orders, \(r.latencyPages) pages"))
        }
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
            lines.append(String(format: "  sync / download floor                 %7.2f×   target ≤ 1.5×   ", ratio) + verdict(ratio <= 1.5))
            targets.append(("sync within 1.5× of the download floor", ratio <= 1.5))
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
        var lines = ["", "Peak memory by size (MiB), from results-*.json beside this run:"]
        let all = (others + [results]).sorted { $0.orders < $1.orders }
        lines.append(pad("orders", 10) + ["extract", "transform", "load", "sync"].map { pad($0, 11, right: true) }.joined())
        for result in all {
            let values = ["extract", "transform", "load"].map { result.stages[$0]?.peakResidentMiB } + [result.sync?.peakResidentMiB]
            lines.append(pad(String(result.orders), 10) + values.map { pad($0.map { String(format: "%.1f", $0) } ?? "-", 11, right: true) }.joined())
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
