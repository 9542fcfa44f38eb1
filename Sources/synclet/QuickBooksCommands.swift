import ArgumentParser
import Foundation
import MariaDB
import SyncletCommandLine
import SyncletCore

extension Synclet {
    struct QBO: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "qbo",
            abstract: "QuickBooks Online: connect once, check the mapping, push the orders, see the connection and the documents.",
            discussion: """
                Settings (environment or .env): QBO_CLIENT_ID, QBO_CLIENT_SECRET (the app's keys in Intuit's \
                developer portal), QBO_ENVIRONMENT (production, the default, or sandbox), QBO_REDIRECT_URI (a \
                redirect URI registered for the app; on http://localhost:<port> Synclet catches the redirect \
                itself), QBO_START_DATE (UTC, YYYY-MM-DD[ HH:MM:SS]: orders created after it are pushed). For tests \
                and the simulator: QBO_API_URL (without /v3), QBO_TOKEN_URL, QBO_AUTH_URL, QBO_REVOKE_URL.

                The tokens live in the database table qbo_tokens, shared by every synclet on any host; they never \
                appear in logs, staged files, error messages or on a command line.

                Examples:
                  synclet qbo connect
                  synclet qbo connect --realm-id 9341453050298533 --refresh-token-file - < token.txt
                  synclet qbo check --create-missing
                  synclet qbo push
                  synclet qbo status
                  synclet qbo disconnect
                """,
            subcommands: [Connect.self, Disconnect.self, Synclet.QBO.Status.self, Synclet.Preview.self, Synclet.Check.self, Synclet.Push.self])
    }
}

/// Writes a line to standard output at once: `print` buffers when stdout is a file or a pipe,
/// and the operator (or a script) must see the URL while the command waits.
private func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

