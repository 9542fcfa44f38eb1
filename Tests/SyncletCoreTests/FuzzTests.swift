import Foundation
import XCTest
@testable import SyncletCore

/// SplitMix64: a tiny seeded generator, so a failing input can be reproduced from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Whatever bytes arrive, classification and normalization answer, never crash, and every
/// order ends up accepted or rejected with a reason.
final class FuzzTests: XCTestCase {
    private static let tokens: [[UInt8]] = [
        "\"", "\\", "{", "}", "[", "]", ",", ":", "null", "\"\"", "-", "e", "E+99", "0", "9", ".", "\\u", "\\ud83d",
        "[]", "{}", "true", " ", "\n", "1e400", "-922337203685477.5808", "99999999999999999999",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0x00], [0xED, 0xA0, 0x80], [0x1F]]

    /// Classifies `body` and normalizes every order in it, checking the outcome of each.
    private func checkPage(_ body: [UInt8], seed: UInt64, counts: inout (pages: Int, accepted: Int, rejected: Int, errors: Int)) {
        let response: PageResponse
        do {
            response = try PageResponse.classify(body)
        } catch let error as PageResponseError {
            XCTAssertFalse(error.description.isEmpty)
            counts.errors += 1
            return
        } catch {
            return XCTFail("seed \(seed): classify threw \(type(of: error)) instead of a PageResponseError: \(error)")
        }
        guard case .orders(let page) = response else { return }
        counts.pages += 1
        for (position, element) in page.elements.enumerated() {
            guard case .order(let value, let rawJSON) = element else { continue }
            checkOrder(value, rawJSON: rawJSON, position: position, seed: seed, counts: &counts)
        }
    }

    private func checkOrder(_ value: JSONValue, rawJSON: String, position: Int, seed: UInt64,
                            counts: inout (pages: Int, accepted: Int, rejected: Int, errors: Int)) {
        do {
            let order = try OrderNormalizer.normalize(value, rawJSON: rawJSON, source: .init(page: 0, position: position))
            XCTAssertEqual(order.rawJSON, rawJSON, "seed \(seed)")
            XCTAssertNotNil(Decimal4(parsing: order.total), "seed \(seed): total \(order.total)")
            XCTAssertNotNil(Decimal4(parsing: order.reconciliation.difference), "seed \(seed)")
            XCTAssertNotNil(UTCTime(parsing: order.orderDate), "seed \(seed)")
            counts.accepted += 1
        } catch {
            XCTAssertFalse(error.reason.isEmpty, "seed \(seed): an empty rejection reason")
            counts.rejected += 1
        }
    }

    private func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &generator) where !bytes.isEmpty {
            let index = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
            case 2: bytes.remove(at: index)
            case 3: bytes.replaceSubrange(index..<min(bytes.count, index + Int.random(in: 0...3, using: &generator)),
                                          with: Self.tokens.randomElement(using: &generator) ?? [])
            default: bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...40, using: &generator)))
            }
        }
        return bytes
    }

    func testTruncatingAPageAtEveryOffsetIsAlwaysAnErrorNeverACrash() throws {
        for name in ["quirks-page.json", "rejects-page.json"] {
            let body = try Fixture.bytes(name)
            var counts = (pages: 0, accepted: 0, rejected: 0, errors: 0)
            for length in 0..<body.count {
                checkPage(Array(body[..<length]), seed: UInt64(length), counts: &counts)
            }
            // `""` (the first two bytes of nothing) cannot occur: every prefix is unfinished.
            XCTAssertEqual(counts.errors, body.count, name)
            XCTAssertEqual(counts.pages, 0, name)
        }
    }

    func testThousandsOfRandomByteMutationsOfTheFixturePagesNeverCrash() throws {
        let pages = try Fixture.pageNames.map { try Fixture.bytes($0) }
        var generator = SeededGenerator(seed: 20_250_701)
        var counts = (pages: 0, accepted: 0, rejected: 0, errors: 0)
        let started = Date()
        for iteration in 0..<4000 {
            let seed = UInt64(iteration)
            // Most mutations hit the pages of orders, where the normalizer gets exercised.
            let source = iteration % 4 == 0 ? pages[iteration / 4 % pages.count] : pages[3 + iteration % 2]
            checkPage(mutate(source, using: &generator), seed: seed, counts: &counts)
        }
        // The corpus must really reach the normalizer, both ways.
        XCTAssertGreaterThan(counts.pages, 100)
        XCTAssertGreaterThan(counts.accepted, 100)
        XCTAssertGreaterThan(counts.rejected, 10)
        XCTAssertGreaterThan(counts.errors, 1000)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
    }

    // MARK: - Random JSON orders

    private static let keys = [
        "Id", "OrderNumber", "ReplaceOrderNumber", "ReplaceOrderNumber Id=\"7\"", "Date", "LastUpdatedDate", "Type", "Status",
        "CurrencyCode", "Notes", "Tags", "Discounts", "Total", "Contact", "Addresses", "Items", "Shipping", "Payments",
        "Credits", "CustomFields", "BillingAddress", "ShippingAddress", "ProductId", "Quantity", "Price", "Discount",
        "Taxes", "TaxRate", "TaxAmount", "LineTotalIncTax", "ErrorCode", "Amount", "PaymentMethod", "entity_id",
        "created_at", "grand_total", "Invoices", "Date", "CreditPoints", "LastTransactionId", "", "x",
    ]
    private static let strings = [
        "", "0", "1234", "-1", "12a", "2025-07-01 12:00:00", "2025-02-30 00:00:00", "not a date", "abc", "1E+2",
        "0.30000000000000004", "922337203685477.5807", "-922337203685477.5807", "1e400", "StoreName:Main\nX", "é😀", " 5 ",
        "Product.ProductNotFound",
    ]
    private static let numbers = ["0", "-0", "1", "12.5", "0.30000000000000004", "1E+2", "-1.5e-3", "1e400",
                                  "922337203685477.5807", "99999999999999999999", "-922337203685477.5807"]

    private func randomValue(depth: Int, using generator: inout SeededGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth > 4 ? 4 : 7), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .number(Self.numbers.randomElement(using: &generator) ?? "0")
        case 3: return .string(Self.strings.randomElement(using: &generator) ?? "")
        case 4: return .array((0..<Int.random(in: 0...3, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default: return .object(randomObject(depth: depth + 1, using: &generator))
        }
    }

    private func randomObject(depth: Int, using generator: inout SeededGenerator) -> JSONObject {
        JSONObject(members: (0..<Int.random(in: 0...6, using: &generator)).map { _ in
            (Self.keys.randomElement(using: &generator) ?? "x", randomValue(depth: depth, using: &generator))
        })
    }

    /// A mostly valid order with some fields replaced by random values.
    private func randomOrder(using generator: inout SeededGenerator) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("Id", .string("100")), ("OrderNumber", .string("100000100")), ("Date", .string("2025-07-01 12:00:00")),
            ("LastUpdatedDate", .string("2025-07-01 12:00:00")), ("CurrencyCode", .string("GBP")), ("Total", .number("10")),
            ("Items", .array([.object(JSONObject(members: [("LineTotalIncTax", .string("10.0000"))]))])),
        ]
        for _ in 0..<Int.random(in: 0...4, using: &generator) {
            let key = Self.keys.randomElement(using: &generator) ?? "x"
            let value = randomValue(depth: 1, using: &generator)
            if let index = members.firstIndex(where: { $0.key == key }), Bool.random(using: &generator) {
                members[index].value = value
            } else {
                members.append((key, value))
            }
        }
        return .object(JSONObject(members: members))
    }

    func testRandomJSONOrdersAreAcceptedOrRejectedWithAReason() {
        var generator = SeededGenerator(seed: 42)
        var counts = (pages: 0, accepted: 0, rejected: 0, errors: 0)
        for iteration in 0..<3000 {
            let value = iteration % 3 == 0 ? randomValue(depth: 0, using: &generator) : randomOrder(using: &generator)
            let rawJSON = JSONWriter.string(value)
            // The writer's output parses back to the same value, and through a page too.
            XCTAssertEqual(try? JSONParser.parse(Array(rawJSON.utf8)), value, "seed 42, iteration \(iteration)")
            let page = Array(#"{"OneSaas Version":"4.2.0.6","Orders":[\#(rawJSON),""]}"#.utf8)
            checkPage(page, seed: UInt64(iteration), counts: &counts)
            checkOrder(value, rawJSON: rawJSON, position: 0, seed: UInt64(iteration), counts: &counts)
        }
        XCTAssertEqual(counts.pages, 3000)
        XCTAssertGreaterThan(counts.accepted, 200)
        XCTAssertGreaterThan(counts.rejected, 200)
    }
}
