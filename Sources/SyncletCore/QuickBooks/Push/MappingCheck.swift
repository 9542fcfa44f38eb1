import Foundation

/// A name the mapping uses that QuickBooks does not have (or has made inactive), with the fix.
public struct MissingName: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case vatCode = "VAT code"
        case account
        case item
        case customer
        case paymentMethod = "payment method"
    }

    public var kind: Kind
    public var name: String
    /// The pipeline.yaml setting that names it.
    public var setting: String
    /// `synclet qbo check --create-missing` (and the push, for SKUs and e-mail addresses) can create it.
    public var creatable: Bool
    /// Created automatically by the push (an item per SKU, a customer per e-mail address): not a
    /// reason for the check to fail.
    public var createdByPush: Bool

    public var fix: String {
        switch kind {
        case .vatCode:
            return "set up VAT in QuickBooks so that the code \"\(name)\" exists and is active, or name an existing code in pipeline.yaml \(setting)"
        case .account:
            return "add the account \"\(name)\" in QuickBooks (Chart of accounts), or name an existing one in pipeline.yaml \(setting)"
        case .paymentMethod:
            return "add the payment method \"\(name)\" in QuickBooks (Lists > Payment methods), or change pipeline.yaml \(setting)"
        case .item, .customer:
            return createdByPush
                ? "`synclet qbo push` creates it (or `synclet qbo check --create-missing` now)"
                : "run `synclet qbo check --create-missing`, or name an existing \(kind.rawValue) in pipeline.yaml \(setting)"
        }
    }

    public var description: String { "\(kind.rawValue) \"\(name)\" (\(setting)) is not in QuickBooks: \(fix)" }
}

/// The check failed: names the push needs are missing. Exit code 2, like any configuration error.
public struct MappingCheckFailed: Error, CustomStringConvertible {
    public var missing: [MissingName]

    public init(missing: [MissingName]) {
        self.missing = missing
    }

    public var description: String {
        let first = missing.first.map { "\($0)" } ?? ""
        return "the QuickBooks mapping is incomplete: \(missing.count) name(s) missing, first: \(first); `synclet qbo check` lists them all"
    }
}

/// Looks every name of the mapping up in QuickBooks, with batched queries, and fills in the Ids
/// (`QuickBooksReference.id`) the document builder then sends; creates, when asked, the items and
/// customers the mapping allows.
///
/// ```swift
/// var check = MappingCheck(client: client, log: log)
/// let result = try await check.resolve(mapping, skus: skus, emails: emails, create: .none)
/// if !result.blocking.isEmpty { throw MappingCheckFailed(missing: result.blocking) }
/// ```
public struct MappingCheck {
    public let client: QuickBooksClient
    public let log: Log
    /// Names per query and queries per batch request.
    static let namesPerQuery = 100

    public init(client: QuickBooksClient, log: Log) {
        self.client = client
        self.log = log
    }

    /// What may be created: nothing (`qbo check`, a dry run), what the push needs as it goes (an
    /// item per SKU, a customer per e-mail address), or everything the mapping allows.
    public enum Creation: Sendable {
        case none
        case perDocument
        case allAllowed
    }

    public struct Result: Sendable {
        public var mapping: QuickBooksMapping
        public var missing: [MissingName]
        public var created: [String]

        /// What stops a push: missing names the push does not create itself.
        public var blocking: [MissingName] { missing.filter { !$0.createdByPush } }
    }

    /// A customer the push may need: its e-mail address and the name it would be created with.
    public struct CustomerNeed: Hashable, Sendable {
        public var email: String
        public var displayName: String

        public init(email: String, displayName: String) {
            self.email = email
            self.displayName = displayName
        }
    }

