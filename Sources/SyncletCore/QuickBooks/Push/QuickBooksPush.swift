import Crypto
import Foundation
import MariaDB

/// `synclet qbo push`: every eligible order and credit memo that is not yet in QuickBooks is
/// created there exactly once; later changes void, update or add documents, never copy them.
///
/// How "exactly once" holds whatever the network or a `kill -9` does:
/// - before a write is sent its row is `pending` with `attempts` raised, committed; an answer
///   records the outcome. A row left `pending` with attempts (a crash, a timeout, a dropped
///   connection, a 5xx) is looked up by DocNumber before anything is sent again;
/// - a DocNumber QuickBooks already has (found so, or 6140 on create) is adopted only when the
///   document there is ours (same TotalAmt and TxnDate), else the row is a `conflict`;
/// - a batch carries a `requestid` derived from its documents, so a resent batch replays.
///
/// ```swift
/// let push = QuickBooksPush(client: client, connection: connection, configuration: pipeline.quickbooks, log: log)
/// let report = try await push.run(.init())
/// print(report.text)
/// ```
public struct QuickBooksPush {
    public struct Options: Sendable {
        public var dryRun = false
        /// Only this order and its credit memos.
        public var orderNumber: String?

        public init(dryRun: Bool = false, orderNumber: String? = nil) {
            self.dryRun = dryRun
            self.orderNumber = orderNumber
        }
    }

    public let client: QuickBooksClient
    public let connection: MariaDBConnection
    public let configuration: PipelineConfiguration.QuickBooks
    public let log: Log
    /// Lookups and resends after outcomes that were not known, within one push.
    static let rounds = 4

    public init(client: QuickBooksClient, connection: MariaDBConnection, configuration: PipelineConfiguration.QuickBooks, log: Log) {
        self.client = client
        self.connection = connection
        self.configuration = configuration
        self.log = log
    }

    /// One order or credit memo and what it becomes.
    struct Candidate {
        var key: PushedDocuments.Key
        var order: BookkeepingOrder
        /// Index of the credit memo in `order.creditMemos`; nil for the order itself.
        var memoIndex: Int?
        var outcome: DocumentOutcome
        /// SHA-256 of the document as built with names (before Ids are filled in).
        var contentHash: String?

        var document: QuickBooksDocument? { outcome.document }

        var skus: [String] {
            if let memoIndex { return order.creditMemos[memoIndex].lines.map(\.sku) }
            return order.lines.map(\.sku)
        }

        func outcome(from documents: OrderDocuments) -> DocumentOutcome {
            memoIndex.map { documents.creditMemos[$0] } ?? documents.order
        }
    }

    enum Action: String {
        case create, lookUp = "look up", update, void, hold, none
    }

    public func run(_ options: Options) async throws -> PushReport {
        var report = PushReport(dryRun: options.dryRun)
        let candidates = try readCandidates(options)
        let table = PushedDocuments(connection: connection)
        var rows = try table.all()

        var actions: [PushedDocuments.Key: Action] = [:]
        for candidate in candidates { actions[candidate.key] = plan(candidate, rows[candidate.key], report: &report) }
        let byKey = Dictionary(candidates.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })

        if options.dryRun {
            for candidate in candidates {
                let action = actions[candidate.key] ?? .none
                if action != .none && action != .hold {
                    report.planned.append("\(action.rawValue) \(candidate.document?.entity ?? "?") \(candidate.document?.docNumber ?? candidate.key.number)")
                }
                report.count(action)
            }
            return report
        }

        // Held rows are recorded (or cleared) first: they need no QuickBooks.
        for candidate in candidates where actions[candidate.key] == .hold {
            try recordHeld(candidate, rows: &rows, table: table)
        }
        report.held = candidates.filter { !$0.outcome.isDocument }.count

