import MariaDB

/// Decides the window of a new run from the watermark and starts its staging folder.
public struct RunPlanner {
    public let staging: StagingArea
    public let magento: MagentoSettings

    public init(staging: StagingArea, magento: MagentoSettings) {
        self.staging = staging
        self.magento = magento
    }

    /// The first sync (no watermark) or a forced one asks for every order created after
    /// `INITIAL_SYNC_DATE`; later syncs ask for orders updated after the watermark, still
    /// limited to orders created after `INITIAL_SYNC_DATE` so the scope never widens.
    public func planNewRun(connection: MariaDBConnection, forceInitial: Bool) throws -> StagedRun {
        let watermark = try SyncHistory(connection: connection).watermark()
        let type: RunType = forceInitial ? .forced : (watermark == nil ? .initial : .incremental)
        let request = OrdersRequest(
            endpoint: endpointDescription,
            pageSize: magento.pageSize,
            orderCreatedTime: magento.initialSyncDate,
            lastUpdatedTime: type == .incremental ? watermark : nil)
        return try staging.createRun(type: type, request: request, watermarkBefore: watermark)
    }

    /// The endpoint URL without query or credentials, for manifests and history.
    var endpointDescription: String {
        var text = magento.baseURL.absoluteString
        if let query = text.firstIndex(of: "?") { text = String(text[..<query]) }
        return text
    }
}
