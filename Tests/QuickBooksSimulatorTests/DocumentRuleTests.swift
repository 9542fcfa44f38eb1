import Foundation
import QuickBooksSimulator
import XCTest

/// DocNumber and name uniqueness, optimistic locking, delete and void: the rules a push relies on
/// to never double or lose a document.
final class DocumentRuleTests: SimulatorTestCase {
    override func setUpWithError() throws {
        try startServer()
        try connect()
    }

    private let refundAccount = #", "DepositToAccountRef": {"value": "3"}"#

    func testADocNumberIsUniqueAcrossSalesFormsAnd6140NamesTheDocumentThatHasIt() throws {
        let receipt = try create("SalesReceipt", salesReceipt(docNumber: "100000123", amounts: ["10"]))
        let id = try XCTUnwrap(receipt["Id"]?.string)
        let response = try api("POST", "refundreceipt", body: salesReceipt(docNumber: "100000123", amounts: ["10"], extra: refundAccount))
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(try faultCode(response), "6140")
        let detail = try XCTUnwrap(JSON.parse(response.body).value(at: "Fault.Error")?.array?.first?["Detail"]?.string)
        XCTAssertTrue(detail.contains("TxnType=SalesReceipt"), detail)
        XCTAssertTrue(detail.contains("TxnId=\(id)"), detail)

        let allowed = try api("POST", "refundreceipt?include=allowduplicatedocnum",
                              body: salesReceipt(docNumber: "100000123", amounts: ["10"], extra: refundAccount))
        XCTAssertEqual(allowed.status, 200, allowed.text)
        let creates = try control("GET", "creates")
        XCTAssertEqual(creates.value(at: "duplicates.100000123"), .number("2"))
    }

    func testADocNumberLongerThan21CharactersIs6000() throws {
        let response = try api("POST", "salesreceipt", body: salesReceipt(docNumber: String(repeating: "9", count: 22), amounts: ["1"]))
        XCTAssertEqual(try faultCode(response), "6000")
        XCTAssertEqual(try api("POST", "salesreceipt", body: salesReceipt(docNumber: String(repeating: "9", count: 21), amounts: ["1"])).status, 200)
    }

    func testARefundReceiptWithoutADepositAccountIs2020() throws {
        let response = try api("POST", "refundreceipt", body: salesReceipt(docNumber: "R200000001", amounts: ["5"]))
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(try faultCode(response), "2020")
    }