        // Names to Ids, only when something is to be written with them.
        let writing = candidates.filter { [.create, .update, .lookUp].contains(actions[$0.key] ?? .none) }
        var resolved: [PushedDocuments.Key: QuickBooksDocument] = [:]
        if !writing.isEmpty {
            let skus = Set(writing.flatMap(\.skus))
            let customers = Set(writing.compactMap { candidate -> MappingCheck.CustomerNeed? in
                guard let email = candidate.order.customerEmailKey else { return nil }
                return MappingCheck.CustomerNeed(email: email, displayName: candidate.order.customerDisplayName ?? email)
            })
            let check = try await MappingCheck(client: client, log: log)
                .resolve(configuration.mapping, skus: skus, customers: customers, create: .perDocument)
            if !check.blocking.isEmpty { throw MappingCheckFailed(missing: check.blocking) }
            report.createdNames = check.created
            let builder = DocumentBuilder(rules: configuration.rules, mapping: check.mapping)
            var builtOrders: [String: OrderDocuments] = [:]
            for candidate in writing {
                let documents = builtOrders[candidate.order.orderNumber] ?? builder.documents(for: candidate.order)
                builtOrders[candidate.order.orderNumber] = documents
                if let document = candidate.outcome(from: documents).document { resolved[candidate.key] = document }
            }
        }

        // Rounds: look up what may already be there, create what is not, and look up again
        // whatever got an answer whose outcome is unknown.
        var pendingLookUps = Set(actions.filter { $0.value == .lookUp }.map(\.key))
        var pendingCreates = Set(actions.filter { $0.value == .create }.map(\.key))
        for round in 1...Self.rounds {
            if !pendingLookUps.isEmpty {
                let found = try await lookUp(pendingLookUps.compactMap { byKey[$0] })
                for key in pendingLookUps.sorted(by: { $0.number < $1.number }) {
                    guard let candidate = byKey[key] else { continue }
                    try settleLookUp(candidate, found: found[key], rows: &rows, table: table, report: &report, then: &pendingCreates)
                }
                pendingLookUps = []
            }
            if pendingCreates.isEmpty { break }
            let creating = pendingCreates.compactMap { byKey[$0] }.sorted { $0.key.number < $1.key.number }
            pendingCreates = []
            pendingLookUps = try await create(creating, resolved: resolved, rows: &rows, table: table, report: &report)
            if round == Self.rounds, !pendingLookUps.isEmpty {
                log.warning("\(pendingLookUps.count) document(s) got no certain answer; the next push looks them up first")
            }
        }
        for key in actions.filter({ $0.value == .update }).map(\.key).sorted(by: { $0.number < $1.number }) {
            guard let candidate = byKey[key], let document = resolved[key] else { continue }
            try await update(candidate, document: document, rows: &rows, table: table, report: &report)
        }
        for key in actions.filter({ $0.value == .void }).map(\.key).sorted(by: { $0.number < $1.number }) {
            guard let candidate = byKey[key] else { continue }
            try await void(candidate, rows: &rows, table: table, report: &report)
        }

