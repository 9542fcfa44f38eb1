import Foundation
import Yams

/// `pipeline.yaml`: the stages of a sync and the knobs of each part.
///
/// Found through `SYNCLET_PIPELINE`, then `./pipeline.yaml`, then `<prefix>/etc/synclet/pipeline.yaml`
/// beside the installed binary, then `/etc/synclet/pipeline.yaml`; with none, the defaults below apply.
///
/// The defaults are the property initial values below and nowhere else. The file is read
/// strictly: a key Synclet does not know (a typo such as `retires`) is an error naming the key and
/// its line, because a silently ignored setting is worse than a refused one; every number is
/// checked against the range in `PipelineSchema`.
///
/// ```swift
/// let pipeline = try PipelineConfiguration.parse("http:\n  retries: 2\n", path: "pipeline.yaml")
/// pipeline.http.retries   // 2
/// ```
public struct PipelineConfiguration: Sendable {
    public var stages: [Stage] = StageName.allCases.map { Stage(name: $0) }
    /// The last stage, `synclet qbo push`, run when QuickBooks is configured; nil when
    /// `stages` is given without it.
    public var push: PushStage? = PushStage()
    public var http = HTTP()
    public var watermark = Watermark()
    public var load = Load()
    public var retention = Retention()
    public var locking = Locking()
    public var quickbooks = QuickBooks()

    public struct Stage: Sendable {
        public var name: StageName
        /// The executable's name (looked up beside `synclet` and in `libexec/synclet`) or a path.
        public var executable: String
        public var arguments: [String] = []
        /// How many more times a failed stage is started again within one sync.
        public var retries: Int = 1
        public var timeoutSeconds: Int

        /// Extract's default is long enough for the first sync of a big store on a slow endpoint
        /// (README, "Timeouts"); its requests have their own timeouts, so a hang is caught anyway.
        /// Transform and load handle thousands of orders a second: an hour means they are stuck.
        public static func defaultTimeoutSeconds(_ name: StageName) -> Int {
            name == .extract ? 14_400 : 3600
        }

        public init(name: StageName) {
            self.name = name
            self.executable = name.rawValue
            self.timeoutSeconds = Self.defaultTimeoutSeconds(name)
        }
    }

    public struct HTTP: Sendable {
        public var connectTimeoutSeconds: Double = 10
        /// The longest silence while waiting for bytes of an answer.
        public var readTimeoutSeconds: Double = 60
        /// The longest a whole request may take, answer complete, however steadily bytes arrive:
        /// a body that trickles in a byte at a time never trips the read timeout.
        public var requestTimeoutSeconds: Double = 300
        /// Attempts per page beyond the first, for timeouts, 5xx, 429, bodies that are not answers
        /// and pages that look wrong (an empty `Orders`, a short page that is not the last).
        public var retries: Int = 4
        public var backoffInitialSeconds: Double = 1
        public var backoffMaximumSeconds: Double = 30
        /// Requests kept in flight at once; 2 is polite to a store whose every page costs PHP work.
        public var concurrency: Int = 2
        /// The most requests in flight extract may reach while the store answers well; it starts
        /// at `concurrency`, halves on 429, 503 or a timeout, and creeps back up to this. Set it
        /// to `concurrency` (or 1) for a store that must never be asked harder.
        public var maxConcurrency: Int = 4
        /// An extra PEM file of CA certificates, for a store with a private CA.
        public var caFile: String?

        public init() {}

        public var backoff: Backoff { Backoff(initialSeconds: backoffInitialSeconds, maximumSeconds: backoffMaximumSeconds) }
    }

    public struct Watermark: Sendable {
        /// How far before the store's clock at the start of a run the next run begins asking.
        public var overlapSeconds: Int = 300
        public init() {}
    }

    public struct Load: Sendable {
        /// Orders written per transaction.
        public var batchSize: Int = 200
        /// Attempts of a transaction after a lost connection, deadlock or lock-wait timeout.
        public var retries: Int = 5
        public init() {}
    }

    public struct Retention: Sendable {
        /// Loaded runs older than this are removed by each sync and by `synclet prune`.
        public var keepLoadedRunsDays: Int = 14
        public init() {}
    }

