import Foundation
import Yams

/// `pipeline.yaml`: the stages of a sync and the knobs of each part.
///
/// Found through `SYNCLET_PIPELINE`, then `./pipeline.yaml`, then `<prefix>/etc/synclet/pipeline.yaml`
/// beside the installed binary, then `/etc/synclet/pipeline.yaml`; with none, the defaults below apply.
public struct PipelineConfiguration: Codable, Sendable {
    public var stages: [Stage] = StageName.allCases.map { Stage(name: $0) }
    public var http = HTTP()
    public var watermark = Watermark()
    public var load = Load()
    public var retention = Retention()
    public var locking = Locking()

    public struct Stage: Codable, Sendable {
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

        enum CodingKeys: String, CodingKey {
            case name, executable, arguments, retries
            case timeoutSeconds = "timeout_seconds"
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(StageName.self, forKey: .name)
            executable = try container.decodeIfPresent(String.self, forKey: .executable) ?? name.rawValue
            arguments = try container.decodeIfPresent([String].self, forKey: .arguments) ?? []
            retries = try container.decodeIfPresent(Int.self, forKey: .retries) ?? 1
            timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? Self.defaultTimeoutSeconds(name)
        }
    }

    public struct HTTP: Codable, Sendable {
        public var connectTimeoutSeconds: Double = 10
        public var readTimeoutSeconds: Double = 60
        /// Attempts per page beyond the first, for timeouts, 5xx, 429 and bodies that are not answers.
        public var retries: Int = 4
        public var backoffInitialSeconds: Double = 1
        public var backoffMaximumSeconds: Double = 30
        /// Requests kept in flight at once; 2 is polite to a store whose every page costs PHP work.
        public var concurrency: Int = 2
        /// An extra PEM file of CA certificates, for a store with a private CA.
        public var caFile: String?

        enum CodingKeys: String, CodingKey {
            case connectTimeoutSeconds = "connect_timeout_seconds"
            case readTimeoutSeconds = "read_timeout_seconds"
            case retries
            case backoffInitialSeconds = "backoff_initial_seconds"
            case backoffMaximumSeconds = "backoff_maximum_seconds"
            case concurrency
            case caFile = "ca_file"
        }
        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = HTTP()
            connectTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .connectTimeoutSeconds) ?? d.connectTimeoutSeconds
            readTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .readTimeoutSeconds) ?? d.readTimeoutSeconds
            retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? d.retries
            backoffInitialSeconds = try c.decodeIfPresent(Double.self, forKey: .backoffInitialSeconds) ?? d.backoffInitialSeconds
            backoffMaximumSeconds = try c.decodeIfPresent(Double.self, forKey: .backoffMaximumSeconds) ?? d.backoffMaximumSeconds
            concurrency = try c.decodeIfPresent(Int.self, forKey: .concurrency) ?? d.concurrency
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
        }
    }

    public struct Watermark: Codable, Sendable {
        /// How far before the store's clock at the start of a run the next run begins asking.
        public var overlapSeconds: Int = 300
        enum CodingKeys: String, CodingKey { case overlapSeconds = "overlap_seconds" }
        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            overlapSeconds = try c.decodeIfPresent(Int.self, forKey: .overlapSeconds) ?? 300
        }
    }

    public struct Load: Codable, Sendable {
        /// Orders written per transaction.
        public var batchSize: Int = 200
        /// Attempts of a transaction after a lost connection, deadlock or lock-wait timeout.
        public var retries: Int = 5
        enum CodingKeys: String, CodingKey { case batchSize = "batch_size", retries }
        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? 200
            retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? 5
        }
    }

    public struct Retention: Codable, Sendable {
        /// Loaded runs older than this are removed by each sync and by `synclet prune`.
        public var keepLoadedRunsDays: Int = 14
        enum CodingKeys: String, CodingKey { case keepLoadedRunsDays = "keep_loaded_runs_days" }
        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            keepLoadedRunsDays = try c.decodeIfPresent(Int.self, forKey: .keepLoadedRunsDays) ?? 14
        }
    }

    public struct Locking: Codable, Sendable {
        /// A sync finding the lock held for longer than this fails with exit code 5 instead of
        /// giving way with 4. Unset: the longest a sync may run under the stages' timeouts, plus
        /// an hour (`staleLimitSeconds(for:)`).
        public var staleAfterSeconds: Int?
        enum CodingKeys: String, CodingKey { case staleAfterSeconds = "stale_after_seconds" }
        public init() {}

        /// The age past which a held lock is a hung sync, for this pipeline.
        public func staleLimitSeconds(for pipeline: PipelineConfiguration) -> Int {
            staleAfterSeconds ?? pipeline.longestSyncSeconds + 3600
        }
    }

    /// The longest a sync may run before the stages' own timeouts stop it: every stage's
    /// `timeout_seconds × (retries + 1)`. systemd's `TimeoutStartSec` should be at least this.
    public var longestSyncSeconds: Int {
        stages.reduce(0) { $0 + $1.timeoutSeconds * ($1.retries + 1) }
    }

    public init() {}

    enum CodingKeys: String, CodingKey { case stages, http, watermark, load, retention, locking }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stages = try c.decodeIfPresent([Stage].self, forKey: .stages) ?? StageName.allCases.map { Stage(name: $0) }
        http = try c.decodeIfPresent(HTTP.self, forKey: .http) ?? HTTP()
        watermark = try c.decodeIfPresent(Watermark.self, forKey: .watermark) ?? Watermark()
        load = try c.decodeIfPresent(Load.self, forKey: .load) ?? Load()
        retention = try c.decodeIfPresent(Retention.self, forKey: .retention) ?? Retention()
        locking = try c.decodeIfPresent(Locking.self, forKey: .locking) ?? Locking()
    }

    /// Parses YAML text; errors name the file and the problem.
    public static func parse(_ text: String, path: String) throws -> PipelineConfiguration {
        let configuration: PipelineConfiguration
        do {
            configuration = try YAMLDecoder().decode(PipelineConfiguration.self, from: text)
        } catch {
            throw ConfigurationError(variable: path, problem: "is not a valid pipeline: \(error)")
        }
        let names = configuration.stages.map(\.name)
        guard names == StageName.allCases else {
            throw ConfigurationError(variable: path, problem: "must list the stages extract, transform, load in that order, got \(names.map(\.rawValue))")
        }
        guard configuration.http.concurrency >= 1, configuration.load.batchSize >= 1 else {
            throw ConfigurationError(variable: path, problem: "http.concurrency and load.batch_size must be at least 1")
        }
        if let stale = configuration.locking.staleAfterSeconds, stale < 1 {
            throw ConfigurationError(variable: path, problem: "locking.stale_after_seconds must be at least 1, got \(stale)")
        }
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

extension CommandLine {
    /// The absolute path of the running executable.
    public static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}