        // What is eligible and not in QuickBooks now is a failure; a re-run retries it.
        for candidate in candidates where candidate.outcome.isDocument {
            guard let row = rows[candidate.key] else { continue }
            if row.state != .pushed {
                report.failures.append("\(candidate.document?.entity ?? "document") \(row.docNumber ?? candidate.key.number): \(row.state.rawValue)"
                                       + (row.detail.map { ": \($0)" } ?? ""))
            } else if row.reason != nil, row.detail != nil, actions[candidate.key] == .update {
                report.failures.append("\(row.entity ?? "document") \(row.docNumber ?? candidate.key.number): not updated: \(row.detail ?? "")")
            }
        }
        return report
    }

    // MARK: - Reading and planning

    private func readCandidates(_ options: Options) throws -> [Candidate] {
        let reader = StoredOrderReader(connection: connection)
        let orders: [BookkeepingOrder]
        if let number = options.orderNumber {
            orders = try reader.orders(numbered: number)
            guard !orders.isEmpty else { throw PushError.noSuchOrder(number) }
        } else {
            let stored = try reader.ordersAndUnreadable()
            for error in stored.unreadable { log.warning("\(error)") }
            orders = stored.orders
        }
        let builder = DocumentBuilder(rules: configuration.rules, mapping: configuration.mapping)
        var candidates: [Candidate] = []
        for order in orders {
            let documents = builder.documents(for: order)
            candidates.append(Candidate(key: .init(kind: .order, number: order.orderNumber), order: order, memoIndex: nil,
                                        outcome: documents.order, contentHash: documents.order.document.map(Self.hash)))
            for (index, memo) in documents.creditMemos.enumerated() {
                candidates.append(Candidate(key: .init(kind: .creditMemo, number: memo.sourceNumber), order: order, memoIndex: index,
                                            outcome: memo, contentHash: memo.document.map(Self.hash)))
            }
        }
        return candidates
    }

    static func hash(_ document: QuickBooksDocument) -> String {
        Array(SHA256.hash(data: Data((document.entity + "\n" + document.json).utf8))).hexString
    }

    /// A `requestid` QuickBooks keeps per company: derived from what is sent, so a resend replays.
    static func requestId(_ parts: [String]) -> String {
        String(Array(SHA256.hash(data: Data(parts.joined(separator: "\n").utf8))).hexString.prefix(32))
    }

    private func plan(_ candidate: Candidate, _ row: PushedDocument?, report: inout PushReport) -> Action {
        if candidate.outcome.isDocument {
            guard let row else { return .create }
            switch row.state {
            case .held, .failed: return .create
            case .pending: return row.attempts > 0 ? .lookUp : .create
            case .conflict: return .lookUp
            case .pushed:
                if let entity = row.entity, let now = candidate.document?.entity, entity != now {
                    // invoice-unless-paid: the invoice of an order paid since stays; its payment is QuickBooks' to record.
                    report.warnings.append("\(entity) \(row.docNumber ?? "") is in QuickBooks; \(candidate.key.number) would now be a \(now), so it is left as it is (record its payment in QuickBooks)")
                    return .none
                }
                guard row.contentHash == candidate.contentHash && row.reason == nil else { return .update }
                report.unchanged += 1
                return .none
            case .voided: return .none
            }
        }
        guard let row else { return .hold }
        switch row.state {
        case .pushed:
            let cancelled = candidate.outcome.heldReasons.contains { $0.key == "cancelled" || $0.key == "replaced_by_edit" }
            if cancelled && candidate.key.kind == .order { return .void }
            report.warnings.append("\(row.entity ?? "document") \(row.docNumber ?? "") is in QuickBooks, but \(candidate.key.number) is now held (\(candidate.outcome.heldReasons.first?.description ?? "")); left as it is")
            return .none
        case .pending where row.attempts > 0:
            return .lookUp
        case .voided:
            return .none
        default:
            return .hold
        }
    }

    private func recordHeld(_ candidate: Candidate, rows: inout [PushedDocuments.Key: PushedDocument], table: PushedDocuments) throws {
        let reason = candidate.outcome.heldReasons.first
        var row = rows[candidate.key] ?? PushedDocument(sourceKind: candidate.key.kind, sourceNumber: candidate.key.number,
                                                        orderNumber: candidate.order.orderNumber, state: .held)
        guard row.state != .held || row.reason != reason?.key || row.detail != reason?.description else { return }
        row.state = .held
        row.reason = reason?.key
        row.detail = reason?.description
        fill(&row, candidate)
        try table.save(&row)
        rows[candidate.key] = row
    }

    private func fill(_ row: inout PushedDocument, _ candidate: Candidate) {
        guard let document = candidate.document else { return }
        row.entity = document.entity
        row.docNumber = document.docNumber
        row.txnDate = document.body["TxnDate"]?.stringValue
        row.magentoTotal = document.check.magentoTotal
        row.magentoVAT = document.check.magentoVAT
    }

    // MARK: - Looking up by DocNumber

    /// The documents QuickBooks has under the candidates' DocNumbers, by candidate.
    private func lookUp(_ candidates: [Candidate]) async throws -> [PushedDocuments.Key: JSONValue] {
        var queries: [(entity: String, text: String)] = []
        let byEntity = Dictionary(grouping: candidates.filter { $0.document != nil }) { $0.document?.entity ?? "" }
        for (entity, group) in byEntity.sorted(by: { $0.key < $1.key }) {
            let numbers = group.compactMap { $0.document?.docNumber }.sorted()
            for start in stride(from: 0, to: numbers.count, by: MappingCheck.namesPerQuery) {
                let chunk = Array(numbers[start..<min(start + MappingCheck.namesPerQuery, numbers.count)])
                queries.append((entity, QuickBooksQuery.select(entity, where: "DocNumber", in: chunk)))
            }
        }
        let results = try await MappingCheck(client: client, log: log).runQueries(queries.map(\.text))
        var found: [PushedDocuments.Key: JSONValue] = [:]
        for (index, rows) in results.enumerated() {
            for row in rows {
                guard let number = row["DocNumber"]?.stringValue,
                      let candidate = candidates.first(where: { $0.document?.entity == queries[index].entity && $0.document?.docNumber == number })
                else { continue }
                found[candidate.key] = row
            }
        }
        return found
    }

    private func settleLookUp(_ candidate: Candidate, found: JSONValue?, rows: inout [PushedDocuments.Key: PushedDocument],
                              table: PushedDocuments, report: inout PushReport, then creates: inout Set<PushedDocuments.Key>) throws {
        guard let document = candidate.document else { return }
        var row = rows[candidate.key] ?? PushedDocument(sourceKind: candidate.key.kind, sourceNumber: candidate.key.number,
                                                        orderNumber: candidate.order.orderNumber, state: .pending)
        fill(&row, candidate)
        guard let found else {
            // Not there: nothing was created. A document is created now; a held one is held.
            row.attempts = 0
            if candidate.outcome.isDocument {
                row.state = .pending
                creates.insert(candidate.key)
            } else {
                row.state = .held
                row.reason = candidate.outcome.heldReasons.first?.key
                row.detail = candidate.outcome.heldReasons.first?.description
            }
            try table.save(&row)
            rows[candidate.key] = row
            return
        }
        let theirs = (total: Self.decimal(found["TotalAmt"]), date: found["TxnDate"]?.stringValue)
        let ours = (total: document.check.quickBooksTotal, date: document.body["TxnDate"]?.stringValue)
        if theirs.total == ours.total && theirs.date == ours.date {
            readBack(found, into: &row)
            row.state = .pushed
            row.reason = nil
            row.detail = nil
            row.contentHash = candidate.contentHash
            row.attempts = 0
            report.adopted += 1
            log.info("\(document.entity) \(document.docNumber) was already in QuickBooks (Id \(row.qboId ?? "?")): adopted")
        } else {
            row.state = .conflict
            row.reason = "doc_number_taken"
            row.detail = "DocNumber \(document.docNumber) is taken in QuickBooks by \(document.entity) Id \(Self.id(found) ?? "?") dated "
                + "\(theirs.date ?? "?") with total \(theirs.total.map { $0.moneyText } ?? "?"), not this document (dated \(ours.date ?? "?"), "
                + "total \(ours.total.moneyText)); it is left alone: renumber or remove that document in QuickBooks, then push again"
            row.attempts = 0
            report.conflicts += 1
            log.warning("\(candidate.key.number): \(row.detail ?? "")")
        }
        try table.save(&row)
        rows[candidate.key] = row
    }

    // MARK: - Creating

    /// Sends the creates in batches; returns the documents whose outcome is unknown (to look up).
    private func create(_ candidates: [Candidate], resolved: [PushedDocuments.Key: QuickBooksDocument],
                        rows: inout [PushedDocuments.Key: PushedDocument], table: PushedDocuments,
                        report: inout PushReport) async throws -> Set<PushedDocuments.Key> {
        var unknown = Set<PushedDocuments.Key>()
        var sendable: [(Candidate, QuickBooksDocument)] = []
        for candidate in candidates {
            guard let document = resolved[candidate.key] else { continue }
            var row = rows[candidate.key] ?? PushedDocument(sourceKind: candidate.key.kind, sourceNumber: candidate.key.number,
                                                            orderNumber: candidate.order.orderNumber, state: .pending)
            fill(&row, candidate)
            if let unresolved = Self.unresolvedReference(in: document.body) {
                row.state = .failed
                row.reason = "missing_reference"
                row.detail = "\(unresolved) has no QuickBooks Id (not found, and could not be created); see `synclet qbo check`"
                try table.save(&row)
                rows[candidate.key] = row
                continue
            }
            rows[candidate.key] = row
            sendable.append((candidate, document))
        }
        for start in stride(from: 0, to: sendable.count, by: configuration.batchSize) {
            let chunk = Array(sendable[start..<min(start + configuration.batchSize, sendable.count)])
            let requestId = Self.requestId(chunk.map { "\($0.1.entity) \($0.1.docNumber) \($0.0.contentHash ?? "")" })
            // Recorded before sending: a crash from here on leaves them to be looked up.
            try connection.withTransaction {
                for (candidate, _) in chunk {
                    guard var row = rows[candidate.key] else { continue }
                    row.state = .pending
                    row.attempts += 1
                    row.requestId = requestId
                    row.contentHash = candidate.contentHash
                    try table.save(&row)
                    rows[candidate.key] = row
                }
            }
            let items = chunk.enumerated().map { QuickBooksClient.BatchItem(bId: "d\($0.offset)", operation: .create(entity: $0.element.1.entity, body: $0.element.1.body)) }
            let answers: [String: QuickBooksClient.BatchAnswer]
            do {
                answers = try await client.batch(items, requestId: requestId)
            } catch let error as QuickBooksAPIError {
                log.warning("\(error); the \(chunk.count) document(s) of that batch are looked up by DocNumber")
                for (candidate, _) in chunk { unknown.insert(candidate.key) }
                continue
            }
            for (index, (candidate, document)) in chunk.enumerated() {
                guard var row = rows[candidate.key] else { continue }
                switch answers["d\(index)"] {
                case .entity(let value)?:
                    readBack(value, into: &row)
                    row.state = .pushed
                    row.reason = nil
                    row.detail = nil
                    row.attempts = 0
                    row.pushedAt = UTCTime.now().description
                    report.created += 1
                    if row.totalDifference != 0 || row.vatDifference != 0 {
                        report.differences.append("\(document.entity) \(document.docNumber): QuickBooks total \(row.qboTotal?.moneyText ?? "?") VAT \(row.qboVAT?.moneyText ?? "?"), Magento total \(row.magentoTotal?.moneyText ?? "?") VAT \(row.magentoVAT?.moneyText ?? "?")")
                    }
                case .fault(let fault)? where fault.isDuplicateDocumentNumber:
                    unknown.insert(candidate.key)
                    continue
                case .fault(let fault)?:
                    row.state = .failed
                    row.reason = fault.code
                    row.detail = "\(fault)"
                    row.attempts = 0
                    log.warning("\(document.entity) \(document.docNumber) (\(candidate.key.number)): \(fault)")
                case .rows?, nil:
                    unknown.insert(candidate.key)
                    continue
                }
                try table.save(&row)
                rows[candidate.key] = row
            }
        }
        return unknown
    }

    /// The first reference (`...Ref`) in a body that carries a name but no Id.
    static func unresolvedReference(in value: JSONValue, key: String = "") -> String? {
        switch value {
        case .object(let object):
            if key.hasSuffix("Ref"), object["value"] == nil { return "\(key) \"\(object["name"]?.stringValue ?? "")\"" }
            for member in object.members {
                if let found = unresolvedReference(in: member.value, key: member.key) { return found }
            }
            return nil
        case .array(let elements):
            for element in elements { if let found = unresolvedReference(in: element, key: key) { return found } }
            return nil
        default:
            return nil
        }
    }

    private func readBack(_ value: JSONValue, into row: inout PushedDocument) {
        row.qboId = Self.id(value)
        row.syncToken = value["SyncToken"]?.stringValue
        row.qboTotal = Self.decimal(value["TotalAmt"])
        row.qboVAT = Self.decimal(value["TxnTaxDetail"]?["TotalTax"]) ?? 0
    }

    static func id(_ value: JSONValue) -> String? { value["Id"]?.stringValue }

    static func decimal(_ value: JSONValue?) -> Decimal? {
        (value?.numberText ?? value?.stringValue).flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) }
    }

    // MARK: - Later changes

    /// Content changed after the push: a sparse update of the header, lines and VAT with its
    /// SyncToken; a stale SyncToken (5010) is re-read once.
    private func update(_ candidate: Candidate, document: QuickBooksDocument, rows: inout [PushedDocuments.Key: PushedDocument],
                        table: PushedDocuments, report: inout PushReport) async throws {
        guard var row = rows[candidate.key], let id = row.qboId else { return }
        let fields = document.body.objectValue?.members ?? []
        var syncToken = row.syncToken ?? "0"
        for attempt in 1...2 {
            let requestId = Self.requestId(["update", document.entity, id, syncToken, candidate.contentHash ?? ""])
            do {
                let value = try await client.sparseUpdate(entity: document.entity, id: id, syncToken: syncToken, fields: fields,
                                                          requestId: requestId, what: "updating \(document.entity) \(document.docNumber)")
                fill(&row, candidate)
                readBack(value, into: &row)
                row.contentHash = candidate.contentHash
                row.requestId = requestId
                row.reason = nil
                row.detail = nil
                report.updated += 1
                log.info("\(document.entity) \(document.docNumber) updated (its Magento content changed)")
                break
            } catch let error as QuickBooksAPIError where error.fault?.isStaleObject == true && attempt == 1 {
                let current = try await client.read(entity: document.entity, id: id)
                syncToken = current["SyncToken"]?.stringValue ?? syncToken
            } catch let error as QuickBooksAPIError {
                // Still in QuickBooks as it was: left pushed, and tried again by the next push.
                row.reason = error.fault?.code ?? "outcome_unknown"
                row.detail = "\(error)"
                log.warning("updating \(document.entity) \(document.docNumber): \(error)")
                break
            }
        }
        try table.save(&row)
        rows[candidate.key] = row
    }

    /// The order was cancelled or replaced by an edit after its document was pushed.
    private func void(_ candidate: Candidate, rows: inout [PushedDocuments.Key: PushedDocument], table: PushedDocuments,
                      report: inout PushReport) async throws {
        guard var row = rows[candidate.key], let id = row.qboId, let entity = row.entity else { return }
        var syncToken = row.syncToken ?? "0"
        for attempt in 1...2 {
            let requestId = Self.requestId(["void", entity, id, syncToken])
            do {
                let value = try await client.void(entity: entity, id: id, syncToken: syncToken, requestId: requestId,
                                                  what: "voiding \(entity) \(row.docNumber ?? id)")
                readBack(value, into: &row)
                row.state = .voided
                row.reason = candidate.outcome.heldReasons.first?.key
                row.detail = candidate.outcome.heldReasons.first?.description
                row.requestId = requestId
                report.voided += 1
                log.info("\(entity) \(row.docNumber ?? id) voided: \(row.detail ?? "")")
                break
            } catch let error as QuickBooksAPIError where error.fault?.isStaleObject == true && attempt == 1 {
                let current = try await client.read(entity: entity, id: id)
                syncToken = current["SyncToken"]?.stringValue ?? syncToken
            } catch let error as QuickBooksAPIError {
                row.reason = error.fault?.code ?? "outcome_unknown"
                row.detail = "not voided: \(error)"
                report.failures.append("\(entity) \(row.docNumber ?? id): not voided: \(error)")
                log.warning("voiding \(entity) \(row.docNumber ?? id): \(error)")
                break
            }
        }
        try table.save(&row)
        rows[candidate.key] = row
    }
}

