import XCTest
final class PlaceholderMariaDBTests: XCTestCase {}
