/// What `synclet qbo preview --summary` counts: every stored order and credit memo rebuilt.
///
/// ```swift
/// var summary = PreviewSummary()
/// for order in orders { summary.add(builder.documents(for: order)) }
/// print(JSONWriter.string(summary.json))   // {"orders":{"documents":…,"exact":…,"not_exact":…,"held":{…}},"credit_memos":{…}}
/// ```
public struct PreviewSummary: Equatable, Sendable {
    public struct Counts: Equatable, Sendable {
        /// Documents that would be sent.
        public var documents = 0
        /// Of those, documents whose total and VAT equal Magento's to the penny.
        public var exact = 0
        public var notExact = 0
        /// Sources that become no document, by the key of their first reason.
        public var held: [String: Int] = [:]

        mutating func add(_ outcome: DocumentOutcome) {
            if outcome.isDocument, let document = outcome.document {
                documents += 1
                if document.check.isExact { exact += 1 } else { notExact += 1 }
            } else {
                held[outcome.heldReasons.first?.key ?? "no_document", default: 0] += 1
            }
        }

        var json: JSONValue {
            .object(JSONObject(members: [
                ("documents", .number(String(documents))), ("exact", .number(String(exact))), ("not_exact", .number(String(notExact))),
                ("held", .object(JSONObject(members: held.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) }))),
            ]))
        }
    }

    /// The held reason of a stored order with an empty required column (not rebuildable).
    public static let unreadableReason = "missing_columns"

    public var orders = Counts()
    public var creditMemos = Counts()

    public init() {}

    public mutating func add(_ documents: OrderDocuments) {
        orders.add(documents.order)
        for memo in documents.creditMemos { creditMemos.add(memo) }
    }

    /// Exactly `{"orders": {...}, "credit_memos": {...}}`.
    public var json: JSONValue {
        .object(JSONObject(members: [("orders", orders.json), ("credit_memos", creditMemos.json)]))
    }

    /// The same counts for a person.
    public var text: String {
        func lines(_ title: String, _ counts: Counts) -> String {
            var text = "\(title): \(counts.documents) documents (\(counts.exact) exact to the penny, \(counts.notExact) not exact)"
            for (reason, count) in counts.held.sorted(by: { $0.key < $1.key }) { text += "\n  held, \(reason): \(count)" }
            return text
        }
        return lines("Orders", orders) + "\n" + lines("Credit memos", creditMemos)
    }
}
