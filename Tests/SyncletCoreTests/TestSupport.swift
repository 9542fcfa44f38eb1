import Foundation
import XCTest
@testable import SyncletCore

/// The hand-written pages in `Fixtures/pages/`, byte for byte as PHP `json_encode` writes them.
enum Fixture {
    static func bytes(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let url = try XCTUnwrap(
            Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/pages"),
            "no fixture Fixtures/pages/\(name)", file: file, line: line)
        return [UInt8](try Data(contentsOf: url))
    }

    static let pageNames = [
        "end-of-data.json", "error-invalid-api-key.json", "error-invalid-action.json", "quirks-page.json",
        "rejects-page.json", "maintenance-503.html", "php-notice.txt", "truncated.json",
    ]
}

/// The elements of a page that must be a page of orders.
func ordersPage(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> OrdersPage {
    guard case .orders(let page) = try PageResponse.classify(bytes) else {
        XCTFail("not a page of orders", file: file, line: line)
        throw CocoaError(.coderInvalidValue)
    }
    return page
}

/// Normalizes every order of a page, keyed by Id; fails the test on a rejection.
func acceptedOrders(_ bytes: [UInt8], page: Int = 0, file: StaticString = #filePath, line: UInt = #line) throws -> [Int64: CanonicalOrder] {
    var orders: [Int64: CanonicalOrder] = [:]
    for (position, element) in try ordersPage(bytes, file: file, line: line).elements.enumerated() {
        guard case .order(let value, let rawJSON) = element else { continue }
        do {
            let order = try OrderNormalizer.normalize(value, rawJSON: rawJSON, source: .init(page: page, position: position))
            orders[order.id] = order
        } catch {
            XCTFail("order at position \(position) rejected: \(error.reason)", file: file, line: line)
        }
    }
    return orders
}

/// Normalizes a single order written as JSON text.
func normalize(_ json: String) throws(OrderRejection) -> CanonicalOrder {
    let value: JSONValue
    do { value = try JSONParser.parse(Array(json.utf8)) } catch { fatalError("test JSON is invalid: \(error)") }
    return try OrderNormalizer.normalize(value, rawJSON: json, source: .init(page: 0, position: 0))
}

/// The reason an order is rejected, or nil when it is accepted.
func rejectionReason(_ json: String) -> String? {
    do {
        _ = try normalize(json)
        return nil
    } catch {
        return error.reason
    }
}

/// A fresh directory under the system's temporary directory, removed when the test ends.
func makeTemporaryDirectory(_ testCase: XCTestCase) throws -> String {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("synclet-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

func posixMode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
}
