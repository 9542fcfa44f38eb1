import ArgumentParser
import Foundation
import SyncletCommandLine
import SyncletCore

@main
struct Synclet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synclet",
        abstract: "Sync Magento orders from the OneSaas Connect endpoint into MariaDB.",
        discussion: """
            Configuration comes from the environment and a .env file in the working directory (the \
            environment wins): MAGENTO_BASE_URL, MAGENTO_ACCESS_KEY, DB_HOST, DB_PORT (3306), DB_SOCKET, DB_NAME, \
            DB_USER, DB_PASSWORD, INITIAL_SYNC_DATE (UTC, YYYY-MM-DD HH:MM:SS), PAGE_SIZE (50), \
            SYNCLET_STAGING_DIR (./staging), SYNCLET_PIPELINE (pipeline.yaml).

            QuickBooks Online (`synclet qbo`): QBO_CLIENT_ID, QBO_CLIENT_SECRET, QBO_ENVIRONMENT (production or \
            sandbox), QBO_REDIRECT_URI, QBO_START_DATE (UTC, YYYY-MM-DD[ HH:MM:SS]), and for tests and the simulator \
            QBO_API_URL, QBO_TOKEN_URL, QBO_AUTH_URL, QBO_REVOKE_URL.

            Typical use:
              synclet init        # create the schema
              synclet test        # check the database and the key
              synclet sync        # run extract -> transform -> load (from cron or a systemd timer)
              synclet status      # what happened
              synclet qbo connect # connect to QuickBooks Online, once

            \(SyncletExitCode.helpText)
            """,
        version: SyncletVersion.description,
        subcommands: [Init.self, Test.self, Sync.self, Status.self, Show.self, Clear.self, Prune.self, QBO.self])
}

