import XCTest
final class PlaceholderSyncletCoreTests: XCTestCase {}
