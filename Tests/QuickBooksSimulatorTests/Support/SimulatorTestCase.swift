import Foundation
import QuickBooksSimulator
import XCTest

/// Starts a real qbo-sim on a free port for each test and talks HTTP to it as an app would.
class SimulatorTestCase: XCTestCase {
    var server: QuickBooksSimulatorServer?
    var http = HTTPTestClient(port: 0)
    var configuration = QuickBooksSimulatorConfiguration()
    /// The access token of the connection `connect()` made.
    var accessToken = ""
    var refreshToken = ""
    let redirectURI = "http://localhost:8765/callback"

    var realm: String { configuration.realmId }

    func startServer(configure: (inout QuickBooksSimulatorConfiguration) -> Void = { _ in }) throws {
        configure(&configuration)
        let server = QuickBooksSimulatorServer(configuration: configuration)
        http = HTTPTestClient(port: try server.start())
        self.server = server
    }

    override func tearDown() {
        try? server?.shutdown()
        server = nil
        super.tearDown()
    }

    var basicAuthorization: String {
        "Basic " + Data("\(configuration.clientId):\(configuration.clientSecret)".utf8).base64EncodedString()
    }

    /// The consent screen's redirect, as the browser would follow it.
    func authorize(state: String = "state-123") throws -> URLComponents {
        let target = "/connect/oauth2?client_id=\(configuration.clientId)&response_type=code"
            + "&scope=com.intuit.quickbooks.accounting&redirect_uri=\(redirectURI)"
            + "&state=\(state.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? state)"
        let response = try http.send("GET", target)
        XCTAssertEqual(response.status, 302, response.text)
        return try XCTUnwrap(URLComponents(string: try XCTUnwrap(response.headers["location"])))
    }

    func tokenRequest(_ form: String, authorization: String? = nil, headers: [(String, String)] = []) throws -> HTTPTestResponse {
        try http.send("POST", "/oauth2/v1/tokens/bearer", headers: [
            ("Authorization", authorization ?? basicAuthorization),
            ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
        ] + headers, body: form)
    }

    /// The whole authorization code flow; keeps the tokens for `api`.
    @discardableResult
    func connect() throws -> JSON {
        let redirect = try authorize()
        let code = try XCTUnwrap(redirect.queryItems?.first { $0.name == "code" }?.value)
        let response = try tokenRequest("grant_type=authorization_code&code=\(code)&redirect_uri=\(redirectURI)")
        XCTAssertEqual(response.status, 200, response.text)
        let tokens = try JSON.parse(response.body)
        accessToken = try XCTUnwrap(tokens["access_token"]?.string)
        refreshToken = try XCTUnwrap(tokens["refresh_token"]?.string)
        return tokens
    }

    /// An API call with the current access token; `path` is relative to `/v3/company/<realm>/`.
    func api(_ method: String, _ path: String, body: String = "", contentType: String = "application/json") throws -> HTTPTestResponse {
        let separator = path.contains("?") ? "&" : "?"
        return try http.send(method, "/v3/company/\(realm)/\(path)\(separator)minorversion=75", headers: [
            ("Authorization", "Bearer \(accessToken)"), ("Accept", "application/json"), ("Content-Type", contentType),
        ], body: body)
    }

    /// Creates an entity and returns what QuickBooks answered, failing the test on any fault.
    func create(_ entity: String, _ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        let response = try api("POST", entity.lowercased(), body: body)
        XCTAssertEqual(response.status, 200, response.text, file: file, line: line)
        return try XCTUnwrap(JSON.parse(response.body)[entity], file: file, line: line)
    }

    func query(_ text: String) throws -> JSON {
        let encoded = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        let response = try api("GET", "query?query=\(encoded)")
        XCTAssertEqual(response.status, 200, response.text)
        return try XCTUnwrap(JSON.parse(response.body)["QueryResponse"])
    }

    /// The first error of a `Fault` answer: its code, and the answer for messages.
    func faultCode(_ response: HTTPTestResponse) throws -> String? {
        try JSON.parse(response.body).value(at: "Fault.Error")?.array?.first?["code"]?.string
    }

    func control(_ method: String, _ path: String, body: String = "") throws -> JSON {
        let response = try http.send(method, "/__control/\(path)", body: body)
        XCTAssertEqual(response.status, 200, response.text)
        return try JSON.parse(response.body)
    }

    /// A SalesReceipt body with net (TaxExcluded) lines at the standard rate (TaxCode 2).
    func salesReceipt(docNumber: String, amounts: [String], extra: String = "") -> String {
        let lines = amounts.map {
            #"{"Amount": \#($0), "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"Qty": 1, "UnitPrice": \#($0), "TaxCodeRef": {"value": "2"}}}"#
        }
        return #"{"DocNumber": "\#(docNumber)", "TxnDate": "2025-07-01", "GlobalTaxCalculation": "TaxExcluded", "Line": [\#(lines.joined(separator: ","))]\#(extra)}"#
    }
}

/// The exact decimal of a JSON number in an answer.
func decimal(_ value: JSON?) -> Decimal? { value?.decimal }

func money(_ text: String) -> Decimal { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) ?? .nan }
