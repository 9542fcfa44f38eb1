import Foundation
import MariaDB
import SyncletCore
import XCTest

/// Connecting to QuickBooks as an operator does: the real `synclet` against `qbo-sim` over HTTP
/// and the private MariaDB, the browser played by the test.
final class QuickBooksConnectTests: XCTestCase {
    var harness: Harness!
    var simulator: QuickBooksSimulatorProcess!
    /// Everything every command printed, for the scan for secrets.
    var transcript: [String] = []

    static let pastedRedirect = "https://sync.example.co.uk/qbo/callback"
    static let realm = "9130357766900001"

    override func setUpWithError() throws {
        harness = try Harness()
        simulator = try QuickBooksSimulatorProcess(workDirectory: harness.workDirectory)
    }

    override func tearDown() {
        simulator?.stop()
        harness?.tearDown()
    }

    private func settings(redirect: String = QuickBooksConnectTests.pastedRedirect) -> [String: String] {
        simulator.settings(redirectURI: redirect)
    }

    /// `synclet <arguments>` with the QBO_ settings; asserts the exit code.
    @discardableResult
    private func synclet(_ arguments: [String], redirect: String = QuickBooksConnectTests.pastedRedirect, extra: [String: String] = [:], expect expected: Int32 = 0,
                         file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try harness.run("synclet", arguments, environment: settings(redirect: redirect).merging(extra) { $1 })
        transcript.append(result.output)
        XCTAssertEqual(result.exitCode, expected, "synclet \(arguments.joined(separator: " ")) printed:\n\(result.output)", file: file, line: line)
        return result
    }

    private func storedRow() throws -> MariaDBRow? {
        try harness.query("SELECT realm_id, environment, refresh_token, access_token, refresh_count FROM qbo_tokens WHERE id = 1").first
    }

    /// `synclet qbo connect`, the authorization URL opened by the "browser" (the test), which is
    /// redirected with a code; returns the command and the redirect address.
    private func startConnect(redirect: String = QuickBooksConnectTests.pastedRedirect, arguments: [String] = []) throws -> (InteractiveCommand, String) {
        let command = try InteractiveCommand(harness: harness, ["qbo", "connect"] + arguments, environment: settings(redirect: redirect))
        let url = try command.awaitLine(startingWith: simulator.base + "/connect/oauth2?")
        let consent = try HTTP.request("GET", url)
        XCTAssertEqual(consent.status, 302)
        let location = try XCTUnwrap(consent.location)
        XCTAssertTrue(location.hasPrefix(redirect + "?code="), location)
        return (command, location)
    }

    // MARK: - Connecting

    func testConnectingByPastingTheRedirectStoresTheTokensAndStatusNamesTheCompany() throws {
        let (command, location) = try startConnect()
        command.type(location)
        let result = command.finish()
        transcript.append(result.output)
        XCTAssertEqual(result.exitCode, 0, result.output)
        XCTAssertTrue(result.stdout.contains("Connected to QuickBooks company \"Synclet Demo Ltd\" (realm \(Self.realm), sandbox)"), result.stdout)

        let row = try XCTUnwrap(try storedRow())
        XCTAssertEqual(row["realm_id"], Self.realm)
        XCTAssertEqual(row["environment"], "sandbox")
        XCTAssertTrue(row["refresh_token"]?.hasPrefix("RT1-") == true)
        XCTAssertEqual(try simulator.activeGrants(), 1)

        let status = try synclet(["qbo", "status"])
        XCTAssertTrue(status.stdout.contains("QuickBooks: connected to company \(Self.realm) (sandbox)"), status.stdout)
        XCTAssertFalse(status.output.contains("WARNING"), status.output)
        let json = try JSONParser.parse(Array(try synclet(["qbo", "status", "--json"]).stdout.utf8))
        XCTAssertEqual(json["connection"]?["connected"], .bool(true))
        XCTAssertEqual(json["connection"]?["realm_id"]?.stringValue, Self.realm)
        XCTAssertEqual(json["connection"]?["refresh_token_days_left"]?.numberText, "100")
        XCTAssertEqual(json["connection"]?["warnings"]?.arrayValue, [])
    }

