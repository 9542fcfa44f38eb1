/// The JSON Lines form of `CanonicalOrder`, written and read by hand.
///
/// Foundation's `JSONEncoder`/`JSONDecoder` spent most of transform's and load's time in generic
/// machinery; this codec writes the same shape directly and reads it back with `JSONParser`.
/// Keys are the property names; a nil optional is left out.
extension CanonicalOrder {
    /// Appends the order as one line of JSON, without the newline.
    public func writeJSONLine(into output: inout [UInt8]) {
        var w = JSONObjectWriter(output: output)
        w.int("schemaVersion", schemaVersion)
        w.int("id", Int(id))
        w.string("orderNumber", orderNumber)
        if let replacedOrder {
            w.object("replacedOrder") { w in
                w.string("entityId", replacedOrder.entityId)
                w.string("orderNumber", replacedOrder.orderNumber)
            }
        }
        w.string("orderDate", orderDate)
        w.string("lastUpdatedDate", lastUpdatedDate)
        w.string("type", type)
        w.string("status", status)
        w.string("currencyCode", currencyCode)
        w.string("notes", notes)
        w.string("tags", tags)
        w.string("storeName", storeName)
        w.string("discounts", discounts)
        w.string("total", total)
        w.object("contact") { w in
            w.string("customerId", contact.customerId)
            w.bool("isGuest", contact.isGuest)
            w.string("salutation", contact.salutation)
            w.string("firstName", contact.firstName)
            w.string("lastName", contact.lastName)
            w.string("phone", contact.phone)
            w.string("email", contact.email)
            w.string("company", contact.company)
            w.string("businessNumber", contact.businessNumber)
        }
        w.array("addresses", addresses) { w, address in
            w.string("addressType", address.addressType)
            w.string("salutation", address.salutation)
            w.string("firstName", address.firstName)
            w.string("lastName", address.lastName)
            w.string("company", address.company)
            w.string("phone", address.phone)
            w.string("line1", address.line1)
            w.string("line2", address.line2)
            w.string("city", address.city)
            w.string("postCode", address.postCode)
            w.string("region", address.region)
            w.string("countryCode", address.countryCode)
        }
        w.array("items", items) { w, item in
            w.int("position", item.position)
            w.string("productId", item.productId)
            w.string("productCode", item.productCode)
            w.string("productName", item.productName)
            w.string("quantity", item.quantity)
            w.string("price", item.price)
            w.string("unitPriceExTax", item.unitPriceExTax)
            w.string("discount", item.discount)
            w.string("taxId", item.taxId)
            w.string("taxCode", item.taxCode)
            w.string("taxName", item.taxName)
            w.string("taxRate", item.taxRate)
            w.string("taxAmount", item.taxAmount)
            w.string("lineTotalIncTax", item.lineTotalIncTax)
            w.string("rowDiscount", item.rowDiscount)
            w.string("vatRate", item.vatRate)
            w.string("rowVAT", item.rowVAT)
            w.string("errorCode", item.errorCode)
            w.string("errorMessage", item.errorMessage)
        }
        w.object("shipping") { w in
            w.string("method", shipping.method)
            w.string("amount", shipping.amount)
            w.string("discount", shipping.discount)
            w.string("taxName", shipping.taxName)
            w.string("taxRate", shipping.taxRate)
            w.string("taxAmount", shipping.taxAmount)
            w.string("vatRate", shipping.vatRate)
            w.string("vat", shipping.vat)
        }
        if let payment {
            w.object("payment") { w in
                w.string("methodName", payment.methodName)
                w.string("amount", payment.amount)
            }
        }
        w.array("credits", credits) { w, credit in
            w.int("creditId", Int(credit.creditId))
            w.string("incrementId", credit.incrementId)
            w.string("state", credit.state)
            w.string("createdAt", credit.createdAt)
            w.string("updatedAt", credit.updatedAt)
            w.string("grandTotal", credit.grandTotal)
            w.string("baseGrandTotal", credit.baseGrandTotal)
            w.string("baseTaxAmount", credit.baseTaxAmount)
            w.string("baseShippingAmount", credit.baseShippingAmount)
            w.string("adjustmentPositive", credit.adjustmentPositive)
            w.string("adjustmentNegative", credit.adjustmentNegative)
            w.string("baseCurrencyCode", credit.baseCurrencyCode)
            w.string("shippingInclTax", credit.shippingInclTax)
            w.string("shippingVAT", credit.shippingVAT)
            w.string("refundedDiscount", credit.refundedDiscount)
            w.array("items", credit.items) { w, item in
                w.int("position", item.position)
                w.string("productId", item.productId)
                w.string("productCode", item.productCode)
                w.string("productName", item.productName)
                w.string("quantity", item.quantity)
                w.string("price", item.price)
                w.string("unitPriceExTax", item.unitPriceExTax)
                w.string("taxAmount", item.taxAmount)
                w.string("discount", item.discount)
                if let position = item.orderLinePosition { w.int("orderLinePosition", position) }
                w.string("vatRate", item.vatRate)
            }
            w.string("rawJSON", credit.rawJSON)
        }
        w.array("invoices", invoices) { w, invoice in
            w.string("number", invoice.number)
            w.string("date", invoice.date)
        }
        w.string("lastTransactionId", lastTransactionId)
        w.string("creditPoints", creditPoints)
        w.string("orderProcessingFee", orderProcessingFee)
        w.string("orderProcessingFeeExTax", orderProcessingFeeExTax)
        w.string("vatTotal", vatTotal)
        w.string("paidAt", paidAt)
        w.bool("hasIncompleteLines", hasIncompleteLines)
        w.object("reconciliation") { w in
            w.bool("reconciles", reconciliation.reconciles)
            w.string("difference", reconciliation.difference)
        }
        w.string("contentHash", contentHash)
        w.string("rawJSON", rawJSON)
        w.object("source") { w in
            w.int("page", source.page)
            w.int("position", source.position)
            w.string("fetchedAt", source.fetchedAt)
        }
        output = w.finish()
    }

