import ArgumentParser
import Foundation
import MariaDB
import SyncletCore

@main
struct SyncletBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synclet-bench",
        abstract: "Measure every stage of Synclet against the simulated store, next to the floors of the source and the database.",
        discussion: """
            Starts onesaas-sim with --orders orders and, on one staged run, times extract, transform and load \
            alone (each with --run), then a whole `synclet sync` on a fresh database and staging. Beside them: \
            the download floor (every page over one keep-alive connection, one after another), the database floor \
            (LOAD DATA LOCAL INFILE of the same rows into a fresh schema), a naive loader (one order per \
            transaction, one INSERT per row) and extract at --page-latency-ms per page at each --concurrency. \
            Prints a table, ratios and PASS/MISS per target, and writes the numbers as JSON.

            Needs a MariaDB reachable through DB_HOST, DB_PORT, DB_USER, DB_PASSWORD (the user creates and drops \
            synclet_bench_* databases) started with --local-infile=1, and the release executables beside this one. \
            `make bench` (scripts/bench.sh) does all of that.

            Example: synclet-bench --orders 100000 --skip-latency
            """)

    @Option(help: "Orders in the simulated store.") var orders = 5000
    @Option(help: "Orders in the store of the latency measurement (50 a page).") var latencyOrders = 2000
    @Option(help: "The store's delay per page in the latency measurement, in milliseconds.") var pageLatencyMs = 200
    @Option(parsing: .upToNextOption, help: "http.concurrency values of the latency measurement.") var concurrency: [Int] = [1, 2, 4]
    @Flag(help: "Skip the extract-at-latency measurement.") var skipLatency = false
    @Option(help: "The proxy's limit in the rate-limit measurement: Orders requests allowed per --rate-limit-seconds (0 skips it).") var rateLimit = 10
    @Option(help: "The window of --rate-limit, in seconds.") var rateLimitSeconds = 1.0
    @Option(help: "The store's delay per page in the rate-limit measurement, in milliseconds.") var rateLimitLatencyMs = 100
    @Option(parsing: .upToNextOption, help: "Fixed http.concurrency values the adaptive sync is compared with under the rate limit.") var rateLimitConcurrency: [Int] = [1, 2, 4, 8]
    @Flag(help: "Skip the naive loader baseline.") var skipNaive = false
    @Flag(help: "Skip the whole `synclet sync` measurement.") var skipSync = false
    @Option(help: "Load at most this many orders in the naive baseline (default: all); its rate is what is compared.") var naiveOrders: Int?
    @Option(help: "Working directory for staging, TSV files and outputs (emptied first).") var workDirectory = ".local/bench"
    @Option(help: "Directory of the release executables (default: the one holding synclet-bench).") var binDirectory: String?
    @Option(help: "pipeline.yaml for the stages and the sync (default: ./pipeline.yaml when present, else built-in defaults).") var pipeline: String?
    @Option(help: "Write the results as JSON here (default: <work-directory>/results-<orders>.json).") var results: String?
    @Flag(help: "Keep the staged runs and the synclet_bench_* databases afterwards.") var keep = false

    func validate() throws {
        guard orders >= 1, latencyOrders >= 1 else { throw ValidationError("--orders and --latency-orders must be at least 1.") }
        guard concurrency.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--concurrency values must be at least 1.") }
    }

    func run() throws {
        let bench = try Bench(options: self)
        defer { bench.cleanUp() }
        let report = try bench.execute()
        print(report.text)
        if let comparison = report.memoryComparison { print(comparison) }
    }
}

/// One benchmark session: the directories, the database server, the executables.
final class Bench {
    let options: SyncletBench
    let work: String
    let bin: String
    let server: MariaDBConfiguration
    let pipelinePath: String?
    var store: SimulatedStore?
    var databases: [String] = []

    static let initialSyncDate = "2025-01-01 00:00:00"

