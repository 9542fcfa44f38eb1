import MariaDB

/// `store_configuration`: every reading of the store's settings, newest last. The newest one
/// decides the local dates and the price basis of the orders loaded after it.
public struct StoreConfigurationTable {
    public let connection: MariaDBConnection

    public init(connection: MariaDBConnection) {
        self.connection = connection
    }

    /// Adds one reading; a resumed load of the same run does not add it twice.
    public func record(_ configuration: StoreConfiguration, runId: String?) throws {
        if let runId, try !connection.query(
            "SELECT 1 FROM \(TableName.storeConfiguration.rawValue) WHERE run_id = ? LIMIT 1", [.string(runId)]).isEmpty {
            return
        }
        try connection.execute("""
            INSERT INTO \(TableName.storeConfiguration.rawValue) (read_at, run_id, store_name, time_zone, prices_include_tax,
              tax_applied_after_discount, discount_taxed, store_info_json, tax_codes_json, payment_gateways_json)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.string(configuration.readAt), MariaDBValue(runId), MariaDBValue(configuration.storeName), MariaDBValue(configuration.timeZone),
                  MariaDBValue(configuration.pricesIncludeTax), MariaDBValue(configuration.taxAppliedAfterDiscount),
                  MariaDBValue(configuration.discountTaxed), MariaDBValue(configuration.storeInfoJSON),
                  MariaDBValue(configuration.taxCodesJSON), MariaDBValue(configuration.paymentGatewaysJSON)])
    }

    /// The newest reading, nil when the store's settings were never read.
    public func latest() throws -> StoreConfiguration? {
        guard let row = try connection.query(
            "SELECT * FROM \(TableName.storeConfiguration.rawValue) ORDER BY read_at DESC, id DESC LIMIT 1").first
        else { return nil }
        return StoreConfiguration(
            readAt: row.string("read_at") ?? "", storeName: row.string("store_name"), timeZone: row.string("time_zone"),
            pricesIncludeTax: row.bool("prices_include_tax"), taxAppliedAfterDiscount: row.bool("tax_applied_after_discount"),
            discountTaxed: row.bool("discount_taxed"), storeInfoJSON: row.string("store_info_json"),
            taxCodesJSON: row.string("tax_codes_json"), paymentGatewaysJSON: row.string("payment_gateways_json"))
    }
}
