import Foundation
import Hummingbird
import KioskCore

extension GuardedRouter {
    /// Purchase orders: made by the parts manager or the store's ERP at the hub (or a store
    /// without a hub), read by the counter; the deliveries against them come from the counters.
    func addPurchasingRoutes(_ env: WebEnvironment) {
        let book = env.database.purchasing
        let queue = env.database.printQueue
        on(.post, "/api/v1/purchase-orders") { request, context -> Response in
            guard env.askHub == nil else {
                throw HTTPError(.conflict, message: "采购单在门店主机上建立 / purchase orders are made at the store's hub: this board pulls them from it")
            }
            let body = try await request.decode(as: OrderRequest.self, context: context)
            let order = try await env.writing {
                try book.create(number: body.number, supplier: body.supplier, expectedOn: body.expectedOn, lines: body.lines, actor: context.actor)
            }
            var sheet: Int64?
            if body.print == true, let printing = env.printing {
                sheet = try await env.writing {
                    try queue.enqueue(PrintJob(key: UUID(), printer: printing.ticketPrinter, kind: .purchaseOrder, subjects: [order.number], requestedBy: context.actor))
                }.id
            }
            return try JSONEncoder.sorted.encodeResponse(OrderView(order: order, lines: try await env.reading { try book.variance(of: order.number) },
                                                                   deliveries: [], sheetJob: sheet), status: .created)
        }
        on(.get, "/api/v1/reorder-suggestions") { _, _ -> SuggestionsView in
            SuggestionsView(suggestions: try await env.reading { try book.suggestions() })
        }
        on(.post, "/api/v1/reorder-suggestions/confirm") { request, context -> Response in
            guard env.askHub == nil else {
                throw HTTPError(.conflict, message: "采购单在门店主机上建立 / purchase orders are made at the store's hub: this board pulls them from it")
            }
            let body = try await request.decode(as: ConfirmRequest.self, context: context)
            guard let order = try await env.writing({ try book.confirmSuggestions(for: body.supplier, expectedOn: body.expectedOn, actor: context.actor) }) else {
                throw HTTPError(.notFound, message: "没有向 \(body.supplier) 补货的建议 / nothing to reorder from \(body.supplier)")
            }
            return try JSONEncoder.sorted.encodeResponse(OrderView(order: order, lines: try await env.reading { try book.variance(of: order.number) },
                                                                   deliveries: [], sheetJob: nil), status: .created)
        }
        on(.post, "/api/v1/supplier-returns") { request, context -> Response in
            guard env.askHub == nil else {
                throw HTTPError(.conflict, message: "退货在门店主机上办理 / returns to the supplier are made at the store's hub: this board syncs with it")
            }
            let body = try await request.decode(as: ReturnRequest.self, context: context)
            guard (1...MovementDraft.maximumQuantity).contains(body.quantity) else { throw StockError.invalidQuantity(body.quantity) }
            // Out of quarantine is the counter's; out of stock (any other bin) is a manager's call, as an adjustment is.
            if let bin = body.bin, bin != Purchasing.quarantineBin, ![.manager, .admin].contains(context.staff?.role) {
                throw HTTPError(.forbidden, message: "从库存（非隔离区）退货需要经理 / returning stock from \(bin) (not quarantine) needs a manager")
            }
            let returned = try await env.writing {
                try book.returnToSupplier(partNumber: body.part, quantity: body.quantity, bin: body.bin, supplier: body.supplier, order: body.order,
                                          reason: body.reason, key: body.key ?? UUID(), deviceID: env.counter.deviceID, actor: context.actor)
            }
            var slip: Int64?
            if let printing = env.printing {
                slip = try await env.writing {
                    try queue.enqueue(PrintJob(key: returned.movementKey, printer: printing.ticketPrinter, kind: .supplierReturn,
                                               subjects: [returned.movementKey.uuidString], requestedBy: context.actor))
                }.id
            }
            return try JSONEncoder.sorted.encodeResponse(ReturnView(returned: returned, slipJob: slip), status: .created)
        }
        on(.get, "/api/v1/purchase-orders") { _, _ -> OrdersView in
            OrdersView(orders: try await env.reading { try book.orders() })
        }
        on(.get, "/api/v1/purchase-orders/{number}") { _, context -> OrderView in
            let number = try context.parameters.require("number")
            return try await env.reading {
                guard let order = try book.order(number) else { throw PurchasingError.unknownOrder(number) }
                return OrderView(order: order, lines: try book.variance(of: number), deliveries: try book.deliveries(of: number), sheetJob: nil)
            }
        }
    }
}

/// A purchase order to make: `POST /api/v1/purchase-orders`.
struct OrderRequest: Codable, Sendable {
    /// The ERP's number (default: `PO-yyyyMMdd-n`); the same order sent again is one.
    var number: String?
    var supplier: String
    var expectedOn: String?
    var lines: [OrderLine]
    /// Queue the order's sheet on the label printer.
    var print: Bool?
}

/// An order with each line against what came in, and its deliveries.
public struct OrderView: Codable, Sendable, ResponseEncodable {
    public var order: PurchaseOrder
    public var lines: [DeliveryVariance]
    public var deliveries: [Delivery]
    public var sheetJob: Int64?
}

public struct OrdersView: Codable, Sendable, ResponseEncodable {
    public var orders: [PurchaseOrder]
}

/// Reorder suggestions for one supplier, made into an order: `POST /api/v1/reorder-suggestions/confirm`.
struct ConfirmRequest: Codable, Sendable {
    var supplier: String
    var expectedOn: String?
}

public struct SuggestionsView: Codable, Sendable, ResponseEncodable {
    public var suggestions: [ReorderSuggestion]
}

/// Parts to send back to the supplier: `POST /api/v1/supplier-returns`.
struct ReturnRequest: Codable, Sendable {
    var part: String
    var quantity: Int
    var supplier: String
    var reason: String
    /// The bin they leave (quarantine when absent).
    var bin: String?
    var order: String?
    /// Idempotency key: the same key again is the same return.
    var key: UUID?
}

struct ReturnView: Codable, Sendable {
    var returned: SupplierReturn
    var slipJob: Int64?
}
