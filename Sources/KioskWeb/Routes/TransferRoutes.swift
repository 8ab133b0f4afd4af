import Foundation
import Hummingbird
import KioskCore

extension GuardedRouter {
    /// Cartons shipped to and from the chain's sister stores (调拨), and the chain's report: a
    /// hub whose ledger the chain shares (elsewhere shipping and the report answer 409).
    func addTransferRoutes(_ env: WebEnvironment) {
        let transfers = env.database.transfers
        let queue = env.database.printQueue
        on(.post, "/api/v1/transfers") { request, context -> Response in
            guard env.isHub else { throw TransferError.boardCannotShip }
            let body = try await request.decode(as: ShipRequest.self, context: context)
            let part = body.part.trimmingCharacters(in: .whitespaces), toStore = body.toStore.trimmingCharacters(in: .whitespaces)
            guard (1...64).contains(part.utf8.count), (1...64).contains(toStore.utf8.count) else {
                throw HTTPError(.badRequest, message: "请给出配件号和目的门店 / give part and toStore (1 to 64 bytes each)")
            }
            guard (1...MovementDraft.maximumQuantity).contains(body.quantity) else { throw StockError.invalidQuantity(body.quantity) }
            let order = TransferOrder(partNumber: part, quantity: body.quantity, toStore: toStore, bin: body.bin, key: body.key ?? UUID(), actor: context.actor)
            let transfer: StoreTransfer
            do {
                transfer = try await env.ledger.ship(order)
            } catch let refusal as any RefusalResponse {
                throw refusal
            } catch {
                throw HTTPError(.serviceUnavailable, message: "连锁账本暂不可用，未发货 / the chain's ledger did not answer: nothing was shipped, try again (\(error))")
            }
            // The carton's label, on the label printer (a retried request queues it once).
            var label: Int64?
            if let printing = env.printing {
                let job = PrintJob(key: order.key, printer: printing.labelPrinter, kind: .carton, subjects: [transfer.sscc], requestedBy: context.actor)
                label = try await env.writing { try queue.enqueue(job) }.id
            }
            return try JSONEncoder.sorted.encodeResponse(ShippedTransfer(transfer: transfer, labelJob: label), status: .created)
        }
        on(.get, "/api/v1/transfers") { request, _ -> TransfersView in
            let asked = request.uri.queryParameters.getAll("inTransit")
            guard asked.count <= 1, asked.allSatisfy({ $0 == "true" || $0 == "false" }) else {
                throw HTTPError(.badRequest, message: "inTransit 为 true 或 false / inTransit is true or false, once")
            }
            let inTransit = asked.first == "true"
            return TransfersView(transfers: try await env.reading { try transfers.list(inTransitOnly: inTransit) })
        }
        on(.get, "/api/v1/chain/report") { _, _ -> ChainReportView in
            let stores: [ChainStoreFigures]?
            do {
                stores = try await env.ledger.chainReport()
            } catch {
                throw HTTPError(.serviceUnavailable, message: "连锁账本暂不可用 / the chain's ledger did not answer: \(error)")
            }
            guard let stores else { throw TransferError.noChain }
            return ChainReportView(stores: stores)
        }
    }
}

/// A carton to ship: `POST /api/v1/transfers`.
struct ShipRequest: Codable, Sendable {
    var part: String
    var quantity: Int
    var toStore: String
    /// The bin it leaves (the part's default bin when absent).
    var bin: String?
    /// Idempotency key: the same key again returns the carton shipped, once.
    var key: UUID?
}

/// A carton shipped, with its label's print job (absent without a printer).
struct ShippedTransfer: Codable, Sendable {
    var transfer: StoreTransfer
    var labelJob: Int64?
}

/// The transfers of this store, newest first.
public struct TransfersView: Codable, Sendable, ResponseEncodable {
    public var transfers: [StoreTransfer]
}

/// Every store of the chain with its figures, this store first.
public struct ChainReportView: Codable, Sendable, ResponseEncodable {
    public var stores: [ChainStoreFigures]
}
