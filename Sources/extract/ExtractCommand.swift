import ArgumentParser
import SyncletCommandLine
import SyncletCore

@main
struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration.stage(
        "extract",
        abstract: "Pull raw pages of orders from the OneSaas Connect endpoint into a staged run.",
        discussion: """
            Pages through Action=Orders from the first page not yet staged until the endpoint answers "" \
            (an empty or short page before it is fetched again; a store that ignores Page stops the run), writing each answer byte for byte to <staging>/runs/<run>/raw/page-NNNNNN.json \
            and recording its size and SHA-256 in run.json. Without --run it plans a new run from the \
            database's watermark. `synclet sync` runs this for you; run it alone to debug or replay.

            Example: extract --run 20261125T120000Z-3f9a1c --verbose
            """)

    @OptionGroup var options: StageOptions

    func run() async throws {
        await CommandEnvironment.runAsync("extract", verbose: options.common.verbose, quiet: options.common.quiet, staging: options.staging) { environment in
            let magento = try environment.settings.magento()
            let lock = try environment.lockUnlessHeldByRunner(stage: .extract, run: options.run)
            defer { withExtendedLifetime(lock) {} }
            let stagedRun: StagedRun
            if let runId = options.run {
                stagedRun = try environment.staging.run(runId)
            } else {
                let connection = try Database(settings: try environment.settings.database()).connectWithCurrentSchema()
                defer { connection.close() }
                stagedRun = try RunPlanner(staging: environment.staging, magento: magento).planNewRun(connection: connection, forceInitial: false)
                lock.describe(run: stagedRun.runId, stage: .extract)
                print(stagedRun.runId)
            }
            let client = try OneSaasClient(settings: magento, http: environment.pipeline.http, log: environment.log)
            do {
                try await ExtractStage(run: stagedRun, client: client, concurrency: environment.pipeline.http.concurrency,
                                       maximumConcurrency: environment.pipeline.http.maxConcurrency, log: environment.log).execute()
                await client.shutdown()
            } catch {
                await client.shutdown()
                environment.recordFailure(of: .extract, run: stagedRun, error: error)
                throw error
            }
        }
    }
}
