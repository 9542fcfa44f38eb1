/// A failure of an API request in QuickBooks' own terms: the `Fault` body of section 8.
///
/// ```swift
/// throw APIFault.duplicateDocNumber(existingType: "SalesReceipt", existingId: "412")
/// ```
struct APIFault: Error, Equatable, Sendable {
    var code: String
    var message: String
    var detail: String
    var element: String?
    var type = "ValidationFault"
    var status = 400

    /// `{"Error": [{"Message", "Detail", "code", "element"}], "type": ...}`: the value of `Fault`.
    var faultJSON: JSON {
        var error: [JSON.Member] = [.init("Message", .string(message)), .init("Detail", .string(detail)), .init("code", .string(code))]
        if let element { error.append(.init("element", .string(element))) }
        return .object([.init("Error", .array([.object(error)])), .init("type", .string(type))])
    }

    static func validation(_ detail: String, element: String? = nil) -> APIFault {
        APIFault(code: "6000", message: "A business validation error has occurred while processing your request",
                 detail: "Business Validation Error: " + detail, element: element)
    }

    static let missingVATRate = APIFault(
        code: "6000", message: "A business validation error has occurred while processing your request",
        detail: "Business Validation Error: Make sure all your transactions have a VAT rate before you save.",
        element: "Line.SalesItemLineDetail.TaxCodeRef")

    static func amountMismatch(line: Int, amount: String, expected: String) -> APIFault {
        APIFault(code: "6070", message: "Amount is not equal to UnitPrice * Qty",
                 detail: "Amount is not equal to UnitPrice * Qty. Supplied value:\(amount) on line \(line); UnitPrice * Qty = \(expected)",
                 element: "Line.Amount")
    }

    static func duplicateDocNumber(existingType: String, existingId: String) -> APIFault {
        APIFault(code: "6140", message: "Duplicate Document Number Error",
                 detail: "Duplicate Document Number Error : You must specify a different number. This number has already been used. "
                    + "DocNumber=\(existingType) TxnType=\(existingType) TxnId=\(existingId)",
                 element: "DocNumber")
    }

    static func duplicateName(_ name: String, existingId: String, element: String) -> APIFault {
        APIFault(code: "6240", message: "Duplicate Name Exists Error",
                 detail: "The name supplied already exists. : \(name) Id=\(existingId)", element: element)
    }

    static func staleObject(current: String, supplied: String) -> APIFault {
        APIFault(code: "5010", message: "Stale Object Error",
                 detail: "Stale Object Error : You and another user were working on the same thing. Please try again. "
                    + "SyncToken supplied \(supplied), current \(current)",
                 element: "SyncToken")
    }

    static func objectNotFound(_ entity: String, id: String) -> APIFault {
        APIFault(code: "610", message: "Object Not Found",
                 detail: "Object Not Found : Something you're trying to use has been made inactive or deleted. \(entity) Id=\(id)")
    }

    static func invalidReference(_ element: String, id: String) -> APIFault {
        APIFault(code: "2500", message: "Invalid Reference Id",
                 detail: "Invalid Reference Id : \(element) \(id) does not exist", element: element)
    }

    static func requiredMissing(_ element: String) -> APIFault {
        APIFault(code: "2020", message: "Required param missing, need to supply the required value for the API",
                 detail: "Required parameter \(element) is missing in the request", element: element)
    }

    static func unsupported(_ detail: String, element: String? = nil) -> APIFault {
        APIFault(code: "2010", message: "Request has invalid or unsupported property",
                 detail: "Property Name:" + detail, element: element)
    }

    static func queryParse(_ detail: String) -> APIFault {
        APIFault(code: "4000", message: "Error parsing query", detail: "QueryParserError: " + detail)
    }

    static func queryField(_ field: String, entity: String) -> APIFault {
        APIFault(code: "4001", message: "Invalid query",
                 detail: "QueryValidationError: property '\(field)' is not queryable on \(entity)")
    }

    static func badRequest(_ detail: String) -> APIFault {
        APIFault(code: "2010", message: "Request has invalid or unsupported property", detail: detail)
    }

    static let applicationError = APIFault(
        code: "10000", message: "An application error has occurred while processing your request",
        detail: "System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again.",
        type: "SystemFault", status: 500)

    static let throttled = APIFault(
        code: "3001", message: "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        detail: "The request limit was reached.", type: "SERVICE", status: 429)
}
