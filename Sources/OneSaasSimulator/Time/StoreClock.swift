import Foundation

/// The store's idea of now: the real UTC clock plus an offset, at one-second resolution
/// because Magento's DATETIME columns have no fraction.
///
/// The offset can be changed while the store runs (`POST /_sim/clock`), to reproduce a store
/// whose clock ran fast and was then corrected; every copy of a clock shares it.
///
/// ```swift
/// let clock = StoreClock(offsetSeconds: -3600)  // a store whose clock runs an hour behind
/// let now = clock.now()
/// clock.setOffset(seconds: 0)                    // corrected
/// ```
public struct StoreClock: Sendable {
    private let offset: Locked<Int64>

    public init(offsetSeconds: Int64 = 0) {
        offset = Locked(offsetSeconds)
    }

    public var offsetSeconds: Int64 { offset.withLock { $0 } }

    public func setOffset(seconds: Int64) {
        offset.withLock { $0 = seconds }
    }

    public func now() -> Int64 {
        Int64(Date().timeIntervalSince1970.rounded(.down)) + offsetSeconds
    }
}