extension Synclet.QBO {
    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect Synclet to a QuickBooks Online company (OAuth 2.0), once.",
            discussion: """
                Prints the authorization URL: open it in any browser, sign in and choose the company. QuickBooks \
                then sends the browser to QBO_REDIRECT_URI; paste that address (from the address bar) here. When \
                QBO_REDIRECT_URI is http://localhost:<port> or http://127.0.0.1:<port>, Synclet also listens on \
                that port of this machine and catches the redirect itself (use an SSH tunnel, \
                ssh -L <port>:127.0.0.1:<port> server, to connect from your own browser). The redirect's state must \
                be the one in the printed URL. The code is exchanged for tokens, which are stored in qbo_tokens \
                with the company (realm) id; connecting again replaces the stored connection.

                With --realm-id and --refresh-token-file, a refresh token obtained elsewhere (for example Intuit's \
                OAuth 2.0 playground) is imported instead: it is verified with one refresh, and the token \
                QuickBooks returns is the one kept. The file holds the token alone; - reads it from standard input. \
                A token is never given on the command line (ps and the shell history would show it).

                Examples:
                  synclet qbo connect
                  synclet qbo connect --realm-id 9341453050298533 --refresh-token-file /root/qbo-refresh-token
                  synclet qbo connect --realm-id 9341453050298533 --refresh-token-file - < token.txt
                """)
        @Option(help: ArgumentHelp("The company (realm) id the imported refresh token belongs to.", valueName: "id")) var realmId: String?
        @Option(help: ArgumentHelp("Import the refresh token in this file (- for standard input) instead of authorizing.", valueName: "path|-"))
        var refreshTokenFile: String?
        @Option(help: ArgumentHelp("How long to wait for the redirect.", valueName: "seconds")) var waitSeconds = 900
        @OptionGroup var common: CommonOptions

        func validate() throws {
            if (realmId == nil) != (refreshTokenFile == nil) { throw ValidationError("--realm-id and --refresh-token-file go together") }
            if let realmId, realmId.isEmpty || !realmId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                throw ValidationError("--realm-id must be the company id (letters and digits), as QuickBooks shows it")
            }
            if waitSeconds < 1 { throw ValidationError("--wait-seconds must be at least 1") }
        }

        func run() async throws {
            await CommandEnvironment.runAsync("synclet qbo connect", verbose: common.verbose, quiet: common.quiet) { environment in
                let quickBooks = try environment.settings.quickBooks()
                let database = Database(settings: try environment.settings.database())
                // The schema before QuickBooks: a code is single-use, so nothing may fail after the exchange.
                let check = try database.connectWithCurrentSchema()
                let before = try QuickBooksConnectionTable(connection: check).facts()
                check.close()
                let oauth = QuickBooksOAuthClient(settings: quickBooks, http: environment.pipeline.http, log: environment.log)
                let connection = QuickBooksConnection(database: database, oauth: oauth, log: environment.log)
                do {
                    let access: QuickBooksAccess
                    if let realmId, let refreshTokenFile {
                        let token = try Self.readRefreshToken(from: refreshTokenFile, log: environment.log)
                        do {
                            access = try await connection.importRefreshToken(token, realmId: realmId)
                        } catch QuickBooksConnectionError.reconnectNeeded {
                            let source = refreshTokenFile == "-" ? "standard input" : refreshTokenFile
                            throw SyncFailure(exitCode: .reconnectNeeded, message: "QuickBooks refused the refresh token from \(source) (invalid_grant: expired, revoked, or already replaced by a newer one); nothing was stored: get a new one, or run `synclet qbo connect` without --refresh-token-file")
                        }
                        say("Imported the refresh token: QuickBooks accepted it (one refresh); the new refresh token it issued is the one stored.")
                    } else {
                        access = try await authorize(quickBooks: quickBooks, oauth: oauth, connection: connection, log: environment.log)
                    }
                    if let before {
                        if before.realmId == access.realmId {
                            environment.log.info("replaced the stored connection to company \(before.realmId); the earlier authorization is not revoked (it ends with its tokens)")
                        } else {
                            environment.log.warning("replaced the stored connection to company \(before.realmId) by one to company \(access.realmId): what was pushed before is in company \(before.realmId), not this one")
                        }
                    }
                    var name: String?
                    switch await oauth.companyInfo(access: access) {
                    case .name(let found): name = found
                    case .rejected:
                        environment.log.warning("QuickBooks rejected the new access token for company \(access.realmId) (HTTP 401)"
                            + (realmId == nil ? "" : ": is --realm-id the company the refresh token was issued for?")
                            + " The connection is stored; check it with `synclet qbo status --verify`")
                    case .failed(let problem): environment.log.warning("could not read the company's name (\(problem)); the connection is stored")
                    }
                    say("Connected to QuickBooks company \(name.map { "\"\($0)\" " } ?? "")(realm \(access.realmId), \(quickBooks.environment.rawValue)); "
                        + "the tokens are stored in \(TableName.qboTokens.rawValue) of database \(database.settings.name).")
                    await oauth.shutdown()
                } catch {
                    await oauth.shutdown()
                    throw error
                }
            }
        }

        private func authorize(quickBooks: QuickBooksSettings, oauth: QuickBooksOAuthClient, connection: QuickBooksConnection,
                               log: Log) async throws -> QuickBooksAccess {
            let redirectURI = try quickBooks.requiredRedirectURI()
            let authorization = QuickBooksAuthorization(settings: quickBooks, redirectURI: redirectURI)
            // Listening before the URL is shown: a quick browser must find the port open.
            var listener: LoopbackRedirectListener?
            if let loopback = authorization.loopback {
                do {
                    listener = try LoopbackRedirectListener(port: loopback.port)
                } catch {
                    log.warning("\(error): paste the redirect address instead")
                }
            }
            say("Open this URL in a browser, sign in to QuickBooks and choose the company to connect:")
            say("")
            say("  \(authorization.url.absoluteString)")
            say("")
            if let listener {
                say("Synclet is listening on 127.0.0.1:\(listener.port) and will catch the redirect to \(redirectURI.absoluteString) itself.")
                say("If the browser runs on another machine, paste the address it was sent to here instead:")
            } else {
                say("QuickBooks then sends the browser to \(redirectURI.absoluteString)?code=...; paste that whole address here:")
            }
            let catcher = RedirectCatcher(authorization: authorization, log: log)
            let seconds = waitSeconds
            let callback = try await Blocking.run { [listener] in
                try catcher.wait(listener: listener, readLine: { Swift.readLine() }, timeoutSeconds: seconds)
            }
            say("Received the redirect for company \(callback.realmId); exchanging the code for tokens.")
            let grant = try await oauth.exchange(code: callback.code, redirectURI: redirectURI)
            try await connection.store(grant: grant, realmId: callback.realmId)
            return QuickBooksAccess(realmId: callback.realmId, accessToken: grant.accessToken, expiresAt: grant.accessTokenExpiresAt)
        }

        /// The refresh token alone, from a file or standard input; never echoed.
        static func readRefreshToken(from path: String, log: Log) throws -> String {
            let data: Data
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: path) else {
                    throw ConfigurationError(variable: "--refresh-token-file", problem: "names \(path), which cannot be read")
                }
                data = contents
                if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
                    log.warning("\(path) is readable by other users (mode \(String(mode, radix: 8))) and holds a secret: remove it now that the token is imported")
                }
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let source = path == "-" ? "standard input" : path
            guard !token.isEmpty else {
                throw ConfigurationError(variable: "--refresh-token-file", problem: "\(source) holds no refresh token (it is empty)")
            }
            guard token.count <= 2048, !token.contains(where: { $0.isWhitespace }) else {
                throw ConfigurationError(variable: "--refresh-token-file", problem: "\(source) must hold the refresh token alone, on one line (not shown here)")
            }
            return token
        }
    }

    struct Disconnect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke Synclet's QuickBooks authorization and forget the stored tokens.",
            discussion: """
                Revokes the stored refresh token at QuickBooks (which ends the app's access to the company) and \
                deletes the row of qbo_tokens. When QuickBooks cannot be reached nothing is forgotten, so that \
                running it again can still revoke. A token QuickBooks no longer knows is forgotten all the same.
                """)
        @OptionGroup var common: CommonOptions

        func run() async throws {
            await CommandEnvironment.runAsync("synclet qbo disconnect", verbose: common.verbose, quiet: common.quiet) { environment in
                let quickBooks = try environment.settings.quickBooks()
                let database = Database(settings: try environment.settings.database())
                let oauth = QuickBooksOAuthClient(settings: quickBooks, http: environment.pipeline.http, log: environment.log)
                let outcome: QuickBooksConnection.Disconnection
                do {
                    outcome = try await QuickBooksConnection(database: database, oauth: oauth, log: environment.log).disconnect()
                    await oauth.shutdown()
                } catch {
                    await oauth.shutdown()
                    throw error
                }
                switch outcome {
                case .revoked(let realmId):
                    say("Disconnected from QuickBooks company \(realmId): the authorization is revoked and the tokens are deleted.")
                case .alreadyRevoked(let realmId):
                    say("Disconnected from QuickBooks company \(realmId): QuickBooks no longer knew the token (already revoked or expired); the tokens are deleted.")
                case .notConnected:
                    say("QuickBooks is not connected: nothing to disconnect.")
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the QuickBooks connection: company, environment, and when its tokens expire.",
            discussion: """
                Reads the token-free columns of qbo_tokens only, so a monitoring user may be granted SELECT on \
                those columns alone. Warns \(QuickBooksConnectionReport.warningDays) days ahead of the refresh \
                token's expiry (100 days after the last refresh; every push renews it) and of QuickBooks' \
                5-year limit on an authorization (which refreshing does not extend); either needs \
                `synclet qbo connect`. Not being connected is reported, not an error (exit code 0).

                The documents part (from qbo_documents) counts the pushed documents by state, the held ones by \
                reason, lists those not in QuickBooks with QuickBooks' error, and the drift: pushed documents whose \
                total or VAT in QuickBooks differs from Magento's.

                --json prints {"connection": {"connected", "realm_id", "environment", "connected_at", \
                "last_refreshed_at", "refresh_count", "access_token_expires_at", "refresh_token_expires_at", \
                "refresh_token_days_left", "hard_limit_at", "hard_limit_days_left", "warnings": [...]}, \
                "documents": {"states", "held", "problems", "drift", "last_pushed_at"}}; each key is always there \
                (null when unknown), times RFC 3339 UTC (last_pushed_at: YYYY-MM-DD HH:MM:SS UTC).

                --verify also proves the connection: it takes an access token as a push does (refreshing it \
                when due, under the lock every process shares) and reads the company's name; a refused refresh \
                token ends it with exit code 5.

                Examples:
                  synclet qbo status
                  synclet qbo status --json
                  synclet qbo status --verify
                """)
        @Flag(help: "Print JSON for scripts and monitoring.") var json = false
        @Flag(help: "Also prove the connection: take an access token (refreshed when due, as a push does) and read the company's name.")
        var verify = false
        @OptionGroup var common: CommonOptions

        func run() async throws {
            await CommandEnvironment.runAsync("synclet qbo status", verbose: common.verbose, quiet: common.quiet) { environment in
                // Compared with the stored connection only where QuickBooks is configured: a
                // monitoring host without QBO_ settings gets no warning about them.
                let settings = environment.settings
                let configured = ["QBO_ENVIRONMENT", "QBO_CLIENT_ID"].contains { !(settings.values[$0] ?? "").isEmpty }
                    ? try settings.quickBooksEnvironment() : nil
                let database = Database(settings: try settings.database())
                var verified: Result<String, Error>?
                if verify {
                    let oauth = QuickBooksOAuthClient(settings: try settings.quickBooks(), http: environment.pipeline.http, log: environment.log)
                    do {
                        verified = .success(try await QuickBooksConnection(database: database, oauth: oauth, log: environment.log).verify())
                    } catch {
                        verified = .failure(error)
                    }
                    await oauth.shutdown()
                }
                let connection = try database.connectWithCurrentSchema()
                defer { connection.close() }
                let report = try QuickBooksConnection.report(connection: connection, configured: configured)
                // The push's part: what is in QuickBooks, held, failed, and the drift. A monitoring
                // user granted the connection's columns alone still gets the connection.
                let documents: PushStatusReport?
                do {
                    documents = try PushStatusReport.read(connection: connection)
                } catch let error as MariaDBError where error.code == 1142 {
                    documents = nil
                }
                if json {
                    var combined = try JSONParser.parse(Array(try report.json().utf8)).objectValue ?? JSONObject()
                    combined.members.append(("documents", documents?.json ?? .null))
                    say(JSONWriter.string(.object(combined)))
                    for warning in report.warnings { environment.log.warning(warning) }
                } else {
                    say(report.text())
                    say(documents?.text ?? "Documents: this database user may not read qbo_documents (GRANT SELECT ON <database>.qbo_documents to see them)")
                }
                switch verified {
                case .success(let name)?:
                    let line = "Verified: QuickBooks answered for company \"\(name)\" (realm \(report.realmId ?? "?")) with the stored connection."
                    // Standard output stays one JSON document with --json.
                    if json { environment.log.info(line) } else { say(line) }
                case .failure(let error)?: throw error
                case nil: break
                }
            }
        }
    }
}
