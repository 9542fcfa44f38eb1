import Foundation
import Crypto

/// Why one order could not be accepted. It names the field and what was wrong with it.
public struct OrderRejection: Error, Equatable, CustomStringConvertible {
    /// The order's `Id` when it had a readable one.
    public var orderId: String?
    public var reason: String

    public var description: String { reason }
}

/// Turns one element of `Orders` into a `CanonicalOrder`, or says why it cannot.
///
/// It accepts everything a real store sends (see `onesaas-connect-api.md`): amounts as strings,
/// numbers or null, PHP's `[]` where an object is empty, `Payments` as `[]` or an object,
/// `ReplaceOrderNumber Id="…"` keys, product-not-found lines and unknown extra fields.
public enum OrderNormalizer {
    public static func normalize(
        _ value: JSONValue, rawJSON: String, source: CanonicalOrder.SourcePosition
    ) throws(OrderRejection) -> CanonicalOrder {
        guard let order = value.objectValue else {
            throw OrderRejection(orderId: nil, reason: "the order is \(value.kindName), not an object")
        }
        var fields = FieldReader(orderId: nil)

        let idText = try fields.requiredText(order["Id"], "Id")
        guard idText.allSatisfy(\.isASCII), idText.allSatisfy(\.isNumber), let id = Int64(idText), id > 0 else {
            throw OrderRejection(orderId: idText, reason: "Id is not a positive whole number: \"\(idText)\"")
        }
        fields.orderId = idText

        let orderNumber = try fields.requiredText(order["OrderNumber"], "OrderNumber")
        let orderDate = try fields.requiredTime(order["Date"], "Date")
        let lastUpdated = try fields.requiredTime(order["LastUpdatedDate"], "LastUpdatedDate")
        let currencyCode = try fields.requiredText(order["CurrencyCode"], "CurrencyCode")
        let total = try fields.requiredAmount(order["Total"], "Total")
        let discounts = try fields.amount(order["Discounts"], "Discounts") ?? .zero

        let tags = fields.text(order["Tags"])
        let items = try normalizeItems(order["Items"], &fields)
        let shipping = try normalizeShipping(order["Shipping"], &fields)
        let credits = linkCreditLines(try normalizeCredits(order["Credits"], rawJSON: rawJSON, &fields), to: items)
        let customFields = objectOrEmpty(order["CustomFields"])
        let invoices = try normalizeInvoices(customFields["Invoices"], &fields)

        let difference = try reconciliationDifference(items: items, shipping: shipping, discounts: discounts, total: total, &fields)
        var vatTotal = Decimal(0)
        for amount in items.compactMap(\.rowVAT) + [shipping.vat].compactMap({ $0 }) { vatTotal += exact(amount) }

        return CanonicalOrder(
            id: id,
            orderNumber: orderNumber,
            replacedOrder: replacedOrder(in: order, &fields),
            orderDate: orderDate,
            lastUpdatedDate: lastUpdated,
            type: fields.text(order["Type"]),
            status: fields.text(order["Status"]) ?? "",
            currencyCode: currencyCode,
            notes: fields.text(order["Notes"]),
            tags: tags,
            storeName: storeName(fromTags: tags),
            discounts: discounts.description,
            total: total.description,
            contact: normalizeContact(order["Contact"], &fields),
            addresses: normalizeAddresses(order["Addresses"], &fields),
            items: items,
            shipping: shipping,
            payment: try normalizePayment(order["Payments"], &fields),
            credits: credits,
            invoices: invoices,
            lastTransactionId: fields.text(customFields["LastTransactionId"]),
            creditPoints: try fields.amount(customFields["CreditPoints"], "CustomFields.CreditPoints")?.description,
            orderProcessingFee: try fields.amount(customFields["OrderProcessingFee"], "CustomFields.OrderProcessingFee")?.description,
            orderProcessingFeeExTax: try fields.amount(customFields["OrderProcessingFeeExTax"], "CustomFields.OrderProcessingFeeExTax")?.description,
            vatTotal: decimal4Text(vatTotal),
            paidAt: invoices.compactMap(\.date).first,
            hasIncompleteLines: items.contains { $0.errorCode != nil },
            reconciliation: .init(reconciles: difference.magnitude < Decimal4(units: 50), difference: difference.description),
            contentHash: SHA256.hash(data: Array(rawJSON.utf8)).hexString,
            rawJSON: rawJSON,
            source: source
        )
    }