    func testConnectingThroughTheLoopbackListenerNeedsNoPasting() throws {
        let port = try freePort()
        let redirect = "http://localhost:\(port)/callback"
        let (command, location) = try startConnect(redirect: redirect)
        XCTAssertTrue(command.stdout.contains("listening on 127.0.0.1:\(port)"), command.stdout)
        command.closeInput()
        // The browser follows the redirect to the listener, which answers it with a page.
        let page = try HTTP.request("GET", location.replacingOccurrences(of: "http://localhost:", with: "http://127.0.0.1:"))
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("You can close this tab"), page.body)
        let result = command.finish()
        transcript.append(result.output)
        XCTAssertEqual(result.exitCode, 0, result.output)
        XCTAssertEqual(try storedRow()?["realm_id"], Self.realm)
    }

    func testARedirectWithAnotherStateIsRefusedAndNothingIsStored() throws {
        let (command, location) = try startConnect()
        let forged = location.replacingOccurrences(of: #"state=[0-9a-f]+"#, with: "state=0123456789abcdef", options: .regularExpression)
        XCTAssertNotEqual(forged, location)
        command.type(forged)
        let result = command.finish()
        XCTAssertEqual(result.exitCode, 1, result.output)
        XCTAssertTrue(result.stderr.contains("synclet qbo connect: error: the redirect's state is not the one this `synclet qbo connect` sent"), result.stderr)
        XCTAssertNil(try storedRow())
        XCTAssertEqual(try simulator.requests("token"), 0, "the code was never exchanged")
    }

    func testAPastedLineThatIsNotTheRedirectIsExplainedAndTheRightOneStillAccepted() throws {
        let (command, location) = try startConnect()
        command.type("yes")
        command.type(location)
        let result = command.finish()
        XCTAssertEqual(result.exitCode, 0, result.output)
        XCTAssertTrue(result.stderr.contains("that is not the address QuickBooks redirected to"), result.stderr)
    }

    func testARefreshTokenImportedFromAFileOrStandardInputIsVerifiedAndTheRotatedOneKept() throws {
        let imported = try simulator.grantElsewhere()
        let path = harness.workDirectory + "/refresh-token"
        try (imported + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(path, 0o600), 0)
        let fromFile = try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", path])
        XCTAssertTrue(fromFile.stdout.contains("QuickBooks accepted it"), fromFile.stdout)
        XCTAssertTrue(fromFile.stdout.contains("\"Synclet Demo Ltd\""), fromFile.stdout)
        let stored = try XCTUnwrap(try storedRow()?["refresh_token"])
        XCTAssertNotEqual(stored, imported, "the simulator rotates on every refresh: the new token is kept")
        XCTAssertEqual(try simulator.requests("refresh"), 1)

        let second = try simulator.grantElsewhere()
        let command = try InteractiveCommand(harness: harness, ["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", "-"],
                                             environment: settings())
        command.type(second)
        command.closeInput()
        let fromInput = command.finish()
        transcript.append(fromInput.output)
        XCTAssertEqual(fromInput.exitCode, 0, fromInput.output)
        let replaced = try XCTUnwrap(try storedRow()?["refresh_token"])
        XCTAssertNotEqual(replaced, stored)
        XCTAssertNotEqual(replaced, second)
        XCTAssertFalse(fromInput.output.contains(second))

        let empty = try InteractiveCommand(harness: harness, ["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", "-"], environment: settings())
        empty.closeInput()
        let refused = empty.finish()
        XCTAssertEqual(refused.exitCode, 2, refused.output)
        XCTAssertTrue(refused.stderr.contains("standard input holds no refresh token"), refused.stderr)
    }

    // MARK: - Refreshing

    func testATokenRotatedOnEveryRefreshIsNeverLostWithTwoProcessesRefreshingAtOnce() throws {
        // Every access token is due for a refresh (60 s is inside the 5-minute margin), every
        // refresh rotates the refresh token, and a superseded one is refused at once.
        try simulator.control("POST", "/__control/tokens/policy?rotate=true&grace_seconds=0&access_lifetime_seconds=60")
        try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", try tokenFile(simulator.grantElsewhere())])
        let rounds = 4
        for round in 1...rounds {
            let first = try harness.start("synclet", ["qbo", "status", "--verify"], environment: settings())
            let second = try harness.start("synclet", ["qbo", "status", "--verify"], environment: settings())
            for result in [try harness.finish(first), try harness.finish(second)] {
                transcript.append(result.output)
                XCTAssertEqual(result.exitCode, 0, "round \(round): \(result.output)")
                XCTAssertTrue(result.stdout.contains("Verified: QuickBooks answered for company \"Synclet Demo Ltd\""), result.stdout)
            }
        }
        XCTAssertEqual(try simulator.requests("invalid_grant"), 0, "no process ever sent a superseded refresh token")
        XCTAssertEqual(try simulator.requests("refresh"), 1 + 2 * rounds, "one refresh per process: each took the newest token under the lock")
        XCTAssertEqual(try storedRow()?["refresh_count"], String(2 * rounds))
        try synclet(["qbo", "status", "--verify"])
    }

    func testARefreshWhoseAnswerIsLostAfterQuickBooksRotatedTheTokenIsRetriedWithinTheGrace() throws {
        try simulator.control("POST", "/__control/tokens/policy?rotate=true&grace_seconds=60&access_lifetime_seconds=60")
        try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", try tokenFile(simulator.grantElsewhere())])
        try simulator.control("POST", "/__control/faults", body: #"[{"kind":"apply-then-drop","times":1,"path":"/oauth2/v1/tokens/bearer"}]"#)
        let result = try synclet(["qbo", "status", "--verify"])
        XCTAssertTrue(result.stderr.contains("refreshing the QuickBooks access token:"), "the lost answer is retried: \(result.stderr)")
        XCTAssertEqual(try simulator.requests("refresh"), 3, "import, the refresh whose answer was lost, its retry")
        XCTAssertEqual(try simulator.requests("invalid_grant"), 0)
        // The token stored is the simulator's current one: the next refresh needs no grace.
        try simulator.control("POST", "/__control/tokens/policy?grace_seconds=0")
        try synclet(["qbo", "status", "--verify"])
    }

    func testARefusedRefreshTokenEndsWithExitCode5AndSaysToConnectAgain() throws {
        try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", try tokenFile(simulator.grantElsewhere())])
        // The company disconnects the app in QuickBooks: the access token still looks valid
        // here, QuickBooks answers 401, and the refresh is refused.
        try simulator.revokeAsTheCompany(try XCTUnwrap(try storedRow()?["refresh_token"]))
        let result = try synclet(["qbo", "status", "--verify"], expect: 5)
        XCTAssertTrue(result.stderr.contains("synclet qbo status: error: QuickBooks refused the stored refresh token (invalid_grant"), result.stderr)
        XCTAssertTrue(result.stderr.contains("run `synclet qbo connect` again"), result.stderr)
        XCTAssertEqual(try simulator.requests("invalid_grant"), 1)

        let notConnected = try synclet(["qbo", "disconnect"])
        XCTAssertTrue(notConnected.stdout.contains("QuickBooks no longer knew the token") || notConnected.stdout.contains("authorization is revoked"), notConnected.stdout)
        let never = try synclet(["qbo", "status", "--verify"], expect: 5)
        XCTAssertTrue(never.stderr.contains("QuickBooks is not connected: run `synclet qbo connect`"), never.stderr)
    }

    func testWrongClientCredentialsAreAConfigurationErrorNamingBothVariables() throws {
        let result = try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", try tokenFile(simulator.grantElsewhere())],
                                 extra: ["QBO_CLIENT_SECRET": "not-the-secret"], expect: 2)
        XCTAssertTrue(result.stderr.contains("configuration error: QBO_CLIENT_ID or QBO_CLIENT_SECRET was refused by QuickBooks (invalid_client)"), result.stderr)
        XCTAssertFalse(result.output.contains("not-the-secret"))
    }

    // MARK: - Disconnecting and status

    func testDisconnectRevokesTheAuthorizationAndForgetsTheTokens() throws {
        try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", try tokenFile(simulator.grantElsewhere())])
        XCTAssertEqual(try simulator.activeGrants(), 1)
        let result = try synclet(["qbo", "disconnect"])
        XCTAssertTrue(result.stdout.contains("Disconnected from QuickBooks company \(Self.realm): the authorization is revoked"), result.stdout)
        XCTAssertEqual(try simulator.requests("revoke"), 1)
        XCTAssertEqual(try simulator.activeGrants(), 0)
        XCTAssertNil(try storedRow())
        XCTAssertTrue(try synclet(["qbo", "status"]).stdout.contains("QuickBooks: not connected"))
        XCTAssertTrue(try synclet(["qbo", "disconnect"]).stdout.contains("nothing to disconnect"))
    }

    func testDisconnectKeepsTheTokensWhenQuickBooksCannotBeReachedSoThatItCanRevokeLater() throws {
        try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", try tokenFile(simulator.grantElsewhere())])
        let settings = self.settings()
        simulator.stop()
        let result = try harness.run("synclet", ["qbo", "disconnect"], environment: settings)
        XCTAssertEqual(result.exitCode, 1, result.output)
        XCTAssertTrue(result.stderr.contains("revoking the QuickBooks authorization at \(settings["QBO_REVOKE_URL"] ?? "?") failed"), result.stderr)
        XCTAssertNotNil(try storedRow(), "nothing is forgotten before QuickBooks revoked it")
    }

    func testStatusWarnsWellBeforeTheRefreshTokenAndTheFiveYearLimitRunOut() throws {
        try simulator.control("POST", "/__control/tokens/policy?refresh_lifetime_seconds=864000&hard_lifetime_seconds=1728000")
        try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", try tokenFile(simulator.grantElsewhere())])
        let text = try synclet(["qbo", "status"]).stdout
        XCTAssertTrue(text.contains("WARNING: the QuickBooks refresh token expires in 9 days"), text)
        XCTAssertTrue(text.contains("WARNING: the QuickBooks authorization reaches its 5-year limit in 19 days"), text)
        let json = try synclet(["qbo", "status", "--json"])
        let connection = try JSONParser.parse(Array(json.stdout.utf8))["connection"]
        XCTAssertEqual(connection?["warnings"]?.arrayValue?.count, 2)
        XCTAssertEqual(connection?["refresh_token_days_left"]?.numberText, "9")
        XCTAssertEqual(connection?["hard_limit_days_left"]?.numberText, "19")
        XCTAssertTrue(json.stderr.contains("WARN"), "the warnings also go to the log: \(json.stderr)")
    }

    func testAMonitoringUserGrantedTheTokenFreeColumnsRunsStatusButCannotReadATokenAsTheREADMEShows() throws {
        try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", try tokenFile(simulator.grantElsewhere())])
        var rootConfiguration = try Harness.databaseConfiguration()
        rootConfiguration.user = "root"
        rootConfiguration.password = ""
        guard let admin = try? MariaDBConnection(rootConfiguration) else {
            throw XCTSkip("no root account without a password on \(rootConfiguration.endpoint) to create a restricted user")
        }
        defer { admin.close() }
        let user = "synclet_monitor_\(UInt32.random(in: 0...UInt32.max))"
        let account = "'\(user)'@'\(rootConfiguration.host)'"
        let database = harness.databaseName
        try admin.executeScript("CREATE USER \(account) IDENTIFIED BY 'monitor-password'")
        defer { try? admin.executeScript("DROP USER \(account)") }
        try admin.executeScript("GRANT SELECT ON \(database).schema_migrations TO \(account)")
        try admin.executeScript("""
            GRANT SELECT (id, realm_id, environment, refresh_token_expires_at, refresh_token_hard_expires_at,
              access_token_expires_at, connected_at, last_refreshed_at, refresh_count) ON \(database).qbo_tokens TO \(account)
            """)
        let status = try harness.run("synclet", ["qbo", "status"], environment: ["DB_USER": user, "DB_PASSWORD": "monitor-password"])
        XCTAssertEqual(status.exitCode, 0, status.output)
        XCTAssertTrue(status.stdout.contains("connected to company \(Self.realm)"), status.stdout)
        var monitorConfiguration = try Harness.databaseConfiguration(database: database)
        monitorConfiguration.user = user
        monitorConfiguration.password = "monitor-password"
        let monitor = try MariaDBConnection(monitorConfiguration)
        defer { monitor.close() }
        XCTAssertThrowsError(try monitor.query("SELECT refresh_token FROM qbo_tokens")) { error in
            XCTAssertEqual((error as? MariaDBError)?.code, 1143, "\(error)")
        }
    }

    // MARK: - Secrets

    func testNoOutputLogOrOtherTableEverHoldsTheClientSecretOrAToken() throws {
        try simulator.control("POST", "/__control/tokens/policy?rotate=true&grace_seconds=0&access_lifetime_seconds=60")
        var secrets: Set<String> = [simulator.clientSecret]
        func collectStored() throws {
            let row = try XCTUnwrap(try storedRow())
            for column in ["refresh_token", "access_token"] { if let token = row[column] { secrets.insert(token) } }
        }
        let (command, location) = try startConnect(arguments: ["--verbose"])
        if let code = URLComponents(string: location)?.queryItems?.first(where: { $0.name == "code" })?.value { secrets.insert(code) }
        command.type(location)
        let connected = command.finish()
        transcript.append(connected.output)
        XCTAssertEqual(connected.exitCode, 0, connected.output)
        try collectStored()
        for _ in 1...2 {
            try synclet(["qbo", "status", "--verify", "--verbose"])
            try collectStored()
        }
        try synclet(["qbo", "status", "--json", "--verbose"])
        let imported = try simulator.grantElsewhere()
        secrets.insert(imported)
        try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", try tokenFile(imported), "--verbose"])
        try collectStored()
        try synclet(["qbo", "connect", "--realm-id", Self.realm, "--refresh-token-file", try tokenFile("RT1-not-a-token-0000")], expect: 5)
        XCTAssertEqual(secrets.count, 2 + 2 * 4 + 1, "every refresh gave a new refresh and access token")

        let dump = try mysqldumpExceptTokens()
        XCTAssertTrue(dump.contains("CREATE TABLE `orders`"), "the dump holds the other tables")
        var files = ""
        if let enumerator = FileManager.default.enumerator(atPath: harness.stagingDirectory) {
            for case let path as String in enumerator {
                files += (try? String(contentsOfFile: harness.stagingDirectory + "/" + path, encoding: .utf8)) ?? ""
            }
        }
        for secret in secrets {
            for text in transcript { XCTAssertFalse(text.contains(secret), "a command printed a secret: \(text)") }
            XCTAssertFalse(dump.contains(secret), "a table other than qbo_tokens holds a secret")
            XCTAssertFalse(files.contains(secret), "a staged file holds a secret")
        }
    }

    // MARK: - Helpers

    private func tokenFile(_ token: String) throws -> String {
        let path = harness.workDirectory + "/token-\(UUID().uuidString)"
        try token.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(path, 0o600), 0)
        return path
    }

    private func freePort() throws -> Int {
        for _ in 0..<50 {
            let port = Int.random(in: 20_000...60_000)
            if (try? LoopbackRedirectListener(port: port)) != nil { return port }
        }
        throw HarnessError("no free port")
    }

    /// `mysqldump` of every table but `qbo_tokens`, as a backup would be taken.
    private func mysqldumpExceptTokens() throws -> String {
        let configuration = try Harness.databaseConfiguration()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["mysqldump", "--host", configuration.host, "--port", String(configuration.port), "--user", configuration.user,
                             "--skip-ssl", "--ignore-table=\(harness.databaseName).qbo_tokens", harness.databaseName]
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "MYSQL_PWD": configuration.password]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "mysqldump failed")
        return String(decoding: data, as: UTF8.self)
    }
}
