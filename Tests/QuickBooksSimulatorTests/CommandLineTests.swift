import Foundation
import QuickBooksSimulator
import XCTest

/// The `qbo-sim` executable as `make demo` and the push's tests start it.
final class CommandLineTests: XCTestCase {
    private var binary: String {
        let directory = ProcessInfo.processInfo.environment["SYNCLET_BIN_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug").path
        return directory + "/qbo-sim"
    }

    private func launch(_ arguments: [String]) throws -> (Process, Pipe) {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("\(binary) is not built") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        return (process, errors)
    }

    func testItWritesItsPortServesItsOptionsAndStopsOnSIGTERM() throws {
        let portFile = NSTemporaryDirectory() + "qbo-sim-\(UUID().uuidString).port"
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let (process, _) = try launch(["--port", "0", "--port-file", portFile, "--requests-per-minute", "7",
                                       "--fault", "apply-then-drop:times=2:path=/batch", "--realm-id", "123"])
        defer { if process.isRunning { process.terminate() } }
        var port: Int?
        for _ in 0..<100 where port == nil {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if port == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        let http = HTTPTestClient(port: try XCTUnwrap(port, "the port file was never written"))
        let stats = try JSON.parse(http.send("GET", "/__control/stats").body)
        XCTAssertEqual(stats.value(at: "limits.requests_per_minute"), .number("7"))
        let faults = try JSON.parse(http.send("GET", "/__control/faults").body)
        XCTAssertEqual(faults.array?.first?["kind"]?.string, "apply-then-drop")
        XCTAssertEqual(faults.array?.first?["times"], .number("2"))
        let grant = try JSON.parse(http.send("POST", "/__control/tokens/grant").body)
        XCTAssertEqual(grant["realmId"]?.string, "123")

        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testABadFaultSpecificationIsRefusedWithTheKinds() throws {
        let (process, errors) = try launch(["--fault", "http418"])
        process.waitUntilExit()
        XCTAssertNotEqual(process.terminationStatus, 0)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(message.contains("apply-then-drop"), message)
    }
}
