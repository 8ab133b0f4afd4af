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
    }
}