    public func resolve(_ input: QuickBooksMapping, skus: Set<String>, customers: Set<CustomerNeed>, create: Creation) async throws -> Result {
        var mapping = input
        var missing: [MissingName] = []
        var created: [String] = []

        // VAT codes, accounts, payment methods, the named items and customer: one batch of queries.
        var codeNames = Set(mapping.taxCodes.values.map(\.name))
        codeNames.insert(mapping.outsideScopeTaxCode.name)
        var accountNames: Set<String> = [mapping.depositAccount.name, mapping.incomeAccount.name]
        accountNames.formUnion(mapping.depositAccounts.values.map(\.name))
        let methodNames = Set(mapping.paymentMethods.values.map(\.name))
        var namedItems: [(setting: String, name: String)] = [
            ("quickbooks.shipping_item", mapping.shippingItem.name), ("quickbooks.discount_item", mapping.discountItem.name),
            ("quickbooks.adjustment_item", mapping.adjustmentItem.name),
        ]
        if mapping.itemMatch == .one { namedItems.append(("quickbooks.item", mapping.singleItem.name)) }
        let found = try await lookUp([
            ("TaxCode", "Name", codeNames), ("Account", "Name", accountNames), ("PaymentMethod", "Name", methodNames),
            ("Item", "Name", Set(namedItems.map(\.name))), ("Customer", "DisplayName", [mapping.defaultCustomer.name]),
        ])
        func row(_ entity: String, _ name: String) -> JSONValue? { found[entity]?[name.lowercased()] }

        for (rate, reference) in mapping.taxCodes.sorted(by: { $0.key < $1.key }) {
            let setting = "quickbooks.vat_codes.\(rate.jsonText)"
            guard let code = row("TaxCode", reference.name), let id = Self.id(code) else {
                missing.append(MissingName(kind: .vatCode, name: reference.name, setting: setting, creatable: false, createdByPush: false))
                continue
            }
            mapping.taxCodes[rate]?.id = id
            // The TaxRate behind the code, for TxnTaxDetail.TaxLine[].TaxRateRef.
            let rateIds = (code["SalesTaxRateList"]?["TaxRateDetail"]?.arrayValue ?? []).compactMap { $0["TaxRateRef"]?["value"]?.stringValue }
            if let rateId = rateIds.first {
                mapping.taxRates[rate] = QuickBooksReference(id: rateId, name: reference.name)
            } else {
                missing.append(MissingName(kind: .vatCode, name: reference.name + " (its sales VAT rate)", setting: setting, creatable: false, createdByPush: false))
            }
        }
        if let code = row("TaxCode", mapping.outsideScopeTaxCode.name), let id = Self.id(code) {
            mapping.outsideScopeTaxCode.id = id
        } else {
            missing.append(MissingName(kind: .vatCode, name: mapping.outsideScopeTaxCode.name, setting: "quickbooks.outside_scope_vat_code", creatable: false, createdByPush: false))
        }
        func account(_ reference: inout QuickBooksReference, _ setting: String) {
            if let id = row("Account", reference.name).flatMap(Self.id) { reference.id = id } else {
                missing.append(MissingName(kind: .account, name: reference.name, setting: setting, creatable: false, createdByPush: false))
            }
        }
        account(&mapping.depositAccount, "quickbooks.deposit_account")
        account(&mapping.incomeAccount, "quickbooks.income_account")
        for code in mapping.depositAccounts.keys.sorted() {
            if var reference = mapping.depositAccounts[code] {
                account(&reference, "quickbooks.deposit_accounts.\(code)")
                mapping.depositAccounts[code] = reference
            }
        }
        for code in mapping.paymentMethods.keys.sorted() {
            guard var reference = mapping.paymentMethods[code] else { continue }
            if let id = row("PaymentMethod", reference.name).flatMap(Self.id) {
                reference.id = id
                mapping.paymentMethods[code] = reference
            } else {
                missing.append(MissingName(kind: .paymentMethod, name: reference.name, setting: "quickbooks.payment_methods.\(code)", creatable: false, createdByPush: false))
            }
        }

        // Items and customers: found, else created when allowed.
        var itemsToCreate: [(setting: String, name: String, sku: String?)] = []
        for item in namedItems {
            if row("Item", item.name).flatMap(Self.id) == nil {
                itemsToCreate.append((item.setting, item.name, nil))
            }
        }
        var skuItems: [String: String] = [:]   // lower-cased item name -> id
        if mapping.itemMatch == .bySKU, !skus.isEmpty {
            let names = Set(skus.map(QuickBooksMapping.itemName(sku:)))
            for (name, value) in try await lookUp([("Item", "Name", names)])["Item"] ?? [:] {
                if let id = Self.id(value) { skuItems[name] = id }
            }
            for sku in skus.sorted() where skuItems[QuickBooksMapping.itemName(sku: sku).lowercased()] == nil {
                itemsToCreate.append(("items: by-sku", QuickBooksMapping.itemName(sku: sku), sku))
            }
        }
        var customerIds: [String: String] = [:]   // e-mail -> id
        if mapping.customerMatch == .perEmail, !customers.isEmpty {
            for value in try await lookUpRows("Customer", "PrimaryEmailAddr", Set(customers.map(\.email))) {
                if let email = value["PrimaryEmailAddr"]?["Address"]?.stringValue?.lowercased(), let id = Self.id(value), customerIds[email] == nil {
                    customerIds[email] = id
                }
            }
        }
        var defaultCustomerId = row("Customer", mapping.defaultCustomer.name).flatMap(Self.id)

        // Creating.
        let incomeAccountId = mapping.incomeAccount.id
        func mayCreate(_ item: (setting: String, name: String, sku: String?)) -> Bool {
            incomeAccountId != nil && (create == .allAllowed || (item.sku != nil && create == .perDocument))
        }
        for item in itemsToCreate where !mayCreate(item) {
            missing.append(MissingName(kind: .item, name: item.name, setting: item.setting, creatable: true, createdByPush: item.sku != nil))
        }
        let creatableItems = itemsToCreate.filter(mayCreate)
        if let incomeAccountId, !creatableItems.isEmpty {
            let bodies = creatableItems.map { item -> (key: String, body: JSONValue) in
                var members: [(key: String, value: JSONValue)] = [
                    ("Name", .string(item.name)), ("Type", .string("Service")),
                    ("IncomeAccountRef", .object(JSONObject(members: [("value", .string(incomeAccountId))]))),
                ]
                if let sku = item.sku { members.append(("Sku", .string(String(sku.prefix(100))))) }
                return (item.name.lowercased(), .object(JSONObject(members: members)))
            }
            for (key, outcome) in try await createAll("Item", bodies) {
                switch outcome {
                case .success(let id):
                    created.append("item \"\(creatableItems.first { $0.name.lowercased() == key }?.name ?? key)\"")
                    skuItems[key] = id
                case .failure(let error):
                    log.warning("creating the item \"\(key)\" failed: \(error)")
                    if let item = creatableItems.first(where: { $0.name.lowercased() == key }) {
                        missing.append(MissingName(kind: .item, name: item.name, setting: item.setting, creatable: true, createdByPush: item.sku != nil))
                    }
                }
            }
        }
        // Named items now found or created.
        func itemId(_ name: String) -> String? { row("Item", name).flatMap(Self.id) ?? skuItems[name.lowercased()] }
        mapping.shippingItem.id = itemId(mapping.shippingItem.name)
        mapping.discountItem.id = itemId(mapping.discountItem.name)
        mapping.adjustmentItem.id = itemId(mapping.adjustmentItem.name)
        mapping.singleItem.id = itemId(mapping.singleItem.name)
        if mapping.itemMatch == .bySKU {
            for sku in skus {
                let name = QuickBooksMapping.itemName(sku: sku)
                if let id = skuItems[name.lowercased()] { mapping.items[sku] = QuickBooksReference(id: id, name: name) }
            }
        }

        if defaultCustomerId == nil {
            if create == .allAllowed {
                let body = JSONValue.object(JSONObject(members: [("DisplayName", .string(mapping.defaultCustomer.name))]))
                if case .success(let id)? = try await createAll("Customer", [(mapping.defaultCustomer.name.lowercased(), body)]).first?.1 {
                    defaultCustomerId = id
                    created.append("customer \"\(mapping.defaultCustomer.name)\"")
                }
            }
            if defaultCustomerId == nil {
                missing.append(MissingName(kind: .customer, name: mapping.defaultCustomer.name, setting: "quickbooks.customer", creatable: true, createdByPush: false))
            }
        }
        mapping.defaultCustomer.id = defaultCustomerId

        if mapping.customerMatch == .perEmail {
            let absent = customers.filter { customerIds[$0.email] == nil }.sorted { $0.email < $1.email }
            if !absent.isEmpty, create != .none {
                for (email, id) in try await createCustomers(absent) {
                    customerIds[email] = id
                    created.append("customer for \(email)")
                }
            }
            for need in customers {
                if let id = customerIds[need.email] {
                    mapping.customersByEmail[need.email] = QuickBooksReference(id: id, name: need.displayName)
                } else {
                    missing.append(MissingName(kind: .customer, name: "\(need.displayName) <\(need.email)>", setting: "customers: per-email", creatable: true, createdByPush: true))
                }
            }
        }
        return Result(mapping: mapping, missing: missing, created: created)
    }

