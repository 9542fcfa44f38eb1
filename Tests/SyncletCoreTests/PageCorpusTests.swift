import XCTest
@testable import SyncletCore

/// Every quirk of a real store's answers (see onesaas-connect-api.md), as hand-written pages.
final class PageCorpusTests: XCTestCase {
    // MARK: - Whole answers

    func testTheEmptyStringBodyMeansThereAreNoMorePages() throws {
        XCTAssertEqual(try PageResponse.classify(Fixture.bytes("end-of-data.json")), .endOfData)
        XCTAssertEqual(try PageResponse.classify(Array(" \"\"\n".utf8)), .endOfData)
    }

    func testAWrongAccessKeyIsAnEndpointErrorNotAnEmptyPage() throws {
        XCTAssertEqual(try PageResponse.classify(Fixture.bytes("error-invalid-api-key.json")), .endpointError("Invalid API key"))
    }

    func testAnUnknownActionIsAnEndpointError() throws {
        XCTAssertEqual(try PageResponse.classify(Fixture.bytes("error-invalid-action.json")), .endpointError("Invalid Action"))
    }

    func testAMaintenancePageIsReportedAsHTML() throws {
        XCTAssertThrowsError(try PageResponse.classify(Fixture.bytes("maintenance-503.html"))) { error in
            guard case PageResponseError.html(let excerpt) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(excerpt.contains("Service Temporarily Unavailable"), excerpt)
            XCTAssertLessThanOrEqual(excerpt.count, 121)
        }
    }

    func testAPHPNoticePrintedBeforeTheJSONIsNotTakenForAPage() throws {
        XCTAssertThrowsError(try PageResponse.classify(Fixture.bytes("php-notice.txt"))) { error in
            guard case PageResponseError.html(let excerpt) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(excerpt.contains("Notice"), excerpt)
        }
    }

