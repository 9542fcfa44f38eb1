import Foundation
import XCTest
@testable import SyncletCore

/// Settings from the environment and `.env`: errors name the variable and never show a secret.
final class SettingsTests: XCTestCase {
    private let accessKey = "k3y+With/Slash=&Amp"
    private let password = "p@ss w0rd!"

    private var complete: [String: String] {
        [
            "MAGENTO_BASE_URL": "https://shop.example.co.uk/onesaas_connect/index/index",
            "MAGENTO_ACCESS_KEY": accessKey,
            "INITIAL_SYNC_DATE": "2025-01-01 00:00:00",
            "DB_NAME": "synclet",
            "DB_USER": "synclet",
            "DB_PASSWORD": password,
        ]
    }

    private func writeDotEnv(_ text: String, mode: mode_t = 0o600) throws -> String {
        let directory = try makeTemporaryDirectory(self)
        let path = (directory as NSString).appendingPathComponent(".env")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertEqual(chmod(path, mode), 0)
        return directory
    }

    private func assertConfigurationError(_ expression: @autoclosure () throws -> some Any, names variable: String,
                                          file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let configurationError = error as? ConfigurationError else {
                return XCTFail("not a ConfigurationError: \(error)", file: file, line: line)
            }
            XCTAssertEqual(configurationError.variable, variable, file: file, line: line)
            XCTAssertTrue(configurationError.description.hasPrefix("configuration error: \(variable) "), file: file, line: line)
            for secret in [accessKey, password] {
                XCTAssertFalse(configurationError.description.contains(secret), "the message shows a secret", file: file, line: line)
            }
        }
    }

    func testAVariableInTheEnvironmentWinsOverTheDotEnvFile() throws {
        let directory = try writeDotEnv("""
            # Synclet
            MAGENTO_BASE_URL=https://shop.example.co.uk/onesaas_connect/index/index
            export MAGENTO_ACCESS_KEY="\(accessKey)"
            INITIAL_SYNC_DATE='2025-01-01 00:00:00'
            PAGE_SIZE=10
            DB_NAME=fromfile
            DB_USER=synclet
            """)
        let settings = try Settings.load(environment: ["PAGE_SIZE": "25", "DB_NAME": "fromenv"], directory: directory)
        XCTAssertEqual(settings.warnings, [])
        let magento = try settings.magento()
        XCTAssertEqual(magento.pageSize, 25)
        XCTAssertEqual(magento.accessKey, accessKey, "quotes and export are stripped")
        XCTAssertEqual(magento.initialSyncDate, UTCTime(parsing: "2025-01-01 00:00:00"))
        XCTAssertEqual(magento.baseURL.host, "shop.example.co.uk")
        XCTAssertEqual(try settings.database().name, "fromenv")
        XCTAssertEqual(try settings.database().port, 3306)
        XCTAssertEqual(try settings.database().host, "127.0.0.1")
    }

    func testADotEnvWrittenOnWindowsIsReadLineByLine() throws {
        let directory = try writeDotEnv("DB_NAME=synclet\r\nDB_USER=reader\r\nDB_PORT=3307\r\n")
        let database = try Settings.load(environment: [:], directory: directory).database()
        XCTAssertEqual(database.name, "synclet")
        XCTAssertEqual(database.user, "reader")
        XCTAssertEqual(database.port, 3307)
    }

    func testADotEnvReadableByOthersGivesAWarning() throws {
        let directory = try writeDotEnv("DB_NAME=synclet\n", mode: 0o644)
        let settings = try Settings.load(environment: [:], directory: directory)
        XCTAssertEqual(settings.warnings.count, 1)
        XCTAssertTrue(settings.warnings[0].contains("mode 644"), settings.warnings[0])
        XCTAssertTrue(settings.warnings[0].contains("chmod 600"), settings.warnings[0])
    }

    func testAMalformedDotEnvLineNamesTheLine() throws {
        let directory = try writeDotEnv("DB_NAME=synclet\n\(password)\n")
        assertConfigurationError(try Settings.load(environment: [:], directory: directory), names: ".env")
        XCTAssertThrowsError(try Settings.load(environment: [:], directory: directory)) {
            XCTAssertTrue("\($0)".contains("line 2"), "\($0)")
        }
    }

    func testAMissingAccessKeyIsNamed() {
        var values = complete
        values["MAGENTO_ACCESS_KEY"] = nil
        assertConfigurationError(try Settings(values: values).magento(), names: "MAGENTO_ACCESS_KEY")
        values["MAGENTO_ACCESS_KEY"] = "   "
        assertConfigurationError(try Settings(values: values).magento(), names: "MAGENTO_ACCESS_KEY")
    }

    func testAMalformedDatabasePortIsNamed() {
        for port in ["33o6", "0", "65536", "-1", "3306.0"] {
            var values = complete
            values["DB_PORT"] = port
            assertConfigurationError(try Settings(values: values).database(), names: "DB_PORT")
        }
    }

    func testABadInitialSyncDateIsNamed() {
        for date in ["2025-02-30 00:00:00", "yesterday", "01/07/2025"] {
            var values = complete
            values["INITIAL_SYNC_DATE"] = date
            assertConfigurationError(try Settings(values: values).magento(), names: "INITIAL_SYNC_DATE")
        }
    }

    func testABadPageSizeIsNamed() {
        for size in ["0", "fifty", "1001", "-5"] {
            var values = complete
            values["PAGE_SIZE"] = size
            assertConfigurationError(try Settings(values: values).magento(), names: "PAGE_SIZE")
        }
    }

    func testOtherBadValuesAreNamedWithoutShowingSecrets() {
        var values = complete
        values["MAGENTO_BASE_URL"] = "https://shop.example.co.uk/onesaas_connect/index/index?AccessKey=\(accessKey)"
        assertConfigurationError(try Settings(values: values).magento(), names: "MAGENTO_BASE_URL")
        values["MAGENTO_BASE_URL"] = "ftp://shop.example.co.uk/"
        assertConfigurationError(try Settings(values: values).magento(), names: "MAGENTO_BASE_URL")
        values = complete
        values["DB_NAME"] = "synclet; DROP TABLE orders"
        assertConfigurationError(try Settings(values: values).database(), names: "DB_NAME")
        values = complete
        values["DB_USER"] = nil
        assertConfigurationError(try Settings(values: values).database(), names: "DB_USER")
    }

    func testTheSecretsAreTheAccessKeyAndThePassword() {
        XCTAssertEqual(Set(Settings(values: complete).secrets), [accessKey, password])
        XCTAssertEqual(Settings(values: ["DB_PASSWORD": ""]).secrets, [])
    }
}