/// What one push did.
public struct PushReport: Sendable {
    public var dryRun: Bool
    public var created = 0
    public var adopted = 0
    public var updated = 0
    public var voided = 0
    public var unchanged = 0
    public var held = 0
    public var conflicts = 0
    /// Items and customers created on the way.
    public var createdNames: [String] = []
    /// Documents whose QuickBooks total or VAT differs from Magento's.
    public var differences: [String] = []
    /// Eligible documents not in QuickBooks after the push, and changes that failed.
    public var failures: [String] = []
    public var warnings: [String] = []
    /// With `dryRun`: what would be done.
    public var planned: [String] = []
    var plannedCounts: [String: Int] = [:]

    init(dryRun: Bool) {
        self.dryRun = dryRun
    }

    mutating func count(_ action: QuickBooksPush.Action) {
        plannedCounts[action.rawValue, default: 0] += 1
    }

    public var text: String {
        if dryRun {
            var lines = ["Dry run: nothing was sent to QuickBooks or written to the database."]
            for (action, count) in plannedCounts.sorted(by: { $0.key < $1.key }) { lines.append("  \(action): \(count)") }
            lines += planned.map { "  would \($0)" }
            return lines.joined(separator: "\n")
        }
        var lines = ["Pushed to QuickBooks: \(created) created, \(adopted) found already there, \(updated) updated, \(voided) voided; "
                     + "\(held) held, \(conflicts) conflict(s), \(failures.count) failed"]
        if !createdNames.isEmpty { lines.append("Created in QuickBooks: \(createdNames.count) list entries (\(createdNames.prefix(5).joined(separator: ", "))\(createdNames.count > 5 ? ", ..." : ""))") }
        for difference in differences { lines.append("  differs from Magento: \(difference)") }
        for failure in failures { lines.append("  not in QuickBooks: \(failure)") }
        return lines.joined(separator: "\n")
    }
}

public enum PushError: Error, CustomStringConvertible {
    case noSuchOrder(String)
    case someFailed(Int)
    /// Another push holds the lock (exit code 4).
    case locked

    /// One push at a time per database, whatever machine it runs on; MariaDB releases the lock
    /// when the connection ends, so a killed push never leaves it behind.
    public static func lockName(database: String) -> String { DatabaseLockName.make("synclet.qbo_push", database: database) }

    public static func lock(_ connection: MariaDBConnection) throws {
        let name = lockName(database: connection.configuration.database ?? "")
        let granted = try connection.query("SELECT GET_LOCK(?, 0) AS granted", [.string(name)]).first?.int("granted")
        guard granted == 1 else { throw PushError.locked }
    }

    public var description: String {
        switch self {
        case .locked: return "another synclet is pushing to QuickBooks from this database (MariaDB lock 'synclet.qbo_push.<database>' is held); it does the work"
        case .noSuchOrder(let number): return "no stored order has the number \(number); check it with `synclet show`"
        case .someFailed(let count): return "\(count) document(s) are not in QuickBooks (listed above); run `synclet qbo push` again to retry them, `synclet qbo status` shows why"
        }
    }
}
