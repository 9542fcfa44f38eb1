import Foundation
import OneSaasSimulator
import XCTest

/// Starts a real simulator on a free port for each test and talks HTTP to it.
class SimulatorTestCase: XCTestCase {
    var server: SimulatorServer?
    var client = RawHTTPClient(port: 0)
    let key = "test-key"

    func startServer(orders: Int = 300, quirks: QuirkMode = .realistic, seed: UInt64 = 42,
                     configure: (inout SimulatorConfiguration) -> Void = { _ in }) throws {
        var configuration = SimulatorConfiguration()
        configuration.accessKey = key
        configuration.store = Store.Settings(orderCount: orders, seed: seed, startDate: UTCTime.parse("2025-07-01 00:00:00") ?? 0,
                                             quirks: quirks, badOrderCount: 0)
        configure(&configuration)
        let server = SimulatorServer(configuration: configuration)
        client = RawHTTPClient(port: try server.start())
        self.server = server
    }

    override func tearDown() {
        try? server?.shutdown()
        server = nil
        super.tearDown()
    }

    func endpoint(_ parameters: String) -> String {
        "/onesaas_connect/index/index?AccessKey=\(key)&\(parameters)"
    }

    func ordersPage(_ page: Int, size: Int = 50, extra: String = "") throws -> RawHTTPResponse {
        try client.get(endpoint("Action=Orders&PageSize=\(size)&Page=\(page)\(extra)"))
    }

    /// The orders of a page, or nil for the `""` that ends paging.
    func orders(in response: RawHTTPResponse) throws -> [Any]? {
        let value = try response.json()
        if let text = value as? String, text.isEmpty { return nil }
        let object = try XCTUnwrap(value as? [String: Any], "page body: \(response.text.prefix(200))")
        return try XCTUnwrap(object["Orders"] as? [Any])
    }

    /// A naive client: pages until `""`, returning every element (including the `""` of dropped orders).
    func pageThrough(size: Int = 50, extra: String = "") throws -> [Any] {
        var collected: [Any] = []
        for page in 0..<10_000 {
            guard let elements = try orders(in: ordersPage(page, size: size, extra: extra)) else { break }
            collected += elements
        }
        return collected
    }

    func truth() throws -> [[String: Any]] {
        try XCTUnwrap(client.get("/_sim/orders").json() as? [[String: Any]])
    }
}

/// Decimal from the text the endpoint sent; JSON numbers come back through their shortest text.
func decimal(_ value: Any?) -> Decimal? {
    switch value {
    case let text as String: return Decimal(string: text)
    case let number as NSNumber: return Decimal(string: "\(number.doubleValue)")
    default: return nil
    }
}
