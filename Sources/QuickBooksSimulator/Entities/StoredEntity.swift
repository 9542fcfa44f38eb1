import Foundation

/// One entity of the company as the API returns it, with what the simulator needs beside it.
struct StoredEntity: Sendable {
    enum State: String, Sendable {
        case live
        case voided
        case deleted
    }

    /// Kind and Id: what names an entity.
    struct Key: Hashable, Sendable {
        var kind: EntityKind
        var id: String
    }

    var kind: EntityKind
    var id: String
    /// The entity as read back: computed fields included.
    var body: JSON
    var state = State.live

    var syncToken: String { body["SyncToken"]?.string ?? "0" }
    var docNumber: String? { body["DocNumber"]?.string }
    var isActive: Bool { body["Active"]?.bool ?? true }
    var numericId: Int { Int(id) ?? Int.max }
    var key: Key { Key(kind: kind, id: id) }

    /// The control API's summary of a document.
    var summary: JSON {
        var members: [JSON.Member] = [.init("entity", .string(kind.name)), .init("Id", .string(id))]
        if kind.isTransaction {
            members.append(.init("DocNumber", body["DocNumber"] ?? .null))
            members.append(.init("TxnDate", body["TxnDate"] ?? .null))
            members.append(.init("TotalAmt", body["TotalAmt"] ?? .null))
            members.append(.init("TotalTax", body.value(at: "TxnTaxDetail.TotalTax") ?? .null))
        } else {
            members.append(.init("Name", body["DisplayName"] ?? body["Name"] ?? .null))
            members.append(.init("Active", .bool(isActive)))
        }
        members.append(.init("SyncToken", .string(syncToken)))
        members.append(.init("voided", .bool(state == .voided)))
        members.append(.init("deleted", .bool(state == .deleted)))
        return .object(members)
    }
}
