import Foundation

/// The store's own settings that decide how its figures add up and on which day a sale falls:
/// read on every sync from the endpoint's cheap configuration actions (`StoreInfo`, `TaxCodes`,
/// `PaymentGateways`) and kept in `store_configuration` with the time they were read.
///
/// ```swift
/// let configuration = try StoreConfiguration(readAt: "2026-11-25 18:00:00", storeInfo: info, taxCodes: nil, paymentGateways: nil)
/// configuration.timeZone            // "Europe/London"
/// ```
public struct StoreConfiguration: Equatable, Sendable {
    /// When the answers were read, UTC `YYYY-MM-DD HH:MM:SS`.
    public var readAt: String
    public var storeName: String?
    /// `StoreInfo.Timezone` (`general/locale/timezone`), an IANA name.
    public var timeZone: String?
    /// `StoreInfo.IsSellingPriceIncludingTax`, `IsTaxAppliedAfterDiscount`, `IsDiscountTaxed`.
    public var pricesIncludeTax: Bool?
    public var taxAppliedAfterDiscount: Bool?
    public var discountTaxed: Bool?
    /// Each answer as the endpoint sent it (nil when that action could not be read).
    public var storeInfoJSON: String?
    public var taxCodesJSON: String?
    public var paymentGatewaysJSON: String?

    public init(readAt: String, storeInfo: JSONValue?, taxCodes: JSONValue?, paymentGateways: JSONValue?) {
        self.readAt = readAt
        storeName = storeInfo?["StoreName"]?.stringValue
        timeZone = storeInfo?["Timezone"]?.stringValue.flatMap { TimeZone(identifier: $0) == nil ? nil : $0 }
        pricesIncludeTax = Self.flag(storeInfo?["IsSellingPriceIncludingTax"])
        taxAppliedAfterDiscount = Self.flag(storeInfo?["IsTaxAppliedAfterDiscount"])
        discountTaxed = Self.flag(storeInfo?["IsDiscountTaxed"])
        storeInfoJSON = storeInfo.map(JSONWriter.string)
        taxCodesJSON = taxCodes.map(JSONWriter.string)
        paymentGatewaysJSON = paymentGateways.map(JSONWriter.string)
    }

    public init(readAt: String, storeName: String?, timeZone: String?, pricesIncludeTax: Bool?, taxAppliedAfterDiscount: Bool?,
                discountTaxed: Bool?, storeInfoJSON: String?, taxCodesJSON: String?, paymentGatewaysJSON: String?) {
        self.readAt = readAt
        self.storeName = storeName
        self.timeZone = timeZone
        self.pricesIncludeTax = pricesIncludeTax
        self.taxAppliedAfterDiscount = taxAppliedAfterDiscount
        self.discountTaxed = discountTaxed
        self.storeInfoJSON = storeInfoJSON
        self.taxCodesJSON = taxCodesJSON
        self.paymentGatewaysJSON = paymentGatewaysJSON
    }

    /// The staged form: the three answers as one JSON object, so a run's configuration is a file of the run.
    public var stagedJSON: String {
        func parsed(_ text: String?) -> JSONValue { text.flatMap { try? JSONParser.parse(Array($0.utf8)) } ?? .null }
        return JSONWriter.string(.object(JSONObject(members: [
            ("readAt", .string(readAt)), ("StoreInfo", parsed(storeInfoJSON)), ("TaxCodes", parsed(taxCodesJSON)),
            ("PaymentGateways", parsed(paymentGatewaysJSON)),
        ])))
    }

    /// Reads what `stagedJSON` wrote.
    public init(staged bytes: [UInt8]) throws {
        let value = try JSONParser.parse(bytes)
        func answer(_ key: String) -> JSONValue? { value[key].flatMap { $0.isNull ? nil : $0 } }
        guard let readAt = value["readAt"]?.stringValue else {
            throw CanonicalFormatError(reason: "the staged store configuration has no readAt")
        }
        self.init(readAt: readAt, storeInfo: answer("StoreInfo"), taxCodes: answer("TaxCodes"), paymentGateways: answer("PaymentGateways"))
    }

    /// PHP answers a flag as `true`, `1`, `"1"` or `"true"`.
    static func flag(_ value: JSONValue?) -> Bool? {
        switch value {
        case .bool(let flag)?: return flag
        case .number(let text)?, .string(let text)?:
            switch text.lowercased() {
            case "1", "true", "yes": return true
            case "0", "false", "no", "": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// A UTC time (`YYYY-MM-DD HH:MM:SS`) as a calendar date (`YYYY-MM-DD`) in `timeZone`; in UTC when
    /// the zone is unknown. A sale at 23:30 UTC in July is the next day in London.
    public static func localDate(ofUTC text: String, timeZone: String?) -> String? {
        guard let time = UTCTime(parsing: text) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day], from: time.date)
        guard let year = parts.year, let month = parts.month, let day = parts.day else { return nil }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