    // MARK: - Parts of an order

    private static func replacedOrder(in order: JSONObject, _ fields: inout FieldReader) -> CanonicalOrder.ReplacedOrder? {
        // The key is `ReplaceOrderNumber` when nothing was replaced, and the literal text
        // `ReplaceOrderNumber Id="987"` when this order replaced entity 987.
        guard let member = order.members.first(where: { $0.key.hasPrefix("ReplaceOrderNumber") }),
              let number = fields.text(member.value), !number.isEmpty
        else { return nil }
        var entityId: String?
        if let open = member.key.range(of: "Id=\"") {
            let rest = member.key[open.upperBound...]
            entityId = rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
        return .init(entityId: entityId, orderNumber: number)
    }

    static func storeName(fromTags tags: String?) -> String? {
        guard let tags else { return nil }
        for line in tags.split(whereSeparator: \.isNewline) where line.hasPrefix("StoreName:") {
            let name = line.dropFirst("StoreName:".count).trimmingCharacters(in: .whitespaces)
            return name.isEmpty ? nil : name
        }
        return nil
    }

    private static func normalizeContact(_ value: JSONValue?, _ fields: inout FieldReader) -> CanonicalOrder.Contact {
        let contact = objectOrEmpty(value)
        let id = fields.text(contact["Id"])
        let isGuest = id == nil || id == "0" || id == ""
        return .init(
            customerId: isGuest ? nil : id,
            isGuest: isGuest,
            salutation: fields.text(contact["Salutation"]),
            firstName: fields.text(contact["FirstName"]),
            lastName: fields.text(contact["LastName"]),
            phone: fields.text(contact["WorkPhone"]),
            email: fields.text(contact["Email"]),
            company: fields.text(contact["OrganizationName"]),
            businessNumber: fields.text(contact["OrganizationBusinessNumber"])
        )
    }

    private static func normalizeAddresses(_ value: JSONValue?, _ fields: inout FieldReader) -> [CanonicalOrder.Address] {
        let addresses = objectOrEmpty(value)
        return [("BillingAddress", "billing"), ("ShippingAddress", "shipping")].compactMap { key, type in
            guard let address = addresses[key]?.objectValue else { return nil }
            return .init(
                addressType: type,
                salutation: fields.text(address["Salutation"]),
                firstName: fields.text(address["FirstName"]),
                lastName: fields.text(address["LastName"]),
                company: fields.text(address["OrganizationName"]),
                phone: fields.text(address["WorkPhone"]),
                line1: fields.text(address["Line1"]),
                line2: fields.text(address["Line2"]),
                city: fields.text(address["City"]),
                postCode: fields.text(address["PostCode"]),
                region: fields.text(address["State"]),
                countryCode: fields.text(address["CountryCode"])
            )
        }
    }

    private static func normalizeItems(_ value: JSONValue?, _ fields: inout FieldReader) throws(OrderRejection) -> [CanonicalOrder.Item] {
        var items: [CanonicalOrder.Item] = []
        for (position, element) in elements(of: value).enumerated() {
            let name = "Items[\(position)]"
            guard let item = element.objectValue else {
                throw fields.reject("\(name) is \(element.kindName), not an object")
            }
            if let errorCode = fields.text(item["ErrorCode"]) {
                items.append(.init(position: position, errorCode: errorCode, errorMessage: fields.text(item["Message"])))
                continue
            }
            let taxes = objectOrEmpty(item["Taxes"])
            let quantity = try fields.amount(item["Quantity"], "\(name).Quantity")
            let taxRate = try fields.quotient(taxes["TaxRate"], "\(name).Taxes.TaxRate")
            let taxAmount = try fields.amount(taxes["TaxAmount"], "\(name).Taxes.TaxAmount")
            items.append(.init(
                position: position,
                productId: fields.text(item["ProductId"]),
                productCode: fields.text(item["ProductCode"]),
                productName: fields.text(item["ProductName"]),
                quantity: quantity?.description,
                price: try fields.amount(item["Price"], "\(name).Price")?.description,
                unitPriceExTax: try fields.amount(item["UnitPriceExTax"], "\(name).UnitPriceExTax")?.description,
                discount: try fields.quotient(item["Discount"], "\(name).Discount")?.description,
                taxId: fields.text(taxes["TaxId"]),
                taxCode: fields.text(taxes["TaxCode"]),
                taxName: fields.text(taxes["TaxName"]),
                taxRate: taxRate?.description,
                taxAmount: taxAmount?.description,
                lineTotalIncTax: try fields.amount(item["LineTotalIncTax"], "\(name).LineTotalIncTax")?.description,
                rowDiscount: try rowDiscount(item["Discount"], quantity: quantity, "\(name).Discount", &fields),
                vatRate: percent(taxRate),
                rowVAT: (taxAmount ?? .zero).description
            ))
        }
        return items
    }

    private static func normalizeShipping(_ value: JSONValue?, _ fields: inout FieldReader) throws(OrderRejection) -> CanonicalOrder.Shipping {
        let shipping = objectOrEmpty(value)
        let taxes = objectOrEmpty(shipping["Taxes"])
        let shippingRate = try fields.quotient(taxes["TaxRate"], "Shipping.Taxes.TaxRate")
        let shippingVAT = try fields.amount(taxes["TaxAmount"], "Shipping.Taxes.TaxAmount")
        return .init(
            method: fields.text(shipping["ShippingMethod"]),
            amount: try fields.amount(shipping["Amount"], "Shipping.Amount")?.description,
            discount: try fields.amount(shipping["Discount"], "Shipping.Discount")?.description,
            taxName: fields.text(taxes["TaxName"]),
            taxRate: shippingRate?.description,
            taxAmount: shippingVAT?.description,
            vatRate: shippingRate.flatMap { percent($0) },
            vat: (shippingVAT ?? .zero).description
        )
    }

    private static func normalizePayment(_ value: JSONValue?, _ fields: inout FieldReader) throws(OrderRejection) -> CanonicalOrder.Payment? {
        // `[]` when unpaid; `{"PaymentMethod": {...}}` otherwise.
        let method = objectOrEmpty(objectOrEmpty(value)["PaymentMethod"])
        guard !method.members.isEmpty else { return nil }
        return .init(
            methodName: fields.text(method["MethodName"]),
            amount: try fields.amount(method["Amount"], "Payments.PaymentMethod.Amount")?.description
        )
    }

    private static func normalizeCredits(_ value: JSONValue?, rawJSON: String, _ fields: inout FieldReader) throws(OrderRejection) -> [CanonicalOrder.CreditMemo] {
        var credits: [CanonicalOrder.CreditMemo] = []
        // Each credit memo is kept exactly as sent; when `Credits` is PHP's keyed object rather
        // than an array, it is written back from its parsed value instead.
        let memos = elements(of: value)
        guard !memos.isEmpty else { return [] }
        let sources = JSONParser.sourceOfArrayElements(member: "Credits", in: Array(rawJSON.utf8))
        for (index, element) in memos.enumerated() {
            let name = "Credits[\(index)]"
            guard let credit = element.objectValue else { throw fields.reject("\(name) is \(element.kindName), not an object") }
            let idText = try fields.requiredText(credit["entity_id"], "\(name).entity_id")
            guard let creditId = Int64(idText) else { throw fields.reject("\(name).entity_id is not a whole number: \"\(idText)\"") }
            var items: [CanonicalOrder.CreditMemoItem] = []
            for (position, itemValue) in elements(of: credit["Items"]).enumerated() {
                let itemName = "\(name).Items[\(position)]"
                guard let item = itemValue.objectValue else { throw fields.reject("\(itemName) is \(itemValue.kindName), not an object") }
                items.append(.init(
                    position: position,
                    productId: fields.text(item["ProductId"]),
                    productCode: fields.text(item["ProductCode"]),
                    productName: fields.text(item["ProductName"]),
                    quantity: try fields.amount(item["Quantity"], "\(itemName).Quantity")?.description,
                    price: try fields.amount(item["Price"], "\(itemName).Price")?.description,
                    unitPriceExTax: try fields.amount(item["UnitPriceExTax"], "\(itemName).UnitPriceExTax")?.description,
                    taxAmount: try fields.amount(item["TaxAmount"], "\(itemName).TaxAmount")?.description,
                    discount: try fields.quotient(item["Discount"], "\(itemName).Discount")?.description
                ))
            }
            credits.append(.init(
                creditId: creditId,
                incrementId: fields.text(credit["increment_id"]),
                state: fields.text(credit["state"]),
                createdAt: try fields.time(credit["created_at"], "\(name).created_at"),
                updatedAt: try fields.time(credit["updated_at"], "\(name).updated_at"),
                grandTotal: try fields.amount(credit["grand_total"], "\(name).grand_total")?.description,
                baseGrandTotal: try fields.amount(credit["base_grand_total"], "\(name).base_grand_total")?.description,
                baseTaxAmount: try fields.amount(credit["base_tax_amount"], "\(name).base_tax_amount")?.description,
                baseShippingAmount: try fields.amount(credit["base_shipping_amount"], "\(name).base_shipping_amount")?.description,
                adjustmentPositive: try fields.amount(credit["adjustment_positive"], "\(name).adjustment_positive")?.description,
                adjustmentNegative: try fields.amount(credit["adjustment_negative"], "\(name).adjustment_negative")?.description,
                baseCurrencyCode: fields.text(credit["base_currency_code"]),
                shippingInclTax: try fields.amount(credit["base_shipping_incl_tax"], "\(name).base_shipping_incl_tax")?.description,
                shippingVAT: try fields.amount(credit["base_shipping_tax_amount"], "\(name).base_shipping_tax_amount")?.description,
                refundedDiscount: try fields.amount(credit["base_discount_amount"], "\(name).base_discount_amount")
                    .map { Decimal4.zero.subtracting($0)?.description ?? $0.description },
                items: items,
                rawJSON: sources.flatMap { index < $0.count ? $0[index] : nil } ?? JSONWriter.string(element)
            ))
        }
        return credits
    }

    private static func normalizeInvoices(_ value: JSONValue?, _ fields: inout FieldReader) throws(OrderRejection) -> [CanonicalOrder.Invoice] {
        try elements(of: value).enumerated().map { (index, element) throws(OrderRejection) in
            let invoice = objectOrEmpty(element)
            return .init(
                number: fields.text(invoice["InvNumber"]),
                date: try fields.time(invoice["Date"], "CustomFields.Invoices[\(index)].Date")
            )
        }
    }

    // MARK: - Bookkeeping figures

    /// `Total − (Σ LineTotalIncTax + Shipping.Amount − Discounts)`, or, when that is not within
    /// half a penny, the difference against the net-price form `Σ (UnitPriceExTax × Quantity +
    /// TaxAmount) + Shipping.Amount − Discounts`. In a store with net prices and VAT applied after
    /// the discount, `LineTotalIncTax` carries the VAT before the discount, so the first form is off
    /// by the discount's VAT although Magento's figures agree; the second is exact there.
    private static func reconciliationDifference(
        items: [CanonicalOrder.Item], shipping: CanonicalOrder.Shipping, discounts: Decimal4, total: Decimal4,
        _ fields: inout FieldReader
    ) throws(OrderRejection) -> Decimal4 {
        var inclusive = Decimal(0)
        var net = Decimal(0)
        var netIsKnown = true
        for item in items where item.errorCode == nil {
            inclusive += item.lineTotalIncTax.map(exact) ?? 0
            if let unit = item.unitPriceExTax, let quantity = item.quantity {
                net += exact(unit) * exact(quantity) + (item.rowVAT.map(exact) ?? 0)
            } else if let gross = item.lineTotalIncTax, let percent = item.vatRate {
                // OneSaas sometimes renders UnitPriceExTax null: the row's net is its gross without
                // the rate's VAT (none on a zero-rated line), to the penny, as the document builder takes it.
                net += (exact(gross) * 100 / (100 + exact(percent))).rounded(toPlaces: 2) + (item.rowVAT.map(exact) ?? 0)
            } else {
                netIsKnown = false
            }
        }
        // Name the sum that does not fit, as the bookkeeper would look for it, before the difference.
        _ = try fields.checked(Decimal4(parsing: inclusive.description), "the sum of LineTotalIncTax")
        let rest = (shipping.amount.map(exact) ?? 0) - exact(discounts.description)
        let totalValue = exact(total.description)
        var difference = totalValue - (inclusive + rest)
        // Amounts beyond what the columns hold reject the order whichever form would be chosen.
        _ = try fields.checked(Decimal4(parsing: difference.rounded(toPlaces: 4).description), "the reconciliation difference")
        if difference.magnitude >= Decimal(string: "0.005") ?? 0, netIsKnown, (totalValue - (net + rest)).magnitude < difference.magnitude {
            difference = totalValue - (net + rest)
        }
        return try fields.checked(Decimal4(parsing: difference.rounded(toPlaces: 4).description), "the reconciliation difference")
    }

    /// The row's exact discount from the full text of the per-unit `Discount` (PHP's float quotient).
    private static func rowDiscount(_ value: JSONValue?, quantity: Decimal4?, _ name: String,
                                    _ fields: inout FieldReader) throws(OrderRejection) -> String? {
        guard let text = fields.text(value), !text.isEmpty else { return Decimal4.zero.description }
        guard let row = BookkeepingOrder.Line.exactRowDiscount(perUnitText: text, quantity: quantity.map { exact($0.description) } ?? 1)
        else { throw fields.reject("\(name) is not a number: \"\(text.prefix(40))\"") }
        return decimal4Text(row)
    }

    /// A rate quotient (0.2) as a percent ("20.0000"); 0 percent when the line carries no rate.
    private static func percent(_ quotient: Decimal4?) -> String? {
        decimal4Text(exact((quotient ?? .zero).description) * 100)
    }

    /// Credit memo lines refer to the order line with the same `ProductId`, and take its VAT rate.
    private static func linkCreditLines(_ credits: [CanonicalOrder.CreditMemo], to items: [CanonicalOrder.Item]) -> [CanonicalOrder.CreditMemo] {
        credits.map { credit in
            var credit = credit
            for index in credit.items.indices {
                guard let productId = credit.items[index].productId,
                      let line = items.first(where: { $0.productId == productId && $0.errorCode == nil }) else { continue }
                credit.items[index].orderLinePosition = line.position
                credit.items[index].vatRate = line.vatRate
            }
            return credit
        }
    }

    static func exact(_ text: String) -> Decimal {
        Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) ?? 0
    }

