import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncletCore
import XCTest

/// `qbo-sim` run for a test, on a port of its own choosing, with a client secret of its own.
final class QuickBooksSimulatorProcess {
    let process: Process
    let port: Int
    static let clientId = "sim-client-id"
    /// Unique per run, so a scan for it cannot match anything else by chance.
    let clientSecret = "sim-secret-\(UUID().uuidString)"

    init(workDirectory: String, arguments: [String] = []) throws {
        let portFile = workDirectory + "/qbo-sim-\(UUID().uuidString).port"
        process = Process()
        process.executableURL = URL(fileURLWithPath: Harness.binDirectory + "/qbo-sim")
        process.arguments = ["--port", "0", "--port-file", portFile, "--client-id", Self.clientId, "--client-secret", clientSecret] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while Date() < deadline, found == nil {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8) { found = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if found == nil {
                guard process.isRunning else { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let found else {
            if process.isRunning { process.terminate() }
            throw HarnessError("qbo-sim did not start")
        }
        port = found
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// The QBO_ settings that point Synclet at this simulator.
    func settings(redirectURI: String) -> [String: String] {
        [
            "QBO_CLIENT_ID": Self.clientId, "QBO_CLIENT_SECRET": clientSecret, "QBO_ENVIRONMENT": "sandbox",
            "QBO_REDIRECT_URI": redirectURI, "QBO_API_URL": base,
            "QBO_TOKEN_URL": base + "/oauth2/v1/tokens/bearer", "QBO_AUTH_URL": base + "/connect/oauth2",
            "QBO_REVOKE_URL": base + "/v2/oauth2/tokens/revoke",
        ]
    }

    /// A call to the control API (or any path), answered as JSON.
    @discardableResult
    func control(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) throws -> JSONValue {
        let answer = try HTTP.request(method, base + path, body: body, headers: headers)
        return (try? JSONParser.parse(Array(answer.body.utf8))) ?? .null
    }

    /// `GET /__control/stats`'s request counter `name` (authorize, token, refresh, invalid_grant, revoke).
    func requests(_ name: String) throws -> Int {
        try control("GET", "/__control/stats")["requests"]?[name]?.numberText.flatMap { Int($0) } ?? -1
    }

    func activeGrants() throws -> Int {
        try control("GET", "/__control/stats")["tokens"]?["active_grants"]?.numberText.flatMap { Int($0) } ?? -1
    }

    /// A grant made "elsewhere" (as Intuit's OAuth playground would): its refresh token.
    func grantElsewhere() throws -> String {
        try XCTUnwrap(try control("POST", "/__control/tokens/grant")["refresh_token"]?.stringValue)
    }

    /// Revokes `token` as the company does when it disconnects the app in QuickBooks.
    func revokeAsTheCompany(_ token: String) throws {
        let basic = "Basic " + Data("\(Self.clientId):\(clientSecret)".utf8).base64EncodedString()
        try control("POST", "/v2/oauth2/tokens/revoke", body: #"{"token":"\#(token)"}"#,
                    headers: ["Authorization": basic, "Content-Type": "application/json"])
    }
}

/// Plain HTTP for the tests: a browser that does not follow redirects.
enum HTTP {
    struct Answer {
        var status: Int
        var location: String?
        var body: String
    }

    private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }

    private static let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)

    static func request(_ method: String, _ url: String, body: String? = nil, headers: [String: String] = [:]) throws -> Answer {
        var request = URLRequest(url: try XCTUnwrap(URL(string: url)), timeoutInterval: 30)
        request.httpMethod = method
        if let body { request.httpBody = Data(body.utf8) }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        final class Box: @unchecked Sendable { var answer: Result<Answer, Error> = .failure(HarnessError("no answer")) }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            if let error {
                box.answer = .failure(error)
            } else {
                let http = response as? HTTPURLResponse
                box.answer = .success(Answer(status: http?.statusCode ?? -1, location: http?.value(forHTTPHeaderField: "Location"),
                                             body: String(decoding: data ?? Data(), as: UTF8.self)))
            }
            done.signal()
        }.resume()
        done.wait()
        return try box.answer.get()
    }
}

/// A synclet command that runs while the test talks to it: its standard input is a pipe, its
/// output goes to files the test can read at any moment.
final class InteractiveCommand {
    let process: Process
    let input = Pipe()
    let stdoutPath: String
    let stderrPath: String

    init(harness: Harness, _ arguments: [String], environment overrides: [String: String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Harness.binDirectory + "/synclet")
        process.arguments = arguments
        process.environment = harness.environment.merging(overrides) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: harness.workDirectory)
        let id = UUID().uuidString
        stdoutPath = harness.workDirectory + "/\(id).out"
        stderrPath = harness.workDirectory + "/\(id).err"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = input
        try process.run()
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The first line of standard output that starts with `prefix` (after spaces), once printed.
    func awaitLine(startingWith prefix: String, timeout: TimeInterval = 60) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = stdout.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { $0.hasPrefix(prefix) }) {
                return line
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError("no line starting with \(prefix) in:\n\(stdout)\n\(stderr)")
    }

    func type(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    func finish(timeout: TimeInterval = 60) -> CommandResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        closeInput()
        return CommandResult(exitCode: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}