    // MARK: - Queries and creates in batches

    static func id(_ value: JSONValue) -> String? { value["Id"]?.stringValue }

    /// Rows found by name for each (entity, field, names), keyed by lower-cased name (QuickBooks
    /// matches names without regard to case).
    private func lookUp(_ wanted: [(entity: String, field: String, names: Set<String>)]) async throws -> [String: [String: JSONValue]] {
        var found: [String: [String: JSONValue]] = [:]
        var queries: [(entity: String, field: String, text: String)] = []
        for want in wanted where !want.names.isEmpty {
            let names = want.names.sorted()
            for start in stride(from: 0, to: names.count, by: Self.namesPerQuery) {
                let chunk = Array(names[start..<min(start + Self.namesPerQuery, names.count)])
                queries.append((want.entity, want.field, QuickBooksQuery.select(want.entity, where: want.field, in: chunk)))
            }
        }
        for rows in try await runQueries(queries.map(\.text)).enumerated() {
            let query = queries[rows.offset]
            for row in rows.element {
                let key = query.field == "DisplayName" ? row["DisplayName"]?.stringValue : row["Name"]?.stringValue
                if let key { found[query.entity, default: [:]][key.lowercased()] = row }
            }
        }
        return found
    }

    private func lookUpRows(_ entity: String, _ field: String, _ values: Set<String>) async throws -> [JSONValue] {
        let sorted = values.sorted()
        var texts: [String] = []
        for start in stride(from: 0, to: sorted.count, by: Self.namesPerQuery) {
            texts.append(QuickBooksQuery.select(entity, where: field, in: Array(sorted[start..<min(start + Self.namesPerQuery, sorted.count)])))
        }
        return try await runQueries(texts).flatMap { $0 }
    }

