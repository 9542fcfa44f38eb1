import Foundation
import SyncletCore
import XCTest

/// `contrib/alerting/notify-failure`, the command of `synclet-failure@.service` that systemd
/// starts through `OnFailure=` when `synclet.service` fails. The shipped script runs as the unit
/// runs it; systemd's answers (`systemctl show`, `journalctl`) and the mail and webhook clients
/// (`sendmail`, `curl`) are small stand-ins on PATH that record what they were given.
final class NotifyFailureTests: XCTestCase {
    private var directory = ""
    private var stubs: String { directory + "/bin" }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-failure-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: stubs, withIntermediateDirectories: true)
        // What systemd says about a sync that ended with exit code 1.
        try stub("systemctl", """
            case "$2" in
                --property=Result) echo exit-code ;;
                --property=ExecMainStatus) echo "${STUB_STATUS:-1}" ;;
                --property=InvocationID) echo 5f0c6c1d2b3a49e8a7f6e5d4c3b2a190 ;;
                --property=ExecMainStartTimestamp) echo "Sun 2026-12-06 01:00:03 UTC" ;;
            esac
            """)
        try stub("journalctl", """
            echo "$@" >"\(directory)/journalctl.args"
            echo '2026-12-06T01:00:04+0000 vm synclet[812]: <3>synclet sync: error: the store answered HTTP 503 on page 4'
            """)
        try stub("sendmail", #"{ echo "$@"; cat; } >"\#(directory)/mail""#)
        // Keeps the request as curl read it: the command line, its config file and the body file.
        try stub("curl", #"""
            echo "$@" >"\#(directory)/curl.args"
            while [ $# -gt 0 ]; do
                case "$1" in
                    --config) cp "$2" "\#(directory)/curl.conf"; shift ;;
                    --data-binary) cp "${2#@}" "\#(directory)/webhook.json"; shift ;;
                esac
                shift
            done
            if [ -n "${STUB_CURL_FAILS:-}" ]; then
                echo "curl: (7) Failed to connect to https://hooks.example.com/services/T000/B000/secret-token port 443"
                exit 7
            fi
            echo ok
            """#)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func stub(_ name: String, _ body: String) throws {
        let path = stubs + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("contrib/alerting/notify-failure").path

    /// Runs notify-failure with the unit's argument and only these variables, as systemd would
    /// with `EnvironmentFile=/etc/synclet/alerting.env`.
    private func notify(_ unit: String = "synclet.service", _ settings: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [Self.script, unit]
        process.environment = ["PATH": stubs + ":/usr/bin:/bin"].merging(settings) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func contents(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
    }

    func testWithNothingConfiguredAFailureIsOneErrJournalLineNamingTheUnitItsResultAndWhatToDo() throws {
        let (status, output) = try notify()
        XCTAssertEqual(status, 0, output)
        let first = String(output.split(separator: "\n").first ?? "")
        XCTAssertTrue(first.hasPrefix("<3>synclet.service failed on "), output)
        XCTAssertTrue(first.hasSuffix(" (result exit-code, exit status 1: the sync failed (network, store, database or disk); the next start resumes it). "
                                      + "Its log: journalctl -u synclet.service _SYSTEMD_INVOCATION_ID=5f0c6c1d2b3a49e8a7f6e5d4c3b2a190"), output)
        XCTAssertTrue(output.contains("<6>No SYNCLET_ALERT_MAIL or SYNCLET_ALERT_WEBHOOK"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/curl.args"), "no channel configured, none called")
    }

    func testAHungSyncsExitCode6IsExplainedAndABareInstanceNameIsTheService() throws {
        let (status, output) = try notify("synclet", ["STUB_STATUS": "6"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.hasPrefix("<3>synclet.service failed on "), output)
        XCTAssertTrue(output.contains("exit status 6: another sync has held the lock longer than locking.stale_after_seconds"), output)
    }

    func testAWebhookGetsTheMessageAndTheRunsLogAsJSONWhileItsURLStaysOffEveryCommandLine() throws {
        let url = "https://hooks.example.com/services/T000/B000/secret-token"
        let (status, output) = try notify("synclet.service", ["SYNCLET_ALERT_WEBHOOK": url, "SYNCLET_ALERT_LOG_LINES": "5"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("<6>Called the webhook"), output)
        XCTAssertFalse(output.contains("secret-token"), output)
        XCTAssertFalse(contents("curl.args").contains("secret-token"), "the URL is visible to every user in ps: \(contents("curl.args"))")
        XCTAssertEqual(contents("curl.conf"), "url = \"\(url)\"\n")
        XCTAssertTrue(contents("journalctl.args").contains("-n 5 _SYSTEMD_INVOCATION_ID=5f0c6c1d2b3a49e8a7f6e5d4c3b2a190"), contents("journalctl.args"))

        let json = try JSONParser.parse(Array(contents("webhook.json").utf8))
        XCTAssertEqual(json["unit"]?.stringValue, "synclet.service")
        XCTAssertEqual(json["result"]?.stringValue, "exit-code")
        XCTAssertEqual(json["exit_status"]?.stringValue, "1")
        let text = try XCTUnwrap(json["text"]?.stringValue)
        XCTAssertTrue(text.hasPrefix("synclet.service failed on "), text)
        XCTAssertTrue(text.contains("\nLast log lines:\n2026-12-06T01:00:04+0000 vm synclet[812]: <3>synclet sync: error: the store answered HTTP 503 on page 4\n"), text)
    }

    func testAMailGoesThroughSendmailWithASubjectNamingTheUnitAndTheHost() throws {
        let (status, output) = try notify("synclet.service", ["SYNCLET_ALERT_MAIL": "ops@example.co.uk", "SYNCLET_ALERT_FROM": "synclet@shop.example.co.uk"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("<6>Mailed ops@example.co.uk with sendmail"), output)
        let mail = contents("mail")
        XCTAssertTrue(mail.hasPrefix("-t -i\nFrom: synclet@shop.example.co.uk\nTo: ops@example.co.uk\nSubject: [synclet] synclet.service failed on "), mail)
        XCTAssertTrue(mail.contains("the store answered HTTP 503 on page 4"), mail)
        XCTAssertTrue(mail.contains("Next: systemctl status synclet.service"), mail)
    }

    func testAWebhookThatFailsMakesTheFailureUnitFailWithoutPrintingTheURL() throws {
        let (status, output) = try notify("synclet.service", ["SYNCLET_ALERT_WEBHOOK": "https://hooks.example.com/services/T000/B000/secret-token",
                                                              "STUB_CURL_FAILS": "1"])
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains("<3>The webhook call failed: curl: (7) Failed to connect to <url> port 443"), output)
        XCTAssertFalse(output.contains("secret-token"), output)
    }
}
