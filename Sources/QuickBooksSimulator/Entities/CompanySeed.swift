/// What a new UK company has when QuickBooks sets it up: VAT codes and their rates, the Sales
/// income account, Undeposited Funds, a bank account and a few payment methods.
///
/// TaxCode and TaxRate ids differ on purpose (codes 2-6, rates 10-14), so a client that puts a
/// TaxCode id where a TaxRateRef belongs is caught.
enum CompanySeed {
    struct VATCode {
        var codeId: String
        var rateId: String
        var name: String
        var description: String
        var percent: String
    }

    static let vatCodes = [
        VATCode(codeId: "2", rateId: "10", name: "20.0% S", description: "Standard rated 20%", percent: "20"),
        VATCode(codeId: "3", rateId: "11", name: "5.0% R", description: "Reduced rate 5%", percent: "5"),
        VATCode(codeId: "4", rateId: "12", name: "0.0% Z", description: "Zero rated", percent: "0"),
        VATCode(codeId: "5", rateId: "13", name: "Exempt", description: "Exempt from VAT", percent: "0"),
        VATCode(codeId: "6", rateId: "14", name: "No VAT", description: "Outside the scope of VAT", percent: "0"),
    ]

    static let salesAccountId = "1"
    static let undepositedFundsAccountId = "2"

    static func entities() -> [(EntityKind, String, JSON)] {
        var seeded: [(EntityKind, String, JSON)] = []
        let accounts: [(String, String, String, String, String)] = [
            (salesAccountId, "Sales", "Income", "SalesOfProductIncome", "Revenue"),
            (undepositedFundsAccountId, "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
            ("3", "Current", "Bank", "CashOnHand", "Asset"),
            ("4", "VAT Control", "Other Current Liability", "GlobalTaxPayable", "Liability"),
        ]
        for (id, name, type, subType, classification) in accounts {
            seeded.append((.account, id, .object([
                .init("Name", .string(name)), .init("SubAccount", .bool(false)), .init("FullyQualifiedName", .string(name)),
                .init("Active", .bool(true)), .init("Classification", .string(classification)),
                .init("AccountType", .string(type)), .init("AccountSubType", .string(subType)),
                .init("CurrentBalance", .number("0")), .init("CurrencyRef", currency),
            ])))
        }
        for code in vatCodes {
            seeded.append((.taxRate, code.rateId, .object([
                .init("Name", .string(code.name)), .init("Description", .string(code.description)), .init("Active", .bool(true)),
                .init("RateValue", .number(code.percent)), .init("AgencyRef", .reference("1")),
                .init("SpecialTaxType", .string(code.name == "No VAT" ? "NONE" : "STANDARD")),
                .init("DisplayType", .string("ReadOnly")),
            ])))
            seeded.append((.taxCode, code.codeId, .object([
                .init("Name", .string(code.name)), .init("Description", .string(code.description)), .init("Active", .bool(true)),
                .init("Hidden", .bool(false)), .init("Taxable", .bool(code.percent != "0")), .init("TaxGroup", .bool(false)),
                .init("SalesTaxRateList", .object([.init("TaxRateDetail", .array([.object([
                    .init("TaxRateRef", .reference(code.rateId, name: code.name)),
                    .init("TaxTypeApplicable", .string("TaxOnAmount")), .init("TaxOrder", .integer(0)),
                ])]))])),
                .init("PurchaseTaxRateList", .object([.init("TaxRateDetail", .array([]))])),
            ])))
        }
        let methods: [(String, String, String)] = [
            ("1", "Cash", "NON_CREDIT_CARD"), ("2", "Cheque", "NON_CREDIT_CARD"),
            ("3", "Credit Card", "CREDIT_CARD"), ("4", "Direct Debit", "NON_CREDIT_CARD"),
        ]
        for (id, name, type) in methods {
            seeded.append((.paymentMethod, id, .object([.init("Name", .string(name)), .init("Active", .bool(true)), .init("Type", .string(type))])))
        }
        return seeded
    }

    static let currency = JSON.reference("GBP", name: "British Pound Sterling")
}
