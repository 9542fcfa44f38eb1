import Foundation
import MariaDB
import SyncletCore
import XCTest

/// `QuickBooksConnection` as the push uses it, inside one process: many tasks asking for a token
/// at once, and a 401 for a token another caller already replaced. Real parts: the private
/// MariaDB and `qbo-sim` over HTTP.
final class QuickBooksAccessProviderTests: XCTestCase {
    var harness: Harness!
    var simulator: QuickBooksSimulatorProcess!
    var connection: QuickBooksConnection!

    override func setUpWithError() throws {
        harness = try Harness()
        simulator = try QuickBooksSimulatorProcess(workDirectory: harness.workDirectory)
        // Every token is due (60 s is inside the 5-minute margin); a superseded refresh token is refused.
        try simulator.control("POST", "/__control/tokens/policy?rotate=true&grace_seconds=0&access_lifetime_seconds=60")
        let values = harness.baseEnvironment.merging(simulator.settings(redirectURI: "http://localhost:8765/callback")) { $1 }
        connection = try QuickBooksConnection.configured(settings: Settings(values: values), http: PipelineConfiguration.HTTP(),
                                                          log: Log(minimumLevel: .error))
    }

    override func tearDown() {
        if let connection {
            let done = expectation(description: "shutdown")
            Task {
                await connection.shutdown()
                done.fulfill()
            }
            wait(for: [done], timeout: 30)
        }
        simulator?.stop()
        harness?.tearDown()
    }

    private func importToken() async throws {
        _ = try await connection.importRefreshToken(try simulator.grantElsewhere(), realmId: QuickBooksConnectTests.realm)
    }

    func testTwentyTasksAskingAtOnceShareOneRefresh() async throws {
        try await importToken()
        // The imported token is due; the one the refresh brings is good for an hour, so a task
        // arriving after the refresh takes it as it is.
        try simulator.control("POST", "/__control/tokens/policy?access_lifetime_seconds=3600")
        let refreshesBefore = try simulator.requests("refresh")
        let connection = try XCTUnwrap(connection)
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await connection.accessToken().accessToken } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(tokens.count, 1, "every task got the same token")
        XCTAssertEqual(try simulator.requests("refresh") - refreshesBefore, 1, "one refresh for all of them")
        XCTAssertEqual(try simulator.requests("invalid_grant"), 0)
    }

    func testARejectionOfATokenAlreadyReplacedTakesTheNewOneWithoutRefreshingAgain() async throws {
        try simulator.control("POST", "/__control/tokens/policy?access_lifetime_seconds=3600")
        try await importToken()
        let connection = try XCTUnwrap(connection)
        let first = try await connection.accessToken()
        let fresh = try await connection.accessTokenAfterRejection(first)
        XCTAssertNotEqual(fresh.accessToken, first.accessToken)
        XCTAssertEqual(fresh.realmId, QuickBooksConnectTests.realm)
        let refreshes = try simulator.requests("refresh")
        // A second caller that still held the first token learns of the fresh one.
        let again = try await connection.accessTokenAfterRejection(first)
        XCTAssertEqual(again.accessToken, fresh.accessToken)
        XCTAssertEqual(try simulator.requests("refresh"), refreshes, "no refresh for a token already replaced")
    }

    func testAProviderWithNothingStoredSaysNotConnected() async throws {
        let connection = try XCTUnwrap(connection)
        do {
            _ = try await connection.accessToken()
            XCTFail("a token without a connection")
        } catch let error as QuickBooksConnectionError {
            XCTAssertEqual(error, .notConnected)
            XCTAssertEqual(SyncletExitCode(for: error), .reconnectNeeded)
        }
    }
}
