import Foundation

/// A parsed QuickBooks query (section 3 of the reference):
/// `SELECT * | COUNT(*) | f1, f2 FROM <Entity> [WHERE <f> <op> <v> [AND ...]] [ORDERBY <f> [ASC|DESC]]
/// [STARTPOSITION n] [MAXRESULTS m]`.
///
/// ```swift
/// let query = try Query.parse("select * from Customer where DisplayName = 'O\\'Neill & Sons Ltd'")
/// ```
struct Query: Equatable {
    enum Selection: Equatable {
        case all
        case count
        case fields([String])
    }

    enum Operator: String, Equatable {
        case equal = "="
        case less = "<"
        case greater = ">"
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
        case `in` = "IN"
        case like = "LIKE"
    }

    enum Value: Equatable {
        case string(String)
        case number(String)
        case bool(Bool)

        var text: String {
            switch self {
            case .string(let text), .number(let text): return text
            case .bool(let flag): return flag ? "true" : "false"
            }
        }
    }

    struct Condition: Equatable {
        var field: String
        var op: Operator
        var values: [Value]
    }

    struct Ordering: Equatable {
        var field: String
        var descending: Bool
    }

    var selection: Selection
    var entity: String
    var conditions: [Condition] = []
    var ordering: [Ordering] = []
    var startPosition = 1
    var maxResults = Query.defaultMaxResults

    /// What QuickBooks returns when a query gives no MAXRESULTS.
    static let defaultMaxResults = 100
    /// The most one query returns, whatever MAXRESULTS asks.
    static let maximumResults = 1000

    static func parse(_ text: String) throws(APIFault) -> Query {
        var parser = QueryParser(tokens: try QueryTokenizer.tokens(of: text))
        return try parser.parseQuery()
    }
}

enum QueryToken: Equatable {
    case word(String)
    case string(String)
    case number(String)
    case symbol(String)
}

enum QueryTokenizer {
    /// Splits a query into words, quoted strings (`\'` and `\\` escapes), numbers and operators.
    static func tokens(of text: String) throws(APIFault) -> [QueryToken] {
        var tokens: [QueryToken] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
            } else if character == "'" {
                index += 1
                var value = ""
                var closed = false
                while index < characters.count {
                    let next = characters[index]
                    if next == "\\", index + 1 < characters.count {
                        value.append(characters[index + 1])
                        index += 2
                    } else if next == "'" {
                        index += 1
                        closed = true
                        break
                    } else {
                        value.append(next)
                        index += 1
                    }
                }
                guard closed else { throw .queryParse("unterminated string starting with '\(value.prefix(20))'") }
                tokens.append(.string(value))
            } else if character.isNumber || (character == "-" && index + 1 < characters.count && characters[index + 1].isNumber) {
                var value = String(character)
                index += 1
                while index < characters.count, characters[index].isNumber || characters[index] == "." {
                    value.append(characters[index])
                    index += 1
                }
                tokens.append(.number(value))
            } else if character.isLetter || character == "_" {
                var value = ""
                while index < characters.count, characters[index].isLetter || characters[index].isNumber
                        || characters[index] == "_" || characters[index] == "." {
                    value.append(characters[index])
                    index += 1
                }
                tokens.append(.word(value))
            } else if "<>".contains(character), index + 1 < characters.count, characters[index + 1] == "=" {
                tokens.append(.symbol(String(character) + "="))
                index += 2
            } else if "*(),=<>".contains(character) {
                tokens.append(.symbol(String(character)))
                index += 1
            } else {
                throw .queryParse("Encountered \"\(character)\" at position \(index + 1)")
            }
        }
        return tokens
    }
}

private struct QueryParser {
    let tokens: [QueryToken]
    var index = 0

    init(tokens: [QueryToken]) {
        self.tokens = tokens
    }

    private var current: QueryToken? { index < tokens.count ? tokens[index] : nil }

    private func describe(_ token: QueryToken?) -> String {
        switch token {
        case .word(let text)?, .number(let text)?, .symbol(let text)?: return "\"\(text)\""
        case .string(let text)?: return "'\(text)'"
        case nil: return "the end of the query"
        }
    }

    private func unexpected(_ expected: String) -> APIFault {
        .queryParse("Encountered \(describe(current)) where \(expected) was expected")
    }

    private func isKeyword(_ keyword: String) -> Bool {
        if case .word(let text)? = current { return text.uppercased() == keyword }
        return false
    }