    /// Reads one line written by `writeJSONLine`.
    public init(jsonLine bytes: [UInt8]) throws {
        let r = try JSONObjectReader(JSONParser.parse(bytes), path: "order")
        let version = try r.int("schemaVersion")
        guard version == CanonicalOrder.currentSchemaVersion else {
            throw CanonicalFormatError(reason: "schema version \(version) is not \(CanonicalOrder.currentSchemaVersion); transform the run again")
        }
        schemaVersion = version
        id = Int64(try r.int("id"))
        orderNumber = try r.string("orderNumber")
        replacedOrder = try r.optionalObject("replacedOrder").map { r in
            ReplacedOrder(entityId: r.optionalString("entityId"), orderNumber: try r.string("orderNumber"))
        }
        orderDate = try r.string("orderDate")
        lastUpdatedDate = try r.string("lastUpdatedDate")
        type = r.optionalString("type")
        status = try r.string("status")
        currencyCode = try r.string("currencyCode")
        notes = r.optionalString("notes")
        tags = r.optionalString("tags")
        storeName = r.optionalString("storeName")
        discounts = try r.string("discounts")
        total = try r.string("total")
        let c = try r.object("contact")
        contact = Contact(
            customerId: c.optionalString("customerId"), isGuest: try c.bool("isGuest"), salutation: c.optionalString("salutation"),
            firstName: c.optionalString("firstName"), lastName: c.optionalString("lastName"), phone: c.optionalString("phone"),
            email: c.optionalString("email"), company: c.optionalString("company"), businessNumber: c.optionalString("businessNumber"))
        addresses = try r.objects("addresses").map { a in
            Address(
                addressType: try a.string("addressType"), salutation: a.optionalString("salutation"),
                firstName: a.optionalString("firstName"), lastName: a.optionalString("lastName"), company: a.optionalString("company"),
                phone: a.optionalString("phone"), line1: a.optionalString("line1"), line2: a.optionalString("line2"),
                city: a.optionalString("city"), postCode: a.optionalString("postCode"), region: a.optionalString("region"),
                countryCode: a.optionalString("countryCode"))
        }
        items = try r.objects("items").map { i in
            Item(
                position: try i.int("position"), productId: i.optionalString("productId"), productCode: i.optionalString("productCode"),
                productName: i.optionalString("productName"), quantity: i.optionalString("quantity"), price: i.optionalString("price"),
                unitPriceExTax: i.optionalString("unitPriceExTax"), discount: i.optionalString("discount"), taxId: i.optionalString("taxId"),
                taxCode: i.optionalString("taxCode"), taxName: i.optionalString("taxName"), taxRate: i.optionalString("taxRate"),
                taxAmount: i.optionalString("taxAmount"), lineTotalIncTax: i.optionalString("lineTotalIncTax"),
                rowDiscount: i.optionalString("rowDiscount"), vatRate: i.optionalString("vatRate"), rowVAT: i.optionalString("rowVAT"),
                errorCode: i.optionalString("errorCode"), errorMessage: i.optionalString("errorMessage"))
        }
        let s = try r.object("shipping")
        shipping = Shipping(
            method: s.optionalString("method"), amount: s.optionalString("amount"), discount: s.optionalString("discount"),
            taxName: s.optionalString("taxName"), taxRate: s.optionalString("taxRate"), taxAmount: s.optionalString("taxAmount"),
            vatRate: s.optionalString("vatRate"), vat: s.optionalString("vat"))
        payment = try r.optionalObject("payment").map { p in
            Payment(methodName: p.optionalString("methodName"), amount: p.optionalString("amount"))
        }
        credits = try r.objects("credits").map { m in
            CreditMemo(
                creditId: Int64(try m.int("creditId")), incrementId: m.optionalString("incrementId"), state: m.optionalString("state"),
                createdAt: m.optionalString("createdAt"), updatedAt: m.optionalString("updatedAt"), grandTotal: m.optionalString("grandTotal"),
                baseGrandTotal: m.optionalString("baseGrandTotal"), baseTaxAmount: m.optionalString("baseTaxAmount"),
                baseShippingAmount: m.optionalString("baseShippingAmount"), adjustmentPositive: m.optionalString("adjustmentPositive"),
                adjustmentNegative: m.optionalString("adjustmentNegative"), baseCurrencyCode: m.optionalString("baseCurrencyCode"),
                shippingInclTax: m.optionalString("shippingInclTax"), shippingVAT: m.optionalString("shippingVAT"),
                refundedDiscount: m.optionalString("refundedDiscount"),
                items: try m.objects("items").map { i in
                    CreditMemoItem(
                        position: try i.int("position"), productId: i.optionalString("productId"), productCode: i.optionalString("productCode"),
                        productName: i.optionalString("productName"), quantity: i.optionalString("quantity"), price: i.optionalString("price"),
                        unitPriceExTax: i.optionalString("unitPriceExTax"), taxAmount: i.optionalString("taxAmount"),
                        discount: i.optionalString("discount"),
                        orderLinePosition: i.object["orderLinePosition"] == nil ? nil : try i.int("orderLinePosition"),
                        vatRate: i.optionalString("vatRate"))
                },
                rawJSON: try m.string("rawJSON"))
        }
        invoices = try r.objects("invoices").map { Invoice(number: $0.optionalString("number"), date: $0.optionalString("date")) }
        lastTransactionId = r.optionalString("lastTransactionId")
        creditPoints = r.optionalString("creditPoints")
        orderProcessingFee = r.optionalString("orderProcessingFee")
        orderProcessingFeeExTax = r.optionalString("orderProcessingFeeExTax")
        vatTotal = r.optionalString("vatTotal")
        paidAt = r.optionalString("paidAt")
        hasIncompleteLines = try r.bool("hasIncompleteLines")
        let rec = try r.object("reconciliation")
        reconciliation = Reconciliation(reconciles: try rec.bool("reconciles"), difference: try rec.string("difference"))
        contentHash = try r.string("contentHash")
        rawJSON = try r.string("rawJSON")
        let src = try r.object("source")
        source = SourcePosition(page: try src.int("page"), position: try src.int("position"), fetchedAt: src.optionalString("fetchedAt"))
    }
}

