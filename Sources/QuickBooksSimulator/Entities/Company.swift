import Foundation

/// The simulated company: every entity, and the records that let tests prove what happened
/// (creates per DocNumber, answers kept for `requestid` replay).
struct Company {
    let realmId: String
    let name: String
    private var entities: [EntityKind: [String: StoredEntity]] = [:]
    /// Ids of each kind in the order they were created, which is Id order.
    private var orderedIds: [EntityKind: [String]] = [:]
    /// Sales forms by DocNumber, deleted ones excluded: the uniqueness check and the lookups the
    /// push makes by DocNumber stay fast with thousands of documents.
    private var salesFormsByDocNumber: [String: [StoredEntity.Key]] = [:]
    private var nextId = 100
    private var nextDocNumber = 1001
    /// Successful creates per DocNumber, across all sales forms: 1 each when nothing was doubled.
    private(set) var createsByDocNumber: [String: Int] = [:]
    /// Answers of writes by `requestid`, replayed for a repeated id.
    var answersByRequestId: [String: RecordedAnswer] = [:]

    struct RecordedAnswer: Sendable {
        var status: Int
        var body: JSON
    }

    init(realmId: String, name: String, now: Date) {
        self.realmId = realmId
        self.name = name
        for (kind, id, body) in CompanySeed.entities() {
            store(kind: kind, id: id, body: stamped(body, id: id, syncToken: "0", created: now, updated: now))
        }
    }

    // MARK: Reading

    func entity(_ kind: EntityKind, id: String) -> StoredEntity? {
        entities[kind]?[id]
    }

    /// Live and voided entities of a kind in Id order (deleted ones are gone for the API).
    func visible(_ kind: EntityKind) -> [StoredEntity] {
        let stored = entities[kind] ?? [:]
        return (orderedIds[kind] ?? []).compactMap { stored[$0] }.filter { $0.state != .deleted }
    }

    /// Everything, deleted included, for the control API.
    func all(_ kinds: [EntityKind] = EntityKind.allCases) -> [StoredEntity] {
        kinds.flatMap { kind in (orderedIds[kind] ?? []).compactMap { entities[kind]?[$0] } }
    }

    func read(_ kind: EntityKind, id: String) throws(APIFault) -> JSON {
        guard let stored = entity(kind, id: id), stored.state != .deleted else { throw .objectNotFound(kind.name, id: id) }
        return stored.body
    }

    func rateOfTaxCode(_ codeId: String) -> VATCalculator.Rate? {
        guard let code = entity(.taxCode, id: codeId),
              let rateId = code.body.value(at: "SalesTaxRateList.TaxRateDetail")?.array?.first?.value(at: "TaxRateRef.value")?.string,
              let rate = entity(.taxRate, id: rateId), let percent = rate.body["RateValue"]?.decimal
        else { return nil }
        return VATCalculator.Rate(id: rateId, percent: percent)
    }

    // MARK: Writing

    struct WriteOptions {
        var allowDuplicateDocNumber = false
    }

    mutating func create(_ kind: EntityKind, _ request: JSON, options: WriteOptions, now: Date) throws(APIFault) -> JSON {
        guard !kind.isReadOnly else { throw .unsupportedOperation("Create", kind) }
        guard request.isObject else { throw .badRequest("the body must be a JSON object of the \(kind.name)") }
        let id = String(nextId)
        var body = try prepare(kind, Self.writable(request, kind), excluding: nil, options: options, now: now)
        body = stamped(body, id: id, syncToken: "0", created: now, updated: now)
        nextId += 1
        store(kind: kind, id: id, body: body)
        if let docNumber = body["DocNumber"]?.string, kind.isSalesForm { createsByDocNumber[docNumber, default: 0] += 1 }
        afterWrite(kind, body)
        return try read(kind, id: id)
    }