/// Secrets never leave in a message, in plain text or as they travel in a URL.
final class RedactorTests: XCTestCase {
    func testTheKeyIsMaskedInPlainText() {
        let redactor = Redactor(secrets: ["s3cretKey"])
        XCTAssertEqual(redactor.redact("GET /?AccessKey=s3cretKey&Action=Orders failed; s3cretKey again"),
                       "GET /?AccessKey=********&Action=Orders failed; ******** again")
        XCTAssertEqual(redactor.redact("nothing secret"), "nothing secret")
    }

    func testTheKeyIsMaskedPercentEncoded() {
        let redactor = Redactor(secrets: ["k3y+With/Slash=&Amp"])
        XCTAssertEqual(redactor.redact("AccessKey=k3y%2BWith%2FSlash%3D%26Amp&Page=0"), "AccessKey=********&Page=0")
        XCTAssertEqual(redactor.redact("AccessKey=k3y%2bWith/Slash%3d%26Amp"), "AccessKey=********", "lower-case hex, / left alone")
        XCTAssertEqual(Redactor(secrets: ["50%25off"]).redact("key 50%25off or 50%2525off"), "key ******** or ********")
    }

    func testTheKeyIsMaskedInTheURLTheClientSends() throws {
        // Built the way OneSaasClient builds the request.
        for key in ["k3y+With/Slash=&Amp", "key with spaces", "caf\u{E9}-key-123", "50%off!key"] {
            var components = try XCTUnwrap(URLComponents(string: "https://shop.example.co.uk/onesaas_connect/index/index"))
            components.queryItems = [URLQueryItem(name: "AccessKey", value: key), URLQueryItem(name: "Action", value: "Orders")]
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            let url = try XCTUnwrap(components.url?.absoluteString)
            XCTAssertEqual(Redactor(secrets: [key]).redact("request \(url) timed out"),
                           "request https://shop.example.co.uk/onesaas_connect/index/index?AccessKey=********&Action=Orders timed out",
                           "key \(key) as \(url)")
        }
    }

    func testALongerSecretIsMaskedWholeBeforeAShorterOneInsideIt() {
        let redactor = Redactor(secrets: ["abcd", "abcdefgh"])
        XCTAssertEqual(redactor.redact("x abcdefgh y abcd"), "x ******** y ********")
    }

