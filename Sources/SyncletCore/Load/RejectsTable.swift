import Crypto
import MariaDB

/// `order_rejects`: every order a run could not accept, until a later run loads it.
public struct RejectsTable {
    public let connection: MariaDBConnection

    public init(connection: MariaDBConnection) {
        self.connection = connection
    }

    /// Records a run's rejects. An order with an `Id` has one row however often it is rejected;
    /// one without is known by the hash of its JSON.
    public func record(_ rejects: [RejectedOrder], runId: String) throws {
        for reject in rejects {
            let key = reject.orderId.map { "id:\($0)" } ?? "sha:\(SHA256.hash(data: Array(reject.rawJSON.utf8)).hexString)"
            try connection.execute("""
                INSERT INTO order_rejects (reject_key, order_id, run_id, page, position, reason, last_updated_date, raw_json,
                  first_rejected_at, last_rejected_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())
                ON DUPLICATE KEY UPDATE run_id = VALUES(run_id), page = VALUES(page), position = VALUES(position),
                  reason = VALUES(reason), last_updated_date = VALUES(last_updated_date), raw_json = VALUES(raw_json),
                  last_rejected_at = VALUES(last_rejected_at)
                """, [
                    .string(String(key.prefix(96))), MariaDBValue(reject.orderId.flatMap { UInt64($0) }.map { Int64(bitPattern: $0) }),
                    .string(runId), .int(Int64(reject.page)), .int(Int64(reject.position)), .string(reject.reason),
                    MariaDBValue(reject.lastUpdatedDate), .string(reject.rawJSON),
                ])
        }
    }
}
