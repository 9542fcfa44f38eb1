/// The cheap configuration actions of the endpoint, answered with small JSON that agrees with the
/// store's tax settings and catalogue.
enum ConfigurationActions {
    static let extensionVersion = "4.2.0.6"

    static func answer(to action: String, tax: TaxConfiguration) -> JSONValue? {
        switch action {
        case "StoreInfo":
            return .object([
                .init("OneSaas Version", .string(extensionVersion)),
                .init("StoreName", .string("Fell & Fjord Outdoor")),
                .init("Timezone", .string(tax.timeZone)),
                .init("IsSellingPriceIncludingTax", .bool(tax.pricesIncludeTax)),
                .init("IsTaxAppliedAfterDiscount", .bool(tax.taxAppliedAfterDiscount)),
                .init("IsDiscountTaxed", .bool(tax.discountOnPricesIncludingTax)),
            ])
        case "TaxCodes":
            // A store that renders zero-rated lines without Taxes has no 0% rule at all.
            let rates = tax.zeroRatedTaxes == .zeroRate ? [20, 5, 0] : [20, 5]
            let codes: [JSONValue] = rates.map { rate in
                .object([
                    .init("Name", .string(Catalog.taxRule(forRate: rate).code)),
                    .init("Rate", .number(PHPFloat.text(Double(rate)))),
                    .init("CountryCode", .string("GB")),
                    .init("Zip", .string("*")),
                ])
            }
            return .object([.init("TaxCodes", .array(codes))])
        case "PaymentGateways":
            let methods: [(String, String)] = [("stripe_payments", "Pay by Card (Stripe)"), ("paypal_express", "PayPal Express Checkout"),
                                               ("braintree", "Credit Card (Braintree)"), ("checkmo", "Check / Money order")]
            return .object([.init("PaymentMethods", .array(methods.map {
                .object([.init("Name", .string($0.0)), .init("Description", .string($0.1))])
            }))])
        case "OrderStatuses":
            let statuses = Catalog.standardStatuses + Catalog.customStatuses
            return .object([.init("OrderStatuses", .array(statuses.map(JSONValue.string)))])
        case "ShippingMethods":
            return .object([.init("ShippingMethods", .array(Catalog.shippingMethods.map {
                .object([.init("Name", .string($0.name)),
                         .init("Price", .string(Money.text(pence: MagentoTaxCalculator.shipping(pricePence: $0.pricePence, configuration: tax).amountInclPence)))])
            }))])
        case "PluginFeatures":
            return .object([
                .init("OneSaas Version", .string(extensionVersion)),
                .init("Features", .array(["Orders", "Contacts", "Products", "StoreInfo", "TaxCodes"].map(JSONValue.string))),
            ])
        case "Contacts", "Products":
            // Synclet reads only orders; these answer like an empty result set.
            return .string("")
        default:
            return nil
        }
    }
}
