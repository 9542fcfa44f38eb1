import ArgumentParser
import SyncletCommandLine
import SyncletCore

@main
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration.stage(
        "load",
        abstract: "Upsert a staged run's canonical orders into MariaDB and record it in sync_history.",
        discussion: """
            Creates or migrates the schema, takes the database-wide lock, upserts the run's canonical records \
            in batches (a changed order's rows are replaced; an older version never overwrites a newer one), \
            and in its last transaction records the run as a success and moves the watermark (a replay never does).

            Example: load --run 20261125T120000Z-3f9a1c
            """)

    @OptionGroup var options: StageOptions

    func run() async throws {
        let options = options
        await CommandEnvironment.run("load", verbose: options.common.verbose, quiet: options.common.quiet, staging: options.staging) { environment in
            let database = Database(settings: try environment.settings.database())
            let lock = try environment.lockUnlessHeldByRunner(stage: .load, run: options.run, describing: !options.follow)
            defer { withExtendedLifetime(lock) {} }
            let stagedRun = try environment.run(named: options.run)
            do {
                try LoadStage(run: stagedRun, database: database, pipeline: environment.pipeline, log: environment.log).execute(following: options.follow)
            } catch {
                environment.recordFailure(of: .load, run: stagedRun, error: error)
                throw error
            }
        }
    }
}
