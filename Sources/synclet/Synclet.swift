import ArgumentParser
import Foundation
import MariaDB
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

            Typical use:
              synclet init        # create the schema
              synclet test        # check the database and the key
              synclet sync        # run extract -> transform -> load (from cron or a systemd timer)
              synclet status      # what happened

            \(SyncletExitCode.helpText)
            """,
        version: SyncletVersion.description,
        subcommands: [Init.self, Test.self, Sync.self, Status.self, Show.self, Clear.self, Prune.self])
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
                let migrator = SchemaMigrator(connection: connection)
                let applied = try migrator.migrate()
                print("Schema version \(try migrator.currentVersion()) in database \(database.settings.name) at \(database.configuration.endpoint)"
                      + (applied.isEmpty ? " (already up to date)" : " (applied \(applied.map(String.init).joined(separator: ", ")))"))
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
                --json prints one object: {"orders": {"total", "unreconciled", "incomplete_lines", "rejected"}, \
                "watermark", "dropped_by_store_in_last_run", "runs": [{"run_id", "type", "status", "stage", \
                "started_at", "finished_at", "seconds", "window_order_created_time", "window_last_updated_time", "pages", \
                "received", "inserted", "updated", "unchanged", "stale", "rejected", "dropped", "unreconciled", \
                "watermark_before", "watermark_after", "error"}], "unfinished_runs": [{"run_id", "stopped_at", "error"}]}.
                """)
        @Flag(help: "Print JSON for scripts and monitoring.") var json = false
        @Flag(help: "List the orders that do not reconcile.") var unreconciled = false
        @Flag(help: "List the rejected orders with their reasons.") var rejects = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            await CommandEnvironment.run("synclet status", verbose: common.verbose, quiet: common.quiet) { environment in
                let connection = try Database(settings: try environment.settings.database()).connectAndMigrate()
                defer { connection.close() }
                if unreconciled {
                    let rows = try connection.query("""
                        SELECT order_number, id, total, reconciliation_difference, has_incomplete_lines FROM orders
                        WHERE reconciles = 0 ORDER BY id
                        """)
                    print("order_number\tid\ttotal\tdifference\tincomplete_lines")
                    for row in rows {
                        print([row["order_number"], row["id"], row["total"], row["reconciliation_difference"], row["has_incomplete_lines"]]
                            .map { $0 ?? "" }.joined(separator: "\t"))
                    }
                } else if rejects {
                    let rows = try connection.query("SELECT order_id, run_id, page, position, reason FROM order_rejects ORDER BY last_rejected_at DESC")
                    print("order_id\trun\tpage\tposition\treason")
                    for row in rows {
                        print([row["order_id"] ?? "-", row["run_id"], row["page"], row["position"], row["reason"]].map { $0 ?? "" }.joined(separator: "\t"))
                    }
                } else {
                    let report = try StatusReport.gather(connection: connection, staging: environment.staging)
                    print(json ? try report.json() : report.text())
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
                let connection = try Database(settings: try environment.settings.database()).connectAndMigrate()
                defer { connection.close() }
                guard let order = try connection.query("SELECT * FROM orders WHERE order_number = ? ORDER BY last_updated_date DESC LIMIT 1", [.string(orderNumber)]).first,
                      let id = order.int("id")
                else { throw SyncFailure(exitCode: .failed, message: "no order numbered \(orderNumber) in the database") }
                func section(_ title: String, _ rows: [MariaDBRow], skip: Set<String> = ["raw_json", "order_id"]) {
                    print("\n\(title):")
                    if rows.isEmpty { print("  (none)") }
                    for row in rows {
                        print("  " + zip(row.columns, row.values).filter { !skip.contains($0.0) && $0.1 != nil }.map { "\($0.0)=\($0.1!)" }.joined(separator: "  "))
                    }
                }
                print("Order \(orderNumber) (entity \(id))")
                for (column, value) in zip(order.columns, order.values) where column != "raw_json" {
                    print("  \(column): \(value ?? "NULL")")
                }
                section("Lines", try connection.query("SELECT * FROM order_items WHERE order_id = ? ORDER BY line_number", [.int(id)]))
                section("Addresses", try connection.query("SELECT * FROM order_addresses WHERE order_id = ? ORDER BY address_type", [.int(id)]))
                section("Credit memos", try connection.query("SELECT * FROM order_credits WHERE order_id = ? ORDER BY credit_id", [.int(id)]))
                section("Credit memo lines", try connection.query("SELECT * FROM order_credit_items WHERE order_id = ? ORDER BY credit_id, line_number", [.int(id)]))
                section("Invoices", try connection.query("SELECT * FROM order_invoices WHERE order_id = ? ORDER BY line_number", [.int(id)]))
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
                let lock = try RunLock.acquire(staging: environment.staging)
                defer { withExtendedLifetime(lock) {} }
                let connection = try database.connectAndMigrate()
                defer { connection.close() }
                try connection.withTransaction {
                    for table in SchemaMigrator.dataTables { try connection.execute("DELETE FROM \(table)") }
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
                let lock = try RunLock.acquire(staging: environment.staging)
                defer { withExtendedLifetime(lock) {} }
                let removed = RetentionPolicy(staging: environment.staging, keepDays: days ?? environment.pipeline.retention.keepLoadedRunsDays, log: environment.log)
                    .prune(includingAbandoned: abandoned)
                print("Removed \(removed.count) staged run(s).")
            }
        }
    }
}
