/// The simulated Magento store: its orders, thread-safe, evaluated afresh on every request
/// exactly like the extension's SQL (`LIMIT`/`OFFSET` in entity-id order over the filter).
///
/// ```swift
/// let store = Store(settings: .init(orderCount: 2000, seed: 42, startDate: start, quirks: .realistic, badOrderCount: 0),
///                   clock: StoreClock())
/// let firstPage = store.page(matching: filter, page: 0, size: 50)
/// ```
public final class Store: @unchecked Sendable {
    /// What the initial store is made from.
    public struct Settings: Sendable {
        public var orderCount: Int
        public var seed: UInt64
        public var startDate: Int64
        public var quirks: QuirkMode
        public var badOrderCount: Int
        /// The store's tax settings: how every VAT figure is computed, and what StoreInfo answers.
        public var tax: TaxConfiguration

        public init(orderCount: Int, seed: UInt64, startDate: Int64, quirks: QuirkMode, badOrderCount: Int,
                    tax: TaxConfiguration = .pricesIncludingTax) {
            self.tax = tax
            self.orderCount = orderCount
            self.seed = seed
            self.startDate = startDate
            self.quirks = quirks
            self.badOrderCount = badOrderCount
        }
    }

    struct State {
        private(set) var orders: [Order]
        /// The two columns the filter reads, kept apart so a scan over 100,000 orders touches 1.6 MB
        /// instead of copying every order.
        private(set) var createdAt: [Int64]
        private(set) var updatedAt: [Int64]
        var generator: OrderGenerator
        var mutationCount = 0
        /// Bumped by every change, so a remembered paging position is used only while it is still true.
        private(set) var version = 0
        /// Where the last page ended: a client paging forward resumes the scan there instead of from the start.
        var cursor: PagingCursor?

        init(orders: [Order], generator: OrderGenerator) {
            self.orders = orders
            createdAt = orders.map(\.createdAt)
            updatedAt = orders.map(\.updatedAt)
            self.generator = generator
        }

        mutating func replace(at index: Int, with order: Order) {
            version += 1
            orders[index] = order
            createdAt[index] = order.createdAt
            updatedAt[index] = order.updatedAt
        }

        mutating func append(_ order: Order) {
            version += 1
            orders.append(order)
            createdAt.append(order.createdAt)
            updatedAt.append(order.updatedAt)
        }

        func matches(_ filter: OrderFilter, at index: Int) -> Bool {
            createdAt[index] > filter.createdAfter && updatedAt[index] > filter.updatedAfter
        }
    }

    public let clock: StoreClock
    public let tax: TaxConfiguration
    let renderer: OrderRenderer
    private let state: Locked<State>

    public init(settings: Settings, clock: StoreClock) {
        self.clock = clock
        tax = settings.tax
        renderer = OrderRenderer(quirks: settings.quirks)
        var generator = OrderGenerator(seed: settings.seed, quirks: settings.quirks, tax: settings.tax)
        let orders = generator.makeStore(count: settings.orderCount, from: settings.startDate, until: clock.now(),
                                         badOrders: settings.badOrderCount)
        state = Locked(State(orders: orders, generator: generator))
    }

    /// The orders on one page, copied out so they can be rendered without holding the lock.
    func page(matching filter: OrderFilter, page: Int, size: Int) -> [Order] {
        state.withLock { state in
            let (offset, overflow) = page.multipliedReportingOverflow(by: size)
            guard !overflow else { return [] }
            var skipped = 0
            var start = 0
            if let cursor = state.cursor, cursor.filter == filter, cursor.version == state.version, cursor.offset <= offset {
                skipped = cursor.offset
                start = cursor.index
            }
            var selected: [Order] = []
            var index = start
            while index < state.orders.count, selected.count < size {
                if state.matches(filter, at: index) {
                    if skipped < offset {
                        skipped += 1
                    } else {
                        selected.append(state.orders[index])
                    }
                }
                index += 1
            }
            state.cursor = PagingCursor(filter: filter, version: state.version, offset: skipped + selected.count, index: index)
            return selected
        }
    }

    /// Every stored order, for the control API and statistics.
    func snapshot() -> [Order] {
        state.withLock { $0.orders }
    }