    static func decimal4Text(_ value: Decimal) -> String? {
        Decimal4(parsing: value.rounded(toPlaces: 4).description)?.description
    }

    // MARK: - PHP's shapes

    /// PHP encodes an empty array as `[]` even where a non-empty one is an object.
    static func objectOrEmpty(_ value: JSONValue?) -> JSONObject {
        value?.objectValue ?? JSONObject()
    }

    /// The elements of a list that PHP may have encoded as an array or, when its keys are not
    /// 0, 1, 2…, as an object.
    static func elements(of value: JSONValue?) -> [JSONValue] {
        switch value {
        case .array(let elements): return elements
        case .object(let object): return object.members.map(\.value)
        default: return []
        }
    }
}

/// Reads typed fields out of an order, turning every problem into an `OrderRejection` that
/// names the field.
struct FieldReader {
    var orderId: String?

    func reject(_ reason: String) -> OrderRejection {
        OrderRejection(orderId: orderId, reason: reason)
    }

    /// Text of a string, number or boolean; nil for null, missing, arrays and objects.
    func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    func requiredText(_ value: JSONValue?, _ name: String) throws(OrderRejection) -> String {
        guard let value else { throw reject("\(name) is missing") }
        guard let text = text(value), !text.isEmpty else { throw reject("\(name) is \(value == .string("") ? "empty" : value.kindName)") }
        return text
    }