    mutating func update(_ kind: EntityKind, _ request: JSON, options: WriteOptions, now: Date) throws(APIFault) -> JSON {
        guard !kind.isReadOnly else { throw .unsupportedOperation("Update", kind) }
        let current = try current(kind, request)
        let sparse = request["sparse"]?.bool ?? false
        var merged: JSON
        if sparse {
            merged = Self.writable(current.body, kind)
            // The stored TaxLines are computed; only the client's own overrides carry over, and
            // only while the lines they were made for stay as they are.
            let overrides = (current.body.value(at: "TxnTaxDetail.TaxLine")?.array ?? []).filter {
                $0.value(at: "TaxLineDetail.OverrideDeltaAmount") != nil
            }
            merged["TxnTaxDetail"] = request["Line"] == nil && !overrides.isEmpty
                ? .object([.init("TaxLine", .array(overrides))]) : nil
            for member in Self.writable(request, kind).members ?? [] { merged[member.key] = member.value }
        } else {
            merged = Self.writable(request, kind)
        }
        var body = try prepare(kind, merged, excluding: current.id, options: options, now: now)
        let created = current.body.value(at: "MetaData.CreateTime")?.string
        body = stamped(body, id: current.id, syncToken: String((Int(current.syncToken) ?? 0) + 1), created: nil, updated: now)
        if let created { body["MetaData"]?["CreateTime"] = .string(created) }
        var updated = current
        updated.body = body
        put(updated)
        afterWrite(kind, body)
        afterWrite(kind, current.body)
        return try read(kind, id: current.id)
    }

    mutating func delete(_ kind: EntityKind, _ request: JSON, now: Date) throws(APIFault) -> JSON {
        guard kind.isTransaction else { throw .unsupportedOperation("Delete", kind) }
        var stored = try current(kind, request)
        stored.state = .deleted
        put(stored)
        afterWrite(kind, stored.body)
        return .object([.init("status", .string("Deleted")), .init("domain", .string("QBO")), .init("Id", .string(stored.id))])
    }

    /// Voiding keeps the document and its number, with every amount at zero.
    mutating func void(_ kind: EntityKind, _ request: JSON, now: Date) throws(APIFault) -> JSON {
        guard kind.canVoid else { throw .unsupportedOperation("Void", kind) }
        var stored = try current(kind, request)
        var body = stored.body
        body["Line"] = .array((body["Line"]?.array ?? []).map { line in
            var zeroed = line
            zeroed["Amount"] = .number("0")
            if zeroed["TaxInclusiveAmt"] != nil { zeroed["TaxInclusiveAmt"] = .number("0") }
            return zeroed
        })
        body["TotalAmt"] = .number("0")
        body["Balance"] = .number("0")
        if kind.isSalesForm {
            body["TxnTaxDetail"] = .object([.init("TotalTax", .number("0")), .init("TaxLine", .array([]))])
        }
        body["PrivateNote"] = .string("Voided")
        body["SyncToken"] = .string(String((Int(stored.syncToken) ?? 0) + 1))
        body["MetaData"]?["LastUpdatedTime"] = .string(SimulatorClock.intuitTimestamp(now, fractional: false))
        stored.body = body
        stored.state = .voided
        put(stored)
        afterWrite(kind, body)
        return body
    }

    /// The entity an update, delete or void names, checked for existence and its SyncToken.
    private func current(_ kind: EntityKind, _ request: JSON) throws(APIFault) -> StoredEntity {
        guard let id = request["Id"]?.scalarText else { throw .requiredMissing("Id") }
        guard let stored = entity(kind, id: id), stored.state != .deleted else { throw .objectNotFound(kind.name, id: id) }
        guard let supplied = request["SyncToken"]?.scalarText else { throw .requiredMissing("SyncToken") }
        guard supplied == stored.syncToken else { throw .staleObject(current: stored.syncToken, supplied: supplied) }
        return stored
    }

    private mutating func store(kind: EntityKind, id: String, body: JSON) {
        orderedIds[kind, default: []].append(id)
        put(StoredEntity(kind: kind, id: id, body: body))
    }

    /// The one place an entity is written, so the DocNumber index never disagrees with it.
    private mutating func put(_ stored: StoredEntity) {
        if let previous = entities[stored.kind]?[stored.id], let number = previous.docNumber?.lowercased() {
            salesFormsByDocNumber[number]?.removeAll { $0 == stored.key }
            if salesFormsByDocNumber[number]?.isEmpty == true { salesFormsByDocNumber[number] = nil }
        }
        entities[stored.kind, default: [:]][stored.id] = stored
        if stored.kind.isSalesForm, stored.state != .deleted, let number = stored.docNumber?.lowercased() {
            salesFormsByDocNumber[number, default: []].append(stored.key)
        }
    }