    func testATruncatedBodyIsReportedAsTruncatedWithItsLength() throws {
        let body = try Fixture.bytes("truncated.json")
        XCTAssertThrowsError(try PageResponse.classify(body)) { error in
            XCTAssertEqual(error as? PageResponseError, .truncated(bytes: body.count))
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
    }

    func testAnEmptyBodyAndOtherShapesAreErrors() {
        XCTAssertThrowsError(try PageResponse.classify([])) { XCTAssertEqual($0 as? PageResponseError, .emptyBody) }
        XCTAssertThrowsError(try PageResponse.classify(Array("  \r\n".utf8))) { XCTAssertEqual($0 as? PageResponseError, .emptyBody) }
        XCTAssertThrowsError(try PageResponse.classify(Array("\"maintenance\"".utf8))) {
            guard case PageResponseError.unexpectedShape = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try PageResponse.classify(Array(#"{"OneSaas Version":"4.2.0.6"}"#.utf8))) {
            guard case PageResponseError.unexpectedShape = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try PageResponse.classify(Array("[]".utf8))) {
            guard case PageResponseError.invalidJSON = $0 else { return XCTFail("\($0)") }
        }
    }

    // MARK: - The page of quirks

    func testEveryOrderKeepsItsExactBytesFromThePage() throws {
        let body = try Fixture.bytes("quirks-page.json")
        let page = try ordersPage(body)
        XCTAssertEqual(page.extensionVersion, "4.2.0.6")
        XCTAssertEqual(page.elements.count, 6)
        XCTAssertEqual(page.orderCount, 4)
        XCTAssertEqual(page.droppedCount, 2)
        // Rebuilding the page from the raw elements gives back the body byte for byte, so each
        // rawJSON is exactly its slice of the page (escapes such as \/ and \u00e9 untouched).
        let rawElements = page.elements.map { element -> String in
            switch element {
            case .dropped: return "\"\""
            case .order(_, let raw), .unexpected(_, let raw): return raw
            }
        }
        let rebuilt = #"{"OneSaas Version":"4.2.0.6","Orders":["# + rawElements.joined(separator: ",") + "]}"
        XCTAssertEqual(Array(rebuilt.utf8), body)

        let orders = try acceptedOrders(body)
        XCTAssertEqual(orders.keys.sorted(), [1001, 1002, 1003, 1004])
        for order in orders.values {
            XCTAssertEqual(order.rawJSON, rawElements[order.source.position])
            XCTAssertFalse(order.rawJSON.replacingOccurrences(of: #"\/"#, with: "").contains("/"), "slashes stay escaped as PHP sent them")
            XCTAssertEqual(order.contentHash.count, 64)
        }
        XCTAssertTrue(try XCTUnwrap(orders[1001]).rawJSON.contains(#"Zo\u00eb"#))
        XCTAssertEqual(try XCTUnwrap(orders[1002]).source, .init(page: 0, position: 2))
    }

    func testACustomerOrderIsNormalizedWithEveryField() throws {
        let order = try XCTUnwrap(try acceptedOrders(Fixture.bytes("quirks-page.json"))[1001])
        XCTAssertEqual(order.orderNumber, "100001001")
        XCTAssertNil(order.replacedOrder, "a plain ReplaceOrderNumber \"\" replaces nothing")
        XCTAssertEqual(order.orderDate, "2025-07-01 12:00:00")
        XCTAssertEqual(order.lastUpdatedDate, "2025-07-02 08:10:00")
        XCTAssertEqual(order.type, "Order")
        XCTAssertEqual(order.status, "processing")
        XCTAssertEqual(order.currencyCode, "GBP")
        XCTAssertEqual(order.notes, "Leave at the door / porch")
        XCTAssertEqual(order.tags, "StoreName:Main Website\nMain Website Store\nDefault Store View")
        XCTAssertEqual(order.storeName, "Main Website")
        XCTAssertEqual(order.discounts, "0.3000", "PHP float noise 0.30000000000000004 is 0.3000")
        XCTAssertEqual(order.total, "124.6500")

        XCTAssertEqual(order.contact.customerId, "42")
        XCTAssertFalse(order.contact.isGuest)
        XCTAssertEqual(order.contact.firstName, "Zoë")
        XCTAssertEqual(order.contact.lastName, "Brûlé")
        XCTAssertEqual(order.contact.email, "zoe@example.co.uk")
        XCTAssertNil(order.contact.company)

        XCTAssertEqual(order.addresses.map(\.addressType), ["billing", "shipping"])
        XCTAssertEqual(order.addresses[0].line1, "1 Rue de l'Église")
        XCTAssertNil(order.addresses[0].line2)
        XCTAssertEqual(order.addresses[0].company, "")
        XCTAssertEqual(order.addresses[1].company, "Café ☕ Ltd")
        XCTAssertEqual(order.addresses[1].line1, "Unit 4/5")
        XCTAssertEqual(order.addresses[1].region, "Greater London")
        XCTAssertEqual(order.addresses[1].countryCode, "GB")

        XCTAssertEqual(order.items.count, 2)
        let shirt = order.items[0]
        XCTAssertEqual(shirt.position, 0)
        XCTAssertEqual(shirt.productName, "Café T-shirt 😀", "a surrogate pair becomes one emoji")
        XCTAssertEqual(shirt.quantity, "2.0000")
        XCTAssertEqual(shirt.price, "24.0000")
        XCTAssertEqual(shirt.unitPriceExTax, "20.0000")
        XCTAssertNil(shirt.discount)
        XCTAssertEqual(shirt.taxId, "1")
        XCTAssertEqual(shirt.taxCode, "VAT20")
        XCTAssertEqual(shirt.taxName, "UK VAT")
        XCTAssertEqual(shirt.taxRate, "0.2000")
        XCTAssertEqual(shirt.taxAmount, "8.0000")
        XCTAssertEqual(shirt.lineTotalIncTax, "48.0000")
        XCTAssertEqual(shirt.vatRate, "20.0000", "the rate quotient as a percent")
        XCTAssertEqual(shirt.rowVAT, "8.0000")
        XCTAssertEqual(shirt.rowDiscount, "0.0000", "no Discount is a zero row discount")
        XCTAssertNil(shirt.errorCode)
        let mug = order.items[1]
        XCTAssertEqual(mug.productCode, "MUG/01")
        XCTAssertEqual(mug.productName, "Mug \u{201C}best\u{201D} 🇬🇧")
        XCTAssertEqual(mug.discount, "0.3000", "per-unit Discount float noise rounds to 0.3000")

        XCTAssertEqual(order.shipping, .init(method: "Royal Mail - 1st Class", amount: "4.9500", discount: nil,
                                             taxName: "UK VAT", taxRate: "0.2000", taxAmount: "0.8250",
                                             vatRate: "20.0000", vat: "0.8250"))
        XCTAssertEqual(order.payment, .init(methodName: "stripe_payments", amount: "124.6500"))
        XCTAssertEqual(order.credits, [])
        XCTAssertEqual(order.invoices, [.init(number: "Inv-100001001", date: "2025-07-01 12:05:00")])
        XCTAssertEqual(order.paidAt, "2025-07-01 12:05:00", "paid when the first invoice was raised")
        XCTAssertEqual(order.vatTotal, "20.8250", "the lines' and the shipping's TaxAmount")
        XCTAssertEqual(order.lastTransactionId, "pi_3PXyZ/abc")
        XCTAssertNil(order.creditPoints)
        XCTAssertEqual(order.orderProcessingFee, "0.0000")
        XCTAssertEqual(order.orderProcessingFeeExTax, "0.0000")
        XCTAssertFalse(order.hasIncompleteLines)
        XCTAssertEqual(order.reconciliation, .init(reconciles: true, difference: "0.0000"))
    }

    func testUnknownExtraFieldsAreAcceptedAndKeptInTheRawJSON() throws {
        let order = try XCTUnwrap(try acceptedOrders(Fixture.bytes("quirks-page.json"))[1001])
        for extra in [#""GiftWrap":{"Enabled":true,"Note":"Happy birthday"}"#, #""DateOfBirth":null"#, #""Fax":"""#,
                      #""WeeeTax":"0.0000""#, #""CardType":"visa""#, #""AmastyGiftCard":"GC-1""#] {
            XCTAssertTrue(order.rawJSON.contains(extra), extra)
        }
    }

    func testAnEditedGuestOrderNamesTheOrderItReplaced() throws {
        let order = try XCTUnwrap(try acceptedOrders(Fixture.bytes("quirks-page.json"))[1002])
        XCTAssertEqual(order.orderNumber, "100000987-1")
        XCTAssertEqual(order.replacedOrder, .init(entityId: "987", orderNumber: "100000987"))
        XCTAssertTrue(order.contact.isGuest)
        XCTAssertNil(order.contact.customerId, "Contact Id \"0\" is a guest")
        XCTAssertEqual(order.status, "awaiting_collection", "custom statuses are kept")
        XCTAssertEqual(order.storeName, "Boutique Française")
        XCTAssertNil(order.notes)
        XCTAssertEqual(order.discounts, "0.0000")
        XCTAssertEqual(order.total, "23.0000", "a JSON number total")
        XCTAssertNil(order.payment, "Payments [] means unpaid")
        XCTAssertEqual(order.addresses.map(\.addressType), ["billing"])
        XCTAssertEqual(order.invoices, [], "CustomFields [] is an empty object")
        XCTAssertNil(order.lastTransactionId)
    }

    func testItemsSentAsAnObjectWithNumericKeysAreReadInOrder() throws {
        let order = try XCTUnwrap(try acceptedOrders(Fixture.bytes("quirks-page.json"))[1002])
        XCTAssertEqual(order.items.map(\.productId), ["201", "202"])
        XCTAssertEqual(order.items.map(\.position), [0, 1])
        let socks = order.items[0]
        XCTAssertEqual(socks.quantity, "1.0000")
        XCTAssertEqual(socks.price, "10.5000")
        XCTAssertEqual(socks.unitPriceExTax, "8.7500")
        XCTAssertEqual(socks.taxAmount, "1.7500")
        XCTAssertEqual(socks.taxRate, "0.2000")
        XCTAssertNil(socks.taxId, "a rate that matched no tax rule has null TaxId")
        XCTAssertNil(socks.taxCode)
        XCTAssertNil(socks.taxName)
        let book = order.items[1]
        XCTAssertNil(book.price, "null amounts stay null")
        XCTAssertNil(book.unitPriceExTax)
        XCTAssertNil(book.taxRate, "an untaxed line has no Taxes")
        XCTAssertNil(book.taxAmount)
        XCTAssertEqual(book.lineTotalIncTax, "12.5000", "12.499999999999998 is 12.5000")
        XCTAssertEqual(order.reconciliation, .init(reconciles: true, difference: "0.0000"))
    }

    func testACreditMemoKeepsEveryColumnAndItsItems() throws {
        let order = try XCTUnwrap(try acceptedOrders(Fixture.bytes("quirks-page.json"))[1002])
        XCTAssertEqual(order.credits.count, 1)
        let credit = order.credits[0]
        XCTAssertEqual(credit.creditId, 55)
        XCTAssertEqual(credit.incrementId, "100000055")
        XCTAssertEqual(credit.state, "2")
        XCTAssertEqual(credit.createdAt, "2025-07-03 09:00:00")
        XCTAssertEqual(credit.updatedAt, "2025-07-03 09:00:01")
        XCTAssertEqual(credit.grandTotal, "10.5000")
        XCTAssertEqual(credit.baseGrandTotal, "10.5000")
        XCTAssertEqual(credit.baseTaxAmount, "1.7500")
        XCTAssertEqual(credit.baseShippingAmount, "0.0000")
        XCTAssertNil(credit.adjustmentPositive)
        XCTAssertEqual(credit.adjustmentNegative, "0.0000")
        XCTAssertEqual(credit.baseCurrencyCode, "GBP")
        XCTAssertEqual(credit.items, [.init(position: 0, productId: "201", productCode: "SOCK", productName: "Socks",
                                            quantity: "1.0000", price: "10.5000", unitPriceExTax: "8.7500",
                                            taxAmount: "1.7500", discount: "0.5000",
                                            orderLinePosition: 0, vatRate: "20.0000")],
                       "the credit line refers to the order line with its ProductId and takes its VAT rate")
        // Columns the model does not name (order_id, store_id, rma_reference…) survive in rawJSON.
        let raw = try JSONParser.parse(Array(credit.rawJSON.utf8))
        let sent = try XCTUnwrap(try JSONParser.parse(Array(order.rawJSON.utf8))["Credits"]?.arrayValue?.first)
        XCTAssertEqual(raw, sent)
        XCTAssertEqual(raw["rma_reference"], .string("RMA/7 é"))
        XCTAssertEqual(raw["customer_note"], .null)
        XCTAssertEqual(raw.objectValue?.keys.count, 17)
    }

    func testALineWhoseProductWasDeletedIsKeptAndTheOrderIsMarkedIncomplete() throws {
        let order = try XCTUnwrap(try acceptedOrders(Fixture.bytes("quirks-page.json"))[1003])
        XCTAssertEqual(order.items.count, 2)
        XCTAssertEqual(order.items[0].position, 0)
        XCTAssertEqual(order.items[0].errorCode, "Product.ProductNotFound")
        XCTAssertEqual(order.items[0].errorMessage, "Ordered product could not be found!")
        XCTAssertNil(order.items[0].productId)
        XCTAssertNil(order.items[0].lineTotalIncTax)
        XCTAssertEqual(order.items[1].productCode, "PEN")
        XCTAssertTrue(order.hasIncompleteLines)
        XCTAssertEqual(order.reconciliation, .init(reconciles: false, difference: "30.0000"))
        XCTAssertEqual(order.shipping.method, "DPD / Next Day")
        XCTAssertEqual(order.shipping.discount, "1.5000")
        XCTAssertNil(order.shipping.taxRate, "untaxed shipping has no Taxes")
        XCTAssertEqual(order.payment, .init(methodName: "checkmo", amount: nil))
        XCTAssertEqual(order.notes, "Gift 🎁 please")
        XCTAssertEqual(order.creditPoints, "12.5000")
        XCTAssertEqual(order.contact.company, "Lee & Co")
        XCTAssertEqual(order.contact.businessNumber, "GB123456789")
        XCTAssertEqual(order.addresses.map(\.addressType), ["shipping"])
    }

    func testPHPEmptyArraysWhereObjectsBelongAreReadAsEmpty() throws {
        let order = try XCTUnwrap(try acceptedOrders(Fixture.bytes("quirks-page.json"))[1004])
        XCTAssertEqual(order.addresses, [], "Addresses []")
        XCTAssertEqual(order.shipping, .init(method: nil, amount: nil, discount: nil, taxName: nil, taxRate: nil, taxAmount: nil,
                                             vatRate: nil, vat: "0.0000"), "no shipping carries no VAT")
        XCTAssertNil(order.payment)
        XCTAssertEqual(order.items.count, 1)
        XCTAssertNil(order.items[0].taxRate, "Taxes []")
        XCTAssertEqual(order.items[0].quantity, "3.0000")
        XCTAssertEqual(order.items[0].productName, "緑茶")
        XCTAssertEqual(order.contact.firstName, "山田")
        XCTAssertEqual(order.contact.customerId, "7", "a numeric Contact Id is a customer")
        XCTAssertFalse(order.contact.isGuest)
        XCTAssertNil(order.tags)
        XCTAssertNil(order.storeName)
        XCTAssertEqual(order.discounts, "0.0000", "null Discounts is zero")
        XCTAssertEqual(order.currencyCode, "EUR")
        XCTAssertEqual(order.invoices, [], "no CustomFields at all")
        XCTAssertEqual(order.reconciliation, .init(reconciles: true, difference: "0.0000"))
    }

    func testACanonicalOrderSurvivesItsJSONLinesRoundTrip() throws {
        let orders = try acceptedOrders(Fixture.bytes("quirks-page.json"))
        for order in orders.values {
            var line: [UInt8] = []
            order.writeJSONLine(into: &line)
            XCTAssertFalse(line.contains(0x0A), "one order, one line")
            let decoded = try CanonicalOrder(jsonLine: line)
            XCTAssertEqual(decoded, order)
            XCTAssertEqual(Array(decoded.rawJSON.utf8), Array(order.rawJSON.utf8))
        }
    }

    func testTheStoreNameIsTakenFromTheTagsLineThatNamesIt() {
        XCTAssertEqual(OrderNormalizer.storeName(fromTags: "Main Website Store\nStoreName: Outlet \nDefault"), "Outlet")
        XCTAssertEqual(OrderNormalizer.storeName(fromTags: "StoreName:Main Website\r\nMain Website Store"), "Main Website")
        XCTAssertNil(OrderNormalizer.storeName(fromTags: "StoreName:\nMain"))
        XCTAssertNil(OrderNormalizer.storeName(fromTags: "Main Website Store"))
        XCTAssertNil(OrderNormalizer.storeName(fromTags: nil))
    }
}
