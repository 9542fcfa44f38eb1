import ArgumentParser
import SyncletCore

/// The options every Synclet executable accepts — `synclet` and its subcommands, and the stage
/// executables `extract`, `transform` and `load` — so a flag means the same everywhere.
///
/// ```swift
/// struct Transform: ParsableCommand {
///     @OptionGroup var common: CommonOptions
///     func run() { CommandEnvironment.run("transform", verbose: common.verbose, quiet: common.quiet) { environment in ... } }
/// }
/// ```
public struct CommonOptions: ParsableArguments, Sendable {
    @Flag(name: .shortAndLong, help: "Log every step.") public var verbose = false
    @Flag(name: .shortAndLong, help: "Log only warnings and errors.") public var quiet = false

    public init() {}

    public func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet cannot be combined") }
    }
}

/// The options of a stage executable: which staged run, which staging directory, and the
/// common ones.
public struct StageOptions: ParsableArguments, Sendable {
    @Option(help: "The staged run (default: the newest unfinished run; extract plans a new one).") public var run: String?
    @Option(help: "The staging directory (default: SYNCLET_STAGING_DIR or ./staging).") public var staging: String?
    @Flag(help: "Follow the stage before this one while it still runs, taking each page it has committed (how synclet sync streams a run); without it the stage before must have completed. Extract ignores it.")
    public var follow = false
    @OptionGroup public var common: CommonOptions

    public init() {}
}

extension CommandConfiguration {
    /// A stage executable's configuration: its version is synclet's, its help ends with the
    /// exit codes every command shares.
    public static func stage(_ name: String, abstract: String, discussion: String) -> CommandConfiguration {
        CommandConfiguration(
            commandName: name, abstract: abstract,
            discussion: discussion + "\n\n" + SyncletExitCode.helpText,
            version: SyncletVersion.description)
    }
}