    /// The request without what only QuickBooks sets (a Payment's `TotalAmt` is the client's own).
    private static func writable(_ request: JSON, _ kind: EntityKind) -> JSON {
        var readOnly: Set<String> = ["Id", "SyncToken", "MetaData", "sparse", "domain", "Balance", "HomeTotalAmt",
                                     "RemainingCredit", "FullyQualifiedName", "status", "UnappliedAmt"]
        if kind != .payment { readOnly.insert("TotalAmt") }
        return .object((request.members ?? []).filter { !readOnly.contains($0.key) })
    }

    private func stamped(_ body: JSON, id: String, syncToken: String, created: Date?, updated: Date) -> JSON {
        var stamped = body
        stamped["Id"] = .string(id)
        stamped["SyncToken"] = .string(syncToken)
        stamped["domain"] = .string("QBO")
        stamped["sparse"] = .bool(false)
        let updatedText = JSON.string(SimulatorClock.intuitTimestamp(updated, fractional: false))
        stamped["MetaData"] = .object([.init("CreateTime", created.map { .string(SimulatorClock.intuitTimestamp($0, fractional: false)) } ?? updatedText),
                                       .init("LastUpdatedTime", updatedText)])
        return stamped
    }

    /// Keeps what depends on other documents right: an invoice's balance follows its payments.
    private mutating func afterWrite(_ kind: EntityKind, _ body: JSON) {
        switch kind {
        case .invoice:
            if let id = body["Id"]?.string { refreshBalance(ofInvoice: id) }
        case .payment:
            for line in body["Line"]?.array ?? [] {
                for linked in line["LinkedTxn"]?.array ?? [] where linked["TxnType"]?.string == "Invoice" {
                    if let id = linked["TxnId"]?.scalarText { refreshBalance(ofInvoice: id) }
                }
            }
        default:
            break
        }
    }

    private mutating func refreshBalance(ofInvoice id: String) {
        guard var invoice = entity(.invoice, id: id), invoice.state == .live, let total = invoice.body["TotalAmt"]?.decimal else { return }
        var paid: Decimal = 0
        for payment in visible(.payment) where payment.state == .live {
            for line in payment.body["Line"]?.array ?? [] {
                let links = line["LinkedTxn"]?.array ?? []
                if links.contains(where: { $0["TxnType"]?.string == "Invoice" && $0["TxnId"]?.scalarText == id }) {
                    paid += line["Amount"]?.decimal ?? 0
                }
            }
        }
        invoice.body["Balance"] = .decimal(total - paid)
        put(invoice)
    }

    // MARK: Rules

    /// Checks a create or an update's new content and fills in what QuickBooks computes.
    private mutating func prepare(_ kind: EntityKind, _ request: JSON, excluding id: String?, options: WriteOptions,
                                  now: Date) throws(APIFault) -> JSON {
        switch kind {
        case .salesReceipt, .invoice, .refundReceipt, .creditMemo:
            return try prepareSalesForm(kind, request, excluding: id, options: options, now: now)
        case .payment:
            return try preparePayment(request, now: now)
        case .customer:
            return try prepareCustomer(request, excluding: id)
        case .item:
            return try prepareItem(request, excluding: id)
        case .account, .paymentMethod:
            return try prepareNamedList(kind, request, excluding: id)
        case .taxCode, .taxRate:
            throw .unsupportedOperation("Create", kind)
        }
    }

