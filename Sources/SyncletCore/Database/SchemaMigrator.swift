import MariaDB

/// One step of the schema. Migrations are applied in order, each once, and recorded in
/// `schema_migrations`; a new column or table is a new migration appended to `all`.
/// The schema is not the one this build of Synclet writes to (exit code 2).
public enum SchemaError: Error, CustomStringConvertible, Equatable {
    case missing(database: String)
    case outdated(found: Int, required: Int)
    case newer(found: Int, known: Int)

    public var description: String {
        switch self {
        case .missing(let database):
            return "database \(database) has no Synclet schema yet; run `synclet init` (as a user allowed to create tables)"
        case .outdated(let found, let required):
            return "the database schema is version \(found) and this synclet needs version \(required); run `synclet init` to upgrade it (as a user allowed to alter tables)"
        case .newer(let found, let known):
            return "the database schema is version \(found), newer than this synclet knows (\(known)); install the synclet that upgraded it"
        }
    }
}

public struct Migration: Sendable {
    public let version: Int
    public let description: String
    public let statements: [String]
}

/// Creates or upgrades the schema. Safe to run any number of times (`synclet init`).
public struct SchemaMigrator {
    public let connection: MariaDBConnection

    public init(connection: MariaDBConnection) {
        self.connection = connection
    }

    public static let tableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