    /// An amount from a decimal string, a JSON number or null/"" (nil), exact to 4 places (PHP
    /// float noise is read as the 4-place value it stands for; a real fifth decimal is rejected).
    func amount(_ value: JSONValue?, _ name: String) throws(OrderRejection) -> Decimal4? {
        guard let text = try numberText(value, name) else { return nil }
        switch Decimal4.read(text) {
        case .exact(let amount): return amount
        case .moreThanFourPlaces:
            throw reject("\(name) has more than four decimal places: \"\(text.prefix(40))\" (the database keeps four; rounding would change the amount)")
        case .notANumber: throw reject("\(name) is not a number: \"\(text.prefix(40))\"")
        }
    }

    /// A quotient the extension computes rather than an amount Magento stores: a per-unit
    /// `Discount` (the line's discount ÷ quantity, e.g. 1.00 ÷ 3) or a `TaxRate` (percent ÷ 100).
    /// It has no exact four-place form, so it is rounded half away from zero to four places;
    /// the amounts it derives from are kept exact.
    func quotient(_ value: JSONValue?, _ name: String) throws(OrderRejection) -> Decimal4? {
        guard let text = try numberText(value, name) else { return nil }
        guard let quotient = Decimal4(parsing: text) else { throw reject("\(name) is not a number: \"\(text.prefix(40))\"") }
        return quotient
    }