    init(options: SyncletBench) throws {
        self.options = options
        let environment = ProcessInfo.processInfo.environment
        guard let user = environment["DB_USER"], let port = environment["DB_PORT"].flatMap(Int.init) else {
            throw BenchError("DB_HOST, DB_PORT, DB_USER and DB_PASSWORD must name a MariaDB server: `make bench` starts a private one")
        }
        server = MariaDBConfiguration(host: environment["DB_HOST"] ?? "127.0.0.1", port: port, user: user,
                                      password: environment["DB_PASSWORD"] ?? "", readTimeoutSeconds: 3600, writeTimeoutSeconds: 3600)
        let root = URL(fileURLWithPath: options.workDirectory).standardizedFileURL.path
        work = root + "/n\(options.orders)"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        bin = options.binDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            ?? (CommandLine.executablePath as NSString).deletingLastPathComponent
        for name in ["extract", "transform", "load", "synclet", "onesaas-sim"] where !FileManager.default.isExecutableFile(atPath: bin + "/" + name) {
            throw BenchError("\(bin)/\(name) is missing: build with `swift build -c release` first")
        }
        if let pipeline = options.pipeline {
            pipelinePath = URL(fileURLWithPath: pipeline).standardizedFileURL.path
        } else if FileManager.default.fileExists(atPath: "pipeline.yaml") {
            pipelinePath = URL(fileURLWithPath: "pipeline.yaml").standardizedFileURL.path
        } else {
            pipelinePath = nil
        }
    }

    func cleanUp() {
        store?.stop()
        store = nil
        guard !options.keep else { return }
        for name in databases { ScratchDatabase.drop(name, server: server) }
        try? FileManager.default.removeItem(atPath: work)
    }

    func progress(_ message: String) {
        FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
    }

