import ArgumentParser
import SyncletCore

@main
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Upsert a staged run's canonical orders into MariaDB and record it in sync_history.",
        discussion: """
            Creates or migrates the schema, takes the database-wide lock, upserts the run's canonical records \
            in batches (a changed order's rows are replaced; an older version never overwrites a newer one), \
            and in its last transaction records the run as a success and moves the watermark.

            Example: load --run 20261125T120000Z-3f9a1c

            \(SyncletExitCode.helpText)
            """)

    @Option(help: "The staged run to load (default: the newest unfinished run).") var run: String?
    @Option(help: "The staging directory (default: SYNCLET_STAGING_DIR or ./staging).") var staging: String?
    @Flag(help: "Log more.") var verbose = false
    @Flag(help: "Log only warnings and errors.") var quiet = false

    func run() async throws {
        await CommandEnvironment.run("load", verbose: verbose, quiet: quiet, staging: staging) { environment in
            let database = Database(settings: try environment.settings.database())
            let lock = try environment.lockUnlessHeldByRunner()
            defer { withExtendedLifetime(lock) {} }
            let stagedRun = try environment.run(named: run)
            do {
                try LoadStage(run: stagedRun, database: database, pipeline: environment.pipeline, log: environment.log).execute()
            } catch {
                environment.recordFailure(of: .load, run: stagedRun, error: error)
                throw error
            }
        }
    }
}
