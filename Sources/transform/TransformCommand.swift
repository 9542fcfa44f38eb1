import ArgumentParser
import SyncletCommandLine
import SyncletCore

@main
struct Transform: AsyncParsableCommand {
    static let configuration = CommandConfiguration.stage(
        "transform",
        abstract: "Validate a staged run's raw pages and normalize them into canonical order records.",
        discussion: """
            Reads <staging>/runs/<run>/raw/, checks each page against its SHA-256, and writes one canonical \
            order per line to canonical/page-NNNNNN.jsonl. An order it cannot accept goes to rejects.ndjson \
            with its page, position and reason; the rest of the run goes on. Needs no database and no network.

            Example: transform --run 20261125T120000Z-3f9a1c
            """)

    @OptionGroup var options: StageOptions

    func run() async throws {
        let options = options
        await CommandEnvironment.run("transform", verbose: options.common.verbose, quiet: options.common.quiet, staging: options.staging) { environment in
            let lock = try environment.lockUnlessHeldByRunner(stage: .transform, run: options.run, describing: !options.follow)
            defer { withExtendedLifetime(lock) {} }
            let stagedRun = try environment.run(named: options.run)
            do {
                try TransformStage(run: stagedRun, log: environment.log).execute(following: options.follow)
            } catch {
                environment.recordFailure(of: .transform, run: stagedRun, error: error)
                throw error
            }
        }
    }
}
