import ArgumentParser
import Foundation
import QuickBooksSimulator
import SimulatorHTTP

@main
struct QBOSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qbo-sim",
        abstract: "A local QuickBooks Online company (UK VAT) with OAuth 2.0, the v3 accounting API, throttling and faults.",
        discussion: """
            Serves on one port (the README's qbo-sim section says more):
              GET  /connect/oauth2            approves at once: 302 to
                   redirect_uri?code=..&state=..&realmId=..
              POST /oauth2/v1/tokens/bearer   authorization_code, refresh_token
              POST /v2/oauth2/tokens/revoke   {"token": "..."}
              /v3/company/<realm>/...         the API (Bearer access token)
            and a control API for tests under /__control/ (no token):
              GET  documents[?entity=..]  documents/<Entity>/<Id>  creates  stats
              POST faults   [{"kind":"apply-then-drop","path":"/batch","times":1}]
                   (GET lists them, DELETE clears them)
              POST tokens/expire-access   tokens/grant
              POST tokens/policy?rotate=true&grace_seconds=0
              POST limits?requests_per_minute=N&max_in_flight=N
                   &batch_requests_per_minute=N&max_batch_items=N
              POST latency?ms=N  clock?offset_seconds=N  reset  shutdown
            Fault kinds: http500, http503, http401, http401-upper, http429,
            http429-xml, drop (no answer, nothing applied), apply-then-drop
            (applied, then no answer), slow (applied, answered after ms).

            Examples:
              qbo-sim --port 8932 --port-file .local/demo/qbo.port
              qbo-sim --requests-per-minute 100000 --batch-requests-per-minute 1000
              qbo-sim --refresh-token-grace 0 --fault apply-then-drop:path=/batch
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (see --port-file).")
    var port = 0

    @Option(help: "Write the bound port to this file once listening (written whole, atomically).")
    var portFile: String?

    @Option(help: "The company id (realmId) the redirect hands out and the API paths use.")
    var realmId = "9130357766900001"

    @Option(help: "The company's name (CompanyInfo).")
    var companyName = "Synclet Demo Ltd"

    @Option(help: "The app's client id.")
    var clientId = "sim-client-id"

    @Option(help: "The app's client secret (for tests only: a real secret never goes on a command line).")
    var clientSecret = "sim-client-secret"

    @Option(help: "Accept only this redirect URI, like an app's registered one (default: any).")
    var redirectURI: String?

    @Option(help: "Access token lifetime, in seconds.")
    var accessTokenLifetime = 3600

    @Option(help: "Refresh token lifetime, in seconds, renewed by each refresh (100 days).")
    var refreshTokenLifetime = 8_726_400

    @Option(help: "Refresh token hard limit from the authorization, in seconds, never renewed (5 years).")
    var refreshTokenHardLifetime = 157_680_000

    @Option(help: "Authorization code lifetime, in seconds.")
    var authorizationCodeLifetime = 600

    @Option(help: "Hand out a new refresh token on every refresh (true) or keep the same one (false).")
    var rotateRefreshTokens = true

    @Option(help: "How long a superseded refresh token keeps working, in seconds.")
    var refreshTokenGrace = 60

    @Option(help: "API requests per minute per realm before HTTP 429.")
    var requestsPerMinute = 500

    @Option(help: "API requests in flight per realm before HTTP 429.")
    var maxInFlight = 10

    @Option(help: "Batch requests per minute per realm before HTTP 429.")
    var batchRequestsPerMinute = 40

    @Option(help: "Items a batch may hold.")
    var maxBatchItems = 30

    @Option(help: "Answer a batch's items in reverse order (true), to catch clients that match answers by position instead of bId, or as sent (false).")
    var reverseBatchAnswers = true

    @Option(help: "Delay added to every API answer, in milliseconds.")
    var latencyMs = 0

    @Option(help: """
        Inject a fault on the next matching API requests (repeatable), e.g. http500, apply-then-drop:times=2:path=/batch, \
        slow:ms=5000:method=POST. Kinds: \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")).
        """)
    var fault: [String] = []

    @Flag(help: "Log one line per request to standard error (never a token or the client secret).")
    var verbose = false

    func validate() throws {
        let positive: [(String, Int)] = [
            ("--access-token-lifetime", accessTokenLifetime), ("--refresh-token-lifetime", refreshTokenLifetime),
            ("--refresh-token-hard-lifetime", refreshTokenHardLifetime), ("--authorization-code-lifetime", authorizationCodeLifetime),
            ("--requests-per-minute", requestsPerMinute), ("--max-in-flight", maxInFlight),
            ("--batch-requests-per-minute", batchRequestsPerMinute), ("--max-batch-items", maxBatchItems),
        ]
        for (name, value) in positive where value < 1 {
            throw ValidationError("\(name) must be 1 or more, got \(value).")
        }
        guard refreshTokenGrace >= 0, latencyMs >= 0 else {
            throw ValidationError("--refresh-token-grace and --latency-ms must be 0 or more.")
        }
        for specification in fault where Fault(specification: specification) == nil {
            throw ValidationError("--fault '\(specification)' should look like apply-then-drop:times=1:path=/salesreceipt (kinds: "
                + FaultKind.allCases.map(\.rawValue).joined(separator: ", ") + ").")
        }
    }

    func run() throws {
        let server = QuickBooksSimulatorServer(configuration: makeConfiguration())
        do {
            try SimulatorProcess.serve(server, portFile: portFile, announcement: { "qbo-sim listening on http://\(host):\($0) (realm \(realmId))" })
        } catch let error as PortFileError {
            throw ValidationError(error.message)
        }
    }

    private func makeConfiguration() -> QuickBooksSimulatorConfiguration {
        var configuration = QuickBooksSimulatorConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.realmId = realmId
        configuration.companyName = companyName
        configuration.clientId = clientId
        configuration.clientSecret = clientSecret
        configuration.redirectURI = redirectURI
        configuration.tokens.accessTokenLifetimeSeconds = accessTokenLifetime
        configuration.tokens.refreshTokenLifetimeSeconds = refreshTokenLifetime
        configuration.tokens.refreshTokenHardLifetimeSeconds = refreshTokenHardLifetime
        configuration.tokens.authorizationCodeLifetimeSeconds = authorizationCodeLifetime
        configuration.tokens.rotateRefreshTokens = rotateRefreshTokens
        configuration.tokens.supersededRefreshTokenGraceSeconds = refreshTokenGrace
        configuration.limits.requestsPerMinute = requestsPerMinute
        configuration.limits.maxInFlight = maxInFlight
        configuration.limits.batchRequestsPerMinute = batchRequestsPerMinute
        configuration.limits.maxBatchItems = maxBatchItems
        configuration.latencyMilliseconds = latencyMs
        configuration.reverseBatchAnswers = reverseBatchAnswers
        configuration.faults = fault.compactMap(Fault.init(specification:))
        if verbose {
            configuration.requestLog = { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
        return configuration
    }
}