/// A canonical line that cannot be read back.
public struct CanonicalFormatError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// Writes one JSON object member by member into one growing buffer; nil values are left out.
struct JSONObjectWriter {
    private(set) var output: [UInt8]
    private var needsComma = false

    init(output: [UInt8]) {
        self.output = output
        self.output.append(UInt8(ascii: "{"))
    }

    mutating func finish() -> [UInt8] {
        output.append(UInt8(ascii: "}"))
        return output
    }

    private mutating func key(_ name: StaticString) {
        if needsComma { output.append(UInt8(ascii: ",")) }
        needsComma = true
        output.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { output.append(contentsOf: $0) }
        output.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    mutating func string(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONWriter.writeString(value, to: &output)
    }

    mutating func int(_ name: StaticString, _ value: Int) {
        key(name)
        output.append(contentsOf: String(value).utf8)
    }

    mutating func bool(_ name: StaticString, _ value: Bool) {
        key(name)
        output.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A nested object, written into the same buffer.
    mutating func object(_ name: StaticString, _ body: (inout JSONObjectWriter) -> Void) {
        key(name)
        openNested { body(&$0) }
    }

    mutating func array<T>(_ name: StaticString, _ elements: [T], _ body: (inout JSONObjectWriter, T) -> Void) {
        key(name)
        output.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            openNested { body(&$0, element) }
        }
        output.append(UInt8(ascii: "]"))
    }

    private mutating func openNested(_ body: (inout JSONObjectWriter) -> Void) {
        let outerNeedsComma = needsComma
        output.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        output.append(UInt8(ascii: "}"))
        needsComma = outerNeedsComma
    }
}

/// Reads typed members of a JSON object, naming the member that is wrong.
struct JSONObjectReader {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue, path: String) throws {
        guard let object = value.objectValue else { throw CanonicalFormatError(reason: "\(path) is not an object") }
        self.object = object
        self.path = path
    }

    func optionalString(_ key: String) -> String? { object[key]?.stringValue }

    func string(_ key: String) throws -> String {
        guard let text = object[key]?.stringValue else { throw CanonicalFormatError(reason: "\(path).\(key) is missing") }
        return text
    }

    func int(_ key: String) throws -> Int {
        guard let text = object[key]?.numberText, let value = Int(text) else { throw CanonicalFormatError(reason: "\(path).\(key) is not a whole number") }
        return value
    }

    func bool(_ key: String) throws -> Bool {
        guard case .bool(let flag)? = object[key] else { throw CanonicalFormatError(reason: "\(path).\(key) is not a boolean") }
        return flag
    }

    func object(_ key: String) throws -> JSONObjectReader {
        try JSONObjectReader(object[key] ?? .null, path: "\(path).\(key)")
    }

    func optionalObject(_ key: String) throws -> JSONObjectReader? {
        guard let value = object[key], value != .null else { return nil }
        return try JSONObjectReader(value, path: "\(path).\(key)")
    }

    func objects(_ key: String) throws -> [JSONObjectReader] {
        try (object[key]?.arrayValue ?? []).enumerated().map { try JSONObjectReader($1, path: "\(path).\(key)[\($0)]") }
    }
}