    public struct Locking: Sendable {
        /// A sync finding the lock held for longer than this fails with exit code 6 instead of
        /// giving way with 4. Unset: the longest a sync may run under the stages' timeouts, plus
        /// an hour (`staleLimitSeconds(for:)`).
        public var staleAfterSeconds: Int?
        public init() {}

        /// The age past which a held lock is a hung sync, for this pipeline.
        public func staleLimitSeconds(for pipeline: PipelineConfiguration) -> Int {
            staleAfterSeconds ?? pipeline.longestSyncSeconds + 3600
        }
    }

    /// The longest a sync may run before the stages' own timeouts stop it: every stage's
    /// `timeout_seconds × (retries + 1)`. systemd's `TimeoutStartSec` should be at least this.
    public var longestSyncSeconds: Int {
        stages.reduce(0) { $0 + $1.timeoutSeconds * ($1.retries + 1) } + (push.map { $0.timeoutSeconds * ($0.retries + 1) } ?? 0)
    }

    public init() {}

    /// Parses YAML text; every error names the file, and the line when there is one.
    public static func parse(_ text: String, path: String) throws -> PipelineConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw PipelineSchema.syntaxError(error, path: path)
        } catch {
            throw ConfigurationError(variable: path, problem: "is not valid YAML: \(error)")
        }
        var configuration = PipelineConfiguration()
        guard let root else { return configuration }   // an empty file: every default
        try PipelineSchema(path: path).read(root, into: &configuration)
        return configuration
    }

    /// Where `pipeline.yaml` is, in the order above; nil when there is none.
    public static func locate(settings: Settings) -> String? {
        if let explicit = settings.values["SYNCLET_PIPELINE"], !explicit.isEmpty { return explicit }
        let executableDirectory = (CommandLine.executablePath as NSString).deletingLastPathComponent
        let candidates = [
            "pipeline.yaml",
            ((executableDirectory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("etc/synclet/pipeline.yaml"),
            "/etc/synclet/pipeline.yaml",
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    public static func load(settings: Settings) throws -> (PipelineConfiguration, path: String?) {
        guard let path = locate(settings: settings) else { return (PipelineConfiguration(), nil) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(variable: "SYNCLET_PIPELINE", problem: "names \(path), which cannot be read")
        }
        return (try parse(text, path: path), path)
    }
}

/// The keys `pipeline.yaml` may hold, their types and ranges, read from Yams' node tree so that
/// every error can name the line it is about.
struct PipelineSchema {
    let path: String

    func read(_ root: Node, into configuration: inout PipelineConfiguration) throws {
        var top = try Section(root, name: nil, path: path)
        if let stagesNode = try top.take("stages") {
            guard case .sequence(let sequence) = stagesNode else {
                throw Section.error(path, stagesNode, "stages must be a list of stages (- name: extract ...)")
            }
            var entries = Array(sequence)
            configuration.push = nil
            if let last = entries.last, case .mapping(let mapping) = last,
               mapping.first(where: { $0.key.string == "name" })?.value.string == PushStage.name {
                configuration.push = try readPushStage(last)
                entries.removeLast()
            }
            configuration.stages = try entries.map(readStage)
            let names = configuration.stages.map(\.name)
            guard names == StageName.allCases else {
                throw ConfigurationError(variable: path, problem: "must list the stages extract, transform, load in that order, got \(names.map(\.rawValue))")
            }
        }
        if var http = try top.section("http") {
            try http.number("connect_timeout_seconds", into: &configuration.http.connectTimeoutSeconds, in: 0.1...600)
            try http.number("read_timeout_seconds", into: &configuration.http.readTimeoutSeconds, in: 0.1...3600)
            try http.number("request_timeout_seconds", into: &configuration.http.requestTimeoutSeconds, in: 1...86_400)
            try http.integer("retries", into: &configuration.http.retries, in: 0...100)
            try http.number("backoff_initial_seconds", into: &configuration.http.backoffInitialSeconds, in: 0...3600)
            try http.number("backoff_maximum_seconds", into: &configuration.http.backoffMaximumSeconds, in: 0...3600)
            try http.integer("concurrency", into: &configuration.http.concurrency, in: 1...32)
            let maxConcurrency = try http.integer("max_concurrency", in: 1...32)
            if let caFile = try http.string("ca_file") { configuration.http.caFile = caFile }
            try http.finish()
            // Unset, the maximum is never below the concurrency configured.
            configuration.http.maxConcurrency = maxConcurrency ?? max(configuration.http.maxConcurrency, configuration.http.concurrency)
            if configuration.http.maxConcurrency < configuration.http.concurrency {
                throw ConfigurationError(variable: path, problem: "http.max_concurrency (\(configuration.http.maxConcurrency)) must not be less than http.concurrency (\(configuration.http.concurrency))")
            }
            if configuration.http.backoffMaximumSeconds < configuration.http.backoffInitialSeconds {
                throw ConfigurationError(variable: path, problem: "http.backoff_maximum_seconds (\(configuration.http.backoffMaximumSeconds)) must not be less than http.backoff_initial_seconds (\(configuration.http.backoffInitialSeconds))")
            }
        }
        if var watermark = try top.section("watermark") {
            try watermark.integer("overlap_seconds", into: &configuration.watermark.overlapSeconds, in: 0...86_400)
            try watermark.finish()
        }
        if var load = try top.section("load") {
            try load.integer("batch_size", into: &configuration.load.batchSize, in: 1...10_000)
            try load.integer("retries", into: &configuration.load.retries, in: 0...100)
            try load.finish()
        }
        if var retention = try top.section("retention") {
            try retention.integer("keep_loaded_runs_days", into: &configuration.retention.keepLoadedRunsDays, in: 0...3650)
            try retention.finish()
        }
        if var locking = try top.section("locking") {
            // Up to 30 days; a limit shorter than a healthy sync is the operator's choice to make.
            if let staleAfter = try locking.integer("stale_after_seconds", in: 1...2_592_000) {
                configuration.locking.staleAfterSeconds = staleAfter
            }
            try locking.finish()
        }
        if var quickbooks = try top.section("quickbooks") {
            try readQuickBooks(&quickbooks, into: &configuration.quickbooks)
        }
        try top.finish()
    }

    private func readStage(_ node: Node) throws -> PipelineConfiguration.Stage {
        var section = try Section(node, name: "stages[]", path: path)
        guard let nameNode = try section.take("name") else {
            throw Section.error(path, node, "each stage needs a name: extract, transform or load")
        }
        guard let nameText = nameNode.string, let name = StageName(rawValue: nameText) else {
            throw Section.error(path, nameNode, "stage name \"\(nameNode.string ?? "")\" is not one of extract, transform, load (and push, last)")
        }
        var stage = PipelineConfiguration.Stage(name: name)
        section = section.renamed("stages[\(name.rawValue)]")
        if let executable = try section.string("executable") { stage.executable = executable }
        if let arguments = try section.take("arguments") {
            let strings: [String]? = if case .sequence(let list) = arguments { list.compactMap(\.string) } else { nil }
            guard let strings, case .sequence(let list) = arguments, strings.count == list.count else {
                throw Section.error(path, arguments, "stages[\(name.rawValue)].arguments must be a list of strings")
            }
            stage.arguments = strings
        }
        try section.integer("retries", into: &stage.retries, in: 0...10)
        try section.integer("timeout_seconds", into: &stage.timeoutSeconds, in: 1...604_800)
        try section.finish()
        return stage
    }

    /// A YAML syntax error as one line: where it is and what is wrong, without echoing the file.
    static func syntaxError(_ error: YamlError, path: String) -> ConfigurationError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigurationError(variable: "\(path) line \(mark.line):", problem: "is not valid YAML: \(problem) (column \(mark.column))")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigurationError(variable: "\(path) line \(context.mark.line):", problem: "gives \(duplicates.sorted().joined(separator: ", ")) twice in one section")
        case .reader(let problem, _, _, _):
            return ConfigurationError(variable: path, problem: "cannot be read as YAML: \(problem)")
        default:
            let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            return ConfigurationError(variable: path, problem: "is not valid YAML: \(firstLine)")
        }
    }

    /// One mapping of the file. Keys are taken as they are read; `finish()` rejects what is left.
    struct Section {
        private(set) var name: String?
        let path: String
        private var remaining: [(key: String, keyNode: Node, value: Node)]

        init(_ node: Node, name: String?, path: String) throws {
            self.name = name
            self.path = path
            if node.null != nil {   // `http:` with nothing under it
                remaining = []
                return
            }
            guard case .mapping(let mapping) = node else {
                throw Section.error(path, node, "\(name ?? "the file") must be a mapping of key: value lines")
            }
            // Yams itself refuses a key given twice in one mapping.
            remaining = mapping.map { (key: $0.key.string ?? "", keyNode: $0.key, value: $0.value) }
        }

        func renamed(_ newName: String) -> Section {
            var copy = self
            copy.name = newName
            return copy
        }

        static func qualified(_ section: String?, _ key: String) -> String {
            section.map { "\($0).\(key)" } ?? key
        }

        static func error(_ path: String, _ node: Node, _ problem: String) -> ConfigurationError {
            let place = node.mark.map { "\(path) line \($0.line):" } ?? "\(path):"
            return ConfigurationError(variable: place, problem: problem)
        }

        /// The node under `key` with the node of the key itself, for errors that name its line.
        mutating func takeWithKey(_ key: String) -> (keyNode: Node, value: Node)? {
            guard let index = remaining.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = remaining.remove(at: index)
            return (entry.keyNode, entry.value)
        }

        /// Every key left, in file order, with its value: for sections whose keys are data
        /// (a VAT rate, a payment method code).
        mutating func takeAll() -> [(key: String, keyNode: Node, value: Node)] {
            defer { remaining = [] }
            return remaining
        }

        mutating func take(_ key: String) throws -> Node? {
            guard let index = remaining.firstIndex(where: { $0.key == key }) else { return nil }
            return remaining.remove(at: index).value
        }

        mutating func section(_ key: String) throws -> Section? {
            try take(key).map { try Section($0, name: Self.qualified(name, key), path: path) }
        }

        mutating func string(_ key: String) throws -> String? {
            guard let node = try take(key) else { return nil }
            guard case .scalar = node, node.null == nil, let text = node.string, !text.isEmpty else {
                throw Self.error(path, node, "\(Self.qualified(name, key)) must be a text value")
            }
            return text
        }

        mutating func integer(_ key: String, into value: inout Int, in range: ClosedRange<Int>) throws {
            if let number = try integer(key, in: range) { value = number }
        }

        /// The whole number under `key`, nil when the key is absent: for settings whose default
        /// depends on others and so is not a plain initial value.
        mutating func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
            guard let node = try take(key) else { return nil }
            guard let number = node.int, range.contains(number) else {
                throw Self.error(path, node, "\(Self.qualified(name, key)) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(Self.shown(node))")
            }
            return number
        }

        mutating func number(_ key: String, into value: inout Double, in range: ClosedRange<Double>) throws {
            guard let node = try take(key) else { return }
            guard let number = node.float ?? node.int.map(Double.init), number.isFinite, range.contains(number) else {
                throw Self.error(path, node, "\(Self.qualified(name, key)) must be a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)), got \(Self.shown(node))")
            }
            value = number
        }

        /// Everything not taken is unknown: name the first with its line and list what is known.
        func finish() throws {
            guard let unknown = remaining.first else { return }
            throw Self.error(path, unknown.keyNode,
                             "\(Self.qualified(name, unknown.key)) is not a setting Synclet knows; check its spelling against the pipeline.yaml table in the README")
        }

        private static func shown(_ node: Node) -> String {
            if case .scalar(let scalar) = node { return "\"\(scalar.string)\"" }
            return "a \(node.isMapping ? "mapping" : "list")"
        }

        private static func format(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
    }
}

private extension Node {
    var isMapping: Bool {
        if case .mapping = self { return true }
        return false
    }
}

extension CommandLine {
    /// The absolute path of the running executable.
    public static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}
