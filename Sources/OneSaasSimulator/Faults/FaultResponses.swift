/// What each fault looks like on the wire, modelled on what Magento, PHP, nginx and a CDN really send.
enum FaultResponses {
    /// - Parameter normalBody: the JSON the request would have had; some faults damage it.
    static func response(for kind: FaultKind, normalBody: () -> [UInt8], holdSeconds: Int,
                         trickleMilliseconds: Int = 100) -> SimulatorResponse {
        switch kind {
        case .http500:
            return .html(magentoErrorPage, status: 500)
        case .http503:
            return .html(maintenancePage, status: 503)
        case .http502:
            return .html(nginxPage(code: 502, reason: "Bad Gateway"), status: 502)
        case .http429:
            var response = SimulatorResponse.html(nginxPage(code: 429, reason: "Too Many Requests"), status: 429)
            response.extraHeaders.append(("Retry-After", "1"))
            return response
        case .phpNotice:
            let notice = "<br />\n<b>Notice</b>:  Undefined index: base_discount_amount in "
                + "<b>/var/www/html/app/code/OneSaas/Connect/Model/OrderExport.php</b> on line <b>42</b><br />\n"
            return SimulatorResponse(status: 200, contentType: "application/json", body: Array(notice.utf8) + normalBody())
        case .truncated:
            let body = normalBody()
            var response = SimulatorResponse(status: 200, contentType: "application/json", body: Array(body.prefix(max(body.count / 2, 1))))
            response.closesConnection = true
            return response
        case .invalidJSON:
            return SimulatorResponse(status: 200, contentType: "application/json",
                                     body: Array(#"{"OneSaas Version":"4.2.0.6","Orders":[{"Id":"1",,]}"#.utf8))
        case .emptyBody:
            return SimulatorResponse(status: 200, contentType: "application/json", body: [])
        case .timeout:
            var response = SimulatorResponse(status: 200, contentType: "application/json", body: [])
            response.holdSeconds = holdSeconds
            return response
        case .badKey:
            return .json(OrdersEndpoint.invalidKey)
        case .trickle:
            var response = SimulatorResponse(status: 200, contentType: "application/json", body: normalBody())
            response.trickleMilliseconds = trickleMilliseconds
            return response
        case .bom:
            return SimulatorResponse(status: 200, contentType: "application/json", body: [0xEF, 0xBB, 0xBF] + normalBody())
        case .dbError:
            return .json(.object([.init("Error", .string(databaseError))]))
        case .emptyOrders, .shortPage, .ignorePage:
            // Served by the endpoint itself: they change which orders the page holds.
            return SimulatorResponse(status: 200, contentType: "application/json", body: normalBody())
        }
    }

    /// What the extension passes on from PDO when MySQL is down.
    static let databaseError = "SQLSTATE[HY000] [2002] Connection refused"

    static let magentoErrorPage = """
        <!doctype html>
        <html xmlns="http://www.w3.org/1999/xhtml" >
        <head>
            <title>There has been an error processing your request</title>
        </head>
        <body>
            <main class="page-main">
                <h1>There has been an error processing your request</h1>
                <p>Exception printing is disabled by default for security reasons.</p>
                <p>Error log record number: 8d9a1f0c3b6e4c2a9f7e5d1b0a2c4e6f8a0b2c4d6e8f0a1b3c5d7e9f1a3b5c7d</p>
            </main>
        </body>
        </html>

        """

    static let maintenancePage = """
        <!doctype html>
        <html xmlns="http://www.w3.org/1999/xhtml" >
        <head>
            <title>Error 503: Service Unavailable</title>
        </head>
        <body>
            <h1>Service Temporarily Unavailable</h1>
            <p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p>
        </body>
        </html>

        """

    static func nginxPage(code: Int, reason: String) -> String {
        "<html>\r\n<head><title>\(code) \(reason)</title></head>\r\n<body>\r\n<center><h1>\(code) \(reason)</h1></center>\r\n"
            + "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    }
}