extension Synclet {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the database schema (safe to run again).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            await CommandEnvironment.run("synclet init", verbose: common.verbose, quiet: common.quiet) { environment in
                let database = Database(settings: try environment.settings.database())
                let connection = try database.connect()
                defer { connection.close() }
                // Never alter tables under a running load.
                try DatabaseLock.acquire(on: connection)
                defer { DatabaseLock.release(on: connection) }
                let migrator = SchemaMigrator(connection: connection)
                let applied = try migrator.migrate()
                print("Schema version \(try migrator.currentVersion()) in database \(database.settings.name) at \(database.configuration.endpoint)"
                      + (applied.isEmpty ? " (already up to date)" : " (applied \(applied.map(String.init).joined(separator: ", ")))"))
                // Orders loaded by an older schema get the new columns from their raw_json, so
                // nobody has to sync again; a second init finds nothing to do.
                let refill = try RawJSONRefill(connection: connection).run()
                if refill.refilled > 0 { print("Filled in \(refill.refilled) stored order(s) from their raw_json") }
                for (number, reason) in refill.failed.sorted(by: { $0.key < $1.key }) {
                    environment.log.warning("order \(number) could not be filled in from its raw_json: \(reason)")
                }
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the database connection and the endpoint with the access key (Action=StoreInfo).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            await CommandEnvironment.runAsync("synclet test", verbose: common.verbose, quiet: common.quiet) { environment in
                let magento = try environment.settings.magento()
                let database = Database(settings: try environment.settings.database())
                let connection = try database.connect()
                print("Database: OK (MariaDB \(connection.serverVersion) at \(database.configuration.endpoint), database \(database.settings.name))")
                connection.close()
                let client = try OneSaasClient(settings: magento, http: environment.pipeline.http, log: environment.log)
                do {
                    let info = try await client.storeInfo()
                    await client.shutdown()
                    print("Endpoint: OK (OneSaas Connect \(info["OneSaas Version"]?.stringValue ?? "?"), store \"\(info["StoreName"]?.stringValue ?? "?")\")")
                } catch {
                    await client.shutdown()
                    throw error
                }
            }
        }
    }

    struct Sync: AsyncParsableCommand, Sendable {
        static let configuration = CommandConfiguration(
            abstract: "Run the pipeline: extract, transform, load. Resumes an unfinished run first.",
            discussion: """
                The first sync asks for every order created after INITIAL_SYNC_DATE; later syncs ask for orders \
                updated after the watermark. An unfinished run is resumed from the stage that did not complete, \
                re-using its staged pages. A replay (--run with --from) never moves the watermark. When \
                INITIAL_SYNC_DATE was moved earlier than the earliest window loaded, the sync backfills the gap \
                (as --force-initial does). Only one sync runs at a time (exit code 4 otherwise).

                Examples:
                  synclet sync
                  synclet sync --force-initial
                  synclet sync --run 20261125T120000Z-3f9a1c --from transform
                """)
        @Flag(help: "Start again from INITIAL_SYNC_DATE whatever the watermark (abandons unfinished runs).") var forceInitial = false
        @Option(help: "Replay this staged run instead of starting a new one (with --from).") var run: String?
        @Option(help: "The stage to replay from: extract, transform or load.") var from: String?
        @OptionGroup var common: CommonOptions

        func validate() throws {
            if (run == nil) != (from == nil) { throw ValidationError("--run and --from go together") }
            if let from, StageName(rawValue: from) == nil { throw ValidationError("--from must be extract, transform or load") }
            if forceInitial && run != nil { throw ValidationError("--force-initial cannot be combined with --run") }
        }

        func run() async throws {
            await CommandEnvironment.run("synclet sync", verbose: common.verbose, quiet: common.quiet) { environment in
                let mode: SyncRunner.Mode
                if let run, let from = from.flatMap(StageName.init(rawValue:)) {
                    mode = .replay(runId: run, from: from)
                } else {
                    mode = forceInitial ? .forceInitial : .normal
                }
                try SyncRunner(settings: environment.settings, pipeline: environment.pipeline, pipelinePath: environment.pipelinePath,
                               staging: environment.staging, log: environment.log).sync(mode)
            }
        }
    }

    struct Status: AsyncParsableCommand, Sendable {
        static let configuration = CommandConfiguration(
            abstract: "Show the last runs, the orders, the watermark, unfinished runs and orders needing a look.",
            discussion: """
                Only reads (SELECT), so a monitoring database user with SELECT alone can run it. Every time is \
                RFC 3339 in UTC (2026-11-25T12:00:00Z).

                --json prints one object: {"orders": {"total", "unreconciled", "incomplete_lines", "rejected", "future_dated"}, \
                "watermark", "watermark_age_seconds", "last_success_at", "consecutive_failures", "running", \
                "dropped_by_store_in_last_run", "runs": [{"run_id", "type", "status", "stage", \
                "started_at", "finished_at", "seconds", "window_order_created_time", "window_last_updated_time", "pages", \
                "received", "inserted", "updated", "unchanged", "stale", "rejected", "dropped", "unreconciled", \
                "watermark_before", "watermark_after", "error"}], "unfinished_runs": [{"run_id", "stopped_at", "error"}]}.

                --prometheus prints the same figures as node_exporter textfile gauges (synclet_last_success_timestamp_seconds, \
                synclet_watermark_age_seconds, synclet_consecutive_failures, ...); with --output the file is written \
                beside its target and renamed over it, mode 0644, so node_exporter never reads half of it.

                Examples:
                  synclet status --json
                  synclet status --prometheus --output /var/lib/node_exporter/textfile_collector/synclet.prom
                """)
        @Flag(help: "Print JSON for scripts and monitoring.") var json = false
        @Flag(help: "Print the figures in node_exporter's textfile format.") var prometheus = false
        @Option(help: ArgumentHelp("With --prometheus: write this file atomically instead of printing.", valueName: "path")) var output: String?
        @Flag(help: "List the orders that do not reconcile.") var unreconciled = false
        @Flag(help: "List the rejected orders with their reasons.") var rejects = false
        @Flag(help: "List the orders whose LastUpdatedDate lies in the future of when they were fetched.") var futureDated = false
        @OptionGroup var common: CommonOptions

        func validate() throws {
            if [json, prometheus, unreconciled, rejects, futureDated].filter({ $0 }).count > 1 {
                throw ValidationError("choose one of --json, --prometheus, --unreconciled, --rejects, --future-dated")
            }
            if output != nil && !prometheus { throw ValidationError("--output goes with --prometheus") }
        }

        func run() async throws {
            await CommandEnvironment.run("synclet status", verbose: common.verbose, quiet: common.quiet) { environment in
                let connection = try Database(settings: try environment.settings.database()).connectWithCurrentSchema()
                defer { connection.close() }
                if unreconciled {
                    print(try OrderListing.unreconciled.text(connection: connection))
                } else if rejects {
                    print(try OrderListing.rejects.text(connection: connection))
                } else if futureDated {
                    print(try OrderListing.futureDated.text(connection: connection))
                } else {
                    let report = try StatusReport.gather(connection: connection, staging: environment.staging)
                    if prometheus, let output {
                        try StagingFileSystem.writeAtomically(Array(report.prometheus().utf8), to: output, mode: 0o644)
                    } else if prometheus {
                        print(report.prometheus(), terminator: "")
                    } else {
                        print(json ? try report.json() : report.text())
                    }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand, Sendable {
        static let configuration = CommandConfiguration(
            abstract: "Show one order as stored: lines, addresses, credit memos and reconciliation.")
        @Argument(help: "The order number (increment id), e.g. 100001234.") var orderNumber: String
        @OptionGroup var common: CommonOptions

        func run() async throws {
            await CommandEnvironment.run("synclet show", verbose: common.verbose, quiet: common.quiet) { environment in
                let connection = try Database(settings: try environment.settings.database()).connectWithCurrentSchema()
                defer { connection.close() }
                guard let report = try StoredOrderReport.gather(connection: connection, orderNumber: orderNumber) else {
                    throw SyncFailure(exitCode: .failed, message: "no order numbered \(orderNumber) in the database")
                }
                print(report.text(orderNumber: orderNumber))
            }
        }
    }

    struct Clear: AsyncParsableCommand, Sendable {
        static let configuration = CommandConfiguration(
            abstract: "Empty every Synclet table (orders, lines, history, watermark) after a confirmation.")
        @Flag(help: "Do not ask for confirmation (for scripts).") var yes = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            await CommandEnvironment.run("synclet clear", verbose: common.verbose, quiet: common.quiet) { environment in
                let database = Database(settings: try environment.settings.database())
                if !yes {
                    print("This deletes every order, line, credit memo, reject, sync history row and the watermark in database \(database.settings.name). Type 'yes' to continue: ", terminator: "")
                    guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                        print("Nothing deleted.")
                        return
                    }
                }
                let lock = try RunLock.acquire(staging: environment.staging,
                                               staleAfterSeconds: environment.pipeline.locking.staleLimitSeconds(for: environment.pipeline))
                defer { withExtendedLifetime(lock) {} }
                let connection = try database.connectWithCurrentSchema()
                defer { connection.close() }
                // The database's lock, not only this staging area's: a load from another working
                // directory or machine must not commit its watermark over emptied tables.
                try DatabaseLock.acquire(on: connection)
                defer { DatabaseLock.release(on: connection) }
                try connection.withTransaction {
                    for table in TableName.clearedByClear { try connection.execute("DELETE FROM \(table.rawValue)") }
                    try SyncHistory(connection: connection).resetAfterClear()
                }
                print("Cleared every table in \(database.settings.name); the next sync is an initial one.")
            }
        }
    }

    struct Prune: AsyncParsableCommand, Sendable {
        static let configuration = CommandConfiguration(
            abstract: "Remove staged runs older than retention.keep_loaded_runs_days (loaded ones; with --abandoned, abandoned ones too).")
        @Flag(help: "Also remove abandoned runs past the retention period.") var abandoned = false
        @Option(help: "Override the retention period in days.") var days: Int?
        @OptionGroup var common: CommonOptions

        func run() async throws {
            await CommandEnvironment.run("synclet prune", verbose: common.verbose, quiet: common.quiet) { environment in
                let lock = try RunLock.acquire(staging: environment.staging,
                                               staleAfterSeconds: environment.pipeline.locking.staleLimitSeconds(for: environment.pipeline))
                defer { withExtendedLifetime(lock) {} }
                let removed = RetentionPolicy(staging: environment.staging, keepDays: days ?? environment.pipeline.retention.keepLoadedRunsDays, log: environment.log)
                    .prune(includingAbandoned: abandoned)
                print("Removed \(removed.count) staged run(s).")
            }
        }
    }
}
