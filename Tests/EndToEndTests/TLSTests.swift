import Foundation
import XCTest

/// Issue 5: TLS certificates are always verified; `http.ca_file` adds a private CA.
///
/// A tiny HTTPS store (Python's `ssl` module, started by the test) presents a certificate signed
/// by a CA made for the test with `openssl`.
final class TLSTests: XCTestCase {
    var harness: Harness!
    var server: Process?

    override func setUpWithError() throws {
        harness = try Harness()
        for tool in ["/usr/bin/openssl", "/usr/bin/env"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is needed for the TLS test")
        }
    }

    override func tearDown() {
        server?.terminate()
        server?.waitUntilExit()
        harness?.tearDown()
    }

    func testAStoreWithAPrivateCAIsRefusedUntilItsCAFileIsConfigured() throws {
        let dir = harness.workDirectory
        func openssl(_ arguments: [String]) throws {
            let result = try harness.run("/usr/bin/openssl", arguments)
            XCTAssertEqual(result.exitCode, 0, result.output)
        }
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Synclet Test CA",
                     "-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.pem"])
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "\(dir)/shop.key", "-out", "\(dir)/shop.csr"])
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: "\(dir)/san.ext", atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", "\(dir)/shop.csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca.key", "-CAcreateserial",
                     "-days", "2", "-extfile", "\(dir)/san.ext", "-out", "\(dir)/shop.pem"])
        try """
            import http.server, ssl, sys
            class Store(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = b'{"OneSaas Version":"4.2.0.6","StoreName":"Private CA Shop"}'
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(("127.0.0.1", 0), Store)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[1], sys.argv[2])
            server.socket = context.wrap_socket(server.socket, server_side=True)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """.write(toFile: "\(dir)/store.py", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(dir)/store.py", "\(dir)/shop.pem", "\(dir)/shop.key"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        server = process
        let portLine = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        let port = try XCTUnwrap(Int(portLine.trimmingCharacters(in: .whitespacesAndNewlines)), "the HTTPS store printed \(portLine)")
        let endpoint = ["MAGENTO_BASE_URL": "https://127.0.0.1:\(port)/onesaas_connect/index/index"]

        let refused = try harness.run("synclet", ["test"], environment: endpoint)
        XCTAssertEqual(refused.exitCode, 1, refused.output)
        XCTAssertTrue(refused.stderr.contains("TLS certificate could not be verified (CERTIFICATE_VERIFY_FAILED)"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("http.ca_file"), "says what to do: \(refused.stderr)")
        XCTAssertFalse(refused.stdout.contains("Private CA Shop"))

        try Harness.fastPipeline.replacingOccurrences(of: "  concurrency: 2\n", with: "  concurrency: 2\n  ca_file: \(dir)/ca.pem\n")
            .write(toFile: harness.pipelinePath, atomically: true, encoding: .utf8)
        let accepted = try harness.run("synclet", ["test"], environment: endpoint)
        XCTAssertEqual(accepted.exitCode, 0, accepted.output)
        XCTAssertTrue(accepted.stdout.contains("store \"Private CA Shop\""), accepted.stdout)
    }
}