    private mutating func prepareSalesForm(_ kind: EntityKind, _ request: JSON, excluding id: String?, options: WriteOptions,
                                           now: Date) throws(APIFault) -> JSON {
        var body = request
        if let docNumber = body["DocNumber"] {
            guard let text = docNumber.scalarText else { throw .unsupported("DocNumber must be a string", element: "DocNumber") }
            if text == "AUTO_GENERATE" || text.isEmpty {
                body["DocNumber"] = nil
            } else {
                guard text.count <= 21 else {
                    throw .validation("DocNumber \(text) is longer than 21 characters (the maximum length for DocNumber is 21)",
                                      element: "DocNumber")
                }
                body["DocNumber"] = .string(text)
            }
        }
        if body["DocNumber"] == nil { body["DocNumber"] = .string(generatedDocNumber()) }
        if let docNumber = body["DocNumber"]?.string, !options.allowDuplicateDocNumber,
           let existing = salesForm(numbered: docNumber, excluding: id) {
            throw .duplicateDocNumber(existingType: existing.kind.name, existingId: existing.id)
        }
        if let date = body["TxnDate"] {
            guard let text = date.string, Self.isCalendarDate(text) else {
                throw .unsupported("TxnDate must be a date like 2025-07-01", element: "TxnDate")
            }
        } else {
            body["TxnDate"] = .string(SimulatorClock.date(now))
        }
        if kind == .invoice || kind == .creditMemo, body["CustomerRef"] == nil { throw .requiredMissing("CustomerRef") }
        if let customer = body["CustomerRef"] { try checkReference(customer, to: .customer, element: "CustomerRef") }
        if kind == .refundReceipt, body["DepositToAccountRef"] == nil { throw .requiredMissing("DepositToAccountRef") }
        if kind == .salesReceipt, body["DepositToAccountRef"] == nil {
            body["DepositToAccountRef"] = .reference(CompanySeed.undepositedFundsAccountId, name: "Undeposited Funds")
        }
        if let account = body["DepositToAccountRef"] { try checkReference(account, to: .account, element: "DepositToAccountRef") }
        if let method = body["PaymentMethodRef"] { try checkReference(method, to: .paymentMethod, element: "PaymentMethodRef") }
        for line in body["Line"]?.array ?? [] {
            if let item = line.value(at: "SalesItemLineDetail.ItemRef") {
                try checkReference(item, to: .item, element: "Line.SalesItemLineDetail.ItemRef")
            }
        }
        let company = self
        let result = try VATCalculator(rateOfTaxCode: { company.rateOfTaxCode($0) }).compute(body)
        body["GlobalTaxCalculation"] = .string(result.mode)
        body["Line"] = .array(result.lines)
        body["TxnTaxDetail"] = result.taxDetail
        body["TotalAmt"] = .decimal(result.totalAmount)
        body["CurrencyRef"] = CompanySeed.currency
        switch kind {
        case .invoice:
            body["Balance"] = .decimal(result.totalAmount)
        case .creditMemo:
            body["RemainingCredit"] = .decimal(result.totalAmount)
            body["Balance"] = .decimal(result.totalAmount)
        default:
            body["Balance"] = .number("0")
        }
        return body
    }

    private func preparePayment(_ request: JSON, now: Date) throws(APIFault) -> JSON {
        var body = request
        guard let customer = body["CustomerRef"] else { throw .requiredMissing("CustomerRef") }
        try checkReference(customer, to: .customer, element: "CustomerRef")
        guard let total = body["TotalAmt"]?.decimal else { throw .requiredMissing("TotalAmt") }
        guard total >= 0 else { throw .validation("a payment's TotalAmt cannot be negative", element: "TotalAmt") }
        var applied: Decimal = 0
        for line in body["Line"]?.array ?? [] {
            for linked in line["LinkedTxn"]?.array ?? [] {
                guard let id = linked["TxnId"]?.scalarText, linked["TxnType"]?.string == "Invoice",
                      let invoice = entity(.invoice, id: id), invoice.state == .live
                else { throw .invalidReference("Line.LinkedTxn", id: linked["TxnId"]?.scalarText ?? "") }
            }
            applied += line["Amount"]?.decimal ?? 0
        }
        guard applied <= total else { throw .validation("the lines apply more than the payment's TotalAmt", element: "Line") }
        if let method = body["PaymentMethodRef"] { try checkReference(method, to: .paymentMethod, element: "PaymentMethodRef") }
        if body["TxnDate"] == nil { body["TxnDate"] = .string(SimulatorClock.date(now)) }
        body["TotalAmt"] = .decimal(total)
        body["UnappliedAmt"] = .decimal(total - applied)
        body["CurrencyRef"] = CompanySeed.currency
        return body
    }