    func testACustomerDisplayNameIsUniqueEvenWhenTheOtherIsInactive() throws {
        let customer = try create("Customer", #"{"DisplayName": "Jane Smith"}"#)
        let id = try XCTUnwrap(customer["Id"]?.string)
        _ = try api("POST", "customer", body: #"{"Id": "\#(id)", "SyncToken": "0", "sparse": true, "Active": false}"#)
        let duplicate = try api("POST", "customer", body: #"{"DisplayName": "jane smith"}"#)
        XCTAssertEqual(duplicate.status, 400)
        XCTAssertEqual(try faultCode(duplicate), "6240")
        XCTAssertEqual(try faultCode(api("POST", "customer", body: #"{"DisplayName": "Parent:Child"}"#)), "6000")
    }

    func testAnItemNameIsUniqueAndNeedsAnIncomeAccount() throws {
        _ = try create("Item", #"{"Name": "Hoodie", "Type": "NonInventory", "Sku": "HD-1", "IncomeAccountRef": {"value": "1"}}"#)
        XCTAssertEqual(try faultCode(api("POST", "item", body: #"{"Name": "Hoodie", "IncomeAccountRef": {"value": "1"}}"#)), "6240")
        XCTAssertEqual(try faultCode(api("POST", "item", body: #"{"Name": "Cap"}"#)), "2020")
        XCTAssertEqual(try query("select * from Item where Sku = 'HD-1'")["Item"]?.array?.count, 1)
    }

    func testAnUpdateWithAStaleSyncTokenIs5010AndASparseUpdateKeepsTheRest() throws {
        let receipt = try create("SalesReceipt", salesReceipt(docNumber: "100000200", amounts: ["10"]))
        let id = try XCTUnwrap(receipt["Id"]?.string)
        let updated = try api("POST", "salesreceipt", body: #"{"Id": "\#(id)", "SyncToken": "0", "sparse": true, "PrivateNote": "checked"}"#)
        XCTAssertEqual(updated.status, 200, updated.text)
        let body = try XCTUnwrap(JSON.parse(updated.body)["SalesReceipt"])
        XCTAssertEqual(body["SyncToken"]?.string, "1")
        XCTAssertEqual(body["PrivateNote"]?.string, "checked")
        XCTAssertEqual(decimal(body["TotalAmt"]), 12)
        XCTAssertEqual(body["DocNumber"]?.string, "100000200")

        let stale = try api("POST", "salesreceipt", body: #"{"Id": "\#(id)", "SyncToken": "0", "sparse": true, "PrivateNote": "again"}"#)
        XCTAssertEqual(stale.status, 400)
        XCTAssertEqual(try faultCode(stale), "5010")
    }

    func testASparseUpdateOfTheLinesRecomputesTheVAT() throws {
        let receipt = try create("SalesReceipt", salesReceipt(docNumber: "100000201", amounts: ["10"]))
        let id = try XCTUnwrap(receipt["Id"]?.string)
        let lines = #"[{"Amount": 20, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"TaxCodeRef": {"value": "3"}}}]"#
        let response = try api("POST", "salesreceipt", body: #"{"Id": "\#(id)", "SyncToken": "0", "sparse": true, "Line": \#(lines)}"#)
        let body = try XCTUnwrap(JSON.parse(response.body)["SalesReceipt"])
        XCTAssertEqual(decimal(body.value(at: "TxnTaxDetail.TotalTax")), 1)
        XCTAssertEqual(decimal(body["TotalAmt"]), 21)
    }

    func testVoidingASalesReceiptKeepsItsNumberWithZeroAmounts() throws {
        let receipt = try create("SalesReceipt", salesReceipt(docNumber: "100000300", amounts: ["10"]))
        let id = try XCTUnwrap(receipt["Id"]?.string)
        let voided = try api("POST", "salesreceipt?operation=update&include=void", body: #"{"Id": "\#(id)", "SyncToken": "0", "sparse": true}"#)
        XCTAssertEqual(voided.status, 200, voided.text)
        let read = try XCTUnwrap(JSON.parse(api("GET", "salesreceipt/\(id)").body)["SalesReceipt"])
        XCTAssertEqual(decimal(read["TotalAmt"]), 0)
        XCTAssertEqual(decimal(read.value(at: "TxnTaxDetail.TotalTax")), 0)
        XCTAssertEqual(read["SyncToken"]?.string, "1")
        XCTAssertEqual(try faultCode(api("POST", "salesreceipt", body: salesReceipt(docNumber: "100000300", amounts: ["1"]))), "6140",
                       "a voided document keeps its number")
        let listed = try XCTUnwrap(control("GET", "documents")["documents"]?.array?.first)
        XCTAssertEqual(listed["voided"], .bool(true))
    }

    func testAnInvoiceVoidsWithOperationVoidButCreditMemosAndRefundReceiptsDoNot() throws {
        let customer = try XCTUnwrap(create("Customer", #"{"DisplayName": "Buyer"}"#)["Id"]?.string)
        let invoice = try create("Invoice", salesReceipt(docNumber: "100000400", amounts: ["10"], extra: #", "CustomerRef": {"value": "\#(customer)"}"#))
        let invoiceId = try XCTUnwrap(invoice["Id"]?.string)
        XCTAssertEqual(decimal(invoice["Balance"]), 12)
        XCTAssertEqual(try api("POST", "invoice?operation=void", body: #"{"Id": "\#(invoiceId)", "SyncToken": "0"}"#).status, 200)

        let memo = try create("CreditMemo", salesReceipt(docNumber: "C1", amounts: ["5"], extra: #", "CustomerRef": {"value": "\#(customer)"}"#))
        let refund = try create("RefundReceipt", salesReceipt(docNumber: "R1", amounts: ["5"], extra: refundAccount))
        for (entity, body) in [("creditmemo", memo), ("refundreceipt", refund)] {
            let id = try XCTUnwrap(body["Id"]?.string)
            let response = try api("POST", "\(entity)?operation=void", body: #"{"Id": "\#(id)", "SyncToken": "0"}"#)
            XCTAssertEqual(response.status, 400, entity)
            let deleted = try api("POST", "\(entity)?operation=delete", body: #"{"Id": "\#(id)", "SyncToken": "0"}"#)
            XCTAssertEqual(deleted.status, 200, entity)
            XCTAssertEqual(try JSON.parse(deleted.body).value(at: "\(body == memo ? "CreditMemo" : "RefundReceipt").status")?.string, "Deleted")
            XCTAssertEqual(try faultCode(api("GET", "\(entity)/\(id)")), "610", "a deleted document is gone")
        }
        XCTAssertEqual(try api("POST", "refundreceipt", body: salesReceipt(docNumber: "R1", amounts: ["5"], extra: refundAccount)).status, 200,
                       "a deleted document frees its number")
    }

    func testAPaymentReducesTheInvoiceBalance() throws {
        let customer = try XCTUnwrap(create("Customer", #"{"DisplayName": "Payer"}"#)["Id"]?.string)
        let invoice = try XCTUnwrap(create("Invoice", salesReceipt(docNumber: "100000500", amounts: ["10"],
                                                                  extra: #", "CustomerRef": {"value": "\#(customer)"}"#))["Id"]?.string)
        _ = try create("Payment", #"{"CustomerRef": {"value": "\#(customer)"}, "TotalAmt": 12, "Line": [{"Amount": 12, "LinkedTxn": [{"TxnId": "\#(invoice)", "TxnType": "Invoice"}]}]}"#)
        let read = try XCTUnwrap(JSON.parse(api("GET", "invoice/\(invoice)").body)["Invoice"])
        XCTAssertEqual(decimal(read["Balance"]), 0)
    }

    func testTaxCodesAndRatesAreReadOnly() throws {
        XCTAssertEqual(try api("POST", "taxcode", body: #"{"Name": "Mine"}"#).status, 400)
        let rate = try XCTUnwrap(JSON.parse(api("GET", "taxrate/10").body)["TaxRate"])
        XCTAssertEqual(decimal(rate["RateValue"]), 20)
    }

    func testAFullUpdateClearsWhatItOmits() throws {
        let receipt = try create("SalesReceipt", salesReceipt(docNumber: "100000600", amounts: ["10"], extra: #", "PrivateNote": "first""#))
        let id = try XCTUnwrap(receipt["Id"]?.string)
        let full = salesReceipt(docNumber: "100000600", amounts: ["10"], extra: #", "Id": "\#(id)", "SyncToken": "0""#)
        let updated = try XCTUnwrap(JSON.parse(api("POST", "salesreceipt", body: full).body)["SalesReceipt"])
        XCTAssertNil(updated["PrivateNote"])
        XCTAssertEqual(updated["SyncToken"]?.string, "1")
    }

    func testAnInactiveItemCannotBeSoldAnyMore() throws {
        let item = try create("Item", #"{"Name": "Old Mug", "IncomeAccountRef": {"value": "1"}}"#)
        let id = try XCTUnwrap(item["Id"]?.string)
        XCTAssertEqual(try api("POST", "item", body: #"{"Id": "\#(id)", "SyncToken": "0", "sparse": true, "Active": false}"#).status, 200)
        let line = #"{"Amount": 5, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "\#(id)"}, "TaxCodeRef": {"value": "2"}}}"#
        XCTAssertEqual(try faultCode(api("POST", "salesreceipt", body: #"{"DocNumber": "100000700", "Line": [\#(line)]}"#)), "610")
    }

    func testAnotherCompanysPathIsRefusedWith403() throws {
        let response = try http.send("GET", "/v3/company/123/companyinfo/123", headers: [("Authorization", "Bearer \(accessToken)"), ("Accept", "application/json")])
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(try faultCode(response), "3100")
    }

    func testConcurrentCreatesOfOneDocNumberMakeExactlyOneDocument() throws {
        _ = try control("POST", "limits?max_in_flight=100")
        let statuses = Locked([Int]())
        let group = DispatchGroup()
        let body = salesReceipt(docNumber: "100000800", amounts: ["10"])
        for _ in 0..<8 {
            group.enter()
            let (client, token, realm) = (http, accessToken, realm)
            DispatchQueue.global().async {
                let response = try? client.send("POST", "/v3/company/\(realm)/salesreceipt", headers: [
                    ("Authorization", "Bearer \(token)"), ("Accept", "application/json"), ("Content-Type", "application/json"),
                ], body: body)
                statuses.withLock { $0.append(response?.status ?? 0) }
                group.leave()
            }
        }
        group.wait()
        XCTAssertEqual(statuses.withLock { $0 }.sorted(), [200] + Array(repeating: 400, count: 7))
        XCTAssertEqual(try control("GET", "creates").value(at: "by_doc_number.100000800"), .number("1"))
    }
}
