import ArgumentParser
import SyncletCommandLine
import SyncletCore

extension Synclet {
    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the QuickBooks document(s) an order becomes, with the checks, from the database alone.",
            discussion: """
                Needs no QuickBooks connection: a reference whose Id is not known carries the mapped name. \
                The order is read from the relational tables, never raw_json. With --summary every stored \
                order is rebuilt and counted: documents, exact to the penny (total and VAT), not exact, and \
                held by reason.

                Examples:
                  synclet qbo preview 100000123
                  synclet qbo preview --summary
                  synclet qbo preview --summary --json
                """)
        @OptionGroup var common: CommonOptions
        @Argument(help: "The order number (increment id), e.g. 100000123.") var orderNumber: String?
        @Flag(help: "Rebuild every stored order and print counts.") var summary = false
        @Flag(help: "With --summary: print the counts as JSON.") var json = false

        func validate() throws {
            if summary == (orderNumber != nil) { throw ValidationError("give an order number, or --summary") }
        }

        func run() async throws {
            await CommandEnvironment.run("synclet qbo preview", verbose: common.verbose, quiet: common.quiet) { environment in
                let database = Database(settings: try environment.settings.database())
                let connection = try database.connect()
                defer { connection.close() }
                try SchemaMigrator(connection: connection).check()
                let reader = StoredOrderReader(connection: connection)
                let builder = DocumentBuilder()
                if summary {
                    var counts = PreviewSummary()
                    let stored = try reader.ordersAndUnreadable()
                    for order in stored.orders { counts.add(builder.documents(for: order)) }
                    // An order the database cannot rebuild is counted as held, named on stderr.
                    for error in stored.unreadable {
                        environment.log.warning("\(error)")
                        counts.orders.held[PreviewSummary.unreadableReason, default: 0] += 1
                    }
                    print(json ? JSONWriter.string(counts.json) : counts.text)
                    return
                }
                let number = orderNumber ?? ""
                let orders = try reader.orders(numbered: number)
                guard !orders.isEmpty else { throw PreviewError.noSuchOrder(number) }
                for order in orders {
                    let documents = builder.documents(for: order)
                    print(JSONWriter.string(.object(JSONObject(members: [
                        ("order", documents.order.previewJSON),
                        ("credit_memos", .array(documents.creditMemos.map(\.previewJSON))),
                    ]))))
                }
            }
        }
    }

    enum PreviewError: Error, CustomStringConvertible {
        case noSuchOrder(String)
        var description: String {
            switch self {
            case .noSuchOrder(let number): return "no stored order has the number \(number); check it with `synclet show`"
            }
        }
    }
}
