import Foundation
import Hummingbird
import KioskCore

extension GuardedRouter {
    /// The counter page's API: what it shows, the scans typed or scanned on it, the stock look-up.
    func addCounterRoutes(_ env: WebEnvironment) {
        on(.get, "/api/v1/counter") { _, _ -> CounterView in try await env.counter.view() }
        on(.post, "/api/v1/scans") { request, context -> ScanResult in
            let body = try await request.decode(as: ScanRequest.self, context: context)
            let feedback = await env.desk.submit(ScanEvent(id: body.id ?? UUID(), source: "counter-page:\(context.actor)", text: body.text, actor: context.staff?.badge))
            return ScanResult(accepted: feedback.accepted, message: feedback.message, duplicate: feedback.duplicate, scanID: feedback.scanID,
                              outcome: feedback.outcome.rawValue)
        }
        on(.get, "/api/v1/stock") { request, _ -> StockView in
            let query = request.uri.queryParameters.get("q")?.trimmingCharacters(in: .whitespaces) ?? ""
            return StockView(rows: try await env.database.stock.search(query))
        }
        // Which stores of the chain hold a part (a hub whose ledger the chain shares).
        on(.get, "/api/v1/stock/chain") { request, _ -> ChainStockView in
            let part = try request.partNumberQuery()
            var rows = try await env.ledger.chainStock(of: part)
            if rows == nil, let askHub = env.askHub {
                // A board: its hub reads the chain's ledger.
                do { rows = try await askHub(part) } catch {
                    throw HTTPError(.serviceUnavailable, message: "门店主机未应答 / the store's hub did not answer: \(error)")
                }
            }
            guard let rows else {
                throw HTTPError(.conflict, message: "本机没有连锁账本 / no chain ledger here: only a hub with [hub] ledger (the stores' shared PostgreSQL), or a board that syncs with one, sees sister stores")
            }
            return ChainStockView(part: part, rows: rows)
        }
    }
}

extension Request {
    /// `?part=`: a part number of 1 to 64 bytes, or 400.
    func partNumberQuery() throws -> String {
        let part = uri.queryParameters.get("part")?.trimmingCharacters(in: .whitespaces) ?? ""
        guard (1...64).contains(part.utf8.count) else { throw HTTPError(.badRequest, message: "请给出配件号 / give ?part= a part number (1 to 64 bytes)") }
        return part
    }
}
