/// Everything a simulator run is made from; the `onesaas-sim` command fills it from its options.
///
/// ```swift
/// var configuration = SimulatorConfiguration()
/// configuration.store.orderCount = 200
/// configuration.faults = [Fault(page: 2, kind: .http503)]
/// ```
public struct SimulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 0
    public var accessKey = "sim-access-key"
    public var store = Store.Settings(orderCount: 2000, seed: 42, startDate: UTCTime.parse("2025-07-01 00:00:00") ?? 0,
                                      quirks: .realistic, badOrderCount: 0)
    public var clockOffsetSeconds: Int64 = 0
    public var pageLatencyMilliseconds = 0
    /// Orders requests answered within `rateLimit.seconds`; beyond that, 429 with Retry-After.
    public var rateLimit: RateLimit?
    public var pagingMutation = PagingMutation.off
    public var faults: [Fault] = []
    public var faultTimeoutSeconds = 30
    /// The pause between two bytes of a `trickle` fault's body.
    public var trickleByteMilliseconds = 100
    /// Receives one line per request when set; never sees the access key.
    public var requestLog: (@Sendable (String) -> Void)?

    public init() {}
}
