import ArgumentParser

struct PurchaseOrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "po",
        abstract: "Purchase orders (采购单) and the deliveries received against them.",
        discussion: """
            Orders are made at the hub (here, or from the store's ERP through POST /api/v1/purchase-orders) \
            and pulled by the counters. When the goods come, the clerk scans RECEIVE, the order's sheet \
            (KD:PO:<number>, printed with `kioskd labels preview purchase-order NUMBER` or on the label printer) \
            and the pallet's SSCC, then each part; DAMAGED or EXTRA before a part that came damaged or \
            was not ordered; CLOSE reports what is short, over and damaged.
            """,
        subcommands: [Create.self, List.self, Show.self, Cancel.self, Suggest.self, Return.self],
        defaultSubcommand: List.self)
}

/// Orders, their reorders and returns are the hub's (or a store's without one): a board that
/// syncs pulls the orders, and an order made on it would be one the hub does not know.
func refuseOnABoard(_ config: KioskConfig) throws {
    guard config.sync == nil else {
        throw Refused("采购单与退货在门店主机上办理 / purchase orders and returns to the supplier are made at the store's hub: this board syncs with it")
    }
}