    /// Queries sent 30 to a batch request; the rows of each, in order.
    func runQueries(_ texts: [String]) async throws -> [[JSONValue]] {
        var results: [[JSONValue]] = []
        for start in stride(from: 0, to: texts.count, by: QuickBooksClient.maximumBatchItems) {
            let chunk = Array(texts[start..<min(start + QuickBooksClient.maximumBatchItems, texts.count)])
            let items = chunk.enumerated().map { QuickBooksClient.BatchItem(bId: "q\($0.offset)", operation: .query($0.element)) }
            let answers = try await client.batch(items, requestId: nil)
            for index in chunk.indices {
                switch answers["q\(index)"] {
                case .rows(let rows)?: results.append(rows)
                case .entity?: results.append([])
                case .fault(let fault)?: throw QuickBooksAPIError.fault(fault)
                case nil: throw QuickBooksAPIError.unexpectedAnswer(what: "a QuickBooks batch of queries", status: 200, excerpt: "no answer for \(chunk[index])")
                }
            }
        }
        return results
    }

    /// Creates list entries 30 to a batch; the Id of each, or why it failed, by key.
    private func createAll(_ entity: String, _ bodies: [(key: String, body: JSONValue)]) async throws -> [(String, Swift.Result<String, QuickBooksAPIError>)] {
        var outcomes: [(String, Swift.Result<String, QuickBooksAPIError>)] = []
        for start in stride(from: 0, to: bodies.count, by: QuickBooksClient.maximumBatchItems) {
            let chunk = Array(bodies[start..<min(start + QuickBooksClient.maximumBatchItems, bodies.count)])
            let items = chunk.enumerated().map { QuickBooksClient.BatchItem(bId: "c\($0.offset)", operation: .create(entity: entity, body: $0.element.body)) }
            let answers = try await client.batch(items, requestId: nil)
            for (index, entry) in chunk.enumerated() {
                switch answers["c\(index)"] {
                case .entity(let value)?:
                    if let id = Self.id(value) { outcomes.append((entry.key, .success(id))) }
                case .fault(let fault)? where fault.isDuplicateName:
                    // Created meanwhile (or inactive): look it up again by name.
                    let field = entity == "Customer" ? "DisplayName" : "Name"
                    let name = entry.body[field]?.stringValue ?? entry.key
                    let rows = try await client.query(QuickBooksQuery.select(entity, where: field, in: [name]))
                    if let id = rows.first.flatMap(Self.id) {
                        outcomes.append((entry.key, .success(id)))
                    } else {
                        outcomes.append((entry.key, .failure(.fault(fault))))
                    }
                case .fault(let fault)?:
                    outcomes.append((entry.key, .failure(.fault(fault))))
                default:
                    outcomes.append((entry.key, .failure(.outcomeUnknown(what: "creating \(entity) \(entry.key)", problem: "no answer in the batch", intuitTid: nil))))
                }
            }
        }
        return outcomes
    }