    private mutating func expectKeyword(_ keyword: String) throws(APIFault) {
        guard isKeyword(keyword) else { throw unexpected(keyword) }
        index += 1
    }

    private mutating func expectSymbol(_ symbol: String) throws(APIFault) {
        guard current == .symbol(symbol) else { throw unexpected("'\(symbol)'") }
        index += 1
    }

    private mutating func word(_ expected: String) throws(APIFault) -> String {
        guard case .word(let text)? = current else { throw unexpected(expected) }
        index += 1
        return text
    }

    private mutating func integer(_ expected: String) throws(APIFault) -> Int {
        guard case .number(let text)? = current, let value = Int(text) else { throw unexpected(expected) }
        index += 1
        return value
    }

    mutating func parseQuery() throws(APIFault) -> Query {
        try expectKeyword("SELECT")
        let selection: Query.Selection
        if current == .symbol("*") {
            index += 1
            selection = .all
        } else if isKeyword("COUNT") {
            index += 1
            try expectSymbol("(")
            try expectSymbol("*")
            try expectSymbol(")")
            selection = .count
        } else {
            var fields = [try word("a field name, * or COUNT(*)")]
            while current == .symbol(",") {
                index += 1
                fields.append(try word("a field name"))
            }
            selection = .fields(fields)
        }
        try expectKeyword("FROM")
        var query = Query(selection: selection, entity: try word("an entity name"))
        if isKeyword("WHERE") {
            index += 1
            query.conditions.append(try parseCondition())
            while isKeyword("AND") {
                index += 1
                query.conditions.append(try parseCondition())
            }
            if isKeyword("OR") { throw .queryParse("OR is not supported; QuickBooks queries join conditions with AND only") }
        }
        if isKeyword("ORDERBY") || isKeyword("ORDER") {
            if isKeyword("ORDER") {
                index += 1
                try expectKeyword("BY")
            } else {
                index += 1
            }
            repeat {
                if current == .symbol(",") { index += 1 }
                var ordering = Query.Ordering(field: try word("a field to order by"), descending: false)
                if isKeyword("DESC") {
                    ordering.descending = true
                    index += 1
                } else if isKeyword("ASC") {
                    index += 1
                }
                query.ordering.append(ordering)
            } while current == .symbol(",")
        }
        while isKeyword("STARTPOSITION") || isKeyword("MAXRESULTS") {
            if isKeyword("STARTPOSITION") {
                index += 1
                query.startPosition = try integer("a start position")
                guard query.startPosition >= 1 else { throw .queryParse("STARTPOSITION starts at 1") }
            } else {
                index += 1
                query.maxResults = try integer("a number of results")
                guard query.maxResults >= 1 else { throw .queryParse("MAXRESULTS must be at least 1") }
                query.maxResults = min(query.maxResults, Query.maximumResults)
            }
        }
        guard current == nil else { throw unexpected("the end of the query") }
        return query
    }

    private mutating func parseCondition() throws(APIFault) -> Query.Condition {
        let field = try word("a field name")
        let op: Query.Operator
        switch current {
        case .symbol(let symbol)? where Query.Operator(rawValue: symbol) != nil:
            op = Query.Operator(rawValue: symbol) ?? .equal
        case .word(let text)? where text.uppercased() == "IN" || text.uppercased() == "LIKE":
            op = Query.Operator(rawValue: text.uppercased()) ?? .equal
        default:
            throw unexpected("an operator (=, <, >, <=, >=, IN, LIKE)")
        }
        index += 1
        if op == .in {
            try expectSymbol("(")
            var values = [try value()]
            while current == .symbol(",") {
                index += 1
                values.append(try value())
            }
            try expectSymbol(")")
            return Query.Condition(field: field, op: op, values: values)
        }
        let single = try value()
        if op == .like, case .string = single {} else if op == .like {
            throw .queryParse("LIKE needs a quoted pattern such as '%text%'")
        }
        return Query.Condition(field: field, op: op, values: [single])
    }

    private mutating func value() throws(APIFault) -> Query.Value {
        switch current {
        case .string(let text)?:
            index += 1
            return .string(text)
        case .number(let text)?:
            index += 1
            return .number(text)
        case .word(let text)? where ["TRUE", "FALSE"].contains(text.uppercased()):
            index += 1
            return .bool(text.uppercased() == "TRUE")
        default:
            throw unexpected("a value ('text', a number, true or false)")
        }
    }
}
