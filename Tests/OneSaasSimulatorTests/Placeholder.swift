import XCTest
final class PlaceholderSim: XCTestCase {}
