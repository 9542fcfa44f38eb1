import Foundation
import OneSaasSimulator
import SyncletCore

/// A simulated Magento store and its orders read back as `BookkeepingOrder`s by a small test-only
/// adapter: the fields the schema step stores, taken from the JSON a client would read.
struct SimulatedStore {
    let tax: TaxConfiguration
    let orders: [BookkeepingOrder]
    /// The rendered orders, parsed, for checks on Magento's own figures.
    let rendered: [SyncletCore.JSONValue]

    init(orderCount: Int, seed: UInt64, tax: TaxConfiguration) throws {
        self.tax = tax
        let settings = Store.Settings(orderCount: orderCount, seed: seed, startDate: 1_740_787_200 /* 2025-03-01 00:00:00 UTC */,
                                      quirks: .realistic, badOrderCount: 0, tax: tax)
        let store = Store(settings: settings, clock: StoreClock())
        let adapter = OrderAdapter(pricesIncludeTax: tax.pricesIncludeTax, timeZone: TimeZone(identifier: tax.timeZone) ?? .gmt)
        rendered = try store.renderedOrders().map { try SyncletCore.JSONParser.parse($0) }.filter { $0.objectValue != nil }
        orders = try adapter.orders(from: rendered)
    }
}

struct AdapterError: Error, CustomStringConvertible {
    var description: String
}

/// Reads rendered orders into `BookkeepingOrder`s the way the transform and load steps will fill the columns.
struct OrderAdapter {
    let pricesIncludeTax: Bool
    let timeZone: TimeZone

    func orders(from values: [SyncletCore.JSONValue]) throws -> [BookkeepingOrder] {
        var orders = try values.map(order)
        var replacedBy: [String: String] = [:]
        for order in orders { if let original = order.replacesOrderNumber { replacedBy[original] = order.orderNumber } }
        for index in orders.indices { orders[index].replacedByOrderNumber = replacedBy[orders[index].orderNumber] }
        return orders
    }

    private func order(_ value: SyncletCore.JSONValue) throws -> BookkeepingOrder {
        guard let object = value.objectValue else { throw AdapterError(description: "not an order") }
        let number = try text(value["OrderNumber"], "OrderNumber")
        let created = try time(value["Date"], "Date")
        let replaces = object.members.first { $0.key.hasPrefix("ReplaceOrderNumber") }?.value.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        var lines: [BookkeepingOrder.Line] = []
        var lost = 0
        var vatTotal = Decimal(0)
        for (index, item) in (value["Items"]?.arrayValue ?? []).enumerated() {
            if item["ErrorCode"] != nil { lost += 1; continue }
            let quantity = try amount(item["Quantity"], "Quantity")
            let taxes = item["Taxes"]
            let rate = try taxes.map { try amount($0["TaxRate"], "TaxRate") * 100 } ?? 0
            let vat = try taxes.map { try amount($0["TaxAmount"], "TaxAmount") } ?? 0
            vatTotal += vat
            let discount = try item["Discount"].map { value -> Decimal in
                guard let text = value.numberText ?? value.stringValue,
                      let row = BookkeepingOrder.Line.exactRowDiscount(perUnitText: text, quantity: quantity)
                else { throw AdapterError(description: "Discount of \(number)") }
                return row
            } ?? 0
            lines.append(BookkeepingOrder.Line(
                position: index + 1, productId: item["ProductId"]?.stringValue, sku: try text(item["ProductCode"], "ProductCode"),
                name: try text(item["ProductName"], "ProductName"), quantity: quantity,
                unitPriceInclTax: try optionalAmount(item["Price"]), unitPriceExclTax: try optionalAmount(item["UnitPriceExTax"]),
                rowTotalInclTax: try amount(item["LineTotalIncTax"], "LineTotalIncTax"), rowVAT: vat, vatRatePercent: rate,
                storeTaxCode: taxes?["TaxCode"]?.stringValue, rowDiscount: discount, isZeroRated: rate == 0))
        }
        let shippingValue = value["Shipping"]
        let shippingTaxes = shippingValue?["Taxes"]
        let shipping = BookkeepingOrder.Shipping(
            method: shippingValue?["ShippingMethod"]?.stringValue,
            amountInclTax: try optionalAmount(shippingValue?["Amount"]) ?? 0,
            vat: try shippingTaxes.map { try amount($0["TaxAmount"], "Shipping TaxAmount") } ?? 0,
            vatRatePercent: try shippingTaxes.map { try amount($0["TaxRate"], "Shipping TaxRate") * 100 })
        vatTotal += shipping.vat
        let invoices = value["CustomFields"]?["Invoices"]?.arrayValue ?? []
        let paidAt = try invoices.first.map { try time($0["Date"], "Invoices.Date") }
        let contact = value["Contact"]
        let name = [contact?["FirstName"]?.stringValue, contact?["LastName"]?.stringValue].compactMap { $0 }.joined(separator: " ")
        let credits = try (value["Credits"]?.arrayValue ?? []).map { try creditMemo($0, lines: lines) }
        return BookkeepingOrder(
            orderNumber: number, status: try text(value["Status"], "Status"), createdAt: created, localDate: localDate(created),
            currencyCode: value["CurrencyCode"]?.stringValue ?? "GBP", customerName: name.isEmpty ? nil : name,
            customerEmail: contact?["Email"]?.stringValue, paymentMethod: value["Payments"]?["PaymentMethod"]?["MethodName"]?.stringValue,
            paidAt: paidAt, replacesOrderNumber: replaces, pricesIncludeTax: pricesIncludeTax, lines: lines,
            lostLineCount: lost, shipping: shipping, grandTotal: try amount(value["Total"], "Total"), vatTotal: vatTotal,
            discountTotal: lines.reduce(0) { $0 + $1.rowDiscount }, creditMemos: credits)
    }

