import Foundation

/// UK VAT as the simulator computes it, from the lines and their codes alone, never from the
/// client's totals (section 4 of the reference).
///
/// - VAT is computed per line, rounded half-up to the penny, then summed per rate.
/// - `TaxExcluded`: `Amount` is the net; VAT = round(net × rate).
/// - `TaxInclusive`: `TaxInclusiveAmt` is the gross; net = round(gross ÷ (1 + rate)), VAT = gross − net.
///   Without `TaxInclusiveAmt`, `Amount` is taken as the net.
/// - A stored line keeps the net in `Amount` and the gross in `TaxInclusiveAmt`.
/// - A client `TxnTaxDetail.TaxLine` per rate overrides that rate's VAT, keeping the net:
///   `TotalAmt` = Σ net + Σ TaxLine amounts, and `OverrideDeltaAmount` records the difference.
///
/// ```swift
/// let calculator = VATCalculator { code in code == "2" ? VATCalculator.Rate(id: "10", percent: 20) : nil }
/// let computed = try calculator.compute(transaction)
/// computed.totalTax   // Σ per-line VAT, or the overrides
/// ```
struct VATCalculator {
    struct Rate: Equatable {
        var id: String
        var percent: Decimal
    }

    struct Result {
        var lines: [JSON]
        var taxDetail: JSON
        var totalTax: Decimal
        var totalAmount: Decimal
        var netTotal: Decimal
        var mode: String
    }

    static let modes = ["TaxExcluded", "TaxInclusive", "NotApplicable"]
    static let maximumLines = 750

    /// The VAT rate behind a TaxCode id; nil when there is no such code.
    let rateOfTaxCode: (String) -> Rate?

    func compute(_ transaction: JSON) throws(APIFault) -> Result {
        let mode = transaction["GlobalTaxCalculation"]?.string ?? "TaxExcluded"
        guard Self.modes.contains(mode) else {
            throw .unsupported("GlobalTaxCalculation must be TaxExcluded, TaxInclusive or NotApplicable, not \(mode)",
                               element: "GlobalTaxCalculation")
        }
        guard let requestLines = transaction["Line"]?.array else { throw .requiredMissing("Line") }
        // A client that sends back what it read also sends the computed subtotal line: it is recomputed.
        let inputLines = requestLines.filter { $0["DetailType"]?.string != "SubTotalLineDetail" }
        guard inputLines.count <= Self.maximumLines else {
            throw .validation("a transaction has at most \(Self.maximumLines) lines; this one has \(inputLines.count)", element: "Line")
        }

        var lines: [JSON] = []
        var rateOrder: [String] = []
        var rates: [String: Rate] = [:]
        var netByRate: [String: Decimal] = [:]
        var vatByRate: [String: Decimal] = [:]
        var netTotal: Decimal = 0
        for (offset, requestLine) in inputLines.enumerated() {
            let number = offset + 1
            guard requestLine.isObject else { throw .badRequest("Line \(number) is not an object") }
            var line = requestLine
            line["Id"] = .string(String(number))
            line["LineNum"] = .integer(number)
            switch requestLine["DetailType"]?.string {
            case "SalesItemLineDetail":
                let priced = try price(line, lineNumber: number, mode: mode)
                line = priced.line
                rates[priced.rate.id] = priced.rate
                if netByRate[priced.rate.id] == nil { rateOrder.append(priced.rate.id) }
                netByRate[priced.rate.id, default: 0] += priced.net
                vatByRate[priced.rate.id, default: 0] += priced.vat
                netTotal += priced.net
            case "DescriptionOnly":
                break
            case let other?:
                throw .unsupported("Line.DetailType \(other) is not modelled by qbo-sim: send SalesItemLineDetail lines "
                                   + "(a discount as a negative item line) or DescriptionOnly", element: "Line.DetailType")
            case nil:
                throw .requiredMissing("Line.DetailType")
            }
            lines.append(line)
        }

        let overrides = try taxLineOverrides(transaction, usedRates: Set(rateOrder))
        var taxLines: [JSON] = []
        var totalTax: Decimal = 0
        for rateId in rateOrder {
            guard let rate = rates[rateId] else { continue }
            let computed = vatByRate[rateId] ?? 0
            let amount = overrides[rateId] ?? computed
            totalTax += amount
            var detail: [JSON.Member] = [
                .init("TaxRateRef", .reference(rateId)), .init("PercentBased", .bool(true)),
                .init("TaxPercent", .decimal(rate.percent)), .init("NetAmountTaxable", .decimal(netByRate[rateId] ?? 0)),
            ]
            if overrides[rateId] != nil { detail.append(.init("OverrideDeltaAmount", .decimal(amount - computed))) }
            taxLines.append(.object([
                .init("Amount", .decimal(amount)), .init("DetailType", .string("TaxLineDetail")),
                .init("TaxLineDetail", .object(detail)),
            ]))
        }
        let totalAmount = netTotal + totalTax
        guard totalAmount >= 0 else {
            throw .validation("the transaction total (\(Money.text(totalAmount))) cannot be negative", element: "TotalAmt")
        }
        lines.append(.object([
            .init("Amount", .decimal(netTotal)), .init("DetailType", .string("SubTotalLineDetail")),
            .init("SubTotalLineDetail", .object([])),
        ]))
        let taxDetail = JSON.object([.init("TotalTax", .decimal(totalTax)), .init("TaxLine", .array(taxLines))])
        return Result(lines: lines, taxDetail: taxDetail, totalTax: totalTax, totalAmount: totalAmount, netTotal: netTotal, mode: mode)
    }