    private func prepareCustomer(_ request: JSON, excluding id: String?) throws(APIFault) -> JSON {
        var body = request
        let composed = ["Title", "GivenName", "MiddleName", "FamilyName", "Suffix"].compactMap { body[$0]?.string }
            .filter { !$0.isEmpty }.joined(separator: " ")
        let name = body["DisplayName"]?.string ?? (composed.isEmpty ? body["CompanyName"]?.string : composed)
        guard let name, !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw .requiredMissing("DisplayName") }
        try checkName(name, of: .customer, field: "DisplayName", excluding: id)
        body["DisplayName"] = .string(name)
        body["FullyQualifiedName"] = .string(name)
        if body["Active"] == nil { body["Active"] = .bool(true) }
        body["Balance"] = .number("0")
        body["CurrencyRef"] = CompanySeed.currency
        return body
    }

    private func prepareItem(_ request: JSON, excluding id: String?) throws(APIFault) -> JSON {
        var body = request
        guard let name = body["Name"]?.string, !name.isEmpty else { throw .requiredMissing("Name") }
        guard name.count <= 100 else { throw .validation("an item Name has at most 100 characters", element: "Name") }
        try checkName(name, of: .item, field: "Name", excluding: id)
        let type = body["Type"]?.string ?? "Service"
        guard ["Service", "NonInventory"].contains(type) else {
            throw .unsupported("Item Type \(type) is not modelled by qbo-sim: use Service or NonInventory", element: "Type")
        }
        body["Type"] = .string(type)
        guard let account = body["IncomeAccountRef"] else { throw .requiredMissing("IncomeAccountRef") }
        try checkReference(account, to: .account, element: "IncomeAccountRef")
        if let code = body["SalesTaxCodeRef"] { try checkReference(code, to: .taxCode, element: "SalesTaxCodeRef") }
        body["FullyQualifiedName"] = .string(name)
        if body["Active"] == nil { body["Active"] = .bool(true) }
        return body
    }

    private func prepareNamedList(_ kind: EntityKind, _ request: JSON, excluding id: String?) throws(APIFault) -> JSON {
        var body = request
        guard let name = body["Name"]?.string, !name.isEmpty else { throw .requiredMissing("Name") }
        try checkName(name, of: kind, field: "Name", excluding: id)
        if kind == .account {
            guard body["AccountType"]?.string != nil else { throw .requiredMissing("AccountType") }
            body["FullyQualifiedName"] = .string(name)
        }
        if body["Active"] == nil { body["Active"] = .bool(true) }
        return body
    }

    /// Names are unique within their list, inactive entries included, compared without case; no `:`.
    private func checkName(_ name: String, of kind: EntityKind, field: String, excluding id: String?) throws(APIFault) {
        guard !name.contains(":") else {
            throw .validation("\(field) \(name) contains ':', which QuickBooks keeps for sub-customers and sub-items", element: field)
        }
        let key = name.trimmingCharacters(in: .whitespaces).lowercased()
        let nameField = kind == .customer ? "DisplayName" : "Name"
        if let existing = visible(kind).first(where: {
            $0.id != id && $0.body[nameField]?.string?.trimmingCharacters(in: .whitespaces).lowercased() == key
        }) {
            throw .duplicateName(name, existingId: existing.id, element: field)
        }
    }

    /// A reference names an existing entity (2500) that is active (610).
    private func checkReference(_ reference: JSON, to kind: EntityKind, element: String) throws(APIFault) {
        guard let id = reference["value"]?.scalarText, !id.isEmpty else { throw .requiredMissing(element + ".value") }
        guard let target = entity(kind, id: id), target.state != .deleted else { throw .invalidReference(element, id: id) }
        guard target.isActive else { throw .objectNotFound(kind.name, id: id) }
    }

    private func salesForm(numbered docNumber: String, excluding id: String?) -> StoredEntity? {
        salesForms(numbered: docNumber).first { $0.id != id }
    }

    /// The sales forms (not deleted) with this DocNumber in any case, in any kind.
    func salesForms(numbered docNumber: String) -> [StoredEntity] {
        (salesFormsByDocNumber[docNumber.lowercased()] ?? []).compactMap { entities[$0.kind]?[$0.id] }
    }

    private mutating func generatedDocNumber() -> String {
        while salesForm(numbered: String(nextDocNumber), excluding: nil) != nil { nextDocNumber += 1 }
        defer { nextDocNumber += 1 }
        return String(nextDocNumber)
    }

    private static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let month = Int(parts[1]), let day = Int(parts[2]), Int(parts[0]) != nil
        else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }
}

extension APIFault {
    static func unsupportedOperation(_ operation: String, _ kind: EntityKind) -> APIFault {
        APIFault(code: "500", message: "Unsupported Operation",
                 detail: "Operation \(operation) is not supported on \(kind.name).")
    }
}