    private func creditMemo(_ value: SyncletCore.JSONValue, lines: [BookkeepingOrder.Line]) throws -> BookkeepingOrder.CreditMemo {
        let created = try time(value["created_at"], "created_at")
        let creditLines = try (value["Items"]?.arrayValue ?? []).map { item -> BookkeepingOrder.CreditLine in
            let productId = item["ProductId"]?.stringValue
            let orderLine = lines.first { $0.productId != nil && $0.productId == productId }
            return BookkeepingOrder.CreditLine(
                orderLinePosition: orderLine?.position, productId: productId, sku: try text(item["ProductCode"], "ProductCode"),
                name: try text(item["ProductName"], "ProductName"), quantity: try amount(item["Quantity"], "Quantity"),
                unitPriceInclTax: try optionalAmount(item["Price"]), unitPriceExclTax: try optionalAmount(item["UnitPriceExTax"]),
                rowVAT: try optionalAmount(item["TaxAmount"]) ?? 0, rowDiscount: try optionalAmount(item["Discount"]) ?? 0,
                vatRatePercent: orderLine?.vatRatePercent)
        }
        return BookkeepingOrder.CreditMemo(
            number: try text(value["increment_id"], "increment_id"), createdAt: created, localDate: localDate(created),
            grandTotal: try amount(value["base_grand_total"], "base_grand_total"),
            vatTotal: try amount(value["base_tax_amount"], "base_tax_amount"), lines: creditLines,
            shippingInclTax: try optionalAmount(value["base_shipping_incl_tax"]) ?? 0,
            shippingVAT: try optionalAmount(value["base_shipping_tax_amount"]) ?? 0,
            adjustmentPositive: try optionalAmount(value["adjustment_positive"]) ?? 0,
            adjustmentNegative: try optionalAmount(value["adjustment_negative"]) ?? 0,
            refundedDiscount: -(try optionalAmount(value["base_discount_amount"]) ?? 0))
    }

    private func text(_ value: SyncletCore.JSONValue?, _ name: String) throws -> String {
        guard let text = value?.stringValue else { throw AdapterError(description: "\(name) is not text") }
        return text
    }

    private func optionalAmount(_ value: SyncletCore.JSONValue?) throws -> Decimal? {
        guard let value, !value.isNull else { return nil }
        return try amount(value, "amount")
    }

    private func amount(_ value: SyncletCore.JSONValue?, _ name: String) throws -> Decimal {
        guard let text = value?.stringValue ?? value?.numberText,
              let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        else { throw AdapterError(description: "\(name) is not an amount") }
        // PHP floats (0.2, 24.0, 0.30000000000000004) are money or rates with at most 4 places.
        return text.contains("e") || text.contains("E") ? number : roundedToFourPlaces(number)
    }

    private func roundedToFourPlaces(_ value: Decimal) -> Decimal {
        var value = value
        var result = Decimal()
        NSDecimalRound(&result, &value, 4, .plain)
        return result
    }

    private func time(_ value: SyncletCore.JSONValue?, _ name: String) throws -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .gmt
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        guard let text = value?.stringValue, let date = formatter.date(from: text) else {
            throw AdapterError(description: "\(name) is not a time")
        }
        return date
    }

    private func localDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }
}
