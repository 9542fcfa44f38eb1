import Foundation
import SyncletCore
import XCTest

/// The `quickbooks:` section of pipeline.yaml, the query language's escaping and QuickBooks' two
/// fault envelopes: what the push relies on before it sends anything.
final class QuickBooksConfigurationTests: XCTestCase {
    private var repositoryPipeline: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("pipeline.yaml").path
    }

    func testTheRepositorysPipelineFileHoldsTheQuickBooksDefaults() throws {
        let text = try String(contentsOfFile: repositoryPipeline, encoding: .utf8)
        let parsed = try PipelineConfiguration.parse(text, path: repositoryPipeline)
        XCTAssertEqual(parsed.quickbooks, PipelineConfiguration.QuickBooks())
        XCTAssertEqual(parsed.quickbooks.mapping.taxCodes[20]?.name, "20.0% S")
        XCTAssertEqual(parsed.quickbooks.mapping.defaultCustomer.name, "Web Sales")
        XCTAssertEqual(parsed.quickbooks.mapping.depositAccount.name, "Undeposited Funds")
        XCTAssertEqual(parsed.quickbooks.rules.creditMemoNumberPrefix, "R")
        XCTAssertEqual(parsed.quickbooks.limits.batchesPerMinute, 40)
    }

    func testAMappingChangesOnlyWhatItNames() throws {
        let parsed = try PipelineConfiguration.parse("""
            quickbooks:
              order_document: invoice-unless-paid
              customers: one
              customer: Online Shop
              vat_codes:
                "20.0": Standard 20
                "0": Zero
              payment_methods:
                checkmo: Cheque
              deposit_accounts:
                stripe_payments: Stripe clearing
              batches_per_minute: 10
            """, path: "p.yaml")
        let quickbooks = parsed.quickbooks
        XCTAssertEqual(quickbooks.rules.orderDocument, .invoiceUnlessPaid)
        XCTAssertEqual(quickbooks.rules.creditMemoDocument, .refundReceipt)
        XCTAssertEqual(quickbooks.mapping.customerMatch, .one)
        XCTAssertEqual(quickbooks.mapping.defaultCustomer.name, "Online Shop")
        XCTAssertEqual(quickbooks.mapping.taxCodes, [20: QuickBooksReference(name: "Standard 20"), 0: QuickBooksReference(name: "Zero")])
        XCTAssertEqual(quickbooks.mapping.paymentMethods["checkmo"]?.name, "Cheque")
        XCTAssertEqual(quickbooks.mapping.depositAccounts["stripe_payments"]?.name, "Stripe clearing")
        XCTAssertEqual(quickbooks.limits.batchesPerMinute, 10)
        XCTAssertEqual(quickbooks.limits.requestsPerMinute, 500)
    }

    func testAWrongQuickBooksSettingIsAnErrorNamingItsLine() throws {
        func problem(_ text: String) -> String {
            do {
                _ = try PipelineConfiguration.parse(text, path: "p.yaml")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(problem("quickbooks:\n  order_documnet: invoice\n"),
                       "configuration error: p.yaml line 2: quickbooks.order_documnet is not a setting Synclet knows; check its spelling against the pipeline.yaml table in the README")
        XCTAssertEqual(problem("quickbooks:\n  batch_size: 31\n"),
                       "configuration error: p.yaml line 2: quickbooks.batch_size must be a whole number from 1 to 30, got \"31\"")
        XCTAssertTrue(problem("quickbooks:\n  order_document: receipt\n").contains("quickbooks.order_document must be one of sales-receipt, invoice, invoice-unless-paid"))
        XCTAssertTrue(problem("quickbooks:\n  vat_codes:\n    standard: 20.0% S\n").contains("p.yaml line 3: quickbooks.vat_codes.standard must be a VAT rate"))
        XCTAssertTrue(problem("quickbooks:\n  statuses:\n    waiting: [complete]\n").contains("quickbooks.statuses lists complete in two lists"))
    }

    func testQueryLiteralsEscapeQuotesAndBackslashes() {
        XCTAssertEqual(QuickBooksQuery.literal("O'Neill & Sons"), #"'O\'Neill & Sons'"#)
        XCTAssertEqual(QuickBooksQuery.literal(#"back\slash"#), #"'back\\slash'"#)
        XCTAssertEqual(QuickBooksQuery.select("TaxCode", where: "Name", in: ["20.0% S", "0.0% Z"]),
                       "select * from TaxCode where Name in ('20.0% S', '0.0% Z') MAXRESULTS 1000")
    }

    func testBothFaultEnvelopesAreRead() throws {
        let validation = try JSONParser.parse(Array(#"{"Fault":{"Error":[{"Message":"Duplicate Document Number Error","Detail":"Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=100000123 is assigned to TxnType=Sales Receipt with TxnId=412","code":"6140","element":"DocNumber"}],"type":"ValidationFault"},"time":"2026-12-06T01:00:00.000-08:00"}"#.utf8))
        let fault = try XCTUnwrap(QuickBooksFault.parse(validation, httpStatus: 400, intuitTid: "1-abc"))
        XCTAssertEqual(fault.code, "6140")
        XCTAssertTrue(fault.isDuplicateDocumentNumber)
        XCTAssertEqual(fault.errors.first?.element, "DocNumber")
        XCTAssertTrue(fault.description.hasSuffix("intuit_tid 1-abc"), fault.description)

        let authentication = try JSONParser.parse(Array(#"{"warnings":null,"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired: eyJ","code":"3200"}],"type":"AUTHENTICATION"},"report":null}"#.utf8))
        XCTAssertEqual(QuickBooksFault.parse(authentication, httpStatus: 401, intuitTid: nil)?.code, "3200")
        XCTAssertNil(QuickBooksFault.parse(try JSONParser.parse(Array(#"{"QueryResponse":{}}"#.utf8)), httpStatus: 200, intuitTid: nil))
    }
}

/// The push stage: last in `stages`, optional, with its own executable, timeout and retries.
final class PushStageConfigurationTests: XCTestCase {
    func testThePushStageIsLastAndOptional() throws {
        let defaults = PipelineConfiguration()
        XCTAssertEqual(defaults.push?.arguments, ["qbo", "push"])
        let listed = try PipelineConfiguration.parse("""
            stages:
              - name: extract
              - name: transform
              - name: load
              - name: push
                timeout_seconds: 600
                retries: 1
            """, path: "p.yaml")
        XCTAssertEqual(listed.push?.timeoutSeconds, 600)
        XCTAssertEqual(listed.push?.executable, "synclet")
        XCTAssertEqual(listed.longestSyncSeconds, 2 * 14_400 + 2 * 3600 + 2 * 3600 + 2 * 600)
        let without = try PipelineConfiguration.parse("stages:\n  - name: extract\n  - name: transform\n  - name: load\n", path: "p.yaml")
        XCTAssertNil(without.push, "stages without push: a sync never pushes")
        XCTAssertThrowsError(try PipelineConfiguration.parse("stages:\n  - name: push\n  - name: extract\n  - name: transform\n  - name: load\n", path: "p.yaml")) { error in
            XCTAssertTrue("\(error)".contains("p.yaml line 2: stage name \"push\" is not one of extract, transform, load (and push, last)"), "\(error)")
        }
    }
}