    /// The environment of every Synclet executable: this store, this database, this staging.
    func environment(store: SimulatedStore, database: String, staging: String, pipeline: String?) -> [String: String] {
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": work,
            "DB_HOST": server.host, "DB_PORT": String(server.port), "DB_USER": server.user, "DB_PASSWORD": server.password,
            "DB_NAME": database,
            "MAGENTO_BASE_URL": store.baseURL, "MAGENTO_ACCESS_KEY": SimulatedStore.accessKey,
            "INITIAL_SYNC_DATE": Self.initialSyncDate,
            "SYNCLET_STAGING_DIR": staging,
            "NO_COLOR": "1",
        ]
        if let pageSize = ProcessInfo.processInfo.environment["PAGE_SIZE"] { environment["PAGE_SIZE"] = pageSize }
        if let pipeline { environment["SYNCLET_PIPELINE"] = pipeline }
        return environment
    }

    func scratch(_ name: String, migrated: Bool = true, allowLocalInfile: Bool = false) throws -> ScratchDatabase {
        databases.append(name)
        if migrated { return try ScratchDatabase.fresh(name, server: server, allowLocalInfile: allowLocalInfile) }
        var admin = server
        admin.database = nil
        let connection = try MariaDBConnection(admin)
        defer { connection.close() }
        try connection.executeScript("DROP DATABASE IF EXISTS `\(name)`")
        try connection.executeScript("CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        var configuration = server
        configuration.database = name
        return ScratchDatabase(configuration: configuration)
    }

    /// Plans a new run in `staging` exactly as `extract` without `--run` would.
    func planRun(environment: [String: String], database: ScratchDatabase, staging: String) throws -> StagedRun {
        let magento = try Settings(values: environment).magento()
        let connection = try MariaDBConnection(database.configuration)
        defer { connection.close() }
        return try RunPlanner(staging: StagingArea(root: staging), magento: magento).planNewRun(connection: connection, forceInitial: false)
    }

    func measure(_ executable: String, _ arguments: [String], environment: [String: String], label: String) throws -> Measurement {
        progress("\(label)…")
        let measurement = try MeasuredProcess.run(bin + "/" + executable, arguments, environment: environment,
                                                  outputPrefix: work + "/" + label.replacingOccurrences(of: " ", with: "-"))
        progress(String(format: "%@: %.2f s, %.0f MiB peak", label, measurement.wallSeconds, measurement.peakResidentMiB))
        return measurement
    }

    func execute() throws -> Report {
        var results = BenchResults(orders: options.orders)
        results.machine = MachineDescription.current(server: server)

        progress("starting onesaas-sim with \(options.orders) orders")
        let store = try SimulatedStore(binDirectory: bin, orders: options.orders, pageLatencyMilliseconds: 0, workDirectory: work)
        self.store = store

        // The stages, alone, one after another on one staged run.
        let stagesDatabase = try scratch("synclet_bench_stages")
        let stagesStaging = work + "/staging-stages"
        let environment = self.environment(store: store, database: "synclet_bench_stages", staging: stagesStaging, pipeline: pipelinePath)
        let run = try planRun(environment: environment, database: stagesDatabase, staging: stagesStaging)
        for stage in ["extract", "transform", "load"] {
            results.stages[stage] = try measure(stage, ["--run", run.runId, "--quiet"], environment: environment, label: stage)
        }
        let manifest = try run.loadManifest()
        guard let extract = manifest.extract, let transform = manifest.transform else { throw BenchError("run \(run.runId) did not finish") }
        results.pages = extract.pages.count
        results.stagedOrders = extract.pages.reduce(0) { $0 + $1.orders }
        results.acceptedOrders = transform.accepted
        results.rawBytes = extract.pages.reduce(0) { $0 + $1.bytes }
        let loadedRows = try stagesDatabase.rowCounts()
        results.rows = loadedRows.values.reduce(0, +)

        // The floor of the source, with the same PageSize and window as the run.
        progress("download floor…")
        guard let baseURL = URL(string: store.baseURL) else { throw BenchError("bad simulator URL") }
        let floor = try DownloadFloor(baseURL: baseURL, accessKey: SimulatedStore.accessKey, request: manifest.request)
            .measure(pageCount: extract.pages.count + (extract.reachedEnd ? 1 : 0))
        results.downloadFloor = .wall(floor.seconds)
        results.downloadBytes = floor.bytes
        results.downloadConnections = floor.connections

        // The floor of the database, and the naive loader, on the same rows.
        let orders = try canonicalOrders(of: run)
        progress("LOAD DATA floor (\(orders.count) orders)…")
        let loadDataDatabase = try scratch("synclet_bench_loaddata", allowLocalInfile: true)
        let loadData = try LoadDataFloor(database: loadDataDatabase, directory: work + "/tsv").measure(orders, runId: run.runId)
        results.loadDataFloor = .wall(loadData.loadSeconds)
        results.tsvSeconds = loadData.tsvSeconds
        results.rowCheck = try check(loadDataDatabase.rowCounts(), against: loadedRows, what: "LOAD DATA floor")
        try? FileManager.default.removeItem(atPath: work + "/tsv")

        if !options.skipNaive {
            let naiveOrders = Array(orders.prefix(options.naiveOrders ?? orders.count))
            progress("naive loader (\(naiveOrders.count) orders)…")
            let naiveDatabase = try scratch("synclet_bench_naive")
            let naive = try NaiveLoader(database: naiveDatabase).measure(naiveOrders, runId: run.runId)
            results.naive = .wall(naive.seconds)
            results.naiveOrders = naiveOrders.count
            if naiveOrders.count == orders.count {
                let naiveCheck = try check(naiveDatabase.rowCounts(), against: loadedRows, what: "naive loader")
                results.rowCheck += "; " + naiveCheck
            }
        }

        // The whole sync: a fresh database (migrated, as `synclet init` leaves it) and fresh staging.
        if !options.skipSync {
            _ = try scratch("synclet_bench_sync")
            let syncEnvironment = self.environment(store: store, database: "synclet_bench_sync", staging: work + "/staging-sync", pipeline: pipelinePath)
            results.sync = try measure("synclet", ["sync", "--quiet"], environment: syncEnvironment, label: "sync")
        }
        store.stop()
        self.store = nil

        if !options.skipLatency {
            progress("starting onesaas-sim with \(options.latencyOrders) orders and \(options.pageLatencyMs) ms a page")
            let slowStore = try SimulatedStore(binDirectory: bin, orders: options.latencyOrders,
                                               pageLatencyMilliseconds: options.pageLatencyMs, workDirectory: work)
            self.store = slowStore
            let latencyDatabase = try scratch("synclet_bench_latency")
            results.latencyOrders = options.latencyOrders
            results.pageLatencyMs = options.pageLatencyMs
            for concurrency in options.concurrency {
                let staging = work + "/staging-latency-c\(concurrency)"
                let pipeline = work + "/pipeline-c\(concurrency).yaml"
                // max_concurrency the same: the pace never rises above the value measured.
                try "http:\n  concurrency: \(concurrency)\n  max_concurrency: \(concurrency)\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
                let environment = self.environment(store: slowStore, database: "synclet_bench_latency", staging: staging, pipeline: pipeline)
                let run = try planRun(environment: environment, database: latencyDatabase, staging: staging)
                let measurement = try measure("extract", ["--run", run.runId, "--quiet"], environment: environment,
                                              label: "extract c=\(concurrency) at \(options.pageLatencyMs) ms")
                results.latency[String(concurrency)] = measurement
                results.latencyPages = try run.loadManifest().extract?.pages.count ?? 0
            }
            // Extract alone and the whole streaming sync, both as pipeline.yaml configures them:
            // at this latency the sync should end right after extract does.
            let staging = work + "/staging-latency-pipeline"
            let environment = self.environment(store: slowStore, database: "synclet_bench_latency", staging: staging, pipeline: pipelinePath)
            let run = try planRun(environment: environment, database: latencyDatabase, staging: staging)
            results.latencyExtract = try measure("extract", ["--run", run.runId, "--quiet"], environment: environment,
                                                 label: "extract (pipeline) at \(options.pageLatencyMs) ms")
            _ = try scratch("synclet_bench_latency_sync")
            let syncEnvironment = self.environment(store: slowStore, database: "synclet_bench_latency_sync",
                                                   staging: work + "/staging-latency-sync", pipeline: pipelinePath)
            results.latencySync = try measure("synclet", ["sync", "--quiet"], environment: syncEnvironment,
                                              label: "sync at \(options.pageLatencyMs) ms")
            slowStore.stop()
            self.store = nil
        }

        if options.rateLimit > 0 {
            try measureUnderRateLimit(&results)
        }

        let resultsPath = options.results ?? (URL(fileURLWithPath: options.workDirectory).standardizedFileURL.path + "/results-\(options.orders).json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(results).write(to: URL(fileURLWithPath: resultsPath))
        progress("results written to \(resultsPath)")
        let others = Report.otherResults(near: resultsPath, excluding: options.orders)
        return Report(results: results, others: others)
    }

    /// A whole sync behind a proxy that answers 429 beyond `--rate-limit` requests a window: at
    /// each fixed concurrency (`max_concurrency` the same), and adaptive (from 2 up to the largest
    /// fixed value). A sync that fails (a page that kept answering 429) is recorded as failed.
    func measureUnderRateLimit(_ results: inout BenchResults) throws {
        let limit = options.rateLimit, window = options.rateLimitSeconds
        results.rateLimit = "\(limit) requests / \(String(format: "%g", window)) s, \(options.rateLimitLatencyMs) ms a page, \(options.latencyOrders) orders"
        let maximum = options.rateLimitConcurrency.max() ?? 8
        let runs = options.rateLimitConcurrency.map { ("c=\($0)", "concurrency: \($0)\n  max_concurrency: \($0)") }
            + [("adaptive 2..\(maximum)", "concurrency: 2\n  max_concurrency: \(maximum)")]
        for (index, (name, http)) in runs.enumerated() {
            // A store of its own for each, so no run inherits another's window.
            progress("starting onesaas-sim rate-limited to \(results.rateLimit)")
            let store = try SimulatedStore(binDirectory: bin, orders: options.latencyOrders, pageLatencyMilliseconds: options.rateLimitLatencyMs,
                                           workDirectory: work, arguments: ["--rate-limit", String(limit), "--rate-limit-seconds", String(window)])
            self.store = store
            defer {
                store.stop()
                self.store = nil
            }
            let database = "synclet_bench_ratelimit_\(index)"
            _ = try scratch(database)
            let pipeline = work + "/pipeline-ratelimit-\(index).yaml"
            // Backoff as shipped; retries as shipped (4): a page answered 429 five times fails the sync.
            try "http:\n  \(http)\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
            let environment = self.environment(store: store, database: database, staging: work + "/staging-ratelimit-\(index)", pipeline: pipeline)
            do {
                results.rateLimited[name] = .init(measurement: try measure("synclet", ["sync", "--quiet"], environment: environment, label: "sync \(name) rate-limited"),
                                                  failed: nil)
            } catch let failure as MeasuredProcess.Failure {
                results.rateLimited[name] = .init(measurement: nil, failed: "exit status \(failure.exitStatus)")
                progress("sync \(name) rate-limited failed: \(failure.stderrTail.split(separator: "\n").last ?? "")")
            }
        }
    }

    /// Says whether a baseline wrote the same number of rows in every table as `load` did.
    func check(_ counts: [String: Int], against loaded: [String: Int], what: String) throws -> String {
        let differing = OrderTables.all.map(\.name.rawValue).filter { counts[$0] != loaded[$0] }
        guard differing.isEmpty else {
            throw BenchError("\(what) wrote different rows from load in \(differing.map { "\($0) (\(counts[$0] ?? -1) vs \(loaded[$0] ?? -1))" }.joined(separator: ", ")): its column copy is out of date")
        }
        return "\(what): same rows as load in all \(OrderTables.all.count) tables"
    }
}
