import ArgumentParser
import Foundation
import OneSaasSimulator
import SimulatorHTTP

@main
struct OneSaasSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onesaas-sim",
        abstract: "A local OneSaas Connect (Magento 2) orders endpoint with realistic data, quirks and faults.",
        discussion: """
            Serves GET /onesaas_connect/index/index exactly like the extension (strict one-second filter, \
            LIMIT/OFFSET paging, PHP json_encode escaping) and a control API under /_sim/ for tests:
              GET  /_sim/orders, /_sim/stats          the store's truth and request counters
              POST /_sim/mutate?update=N&create=N     change orders now
              POST /_sim/mutate-during-paging?every=2&update=1&create=1
              POST /_sim/faults  [{"page":2,"kind":"http503","times":1}]   (GET lists, DELETE clears)
              POST /_sim/latency?ms=N
              POST /_sim/patch?order=N  {"Contact.WorkPhone":"+44 ...","LastUpdatedDate":"9999-12-31 00:00:00"}
                   sets fields of one order as rendered (dotted paths, Items.0.Price for arrays);
                   LastUpdatedDate moves the order's updated_at in the store, a future date included
              POST /_sim/clock?offset_seconds=N       the store clock runs N seconds ahead (GET shows it)
              POST /_sim/shutdown
            Fault kinds that reproduce a misbehaving store: empty-orders ("Orders":[] mid-run), short-page \
            (half the page's rows), ignore-page (page 0 whatever Page asks; give times=1000 for a cache that \
            always does), trickle (the body a byte at a time, --trickle-byte-ms apart), bom (a UTF-8 byte \
            order mark before the JSON), db-error ({"Error":"SQLSTATE[HY000] [2002] Connection refused"}).

            Examples:
              onesaas-sim --port 8080 --orders 2000 --seed 42
              onesaas-sim --port 0 --port-file /tmp/sim.port --orders 100000 --quirks none
              onesaas-sim --prices-include-tax false --tax-after-discount false --tax-algorithm unit
              onesaas-sim --fault page=2:http503 --fault page=5:truncated --mutate-during-paging every=2,update=1,create=1
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (see --port-file).")
    var port = 0

    @Option(help: "Write the bound port to this file once listening (written whole, atomically).")
    var portFile: String?

    @Option(help: "Number of orders in the store.")
    var orders = 2000

    @Option(help: "Seed for the generated orders; the same seed gives the same store.")
    var seed: UInt64 = 42

    @Option(help: "The AccessKey clients must send.")
    var accessKey = "sim-access-key"

    @Option(help: "Orders are created between this UTC time and an hour ago (YYYY-MM-DD HH:MM:SS).")
    var startDate = "2025-07-01 00:00:00"

    @Option(help: "Delay before answering each Orders request, in milliseconds.")
    var pageLatencyMs = 0

    @Option(help: "The store clock is the real UTC clock plus this many seconds (Date header, new updated_at, filtering).")
    var clockOffsetSeconds: Int64 = 0

    @Option(help: "realistic: every documented quirk at a realistic rate; none: plain well-formed orders.")
    var quirks: QuirkModeArgument = .realistic

    @Option(help: "Store tax setting: catalogue and shipping prices include VAT (true) or VAT is added to net prices (false).")
    var pricesIncludeTax = true

    @Option(help: "Store tax setting: VAT is charged on the discounted price (true) or on the price before the discount (false).")
    var taxAfterDiscount = true

    @Option(help: "Store tax setting: a percentage discount is taken from the price including VAT (true) or excluding it (false).")
    var discountIncludesTax = true

    @Option(help: "Store tax setting: where VAT is rounded: unit, row or total (Magento's tax calculation method).")
    var taxAlgorithm: TaxCalculationAlgorithmArgument = .row

    @Option(help: "How a zero-rated line is rendered: absent (no Taxes, no 0% rule) or zero-rate (Taxes with TaxRate 0).")
    var zeroRatedTaxes: ZeroRatedTaxesArgument = .absent

    @Option(help: "The store's time zone, as StoreInfo reports it.")
    var timezone = "Europe/London"

    @Option(help: "Number of deliberately invalid orders (no Id, Date \"not a date\", Total \"abc\", rotating).")
    var badOrders = 0

    @Option(help: "Mutate the store during paging, e.g. every=2,update=1,create=1 (after every 2nd Orders request).")
    var mutateDuringPaging: String?

    @Option(help: """
        Inject a fault on an Orders request, e.g. page=2:http503 or page=3:timeout:times=2 (repeatable). \
        Kinds: http500, http503, http502, http429, php-notice, truncated, invalid-json, empty-body, timeout, bad-key, \
        empty-orders, short-page, ignore-page, trickle, bom, db-error.
        """)
    var fault: [String] = []

    @Option(help: "A proxy's rate limit: at most this many Orders requests in any --rate-limit-seconds; the rest answer 429 with Retry-After (0: none).")
    var rateLimit = 0

    @Option(help: "The window of --rate-limit, in seconds.")
    var rateLimitSeconds = 60.0

    @Option(help: "The pause between two bytes of the trickle fault's body, in milliseconds.")
    var trickleByteMs = 100

    @Option(help: "How long the timeout fault holds a request before hanging up, in seconds.")
    var faultTimeoutSeconds = 30

    @Flag(help: "Log one line per request to standard error (never the access key).")
    var verbose = false

    func validate() throws {
        guard orders >= 0 else { throw ValidationError("--orders must be 0 or more, got \(orders).") }
        guard rateLimit >= 0, rateLimitSeconds > 0 else { throw ValidationError("--rate-limit must be 0 or more and --rate-limit-seconds more than 0.") }
        guard trickleByteMs >= 0 else { throw ValidationError("--trickle-byte-ms must be 0 or more.") }
        guard badOrders >= 0, badOrders <= orders else { throw ValidationError("--bad-orders must be between 0 and --orders.") }
        guard UTCTime.parse(startDate) != nil else {
            throw ValidationError("--start-date '\(startDate)' is not a time like 2025-07-01 00:00:00.")
        }
        if let mutateDuringPaging, PagingMutation(specification: mutateDuringPaging) == nil {
            throw ValidationError("--mutate-during-paging '\(mutateDuringPaging)' should look like every=2,update=1,create=1.")
        }
        for specification in fault where Fault(specification: specification) == nil {
            throw ValidationError("--fault '\(specification)' should look like page=2:http503 (kinds: "
                + FaultKind.allCases.map(\.rawValue).joined(separator: ", ") + ").")
        }
    }

    func run() throws {
        let server = SimulatorServer(configuration: makeConfiguration())
        do {
            try SimulatorProcess.serve(server, portFile: portFile, announcement: { "onesaas-sim listening on http://\(host):\($0)/onesaas_connect/index/index" })
        } catch let error as PortFileError {
            throw ValidationError(error.message)
        }
    }

    private func makeConfiguration() -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.accessKey = accessKey
        configuration.store = Store.Settings(orderCount: orders, seed: seed, startDate: UTCTime.parse(startDate) ?? 0,
                                             quirks: quirks.mode, badOrderCount: badOrders,
                                             tax: TaxConfiguration(pricesIncludeTax: pricesIncludeTax, taxAppliedAfterDiscount: taxAfterDiscount,
                                                                   discountOnPricesIncludingTax: discountIncludesTax,
                                                                   algorithm: taxAlgorithm.algorithm, zeroRatedTaxes: zeroRatedTaxes.rendering,
                                                                   timeZone: timezone))
        configuration.clockOffsetSeconds = clockOffsetSeconds
        configuration.pageLatencyMilliseconds = pageLatencyMs
        if rateLimit > 0 { configuration.rateLimit = RateLimit(requests: rateLimit, seconds: rateLimitSeconds) }
        configuration.pagingMutation = mutateDuringPaging.flatMap(PagingMutation.init(specification:)) ?? .off
        configuration.faults = fault.compactMap(Fault.init(specification:))
        configuration.faultTimeoutSeconds = faultTimeoutSeconds
        configuration.trickleByteMilliseconds = trickleByteMs
        if verbose {
            configuration.requestLog = { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
        return configuration
    }
}

enum QuirkModeArgument: String, ExpressibleByArgument, CaseIterable {
    case realistic
    case none

    var mode: QuirkMode { self == .realistic ? .realistic : .none }
}

enum TaxCalculationAlgorithmArgument: String, ExpressibleByArgument, CaseIterable {
    case unit, row, total

    var algorithm: TaxCalculationAlgorithm { TaxCalculationAlgorithm(rawValue: rawValue) ?? .row }
}

enum ZeroRatedTaxesArgument: String, ExpressibleByArgument, CaseIterable {
    case absent
    case zeroRate = "zero-rate"

    var rendering: ZeroRatedTaxes { ZeroRatedTaxes(rawValue: rawValue) ?? .absent }
}