    /// The text of a number field; nil for null or "".
    private func numberText(_ value: JSONValue?, _ name: String) throws(OrderRejection) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let string)?:
            let trimmed = string.first?.isWhitespace == true || string.last?.isWhitespace == true
                ? string.trimmingCharacters(in: .whitespaces) : string
            return trimmed.isEmpty ? nil : trimmed
        case .number(let number)?: return number
        case let other?: throw reject("\(name) is \(other.kindName), not an amount")
        }
    }

    func requiredAmount(_ value: JSONValue?, _ name: String) throws(OrderRejection) -> Decimal4 {
        guard let amount = try amount(value, name) else {
            throw reject("\(name) is \(value == nil ? "missing" : (value == .null ? "null" : "empty"))")
        }
        return amount
    }

    func time(_ value: JSONValue?, _ name: String) throws(OrderRejection) -> String? {
        guard let text = text(value), !text.isEmpty else { return nil }
        guard let time = UTCTime(parsing: text) else { throw reject("\(name) is not a date and time: \"\(text.prefix(40))\"") }
        return time.description
    }

    func requiredTime(_ value: JSONValue?, _ name: String) throws(OrderRejection) -> String {
        guard let time = try time(value, name) else { throw reject("\(name) is missing") }
        return time
    }

    func checked(_ value: Decimal4?, _ name: String) throws(OrderRejection) -> Decimal4 {
        guard let value else { throw reject("\(name) is too large") }
        return value
    }
}