    private struct PricedLine {
        var line: JSON
        var rate: Rate
        var net: Decimal
        var vat: Decimal
    }

    private func price(_ requestLine: JSON, lineNumber: Int, mode: String) throws(APIFault) -> PricedLine {
        var line = requestLine
        guard var detail = line["SalesItemLineDetail"], detail.isObject else {
            throw .requiredMissing("Line.SalesItemLineDetail")
        }
        guard let codeId = detail.value(at: "TaxCodeRef.value")?.scalarText, !codeId.isEmpty else { throw APIFault.missingVATRate }
        guard let rate = rateOfTaxCode(codeId) else { throw .invalidReference("Line.SalesItemLineDetail.TaxCodeRef", id: codeId) }
        let quantity = try decimal(detail["Qty"], "Line.SalesItemLineDetail.Qty")
        let unitPrice = try decimal(detail["UnitPrice"], "Line.SalesItemLineDetail.UnitPrice")
        let amount = try decimal(line["Amount"], "Line.Amount")
        let gross = try decimal(line["TaxInclusiveAmt"], "Line.TaxInclusiveAmt")

        if let quantity, let unitPrice, let amount {
            let expected = Money.round(quantity * unitPrice)
            guard Money.round(amount) == expected else {
                throw APIFault.amountMismatch(line: lineNumber, amount: Money.text(amount), expected: Money.text(expected))
            }
        }
        let fraction = rate.percent / 100
        let net: Decimal
        let vat: Decimal
        if mode == "TaxInclusive", let gross {
            let roundedGross = Money.round(gross)
            net = Money.round(roundedGross / (1 + fraction))
            vat = roundedGross - net
        } else {
            guard let amount else { throw .requiredMissing("Line.Amount") }
            net = Money.round(amount)
            vat = mode == "NotApplicable" ? 0 : Money.round(net * fraction)
        }
        line["Amount"] = .decimal(net)
        line["TaxInclusiveAmt"] = .decimal(net + vat)
        if mode == "TaxInclusive", let quantity, quantity != 0 {
            detail["UnitPrice"] = .decimal(Money.round(net / quantity, places: 7))
        }
        line["SalesItemLineDetail"] = detail
        return PricedLine(line: line, rate: rate, net: net, vat: vat)
    }

    private func decimal(_ value: JSON?, _ element: String) throws(APIFault) -> Decimal? {
        guard let value, value != .null else { return nil }
        guard let decimal = value.decimal else { throw .unsupported("\(element) must be a number", element: element) }
        return decimal
    }

    /// The client's per-rate VAT: each rate at most once, and only a rate some line uses.
    private func taxLineOverrides(_ transaction: JSON, usedRates: Set<String>) throws(APIFault) -> [String: Decimal] {
        guard let taxLines = transaction.value(at: "TxnTaxDetail.TaxLine")?.array else { return [:] }
        var overrides: [String: Decimal] = [:]
        for taxLine in taxLines {
            guard let rateId = taxLine.value(at: "TaxLineDetail.TaxRateRef.value")?.scalarText else {
                throw .requiredMissing("TxnTaxDetail.TaxLine.TaxLineDetail.TaxRateRef")
            }
            guard usedRates.contains(rateId) else {
                throw .validation("TaxRateRef \(rateId) in TxnTaxDetail is not the rate of any line's TaxCode "
                                  + "(a TaxLine names a TaxRate id from the code's SalesTaxRateList)", element: "TxnTaxDetail.TaxLine")
            }
            guard overrides[rateId] == nil else {
                throw .validation("TaxRateRef \(rateId) appears more than once in TxnTaxDetail", element: "TxnTaxDetail.TaxLine")
            }
            guard let amount = try decimal(taxLine["Amount"], "TxnTaxDetail.TaxLine.Amount") else {
                throw .requiredMissing("TxnTaxDetail.TaxLine.Amount")
            }
            overrides[rateId] = Money.round(amount)
        }
        return overrides
    }
}