    func testSecretsTooShortToMeanAnythingAreNotMasked() {
        XCTAssertEqual(Redactor(secrets: ["a", ""]).redact("a banana"), "a banana")
    }
}

/// `pipeline.yaml`: the repository's file says the defaults, and stages must be in order.
final class PipelineConfigurationTests: XCTestCase {
    private var repositoryPipeline: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("pipeline.yaml").path
    }

    func testTheRepositorysPipelineFileHoldsTheDefaults() throws {
        let text = try String(contentsOfFile: repositoryPipeline, encoding: .utf8)
        let parsed = try PipelineConfiguration.parse(text, path: repositoryPipeline)
        let defaults = PipelineConfiguration()
        XCTAssertEqual(parsed.stages.map(\.name), [.extract, .transform, .load])
        XCTAssertEqual(parsed.stages.map(\.executable), ["extract", "transform", "load"])
        XCTAssertEqual(parsed.stages.map(\.retries), defaults.stages.map(\.retries))
        XCTAssertEqual(parsed.stages.map(\.timeoutSeconds), [14_400, 3600, 3600])
        XCTAssertEqual(parsed.stages.map(\.timeoutSeconds), defaults.stages.map(\.timeoutSeconds))
        XCTAssertNil(parsed.locking.staleAfterSeconds)
        XCTAssertEqual(parsed.http.connectTimeoutSeconds, defaults.http.connectTimeoutSeconds)
        XCTAssertEqual(parsed.http.readTimeoutSeconds, defaults.http.readTimeoutSeconds)
        XCTAssertEqual(parsed.http.retries, defaults.http.retries)
        XCTAssertEqual(parsed.http.backoffInitialSeconds, defaults.http.backoffInitialSeconds)
        XCTAssertEqual(parsed.http.backoffMaximumSeconds, defaults.http.backoffMaximumSeconds)
        XCTAssertEqual(parsed.http.concurrency, 2)
        XCTAssertNil(parsed.http.caFile)
        XCTAssertEqual(parsed.watermark.overlapSeconds, 300)
        XCTAssertEqual(parsed.load.batchSize, 200)
        XCTAssertEqual(parsed.load.retries, 5)
        XCTAssertEqual(parsed.retention.keepLoadedRunsDays, 14)
    }

    func testOnlyTheKeysGivenChangeTheDefaults() throws {
        let parsed = try PipelineConfiguration.parse("http:\n  concurrency: 4\nload:\n  batch_size: 50\n", path: "p.yaml")
        XCTAssertEqual(parsed.http.concurrency, 4)
        XCTAssertEqual(parsed.http.retries, 4)
        XCTAssertEqual(parsed.load.batchSize, 50)
        XCTAssertEqual(parsed.stages.map(\.name), [.extract, .transform, .load])
    }

    func testTheDefaultTimeoutsAllowTwelveHoursAndALockIsStaleAnHourAfterThat() throws {
        let defaults = PipelineConfiguration()
        // extract 4 h x 2 tries, transform and load 1 h x 2 tries, the push 25 min once: what TimeoutStartSec must allow.
        XCTAssertEqual(defaults.longestSyncSeconds, 12 * 3600 + 1500)
        XCTAssertEqual(defaults.locking.staleLimitSeconds(for: defaults), 13 * 3600 + 1500)
        let raised = try PipelineConfiguration.parse("stages:\n  - name: extract\n    timeout_seconds: 28800\n    retries: 0\n  - name: transform\n  - name: load\n", path: "p.yaml")
        XCTAssertEqual(raised.locking.staleLimitSeconds(for: raised), 8 * 3600 + 4 * 3600 + 3600, "follows the stages' timeouts")
        let explicit = try PipelineConfiguration.parse("locking:\n  stale_after_seconds: 7200\n", path: "p.yaml")
        XCTAssertEqual(explicit.locking.staleLimitSeconds(for: explicit), 7200)
        XCTAssertThrowsError(try PipelineConfiguration.parse("locking:\n  stale_after_seconds: 0\n", path: "p.yaml")) { error in
            XCTAssertTrue("\(error)".contains("line 2: locking.stale_after_seconds must be a whole number from 1 to 2592000, got \"0\""), "\(error)")
        }
    }

    /// systemd's `TimeoutStartSec` in the shipped unit must let the longest sync the default
    /// timeouts allow finish (or fail by its own stage timeout, whose message names the setting),
    /// and must end it before the lock counts as stale, so a timer start never reports a sync
    /// that systemd is about to stop as hung.
    func testTheShippedServiceOutlastsTheLongestSyncAndStopsItBeforeTheLockIsStale() throws {
        let repository = URL(fileURLWithPath: repositoryPipeline).deletingLastPathComponent()
        let unit = try String(contentsOf: repository.appendingPathComponent("contrib/systemd/synclet.service"), encoding: .utf8)
        let lines = unit.split(separator: "\n").filter { $0.hasPrefix("TimeoutStartSec=") }
        XCTAssertEqual(lines.count, 1, "one TimeoutStartSec= in synclet.service")
        let span = try XCTUnwrap(lines.first).dropFirst("TimeoutStartSec=".count)
        let seconds = try XCTUnwrap(Self.systemdSeconds(String(span)), "cannot read TimeoutStartSec=\(span)")
        let pipeline = try PipelineConfiguration.parse(String(contentsOfFile: repositoryPipeline, encoding: .utf8), path: repositoryPipeline)
        XCTAssertGreaterThan(seconds, pipeline.longestSyncSeconds)
        XCTAssertLessThan(seconds, pipeline.locking.staleLimitSeconds(for: pipeline))
    }

    /// A systemd time span such as `12h30min` or `45min 10s`, in seconds; nil for a unit it does not know.
    private static func systemdSeconds(_ span: String) -> Int? {
        let units = ["d": 86_400, "h": 3600, "min": 60, "m": 60, "s": 1]
        var total = 0, number = "", unit = ""
        func flush() -> Bool {
            guard let value = Int(number) else { return false }
            guard let factor = unit.isEmpty ? 1 : units[unit] else { return false }
            total += value * factor
            number = ""; unit = ""
            return true
        }
        for character in span where character != " " {
            if character.isNumber {
                if !unit.isEmpty, !flush() { return nil }
                number.append(character)
            } else {
                unit.append(character)
            }
        }
        return flush() ? total : nil
    }

    func testStagesOutOfOrderAreRejectedNamingTheFile() {
        let yaml = "stages:\n  - name: transform\n  - name: extract\n  - name: load\n"
        XCTAssertThrowsError(try PipelineConfiguration.parse(yaml, path: "/etc/synclet/pipeline.yaml")) { error in
            XCTAssertEqual((error as? ConfigurationError)?.variable, "/etc/synclet/pipeline.yaml")
            XCTAssertTrue("\(error)".contains("extract, transform, load in that order"), "\(error)")
        }
        XCTAssertThrowsError(try PipelineConfiguration.parse("stages:\n  - name: extract\n  - name: load\n", path: "p.yaml"))
        XCTAssertThrowsError(try PipelineConfiguration.parse("stages:\n  - name: exctract\n", path: "p.yaml")) { error in
            XCTAssertTrue("\(error)".contains("p.yaml line 2: stage name \"exctract\" is not one of extract, transform, load"), "\(error)")
        }
        XCTAssertThrowsError(try PipelineConfiguration.parse("http:\n  concurrency: 0\n", path: "p.yaml"))
    }
}

