import Foundation
import QuickBooksSimulator
import XCTest

/// The query language of section 3: escaping, operators, paging, inactive rows and refusals.
final class QueryTests: SimulatorTestCase {
    override func setUpWithError() throws {
        try startServer()
        try connect()
    }

    func testAQuoteAndABackslashInANameAreFoundWhenEscaped() throws {
        let created = try create("Customer", #"{"DisplayName": "O'Neill & Sons \\ Ltd", "PrimaryEmailAddr": {"Address": "oneill@example.com"}}"#)
        XCTAssertEqual(created["DisplayName"]?.string, #"O'Neill & Sons \ Ltd"#)
        let found = try query(#"select * from Customer where DisplayName = 'O\'Neill & Sons \\ Ltd'"#)
        XCTAssertEqual(found["Customer"]?.array?.first?["Id"], created["Id"])
        XCTAssertEqual(found["startPosition"], .number("1"))
        XCTAssertEqual(found["maxResults"], .number("1"))
        let byEmail = try query("select * from Customer where PrimaryEmailAddr = 'ONEILL@example.com'")
        XCTAssertEqual(byEmail["Customer"]?.array?.count, 1, "string matching ignores case")
    }

    func testAPostedQueryAnswersLikeAGetOne() throws {
        let response = try api("POST", "query", body: "select * from TaxCode where Name in ('20.0% S', '0.0% Z')", contentType: "application/text")
        XCTAssertEqual(response.status, 200, response.text)
        let names = try JSON.parse(response.body).value(at: "QueryResponse.TaxCode")?.array?.compactMap { $0["Name"]?.string }
        XCTAssertEqual(names, ["20.0% S", "0.0% Z"])
    }

    func testNoMatchIsAnEmptyQueryResponseAndCountGivesTotalCount() throws {
        XCTAssertEqual(try query("select * from SalesReceipt where DocNumber = '100000123'"), .object([]))
        XCTAssertEqual(try query("select count(*) from TaxCode"), .object([.init("totalCount", .number("5"))]))
    }

    func testInactiveRowsAreHiddenUnlessTheQueryNamesActive() throws {
        let customer = try create("Customer", #"{"DisplayName": "Gone Ltd"}"#)
        let id = try XCTUnwrap(customer["Id"]?.string)
        let response = try api("POST", "customer", body: #"{"Id": "\#(id)", "SyncToken": "0", "sparse": true, "Active": false}"#)
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(try query("select * from Customer where DisplayName = 'Gone Ltd'"), .object([]))
        XCTAssertEqual(try query("select * from Customer where DisplayName = 'Gone Ltd' and Active in (true, false)")["Customer"]?.array?.count, 1)
        XCTAssertEqual(try query("select * from Customer where Active = false")["Customer"]?.array?.count, 1)
    }

    func testLikeComparisonsOrderingAndPaging() throws {
        for (number, amount) in [("A-1", "30"), ("A-2", "10"), ("B-1", "20")] {
            _ = try create("SalesReceipt", salesReceipt(docNumber: number, amounts: [amount]))
        }
        let like = try query("select * from SalesReceipt where DocNumber like 'A-%' orderby TotalAmt desc")
        XCTAssertEqual(like["SalesReceipt"]?.array?.compactMap { $0["DocNumber"]?.string }, ["A-1", "A-2"])
        let range = try query("select * from SalesReceipt where TotalAmt >= 24 and TotalAmt <= 36 orderby DocNumber")
        XCTAssertEqual(range["SalesReceipt"]?.array?.compactMap { $0["DocNumber"]?.string }, ["A-1", "B-1"])
        let second = try query("select * from SalesReceipt orderby DocNumber startposition 2 maxresults 1")
        XCTAssertEqual(second["SalesReceipt"]?.array?.compactMap { $0["DocNumber"]?.string }, ["A-2"])
        XCTAssertEqual(second["startPosition"], .number("2"))
        let projected = try query("select Id, DocNumber from SalesReceipt where DocNumber = 'B-1'")
        let only = try XCTUnwrap(projected["SalesReceipt"]?.array?.first)
        XCTAssertNotNil(only["DocNumber"])
        XCTAssertNil(only["Line"])
    }

    func testAFieldThatCannotBeFilteredIs4001AndNonsenseIs4000() throws {
        for (text, code) in [
            ("select * from SalesReceipt where PrivateNote = 'x'", "4001"),
            ("select * from SalesReceipt orderby Id", "4001"),
            ("select * from SalesReceipt where DocNumber = 'unterminated", "4000"),
            ("select * from SalesReceipt where DocNumber = '1' or DocNumber = '2'", "4000"),
            ("selec * from SalesReceipt", "4000"),
            ("select * from Nonsense", "4000"),
        ] {
            let encoded = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
            let response = try api("GET", "query?query=\(encoded)")
            XCTAssertEqual(response.status, 400, text)
            XCTAssertEqual(try faultCode(response), code, text)
        }
    }
}
