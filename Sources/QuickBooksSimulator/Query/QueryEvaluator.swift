import Foundation

/// Runs a `Query` against the company: the value of `QueryResponse`.
///
/// Strings compare without regard to case; numbers compare as decimals; name lists hide inactive
/// rows unless the query names `Active`; no match gives an empty `QueryResponse`.
struct QueryEvaluator {
    let company: Company

    func run(_ query: Query) throws(APIFault) -> JSON {
        guard let kind = EntityKind(name: query.entity) else {
            throw .queryParse("Entity \(query.entity) is not supported by qbo-sim (supported: "
                              + EntityKind.allCases.map(\.name).joined(separator: ", ") + ")")
        }
        let fields = kind.filterableFields
        var conditions: [(path: String, condition: Query.Condition)] = []
        for condition in query.conditions {
            guard let path = fields[condition.field.lowercased()] else { throw .queryField(condition.field, entity: kind.name) }
            conditions.append((path, condition))
        }
        var orderings: [(path: String, descending: Bool)] = []
        for ordering in query.ordering {
            let name = ordering.field.lowercased()
            guard let path = fields[name], !kind.unsortableFields.contains(name) else {
                throw .queryField(ordering.field, entity: kind.name)
            }
            orderings.append((path, ordering.descending))
        }
        let namesActive = query.conditions.contains { $0.field.lowercased() == "active" }
        var rows = candidates(kind, query).filter { stored in
            if kind.isList, !namesActive, !stored.isActive { return false }
            return conditions.allSatisfy { Self.matches(stored.body.value(at: $0.path), $0.condition) }
        }
        if case .count = query.selection {
            return .object([.init("totalCount", .integer(rows.count))])
        }
        if !orderings.isEmpty {
            rows.sort { left, right in
                for ordering in orderings {
                    let order = Self.compare(left.body.value(at: ordering.path), right.body.value(at: ordering.path))
                    if order != .orderedSame { return ordering.descending ? order == .orderedDescending : order == .orderedAscending }
                }
                return left.numericId < right.numericId
            }
        }
        let page = rows.dropFirst(query.startPosition - 1).prefix(query.maxResults)
        guard !page.isEmpty else { return .object([]) }
        let bodies: [JSON] = page.map { stored in
            guard case .fields(let names) = query.selection else { return stored.body }
            let wanted = Set(names.map { $0.split(separator: ".").first.map(String.init)?.lowercased() ?? "" } + ["id"])
            var members = (stored.body.members ?? []).filter { wanted.contains($0.key.lowercased()) }
            members.append(.init("domain", .string("QBO")))
            members.append(.init("sparse", .bool(true)))
            return .object(members)
        }
        return .object([
            .init(kind.name, .array(bodies)),
            .init("startPosition", .integer(query.startPosition)),
            .init("maxResults", .integer(bodies.count)),
        ])
    }

    /// Every row of the kind, or, for a DocNumber lookup, only the rows the index names.
    private func candidates(_ kind: EntityKind, _ query: Query) -> [StoredEntity] {
        guard kind.isSalesForm,
              let lookup = query.conditions.first(where: { $0.field.lowercased() == "docnumber" && ($0.op == .equal || $0.op == .in) })
        else { return company.visible(kind) }
        var seen: Set<String> = []
        return lookup.values.flatMap { company.salesForms(numbered: $0.text) }
            .filter { $0.kind == kind && seen.insert($0.id).inserted }
            .sorted { $0.numericId < $1.numericId }
    }

    static func matches(_ field: JSON?, _ condition: Query.Condition) -> Bool {
        // A list entry without `Active` is active; any other missing field matches nothing.
        guard let value = field ?? (condition.field.lowercased() == "active" ? .bool(true) : nil) else { return false }
        switch condition.op {
        case .equal, .in:
            return condition.values.contains { compare(value, $0) == .orderedSame }
        case .less: return condition.values.first.map { compare(value, $0) == .orderedAscending } ?? false
        case .greater: return condition.values.first.map { compare(value, $0) == .orderedDescending } ?? false
        case .lessOrEqual: return condition.values.first.map { compare(value, $0) != .orderedDescending } ?? false
        case .greaterOrEqual: return condition.values.first.map { compare(value, $0) != .orderedAscending } ?? false
        case .like:
            guard let text = value.scalarText, case .string(let pattern)? = condition.values.first else { return false }
            return like(text.lowercased(), pattern.lowercased())
        }
    }

    private static func compare(_ field: JSON, _ value: Query.Value) -> ComparisonResult {
        guard let text = field.scalarText else { return .orderedAscending }
        return compareTexts(text, value.text)
    }

    private static func compare(_ left: JSON?, _ right: JSON?) -> ComparisonResult {
        switch (left?.scalarText, right?.scalarText) {
        case (nil, nil): return .orderedSame
        case (nil, _): return .orderedAscending
        case (_, nil): return .orderedDescending
        case (let left?, let right?): return compareTexts(left, right)
        }
    }

    private static func compareTexts(_ left: String, _ right: String) -> ComparisonResult {
        if let leftNumber = Money.parse(left), let rightNumber = Money.parse(right) {
            return leftNumber == rightNumber ? .orderedSame : leftNumber < rightNumber ? .orderedAscending : .orderedDescending
        }
        return left.lowercased().compare(right.lowercased())
    }

    /// `%` matches any run of characters; everything else matches itself.
    private static func like(_ text: String, _ pattern: String) -> Bool {
        let parts = pattern.split(separator: "%", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return text == pattern }
        var rest = Substring(text)
        guard let first = parts.first, rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        for (position, part) in parts.enumerated().dropFirst() {
            if position == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard !part.isEmpty else { continue }
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}