/// `pipeline.yaml` read strictly (issue 11): unknown keys and bad numbers are errors naming the line.
final class StrictPipelineTests: XCTestCase {
    private func error(_ yaml: String) -> String {
        do {
            _ = try PipelineConfiguration.parse(yaml, path: "p.yaml")
            return "no error"
        } catch let error as ConfigurationError {
            return error.description
        } catch {
            return "not a configuration error: \(error)"
        }
    }

    func testAMisspeltKeyIsAnErrorNamingTheKeyAndItsLine() {
        let message = error("http:\n  connect_timeout_seconds: 5\n  retires: 2\n")
        XCTAssertTrue(message.contains("p.yaml line 3:"), message)
        XCTAssertTrue(message.contains("http.retires is not a setting"), message)
        XCTAssertTrue(error("htp:\n  retries: 2\n").contains("line 1: htp is not a setting"))
        XCTAssertTrue(error("stages:\n  - name: extract\n    timeout: 5\n").contains("stages[extract].timeout"))
    }

    func testEveryNumberIsRangeCheckedInsteadOfCrashing() {
        let negative = error("http:\n  retries: -1\n")
        XCTAssertTrue(negative.contains("line 2: http.retries must be a whole number from 0 to 100, got \"-1\""), negative)
        XCTAssertTrue(error("http:\n  concurrency: 0\n").contains("http.concurrency"))
        XCTAssertTrue(error("http:\n  read_timeout_seconds: soon\n").contains("http.read_timeout_seconds must be a number"))
        XCTAssertTrue(error("load:\n  batch_size: 2.5\n").contains("load.batch_size must be a whole number"))
        XCTAssertTrue(error("retention:\n  keep_loaded_runs_days: -3\n").contains("retention.keep_loaded_runs_days"))
        XCTAssertTrue(error("watermark:\n  overlap_seconds: 99999999\n").contains("watermark.overlap_seconds"))
        XCTAssertTrue(error("stages:\n  - name: extract\n    retries: -1\n  - name: transform\n  - name: load\n").contains("line 3"))
        XCTAssertTrue(error("http:\n  backoff_initial_seconds: 10\n  backoff_maximum_seconds: 1\n").contains("must not be less than"))
    }

