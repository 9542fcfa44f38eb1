import ArgumentParser
import SyncletCore

@main
struct Transform: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Validate a staged run's raw pages and normalize them into canonical order records.",
        discussion: """
            Reads <staging>/runs/<run>/raw/, checks each page against its SHA-256, and writes one canonical \
            order per line to canonical/page-NNNNNN.jsonl. An order it cannot accept goes to rejects.ndjson \
            with its page, position and reason; the rest of the run goes on. Needs no database and no network.

            Example: transform --run 20261125T120000Z-3f9a1c

            \(SyncletExitCode.helpText)
            """)

    @Option(help: "The staged run to transform (default: the newest unfinished run).") var run: String?
    @Option(help: "The staging directory (default: SYNCLET_STAGING_DIR or ./staging).") var staging: String?
    @Flag(help: "Log more.") var verbose = false
    @Flag(help: "Log only warnings and errors.") var quiet = false

    func run() async throws {
        await CommandEnvironment.run("transform", verbose: verbose, quiet: quiet, staging: staging) { environment in
            let lock = try environment.lockUnlessHeldByRunner()
            defer { withExtendedLifetime(lock) {} }
            let stagedRun = try environment.run(named: run)
            do {
                try TransformStage(run: stagedRun, log: environment.log).execute()
            } catch {
                environment.recordFailure(of: .transform, run: stagedRun, error: error)
                throw error
            }
        }
    }
}
