import Foundation
import QuickBooksSimulator
import XCTest

/// UK VAT computed by the simulator from the lines and their codes, never from the client's totals.
final class VATTests: SimulatorTestCase {
    override func setUpWithError() throws {
        try startServer()
        try connect()
    }

    func testThreeLinesOfOnePoundNinetyNineGrossGiveNinetyNinePenceVATNotOnePound() throws {
        let line = #"{"Amount": 1.99, "TaxInclusiveAmt": 1.99, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"Qty": 1, "UnitPrice": 1.99, "TaxCodeRef": {"value": "2"}}}"#
        let receipt = try create("SalesReceipt", #"{"DocNumber": "100000001", "GlobalTaxCalculation": "TaxInclusive", "Line": [\#(line), \#(line), \#(line)]}"#)
        XCTAssertEqual(decimal(receipt.value(at: "TxnTaxDetail.TotalTax")), money("0.99"))
        XCTAssertEqual(decimal(receipt["TotalAmt"]), money("5.97"))
        let first = try XCTUnwrap(receipt["Line"]?.array?.first)
        XCTAssertEqual(decimal(first["Amount"]), money("1.66"), "a stored line keeps the net in Amount")
        XCTAssertEqual(decimal(first["TaxInclusiveAmt"]), money("1.99"), "and the gross in TaxInclusiveAmt")
        let taxLine = try XCTUnwrap(receipt.value(at: "TxnTaxDetail.TaxLine")?.array?.first)
        XCTAssertEqual(taxLine.value(at: "TaxLineDetail.TaxRateRef.value")?.string, "10")
        XCTAssertEqual(decimal(taxLine.value(at: "TaxLineDetail.NetAmountTaxable")), money("4.98"))
        XCTAssertEqual(taxLine.value(at: "TaxLineDetail.PercentBased"), .bool(true))
        XCTAssertEqual(decimal(taxLine.value(at: "TaxLineDetail.TaxPercent")), 20)
    }

    func testTaxExcludedLinesRoundEachLinesVATHalfUpAndTheClientsTotalsAreIgnored() throws {
        // 0.125 -> 0.13 per line (half up); the document total 0.625 × 2 × 0.2 would give 0.25.
        let receipt = try create("SalesReceipt", salesReceipt(docNumber: "100000002", amounts: ["0.625", "0.625"],
                                                              extra: #", "TotalAmt": 1000, "TxnTaxDetail": {"TotalTax": 999}"#))
        XCTAssertEqual(decimal(receipt.value(at: "TxnTaxDetail.TotalTax")), money("0.26"))
        XCTAssertEqual(decimal(receipt["TotalAmt"]), money("1.52"))
    }

    func testOneTaxLinePerRateWithItsNetAndVAT() throws {
        let body = #"""
            {"DocNumber": "100000003", "GlobalTaxCalculation": "TaxExcluded", "Line": [
             {"Amount": 49.99, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"Qty": 1, "UnitPrice": 49.99, "TaxCodeRef": {"value": "2"}}},
             {"Amount": 3.29, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"TaxCodeRef": {"value": "2"}}},
             {"Amount": 10.00, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"Qty": 2, "UnitPrice": 5, "TaxCodeRef": {"value": "3"}}},
             {"Amount": 7.50, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"TaxCodeRef": {"value": "4"}}}]}
            """#
        let receipt = try create("SalesReceipt", body)
        let taxLines = try XCTUnwrap(receipt.value(at: "TxnTaxDetail.TaxLine")?.array)
        XCTAssertEqual(taxLines.map { $0.value(at: "TaxLineDetail.TaxRateRef.value")?.string }, ["10", "11", "12"])
        XCTAssertEqual(taxLines.map { decimal($0["Amount"]) }, [money("10.66"), money("0.5"), 0])
        XCTAssertEqual(taxLines.map { decimal($0.value(at: "TaxLineDetail.NetAmountTaxable")) }, [money("53.28"), 10, money("7.5")])
        XCTAssertEqual(decimal(receipt.value(at: "TxnTaxDetail.TotalTax")), money("11.16"))
        XCTAssertEqual(decimal(receipt["TotalAmt"]), money("81.94"), "Σ net 70.78 + VAT 11.16")
    }

    func testAPerRateOverrideIsHonouredKeepingTheNet() throws {
        let override = #", "TxnTaxDetail": {"TaxLine": [{"Amount": 10.67, "DetailType": "TaxLineDetail", "TaxLineDetail": {"TaxRateRef": {"value": "10"}, "PercentBased": true, "TaxPercent": 20, "NetAmountTaxable": 53.28}}]}"#
        let receipt = try create("SalesReceipt", salesReceipt(docNumber: "100000004", amounts: ["49.99", "3.29"], extra: override))
        XCTAssertEqual(decimal(receipt.value(at: "TxnTaxDetail.TotalTax")), money("10.67"))
        XCTAssertEqual(decimal(receipt["TotalAmt"]), money("63.95"), "Σ net 53.28 + the overridden 10.67")
        let taxLine = try XCTUnwrap(receipt.value(at: "TxnTaxDetail.TaxLine")?.array?.first)
        XCTAssertEqual(decimal(taxLine.value(at: "TaxLineDetail.OverrideDeltaAmount")), money("0.01"))
        XCTAssertEqual(decimal(taxLine.value(at: "TaxLineDetail.NetAmountTaxable")), money("53.28"))
    }

    func testAnInclusiveOverrideMovesTheTotalNotTheNet() throws {
        let line = #"{"Amount": 1.99, "TaxInclusiveAmt": 1.99, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"TaxCodeRef": {"value": "2"}}}"#
        let override = #"{"TaxLine": [{"Amount": 1.00, "DetailType": "TaxLineDetail", "TaxLineDetail": {"TaxRateRef": {"value": "10"}}}]}"#
        let receipt = try create("SalesReceipt", #"{"DocNumber": "100000005", "GlobalTaxCalculation": "TaxInclusive", "Line": [\#(line), \#(line), \#(line)], "TxnTaxDetail": \#(override)}"#)
        XCTAssertEqual(decimal(receipt.value(at: "TxnTaxDetail.TotalTax")), 1)
        XCTAssertEqual(decimal(receipt["TotalAmt"]), money("5.98"))
    }

    func testAnOverrideOfARateNoLineUsesOrOfARateTwiceIs6000() throws {
        for taxLines in [
            #"[{"Amount": 1, "DetailType": "TaxLineDetail", "TaxLineDetail": {"TaxRateRef": {"value": "11"}}}]"#,
            #"[{"Amount": 1, "DetailType": "TaxLineDetail", "TaxLineDetail": {"TaxRateRef": {"value": "2"}}}]"#,
            #"[{"Amount": 1, "DetailType": "TaxLineDetail", "TaxLineDetail": {"TaxRateRef": {"value": "10"}}}, {"Amount": 1, "DetailType": "TaxLineDetail", "TaxLineDetail": {"TaxRateRef": {"value": "10"}}}]"#,
        ] {
            let response = try api("POST", "salesreceipt", body: salesReceipt(docNumber: "100000006", amounts: ["10"],
                                                                              extra: #", "TxnTaxDetail": {"TaxLine": \#(taxLines)}"#))
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(try faultCode(response), "6000", response.text)
        }
    }

    func testALineWithoutAVATCodeIs6000AskingForAVATRate() throws {
        let body = #"{"DocNumber": "100000007", "Line": [{"Amount": 5, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}]}"#
        let response = try api("POST", "salesreceipt", body: body)
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(try faultCode(response), "6000")
        XCTAssertTrue(response.text.contains("Make sure all your transactions have a VAT rate before you save"))
        XCTAssertEqual(try control("GET", "documents")["count"], .number("0"))
    }

    func testAnAmountThatIsNotQtyTimesUnitPriceIs6070() throws {
        let body = #"{"DocNumber": "100000008", "Line": [{"Amount": 10.01, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"Qty": 3, "UnitPrice": 3.3333, "TaxCodeRef": {"value": "2"}}}]}"#
        let response = try api("POST", "salesreceipt", body: body)
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(try faultCode(response), "6070")
        let rounded = #"{"DocNumber": "100000008", "Line": [{"Amount": 10.00, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"Qty": 3, "UnitPrice": 3.3333, "TaxCodeRef": {"value": "2"}}}]}"#
        XCTAssertEqual(try api("POST", "salesreceipt", body: rounded).status, 200, "3 × 3.3333 rounds to 10.00")
    }

    func testANegativeTotalIs6000ButANegativeDiscountLineIsFine() throws {
        let negative = try api("POST", "salesreceipt", body: salesReceipt(docNumber: "100000009", amounts: ["10", "-12"]))
        XCTAssertEqual(negative.status, 400)
        XCTAssertEqual(try faultCode(negative), "6000")
        let discounted = try create("SalesReceipt", salesReceipt(docNumber: "100000010", amounts: ["10", "-2.50"]))
        XCTAssertEqual(decimal(discounted["TotalAmt"]), 9)
    }

    func testAnUnknownTaxCodeOrItemIs2500() throws {
        let body = #"{"DocNumber": "100000011", "Line": [{"Amount": 5, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"TaxCodeRef": {"value": "99"}}}]}"#
        XCTAssertEqual(try faultCode(api("POST", "salesreceipt", body: body)), "2500")
        let item = #"{"DocNumber": "100000011", "Line": [{"Amount": 5, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "404"}, "TaxCodeRef": {"value": "2"}}}]}"#
        XCTAssertEqual(try faultCode(api("POST", "salesreceipt", body: item)), "2500")
    }
}