    /// Customers per e-mail address. A display name already taken by another customer (QuickBooks
    /// wants them unique) gets the address added: "Jane Smith (jane@example.com)".
    private func createCustomers(_ needs: [CustomerNeed]) async throws -> [String: String] {
        func body(_ need: CustomerNeed, withEmailInName: Bool) -> JSONValue {
            let name = withEmailInName ? String("\(need.displayName) (\(need.email))".prefix(100)) : need.displayName
            return .object(JSONObject(members: [
                ("DisplayName", .string(name)),
                ("PrimaryEmailAddr", .object(JSONObject(members: [("Address", .string(need.email))]))),
            ]))
        }
        var ids: [String: String] = [:]
        var pending = needs
        // First with the customer's name; those whose name another customer has, again with the address in it.
        for withEmailInName in [false, true] where !pending.isEmpty {
            var taken: [CustomerNeed] = []
            for start in stride(from: 0, to: pending.count, by: QuickBooksClient.maximumBatchItems) {
                let chunk = Array(pending[start..<min(start + QuickBooksClient.maximumBatchItems, pending.count)])
                let items = chunk.enumerated().map {
                    QuickBooksClient.BatchItem(bId: "c\($0.offset)", operation: .create(entity: "Customer", body: body($0.element, withEmailInName: withEmailInName)))
                }
                let answers = try await client.batch(items, requestId: nil)
                for (index, need) in chunk.enumerated() {
                    switch answers["c\(index)"] {
                    case .entity(let value)?: if let id = Self.id(value) { ids[need.email] = id }
                    case .fault(let fault)? where fault.isDuplicateName && !withEmailInName: taken.append(need)
                    case .fault(let fault)?: log.warning("creating the customer for \(need.email) failed: \(fault)")
                    default: log.warning("creating the customer for \(need.email): no answer; the next push looks for it again")
                    }
                }
            }
            pending = taken
        }
        return ids
    }
}
