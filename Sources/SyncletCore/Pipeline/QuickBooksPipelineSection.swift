import Foundation
import Yams

extension PipelineConfiguration {
    /// The `quickbooks:` section: which documents the orders become, how Magento's names map onto
    /// the company's lists, and how fast the push may go. The defaults are those of
    /// `DocumentRules`, `QuickBooksMapping` and `RequestPacer.Limits`, and fit a new UK company as
    /// QuickBooks sets it up.
    public struct QuickBooks: Equatable, Sendable {
        public var rules = DocumentRules()
        public var mapping = QuickBooksMapping()
        public var limits = RequestPacer.Limits()
        /// Documents per batch request (QuickBooks allows 30).
        public var batchSize = QuickBooksClient.maximumBatchItems
        /// The wait after a 429 that names no `Retry-After`.
        public var throttleWaitSeconds: Double = 60

        public init() {}
    }
}

extension PipelineSchema {
    func readQuickBooks(_ section: inout Section, into quickbooks: inout PipelineConfiguration.QuickBooks) throws {
        if let text = try section.string("order_document") {
            quickbooks.rules.orderDocument = try choice(text, OrderDocumentKind.self, "quickbooks.order_document")
        }
        if let text = try section.string("credit_memo_document") {
            quickbooks.rules.creditMemoDocument = try choice(text, CreditMemoDocumentKind.self, "quickbooks.credit_memo_document")
        }
        if let prefix = try section.string("refund_number_prefix") {
            guard prefix.count <= 8 else {
                throw ConfigurationError(variable: path, problem: "quickbooks.refund_number_prefix must be at most 8 characters, got \"\(prefix)\"")
            }
            quickbooks.rules.creditMemoNumberPrefix = prefix
        }
        if var statuses = try section.section("statuses") {
            if let list = try statuses.stringList("document") { quickbooks.rules.documentStatuses = Set(list) }
            if let list = try statuses.stringList("waiting") { quickbooks.rules.waitingStatuses = Set(list) }
            if let list = try statuses.stringList("never") { quickbooks.rules.neverStatuses = Set(list) }
            try statuses.finish()
            let all = [quickbooks.rules.documentStatuses, quickbooks.rules.waitingStatuses, quickbooks.rules.neverStatuses]
            for (index, list) in all.enumerated() {
                for other in all[(index + 1)...] where !list.isDisjoint(with: other) {
                    throw ConfigurationError(variable: path, problem: "quickbooks.statuses lists \(list.intersection(other).sorted().joined(separator: ", ")) in two lists; a status belongs to one")
                }
            }
        }
        if let text = try section.string("customers") {
            quickbooks.mapping.customerMatch = try choice(text, QuickBooksMapping.CustomerMatch.self, "quickbooks.customers")
        }
        if let name = try section.string("customer") { quickbooks.mapping.defaultCustomer = QuickBooksReference(name: name) }
        if let text = try section.string("items") {
            quickbooks.mapping.itemMatch = try choice(text, QuickBooksMapping.ItemMatch.self, "quickbooks.items")
        }
        if let name = try section.string("item") { quickbooks.mapping.singleItem = QuickBooksReference(name: name) }
        if let name = try section.string("income_account") { quickbooks.mapping.incomeAccount = QuickBooksReference(name: name) }
        if let name = try section.string("shipping_item") { quickbooks.mapping.shippingItem = QuickBooksReference(name: name) }
        if let name = try section.string("discount_item") { quickbooks.mapping.discountItem = QuickBooksReference(name: name) }
        if let name = try section.string("adjustment_item") { quickbooks.mapping.adjustmentItem = QuickBooksReference(name: name) }
        if var codes = try section.section("vat_codes") {
            var taxCodes: [Decimal: QuickBooksReference] = [:]
            for entry in codes.takeAll() {
                guard let rate = Decimal(string: entry.key, locale: Locale(identifier: "en_US_POSIX")), rate >= 0, rate <= 100 else {
                    throw Section.error(path, entry.keyNode, "quickbooks.vat_codes.\(entry.key) must be a VAT rate in percent from 0 to 100, such as \"20\"")
                }
                guard let name = entry.value.string, !name.isEmpty else {
                    throw Section.error(path, entry.value, "quickbooks.vat_codes.\(entry.key) must be the name of a QuickBooks VAT code, such as \"20.0% S\"")
                }
                // 20.0 and 20 are one rate: keyed by its plain text form, as the builder looks it up.
                let key = Decimal(string: rate.jsonText, locale: Locale(identifier: "en_US_POSIX")) ?? rate
                taxCodes[key] = QuickBooksReference(name: name)
            }
            quickbooks.mapping.taxCodes = taxCodes
            // The TaxRate behind each code is read from the code itself by `synclet qbo check`.
            quickbooks.mapping.taxRates = taxCodes
        }
        if let name = try section.string("outside_scope_vat_code") {
            quickbooks.mapping.outsideScopeTaxCode = QuickBooksReference(name: name)
        }
        if let name = try section.string("deposit_account") { quickbooks.mapping.depositAccount = QuickBooksReference(name: name) }
        if let map = try section.stringMap("deposit_accounts") { quickbooks.mapping.depositAccounts = map.mapValues { QuickBooksReference(name: $0) } }
        if let map = try section.stringMap("payment_methods") { quickbooks.mapping.paymentMethods = map.mapValues { QuickBooksReference(name: $0) } }
        try section.integer("batch_size", into: &quickbooks.batchSize, in: 1...QuickBooksClient.maximumBatchItems)
        try section.integer("requests_per_minute", into: &quickbooks.limits.requestsPerMinute, in: 1...500)
        try section.integer("in_flight", into: &quickbooks.limits.inFlight, in: 1...10)
        try section.integer("batches_per_minute", into: &quickbooks.limits.batchesPerMinute, in: 1...40)
        try section.number("throttle_wait_seconds", into: &quickbooks.throttleWaitSeconds, in: 0...3600)
        try section.finish()
    }

    private func choice<T: RawRepresentable & CaseIterable>(_ text: String, _: T.Type, _ name: String) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else {
            throw ConfigurationError(variable: path, problem: "\(name) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
        }
        return value
    }
}

extension PipelineSchema.Section {
    /// A list of text values (`[processing, complete]`), nil when the key is absent.
    mutating func stringList(_ key: String) throws -> [String]? {
        guard let node = try take(key) else { return nil }
        guard case .sequence(let list) = node else {
            throw Self.error(path, node, "\(Self.qualified(name, key)) must be a list such as [processing, complete]")
        }
        return try list.map { item in
            guard let text = item.string, !text.isEmpty else {
                throw Self.error(path, item, "\(Self.qualified(name, key)) must hold text values only")
            }
            return text
        }
    }

    /// A mapping of text to text (`checkmo: Cheque`), nil when the key is absent.
    mutating func stringMap(_ key: String) throws -> [String: String]? {
        guard var inner = try section(key) else { return nil }
        var map: [String: String] = [:]
        for entry in inner.takeAll() {
            guard case .scalar = entry.value, let text = entry.value.string, !text.isEmpty else {
                throw Self.error(path, entry.value, "\(Self.qualified(name, key)).\(entry.key) must be a text value")
            }
            map[entry.key] = text
        }
        return map
    }
}