    /// Applies every migration not yet recorded; returns the versions it applied.
    @discardableResult
    public func migrate() throws -> [Int] {
        try connection.executeScript("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
              version INT NOT NULL PRIMARY KEY,
              description VARCHAR(255) NOT NULL,
              applied_at DATETIME NOT NULL
            ) \(Self.tableOptions)
            """)
        let applied = Set(try connection.query("SELECT version FROM schema_migrations").compactMap { $0.int("version") })
        var newlyApplied: [Int] = []
        for migration in Self.all where !applied.contains(Int64(migration.version)) {
            // MariaDB commits DDL implicitly, so each statement is written to be re-runnable.
            for statement in migration.statements { try connection.executeScript(statement) }
            try connection.execute(
                "INSERT IGNORE INTO schema_migrations (version, description, applied_at) VALUES (?, ?, UTC_TIMESTAMP())",
                [.int(Int64(migration.version)), .string(migration.description)])
            newlyApplied.append(migration.version)
        }
        return newlyApplied
    }

    public func currentVersion() throws -> Int {
        Int(try connection.query("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations").first?.int("version") ?? 0)
    }

    /// The schema version this build of Synclet writes to.
    public static var requiredVersion: Int { all.last?.version ?? 0 }

    /// Checks, without changing anything, that the schema is the one this build writes to, so a
    /// database user with data rights only (no `CREATE`/`ALTER`) can run every command but
    /// `init`. Throws `SchemaError` telling to run `synclet init`.
    public func check() throws {
        let version: Int
        do {
            version = try currentVersion()
        } catch let error as MariaDBError where error.code == 1146 {
            throw SchemaError.missing(database: connection.configuration.database ?? "?")
        }
        if version < Self.requiredVersion {
            throw SchemaError.outdated(found: version, required: Self.requiredVersion)
        }
        if version > Self.requiredVersion {
            throw SchemaError.newer(found: version, known: Self.requiredVersion)
        }
    }

    public static let all: [Migration] = [
        Migration(version: 1, description: "orders, lines, addresses, credit memos, invoices, rejects, sync history and state", statements: [
            """
            CREATE TABLE IF NOT EXISTS orders (
              id BIGINT UNSIGNED NOT NULL PRIMARY KEY COMMENT 'Magento entity id',
              order_number VARCHAR(64) NOT NULL,
              replaced_order_id BIGINT UNSIGNED NULL COMMENT 'entity id of the edited order this one replaced',
              replaced_order_number VARCHAR(64) NULL,
              order_date DATETIME NOT NULL COMMENT 'UTC',
              last_updated_date DATETIME NOT NULL COMMENT 'UTC',
              order_type VARCHAR(32) NULL,
              status VARCHAR(64) NOT NULL,
              currency_code VARCHAR(8) NOT NULL,
              total DECIMAL(20,4) NOT NULL,
              discounts DECIMAL(20,4) NOT NULL,
              shipping_method VARCHAR(255) NULL,
              shipping_amount DECIMAL(20,4) NULL,
              shipping_discount DECIMAL(20,4) NULL,
              shipping_tax_name VARCHAR(255) NULL,
              shipping_tax_rate DECIMAL(20,4) NULL,
              shipping_tax_amount DECIMAL(20,4) NULL,
              payment_method VARCHAR(255) NULL,
              payment_amount DECIMAL(20,4) NULL,
              customer_id VARCHAR(32) NULL COMMENT 'NULL for a guest',
              is_guest TINYINT(1) NOT NULL,
              customer_salutation VARCHAR(64) NULL,
              customer_first_name VARCHAR(255) NULL,
              customer_last_name VARCHAR(255) NULL,
              customer_email VARCHAR(255) NULL,
              customer_phone VARCHAR(64) NULL,
              customer_company VARCHAR(255) NULL,
              customer_business_number VARCHAR(64) NULL,
              notes TEXT NULL,
              tags TEXT NULL,
              store_name VARCHAR(255) NULL,
              last_transaction_id VARCHAR(255) NULL,
              credit_points DECIMAL(20,4) NULL,
              order_processing_fee DECIMAL(20,4) NULL,
              order_processing_fee_ex_tax DECIMAL(20,4) NULL,
              has_incomplete_lines TINYINT(1) NOT NULL COMMENT 'a line is Product.ProductNotFound',
              reconciles TINYINT(1) NOT NULL COMMENT 'lines + shipping - discounts = total to the penny',
              reconciliation_difference DECIMAL(20,4) NOT NULL COMMENT 'total - (lines + shipping - discounts)',
              content_hash CHAR(64) NOT NULL COMMENT 'SHA-256 of raw_json',
              raw_json LONGTEXT NOT NULL COMMENT 'the order exactly as the endpoint sent it',
              canonical_schema_version INT NOT NULL,
              first_loaded_at DATETIME NOT NULL,
              loaded_at DATETIME NOT NULL,
              loaded_by_run VARCHAR(64) NOT NULL,
              KEY orders_order_number (order_number),
              KEY orders_last_updated (last_updated_date),
              KEY orders_reconciles (reconciles)
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS order_items (
              order_id BIGINT UNSIGNED NOT NULL,
              line_number INT NOT NULL COMMENT '0-based position in Items',
              product_id VARCHAR(64) NULL,
              product_code VARCHAR(255) NULL,
              product_name VARCHAR(1024) NULL,
              quantity DECIMAL(20,4) NULL,
              price DECIMAL(20,4) NULL COMMENT 'unit price incl. tax',
              unit_price_ex_tax DECIMAL(20,4) NULL,
              discount DECIMAL(20,4) NULL COMMENT 'per unit',
              tax_id VARCHAR(64) NULL,
              tax_code VARCHAR(255) NULL,
              tax_name VARCHAR(255) NULL,
              tax_rate DECIMAL(20,4) NULL,
              tax_amount DECIMAL(20,4) NULL,
              line_total_inc_tax DECIMAL(20,4) NULL,
              error_code VARCHAR(255) NULL COMMENT 'e.g. Product.ProductNotFound: the line data is lost upstream',
              error_message TEXT NULL,
              PRIMARY KEY (order_id, line_number),
              CONSTRAINT order_items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS order_addresses (
              order_id BIGINT UNSIGNED NOT NULL,
              address_type VARCHAR(16) NOT NULL COMMENT 'billing or shipping',
              salutation VARCHAR(64) NULL,
              first_name VARCHAR(255) NULL,
              last_name VARCHAR(255) NULL,
              company VARCHAR(255) NULL,
              phone VARCHAR(64) NULL,
              line1 VARCHAR(512) NULL,
              line2 VARCHAR(512) NULL,
              city VARCHAR(255) NULL,
              post_code VARCHAR(64) NULL,
              region VARCHAR(255) NULL,
              country_code VARCHAR(8) NULL,
              PRIMARY KEY (order_id, address_type),
              CONSTRAINT order_addresses_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS order_credits (
              order_id BIGINT UNSIGNED NOT NULL,
              credit_id BIGINT UNSIGNED NOT NULL COMMENT 'the credit memo entity id',
              increment_id VARCHAR(64) NULL,
              state VARCHAR(16) NULL,
              created_at DATETIME NULL,
              updated_at DATETIME NULL,
              grand_total DECIMAL(20,4) NULL,
              base_grand_total DECIMAL(20,4) NULL,
              base_tax_amount DECIMAL(20,4) NULL,
              base_shipping_amount DECIMAL(20,4) NULL,
              adjustment_positive DECIMAL(20,4) NULL,
              adjustment_negative DECIMAL(20,4) NULL,
              base_currency_code VARCHAR(8) NULL,
              raw_json LONGTEXT NOT NULL COMMENT 'every column the endpoint sent',
              PRIMARY KEY (order_id, credit_id),
              KEY order_credits_credit (credit_id),
              CONSTRAINT order_credits_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS order_credit_items (
              order_id BIGINT UNSIGNED NOT NULL,
              credit_id BIGINT UNSIGNED NOT NULL,
              line_number INT NOT NULL,
              product_id VARCHAR(64) NULL,
              product_code VARCHAR(255) NULL,
              product_name VARCHAR(1024) NULL,
              quantity DECIMAL(20,4) NULL,
              price DECIMAL(20,4) NULL,
              unit_price_ex_tax DECIMAL(20,4) NULL,
              tax_amount DECIMAL(20,4) NULL,
              discount DECIMAL(20,4) NULL,
              PRIMARY KEY (order_id, credit_id, line_number),
              CONSTRAINT order_credit_items_credit FOREIGN KEY (order_id, credit_id) REFERENCES order_credits (order_id, credit_id) ON DELETE CASCADE
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS order_invoices (
              order_id BIGINT UNSIGNED NOT NULL,
              line_number INT NOT NULL,
              invoice_number VARCHAR(64) NULL,
              invoice_date DATETIME NULL,
              PRIMARY KEY (order_id, line_number),
              CONSTRAINT order_invoices_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS order_rejects (
              reject_key VARCHAR(96) NOT NULL PRIMARY KEY COMMENT 'id:<entity id>, or sha:<hash of the JSON> without one',
              order_id BIGINT UNSIGNED NULL,
              run_id VARCHAR(64) NOT NULL,
              page INT NOT NULL,
              position INT NOT NULL,
              reason TEXT NOT NULL,
              last_updated_date DATETIME NULL,
              raw_json LONGTEXT NOT NULL,
              first_rejected_at DATETIME NOT NULL,
              last_rejected_at DATETIME NOT NULL,
              KEY order_rejects_order (order_id)
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS sync_history (
              id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
              run_id VARCHAR(64) NOT NULL,
              run_type VARCHAR(16) NOT NULL COMMENT 'initial, incremental, forced, replay',
              status VARCHAR(16) NOT NULL COMMENT 'running, success, failed',
              stage VARCHAR(16) NULL COMMENT 'the stage reached',
              started_at DATETIME NOT NULL,
              finished_at DATETIME NULL,
              window_order_created_time DATETIME NULL,
              window_last_updated_time DATETIME NULL,
              pages_fetched INT NOT NULL DEFAULT 0,
              orders_received INT NOT NULL DEFAULT 0,
              orders_inserted INT NOT NULL DEFAULT 0,
              orders_updated INT NOT NULL DEFAULT 0,
              orders_unchanged INT NOT NULL DEFAULT 0,
              orders_stale INT NOT NULL DEFAULT 0 COMMENT 'older than the stored version, left alone',
              orders_rejected INT NOT NULL DEFAULT 0,
              orders_dropped INT NOT NULL DEFAULT 0 COMMENT 'empty elements the endpoint sent',
              orders_unreconciled INT NOT NULL DEFAULT 0,
              watermark_before DATETIME NULL,
              watermark_after DATETIME NULL,
              error TEXT NULL,
              KEY sync_history_run (run_id)
            ) \(tableOptions)
            """,
            """
            CREATE TABLE IF NOT EXISTS sync_state (
              id TINYINT NOT NULL PRIMARY KEY,
              watermark DATETIME NULL COMMENT 'next LastUpdatedTime, UTC',
              last_run_id VARCHAR(64) NULL,
              updated_at DATETIME NOT NULL
            ) \(tableOptions)
            """,
        ]),
        Migration(version: 2, description: "columns as wide as Magento's own; orders.fetched_at; sync_state.generation", statements: [
            // Magento's address and customer columns are VARCHAR(255) (vat_id is TEXT): one
            // phone or post code longer than ours must not block a sync.
            """
            ALTER TABLE orders
              MODIFY order_type VARCHAR(64) NULL,
              MODIFY status VARCHAR(255) NOT NULL,
              MODIFY currency_code VARCHAR(16) NOT NULL,
              MODIFY customer_id VARCHAR(255) NULL COMMENT 'NULL for a guest',
              MODIFY customer_salutation VARCHAR(255) NULL,
              MODIFY customer_phone VARCHAR(255) NULL,
              MODIFY customer_business_number VARCHAR(255) NULL,
              ADD COLUMN IF NOT EXISTS fetched_at DATETIME NULL COMMENT 'UTC, our clock when the page was fetched: decides which version is newer' AFTER last_updated_date
            """,
            // Rows loaded before: their fetch is no later than their load.
            "UPDATE orders SET fetched_at = loaded_at WHERE fetched_at IS NULL",
            """
            ALTER TABLE order_items
              MODIFY product_id VARCHAR(255) NULL,
              MODIFY tax_id VARCHAR(255) NULL
            """,
            """
            ALTER TABLE order_addresses
              MODIFY salutation VARCHAR(255) NULL,
              MODIFY phone VARCHAR(255) NULL,
              MODIFY post_code VARCHAR(255) NULL,
              MODIFY country_code VARCHAR(64) NULL
            """,
            """
            ALTER TABLE order_credits
              MODIFY increment_id VARCHAR(255) NULL,
              MODIFY state VARCHAR(64) NULL,
              MODIFY base_currency_code VARCHAR(16) NULL
            """,
            "ALTER TABLE order_credit_items MODIFY product_id VARCHAR(255) NULL",
            "ALTER TABLE order_invoices MODIFY invoice_number VARCHAR(255) NULL",
            """
            ALTER TABLE sync_state ADD COLUMN IF NOT EXISTS generation BIGINT UNSIGNED NOT NULL DEFAULT 0
              COMMENT 'raised by synclet clear; a load moves the watermark only in the generation it began in'
            """,
            "INSERT IGNORE INTO sync_state (id, watermark, last_run_id, updated_at, generation) VALUES (1, NULL, NULL, UTC_TIMESTAMP(), 0)",
        ]),
        Migration(version: 3, description: "QuickBooks-ready: VAT per line, shipping and credit line, exact row discounts, paid at, local dates, store configuration", statements: [
            """
            ALTER TABLE orders
              ADD COLUMN IF NOT EXISTS order_local_date DATE NULL COMMENT 'order_date as a date in the store time zone: QuickBooks TxnDate',
              ADD COLUMN IF NOT EXISTS vat_total DECIMAL(20,4) NULL COMMENT 'VAT Magento charged: lines and shipping',
              ADD COLUMN IF NOT EXISTS shipping_vat_rate DECIMAL(20,4) NULL COMMENT 'percent; NULL when the shipping carried no Taxes',
              ADD COLUMN IF NOT EXISTS shipping_vat DECIMAL(20,4) NULL COMMENT '0 when the shipping carried no Taxes',
              ADD COLUMN IF NOT EXISTS paid_at DATETIME NULL COMMENT 'UTC, first invoice date; NULL while not invoiced',
              ADD COLUMN IF NOT EXISTS prices_include_tax TINYINT(1) NULL COMMENT 'store setting when loaded; NULL when never read'
            """,
            """
            ALTER TABLE order_items
              ADD COLUMN IF NOT EXISTS row_discount DECIMAL(20,4) NULL COMMENT 'exact discount of the whole row',
              ADD COLUMN IF NOT EXISTS vat_rate DECIMAL(20,4) NULL COMMENT 'percent; 0 for a zero-rated line, NULL only for a lost line',
              ADD COLUMN IF NOT EXISTS row_vat DECIMAL(20,4) NULL COMMENT 'Taxes.TaxAmount, 0 when absent'
            """,
            """
            ALTER TABLE order_credits
              ADD COLUMN IF NOT EXISTS created_local_date DATE NULL COMMENT 'created_at as a date in the store time zone',
              ADD COLUMN IF NOT EXISTS shipping_refund_incl_tax DECIMAL(20,4) NULL COMMENT 'base_shipping_incl_tax',
              ADD COLUMN IF NOT EXISTS shipping_refund_vat DECIMAL(20,4) NULL COMMENT 'base_shipping_tax_amount',
              ADD COLUMN IF NOT EXISTS refunded_discount DECIMAL(20,4) NULL COMMENT 'positive: -base_discount_amount'
            """,
            """
            ALTER TABLE order_credit_items
              ADD COLUMN IF NOT EXISTS order_line_number INT NULL COMMENT 'the order_items.line_number refunded, by product id',
              ADD COLUMN IF NOT EXISTS vat_rate DECIMAL(20,4) NULL COMMENT 'the linked order line rate, percent'
            """,
            """
            CREATE TABLE IF NOT EXISTS store_configuration (
              id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
              read_at DATETIME NOT NULL COMMENT 'UTC, when the answers were read',
              run_id VARCHAR(64) NULL,
              store_name VARCHAR(255) NULL,
              time_zone VARCHAR(64) NULL,
              prices_include_tax TINYINT(1) NULL,
              tax_applied_after_discount TINYINT(1) NULL,
              discount_taxed TINYINT(1) NULL,
              store_info_json LONGTEXT NULL,
              tax_codes_json LONGTEXT NULL,
              payment_gateways_json LONGTEXT NULL,
              KEY store_configuration_read_at (read_at)
            ) \(tableOptions)
            """,
            // Orders loaded before version 3 get these columns from their raw_json at `synclet init`
            // (`RawJSONRefill`), by the same normalizer a sync uses.
        ]),
        Migration(version: 4, description: "QuickBooks Online connection: qbo_tokens", statements: [
            // One row: the connected company. Every sync process on any host reads and refreshes
            // the same tokens, under the MariaDB lock `synclet.qbo_tokens.<database>`. Tokens are secrets:
            // no other table, no staged file and no log line holds them. Token columns compare
            // byte for byte (utf8mb4_bin): a compare-and-set must not match another token by case.
            """
            CREATE TABLE IF NOT EXISTS qbo_tokens (
              id TINYINT NOT NULL PRIMARY KEY COMMENT 'always 1: Synclet connects one QuickBooks company',
              realm_id VARCHAR(64) NOT NULL COMMENT 'the QuickBooks company id (realmId)',
              environment VARCHAR(16) NOT NULL COMMENT 'production or sandbox',
              refresh_token VARCHAR(2048) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'SECRET: the newest refresh token',
              refresh_token_expires_at DATETIME NOT NULL COMMENT 'UTC: 100 days after the last refresh (rolling)',
              refresh_token_hard_expires_at DATETIME NULL COMMENT 'UTC: 5 years after the authorization, which refreshing does not extend; NULL when QuickBooks did not say',
              access_token TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL COMMENT 'SECRET: the bearer token',
              access_token_expires_at DATETIME NULL COMMENT 'UTC',
              connected_at DATETIME NOT NULL COMMENT 'UTC: when synclet qbo connect authorized or imported',
              last_refreshed_at DATETIME NULL COMMENT 'UTC',
              refresh_count BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'refreshes since connected'
            ) \(tableOptions)
            """,
        ]),
        Migration(version: 5, description: "QuickBooks push state: qbo_documents", statements: [
            """
            CREATE TABLE IF NOT EXISTS qbo_documents (
              id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
              source_kind VARCHAR(16) NOT NULL COMMENT 'order or credit_memo',
              source_number VARCHAR(64) NOT NULL COMMENT 'the Magento order or credit memo number',
              order_number VARCHAR(64) NOT NULL COMMENT 'the order (of a credit memo)',
              entity VARCHAR(32) NULL COMMENT 'SalesReceipt, Invoice, RefundReceipt or CreditMemo',
              doc_number VARCHAR(32) NULL,
              txn_date DATE NULL,
              state VARCHAR(16) NOT NULL COMMENT 'pending, pushed, held, failed, voided or conflict',
              reason VARCHAR(64) NULL COMMENT 'held reason key, or the QuickBooks error code',
              detail TEXT NULL COMMENT 'the held reason or the QuickBooks error, in words',
              qbo_id VARCHAR(32) NULL,
              sync_token VARCHAR(16) NULL,
              qbo_total DECIMAL(20,4) NULL COMMENT 'TotalAmt QuickBooks answered',
              qbo_vat DECIMAL(20,4) NULL COMMENT 'TxnTaxDetail.TotalTax QuickBooks answered',
              magento_total DECIMAL(20,4) NULL,
              magento_vat DECIMAL(20,4) NULL,
              total_difference DECIMAL(20,4) NULL COMMENT 'qbo_total - magento_total',
              vat_difference DECIMAL(20,4) NULL COMMENT 'qbo_vat - magento_vat',
              content_hash CHAR(64) NULL COMMENT 'SHA-256 of the document as built (names, before Ids)',
              request_id VARCHAR(64) NULL COMMENT 'the requestid of the last write',
              attempts INT NOT NULL DEFAULT 0 COMMENT 'writes sent whose outcome was not yet known',
              created_at DATETIME NOT NULL,
              updated_at DATETIME NOT NULL,
              pushed_at DATETIME NULL,
              voided_at DATETIME NULL,
              UNIQUE KEY qbo_documents_source (source_kind, source_number),
              KEY qbo_documents_state (state),
              KEY qbo_documents_doc_number (doc_number)
            ) \(tableOptions)
            """,
        ]),
    ]
}
