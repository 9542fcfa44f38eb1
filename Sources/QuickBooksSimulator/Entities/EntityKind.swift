/// The QuickBooks entities the simulator serves, with what each one allows.
enum EntityKind: String, CaseIterable, Sendable {
    case salesReceipt = "SalesReceipt"
    case invoice = "Invoice"
    case refundReceipt = "RefundReceipt"
    case creditMemo = "CreditMemo"
    case payment = "Payment"
    case customer = "Customer"
    case item = "Item"
    case account = "Account"
    case paymentMethod = "PaymentMethod"
    case taxCode = "TaxCode"
    case taxRate = "TaxRate"

    /// The entity named in a path (`salesreceipt`) or a query (`SalesReceipt`), in any case.
    init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = kind
    }

    var name: String { rawValue }

    /// Sales forms: lines with VAT, a DocNumber unique among all of them.
    var isSalesForm: Bool {
        switch self {
        case .salesReceipt, .invoice, .refundReceipt, .creditMemo: return true
        default: return false
        }
    }

    var isTransaction: Bool { isSalesForm || self == .payment }

    /// Name lists: never deleted, made inactive instead; queries hide inactive rows.
    var isList: Bool { !isTransaction }

    /// Created only through the TaxService endpoint in real QuickBooks; read-only here.
    var isReadOnly: Bool { self == .taxCode || self == .taxRate }

    var canVoid: Bool { self == .salesReceipt || self == .invoice || self == .payment }

    /// The fields a query may name in WHERE and ORDERBY, and the path each one reads.
    var filterableFields: [String: String] {
        var fields: [String: String] = [
            "id": "Id",
            "metadata.createtime": "MetaData.CreateTime",
            "metadata.lastupdatedtime": "MetaData.LastUpdatedTime",
        ]
        if isTransaction {
            fields["txndate"] = "TxnDate"
            fields["customerref"] = "CustomerRef.value"
            fields["totalamt"] = "TotalAmt"
        }
        if isSalesForm {
            fields["docnumber"] = "DocNumber"
        }
        if isList {
            fields["active"] = "Active"
            fields["name"] = "Name"
        }
        switch self {
        case .customer:
            fields["displayname"] = "DisplayName"
            fields["givenname"] = "GivenName"
            fields["familyname"] = "FamilyName"
            fields["companyname"] = "CompanyName"
            fields["primaryemailaddr"] = "PrimaryEmailAddr.Address"
            fields["primaryemailaddr.address"] = "PrimaryEmailAddr.Address"
            fields["name"] = "DisplayName"
        case .item:
            fields["sku"] = "Sku"
            fields["type"] = "Type"
        case .account:
            fields["accounttype"] = "AccountType"
            fields["accountsubtype"] = "AccountSubType"
            fields["classification"] = "Classification"
            fields["fullyqualifiedname"] = "FullyQualifiedName"
        default:
            break
        }
        return fields
    }

    /// Fields that may be filtered but not sorted on.
    var unsortableFields: Set<String> { ["id"] }
}
