import ArgumentParser
import Foundation
import MariaDB
import SyncletCommandLine
import SyncletCore

extension Synclet {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Look every name of the QuickBooks mapping up in the company, and list what is missing with the fix.",
            discussion: """
                Connects to QuickBooks and looks up, with batched queries, every name the quickbooks: section of \
                pipeline.yaml uses: the VAT codes (and the VAT rate behind each), the deposit and income accounts, \
                the payment methods, the shipping, discount and adjustment items, the named customer, and (with \
                items: by-sku and customers: per-email) an item per SKU and a customer per e-mail address of the \
                stored orders. Nothing is pushed while a name the push cannot create is missing.

                With --create-missing it creates the items and customers the mapping allows (never accounts, VAT \
                codes or payment methods: those are the bookkeeper's).

                Examples:
                  synclet qbo check
                  synclet qbo check --create-missing

                Exit codes: 0 every name is there, 2 some are missing (listed), 5 reconnect needed.
                """)
        @OptionGroup var common: CommonOptions
        @Flag(help: "Create the missing items and customers the mapping allows.") var createMissing = false

        func run() async throws {
            await CommandEnvironment.runAsync("synclet qbo check", verbose: common.verbose, quiet: common.quiet) { environment in
                let session = try QuickBooksSession(environment: environment)
                defer { session.connection.close() }
                let quickbooks = environment.pipeline.quickbooks
                let builder = DocumentBuilder(rules: session.rules, mapping: quickbooks.mapping)
                var skus = Set<String>()
                var customers = Set<MappingCheck.CustomerNeed>()
                for order in try StoredOrderReader(connection: session.connection).ordersAndUnreadable().orders {
                    let documents = builder.documents(for: order)
                    guard documents.order.isDocument || documents.creditMemos.contains(where: \.isDocument) else { continue }
                    skus.formUnion(order.lines.map(\.sku))
                    skus.formUnion(order.creditMemos.flatMap { $0.lines.map(\.sku) })
                    if let email = order.customerEmailKey {
                        customers.insert(.init(email: email, displayName: order.customerDisplayName ?? email))
                    }
                }
                let result = try await session.withClient { client in
                    try await MappingCheck(client: client, log: environment.log)
                        .resolve(quickbooks.mapping, skus: skus, customers: customers, create: createMissing ? .allAllowed : .none)
                }
                print(Self.text(result))
                if !result.blocking.isEmpty { throw MappingCheckFailed(missing: result.blocking) }
            }
        }

        static func text(_ result: MappingCheck.Result) -> String {
            var lines: [String] = []
            for name in result.created { lines.append("created: \(name)") }
            let blocking = result.blocking
            let byPush = result.missing.filter(\.createdByPush)
            for name in blocking { lines.append("missing: \(name)") }
            if !byPush.isEmpty {
                let items = byPush.filter { $0.kind == .item }.count
                let customers = byPush.filter { $0.kind == .customer }.count
                lines.append("not yet in QuickBooks: \(items) item(s) for SKUs and \(customers) customer(s) by e-mail address; "
                             + "`synclet qbo push` creates them as it needs them (or `synclet qbo check --create-missing` now)")
            }
            lines.append(blocking.isEmpty ? "QuickBooks mapping: OK" : "QuickBooks mapping: \(blocking.count) name(s) missing; nothing is pushed until they exist")
            return lines.joined(separator: "\n")
        }
    }

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Push every eligible order and credit memo to QuickBooks Online, exactly once.",
            discussion: """
                Every stored order and credit memo that becomes a document (see `synclet qbo preview`) and is not \
                yet in QuickBooks is created there, in batches of up to 30. Before anything is written the mapping \
                is checked (`synclet qbo check`); items per SKU and customers per e-mail address are created as \
                needed. A document whose earlier write got no certain answer is looked up by its DocNumber first; a \
                DocNumber QuickBooks already has is adopted only when the document there is ours (same total and \
                date), otherwise it is a conflict and left alone. What QuickBooks answered (Id, SyncToken, total, VAT) \
                is stored in qbo_documents, with the difference from Magento's figures.

                Later changes: an order cancelled or replaced by an edit after its push has its document voided; a \
                new credit memo becomes a new refund document; any other change of a pushed document's content is a \
                sparse update with its SyncToken.

                Examples:
                  synclet qbo push
                  synclet qbo push --dry-run
                  synclet qbo push --order 100000123

                Exit codes: 0 every eligible document is in QuickBooks (held ones are not failures), 1 some failed \
                (run it again: it retries them), 2 configuration (pipeline.yaml, QBO_* settings, or the mapping check \
                failed), 4 another push is running, 5 reconnect needed (`synclet qbo connect`).
                """)
        @OptionGroup var common: CommonOptions
        @Flag(help: "Show what would be done; send nothing to QuickBooks and write nothing to the database.") var dryRun = false
        @Option(help: "Push only this order (its number, e.g. 100000123) and its credit memos.") var order: String?

        func run() async throws {
            await CommandEnvironment.runAsync("synclet qbo push", verbose: common.verbose, quiet: common.quiet) { environment in
                let session = try QuickBooksSession(environment: environment)
                defer { session.connection.close() }
                try PushError.lock(session.connection)
                var configuration = environment.pipeline.quickbooks
                configuration.rules = session.rules
                let report = try await session.withClient { client in
                    try await QuickBooksPush(client: client, connection: session.connection, configuration: configuration, log: environment.log)
                        .run(.init(dryRun: dryRun, orderNumber: order))
                }
                for warning in report.warnings { environment.log.warning(warning) }
                print(report.text)
                if !report.failures.isEmpty { throw PushError.someFailed(report.failures.count) }
            }
        }
    }
}

/// What the commands that talk to QuickBooks share: the database, the document rules with the
/// QuickBooks start date (`QBO_START_DATE`), and a client on the stored connection.
struct QuickBooksSession {
    let environment: CommandEnvironment
    let settings: QuickBooksSettings
    let database: Database
    let connection: MariaDBConnection
    let rules: DocumentRules

    init(environment: CommandEnvironment) throws {
        self.environment = environment
        settings = try environment.settings.quickBooks()
        database = Database(settings: try environment.settings.database())
        connection = try database.connect()
        try SchemaMigrator(connection: connection).check()
        var rules = environment.pipeline.quickbooks.rules
        // Orders created before it were booked by the old system.
        rules.startTime = settings.startDate
        self.rules = rules
    }

    /// Runs `body` with a client on the stored connection, and closes both whatever happens.
    func withClient<T>(_ body: (QuickBooksClient) async throws -> T) async throws -> T {
        let pipeline = environment.pipeline
        var options = QuickBooksClient.Options(baseURL: settings.apiBaseURL)
        options.limits = pipeline.quickbooks.limits
        options.throttleWaitSeconds = pipeline.quickbooks.throttleWaitSeconds
        options.connectTimeoutSeconds = pipeline.http.connectTimeoutSeconds
        options.readTimeoutSeconds = pipeline.http.readTimeoutSeconds
        options.requestTimeoutSeconds = pipeline.http.requestTimeoutSeconds
        options.backoff = pipeline.http.backoff
        let access = try QuickBooksConnection.configured(settings: environment.settings, http: pipeline.http, log: environment.log)
        let client = QuickBooksClient(options: options, access: access, log: environment.log)
        do {
            let result = try await body(client)
            await client.shutdown()
            await access.shutdown()
            return result
        } catch {
            await client.shutdown()
            await access.shutdown()
            throw error
        }
    }
}