    func testAYAMLSyntaxErrorNamesTheLineWithoutEchoingTheFile() {
        let message = error("http:\n  retries: 2\n   concurrency: [1\nload:\n  batch_size: 10\n")
        XCTAssertTrue(message.contains("is not valid YAML"), message)
        XCTAssertTrue(message.contains("line "), message)
        XCTAssertFalse(message.contains("batch_size"), "the file is not echoed: \(message)")
        XCTAssertFalse(message.contains("\n"), "one line: \(message)")
    }

    func testAKeyGivenTwiceIsAnError() {
        let message = error("http:\n  retries: 2\n  retries: 3\n")
        XCTAssertTrue(message.contains("retries twice"), message)
        XCTAssertTrue(message.contains("p.yaml line "), message)
    }

    func testEmptySectionsAndAnEmptyFileKeepTheDefaults() throws {
        let empty = try PipelineConfiguration.parse("", path: "p.yaml")
        XCTAssertEqual(empty.http.retries, PipelineConfiguration.HTTP().retries)
        let emptySection = try PipelineConfiguration.parse("http:\nload:\n  retries: 0\n", path: "p.yaml")
        XCTAssertEqual(emptySection.http.requestTimeoutSeconds, PipelineConfiguration.HTTP().requestTimeoutSeconds)
        XCTAssertEqual(emptySection.load.retries, 0)
        let withTimeout = try PipelineConfiguration.parse("http:\n  request_timeout_seconds: 20\n  ca_file: /tmp/ca.pem\n", path: "p.yaml")
        XCTAssertEqual(withTimeout.http.requestTimeoutSeconds, 20)
        XCTAssertEqual(withTimeout.http.caFile, "/tmp/ca.pem")
    }
}

/// `.env` follows the rules dotenv tools share (issue 10).
final class DotEnvRulesTests: XCTestCase {
    func testATrailingCommentAfterAQuotedValueIsDropped() throws {
        let values = try DotEnvFile.parse("DB_PASSWORD=\"s3cret\"  # the reader's password\nDB_USER='reader' # comment\n")
        XCTAssertEqual(values["DB_PASSWORD"], "s3cret")
        XCTAssertEqual(values["DB_USER"], "reader")
    }

    func testAnUnquotedValueEndsAtACommentButKeepsAHashInsideIt() throws {
        let values = try DotEnvFile.parse("A=plain # comment\nB=pa#ss\nC=\n")
        XCTAssertEqual(values["A"], "plain")
        XCTAssertEqual(values["B"], "pa#ss")
        XCTAssertEqual(values["C"], "")
    }

    func testDoubleQuotesTakeBackslashEscapesAndSingleQuotesAreLiteral() throws {
        let values = try DotEnvFile.parse(#"""
            A="line one\nline \"two\" \\ end"
            B='no \n escapes # here'
            C="a # inside quotes"
            """#)
        XCTAssertEqual(values["A"], "line one\nline \"two\" \\ end")
        XCTAssertEqual(values["B"], #"no \n escapes # here"#)
        XCTAssertEqual(values["C"], "a # inside quotes")
    }

    func testAnUnterminatedQuoteIsAnErrorNamingTheLine() {
        XCTAssertThrowsError(try DotEnvFile.parse("DB_USER=reader\nDB_PASSWORD=\"s3cret\n", path: "/srv/.env")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("line 2 of /srv/.env"), message)
            XCTAssertTrue(message.contains("never closed"), message)
            XCTAssertFalse(message.contains("s3cret"), "no secret in the message: \(message)")
        }
        XCTAssertThrowsError(try DotEnvFile.parse("DB_PASSWORD=\"s3cret\"trailing\n")) { error in
            XCTAssertFalse("\(error)".contains("trailing"), "\(error)")
        }
    }
}