    /// Updates `update` existing orders and creates `create` new ones, all stamped with the store clock's now.
    ///
    /// With `outside`, updates prefer the lowest entity ids outside that filter: they enter the filtered set
    /// at a position a client paging through it has already read, which is what makes a naive client lose rows.
    @discardableResult
    public func mutate(update: Int, create: Int, preferringOutside filter: OrderFilter? = nil) -> MutationResult {
        let now = clock.now()
        return state.withLock { state in
            var result = MutationResult(updated: [], created: [])
            for index in chooseOrdersToUpdate(count: update, in: &state, outside: filter, now: now) {
                applyUpdate(toOrderAt: index, in: &state, now: now)
                result.updated.append(state.orders[index].id)
            }
            for _ in 0..<max(create, 0) {
                let id = state.orders.count + 1
                let order = state.generator.makeOrder(id: id, createdAt: now, updatedAt: now, allowsDisruptiveQuirks: false)
                state.append(order)
                result.created.append(id)
            }
            return result
        }
    }

    /// Sets one order's `updated_at` as a direct SQL update would (a future date included);
    /// false when there is no such order.
    @discardableResult
    public func setUpdatedAt(orderId: Int, to time: Int64) -> Bool {
        state.withLock { state in
            guard let index = state.orders.firstIndex(where: { $0.id == orderId }) else { return false }
            var order = state.orders[index]
            order.updatedAt = time
            state.replace(at: index, with: order)
            return true
        }
    }

    /// True when the store holds an order with this entity id.
    func contains(orderId: Int) -> Bool {
        state.withLock { state in state.orders.contains { $0.id == orderId } }
    }

    private func isUpdatable(_ order: Order) -> Bool {
        !order.isDropped && order.defect == nil
    }

    private func chooseOrdersToUpdate(count: Int, in state: inout State, outside filter: OrderFilter?, now: Int64) -> [Int] {
        var chosen: [Int] = []
        var taken = Set<Int>()
        if let filter {
            for index in state.orders.indices where chosen.count < count && !state.matches(filter, at: index) {
                if state.createdAt[index] > filter.createdAfter, now > filter.updatedAfter, isUpdatable(state.orders[index]) {
                    chosen.append(index)
                    taken.insert(index)
                }
            }
        }
        guard chosen.count < count else { return chosen }
        var updatableCount = 0
        for index in state.orders.indices where isUpdatable(state.orders[index]) { updatableCount += 1 }
        var attempts = 0
        while chosen.count < min(count, updatableCount), attempts < 100 * max(count, 1) {
            attempts += 1
            let index = state.generator.random.integer(in: 0...(state.orders.count - 1))
            if isUpdatable(state.orders[index]), !taken.contains(index) {
                chosen.append(index)
                taken.insert(index)
            }
        }
        return chosen
    }

    /// Rotates between the changes a shop makes to a live order: a status change, a refund, an edited line.
    private func applyUpdate(toOrderAt index: Int, in state: inout State, now: Int64) {
        state.mutationCount += 1
        var order = state.orders[index]
        let preferred = state.mutationCount % 3
        let nextStatus: String? = switch order.status {
        case "pending", "pending_payment", "holded": "processing"
        case "complete", "canceled", "closed": nil
        default: "complete"
        }
        if preferred == 0, let nextStatus {
            order.status = nextStatus
            if order.invoicedAt == nil { order.invoicedAt = now }
        } else if preferred <= 1, order.status != "canceled", state.generator.refund(&order, at: now, everything: false) {
            // refund(_:at:everything:) recorded the credit memo and closed a fully refunded order.
        } else if let line = order.items.firstIndex(where: { !$0.quirks.contains(.productNotFound) }) {
            order.items[line].quantity += 1
        } else if let nextStatus {
            order.status = nextStatus
        }
        // Set, not max: Magento stamps updated_at with the time of the save, even within the same second.
        order.updatedAt = now
        state.replace(at: index, with: order)
    }
}

/// The scan position after the last matched row of a page: `offset` matched rows lie before `index`.
struct PagingCursor {
    var filter: OrderFilter
    var version: Int
    var offset: Int
    var index: Int
}

/// The entity ids a mutation touched.
public struct MutationResult: Equatable, Sendable {
    public var updated: [Int]
    public var created: [Int]
}
