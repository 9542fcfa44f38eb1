import Foundation
import QuickBooksSimulator
import XCTest

/// `requestid` replay (section 6) and batches (section 7).
final class ReplayAndBatchTests: SimulatorTestCase {
    override func setUpWithError() throws {
        try startServer()
        try connect()
    }

    func testTheSameRequestIdGetsTheFirstAnswerAgainWithoutASecondDocument() throws {
        let body = salesReceipt(docNumber: "100000123", amounts: ["10"])
        let first = try api("POST", "salesreceipt?requestid=order-100000123-v1", body: body)
        XCTAssertEqual(first.status, 200)
        let second = try api("POST", "salesreceipt?requestid=order-100000123-v1", body: body)
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(second.body, first.body, "the same answer, time included")
        XCTAssertEqual(try control("GET", "documents")["count"], .number("1"))
        XCTAssertEqual(try control("GET", "creates").value(at: "by_doc_number.100000123"), .number("1"))
        XCTAssertEqual(try control("GET", "stats").value(at: "requests.replayed"), .number("1"))

        let other = try api("POST", "salesreceipt?requestid=order-100000123-v2", body: body)
        XCTAssertEqual(try faultCode(other), "6140", "a new requestid is a new attempt")
    }

    func testARequestIdLongerThan50CharactersIsRefused() throws {
        let response = try api("POST", "salesreceipt?requestid=\(String(repeating: "x", count: 51))",
                               body: salesReceipt(docNumber: "1", amounts: ["1"]))
        XCTAssertEqual(response.status, 400)
    }

    func testABatchAnswersEachItemByBIdAndAFailingItemDoesNotStopTheOthers() throws {
        let batch = #"""
            {"BatchItemRequest": [
              {"bId": "o1", "operation": "create", "SalesReceipt": \#(salesReceipt(docNumber: "100000001", amounts: ["10"]))},
              {"bId": "o2", "operation": "create", "SalesReceipt": {"DocNumber": "100000002", "Line": [{"Amount": 5, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}]}},
              {"bId": "o3", "operation": "create", "SalesReceipt": \#(salesReceipt(docNumber: "100000003", amounts: ["20"]))},
              {"bId": "q1", "Query": "select * from SalesReceipt where DocNumber = '100000001'"}]}
            """#
        let response = try api("POST", "batch?requestid=batch-1", body: batch)
        XCTAssertEqual(response.status, 200, response.text)
        let items = try XCTUnwrap(JSON.parse(response.body)["BatchItemResponse"]?.array)
        XCTAssertEqual(items.compactMap { $0["bId"]?.string }, ["q1", "o3", "o2", "o1"], "answers come back out of order")
        let byId = Dictionary(uniqueKeysWithValues: items.compactMap { item in item["bId"]?.string.map { ($0, item) } })
        XCTAssertEqual(decimal(byId["o1"]?.value(at: "SalesReceipt.TotalAmt")), 12)
        XCTAssertEqual(byId["o2"]?.value(at: "Fault.Error")?.array?.first?["code"]?.string, "6000")
        XCTAssertEqual(decimal(byId["o3"]?.value(at: "SalesReceipt.TotalAmt")), 24)
        XCTAssertEqual(byId["q1"]?.value(at: "QueryResponse.SalesReceipt")?.array?.count, 1)
        XCTAssertEqual(try control("GET", "documents")["count"], .number("2"))

        let replayed = try api("POST", "batch?requestid=batch-1", body: batch)
        XCTAssertEqual(replayed.body, response.body)
        XCTAssertEqual(try control("GET", "documents")["count"], .number("2"), "a replayed batch applies nothing")
    }

    func testABatchOfMoreThan30ItemsOrWithARequestIdOver36CharactersIsRefused() throws {
        let items = (1...31).map { #"{"bId": "\#($0)", "Query": "select * from TaxCode"}"# }.joined(separator: ",")
        XCTAssertEqual(try api("POST", "batch", body: #"{"BatchItemRequest": [\#(items)]}"#).status, 400)
        let thirty = (1...30).map { #"{"bId": "\#($0)", "Query": "select * from TaxCode"}"# }.joined(separator: ",")
        XCTAssertEqual(try api("POST", "batch", body: #"{"BatchItemRequest": [\#(thirty)]}"#).status, 200)
        XCTAssertEqual(try api("POST", "batch?requestid=\(String(repeating: "b", count: 37))", body: #"{"BatchItemRequest": [\#(thirty)]}"#).status, 400)
    }

    func testABatchVoidsAndDeletes() throws {
        let receipt = try XCTUnwrap(create("SalesReceipt", salesReceipt(docNumber: "100000900", amounts: ["10"]))["Id"]?.string)
        let batch = #"{"BatchItemRequest": [{"bId": "v1", "operation": "update", "optionsData": "void", "SalesReceipt": {"Id": "\#(receipt)", "SyncToken": "0", "sparse": true}}]}"#
        let items = try XCTUnwrap(JSON.parse(api("POST", "batch", body: batch).body)["BatchItemResponse"]?.array)
        XCTAssertEqual(decimal(items.first?.value(at: "SalesReceipt.TotalAmt")), 0)
    }
}
