import Foundation

/// The store's idea of now: the real UTC clock plus a fixed offset, at one-second resolution
/// because Magento's DATETIME columns have no fraction.
///
/// ```swift
/// let clock = StoreClock(offsetSeconds: -3600)  // a store whose clock runs an hour behind
/// let now = clock.now()
/// ```
public struct StoreClock: Sendable {
    public var offsetSeconds: Int64

    public init(offsetSeconds: Int64 = 0) {
        self.offsetSeconds = offsetSeconds
    }

    public func now() -> Int64 {
        Int64(Date().timeIntervalSince1970.rounded(.down)) + offsetSeconds
    }
}
