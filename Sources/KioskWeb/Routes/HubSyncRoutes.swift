import Foundation
import HTTPTypes
import Hummingbird
import KioskCore

extension GuardedRouter {
    /// The hub's side of sync: enrolment, pushes from devices, pulls, and the sync status.
    func addHubSyncRoutes(_ env: WebEnvironment) {
        let hub = env.database.hub
        let outbox = env.database.outbox
        on(.post, "/api/v1/sync/enrol") { request, context -> Response in
            guard env.isHub else { throw HTTPError(.conflict, message: "本机不是门店主机 / this kioskd is not a hub (set [device] role = \"hub\")") }
            let body = try await SyncBodies.decode(EnrolRequest.self, from: request, context: context)
            let answer = try await env.writing { try hub.enrol(deviceID: body.deviceID, code: body.code) }
            return try SyncBodies.answer(answer, to: request, context: context)
        }
        on(.post, "/api/v1/sync/push") { request, context -> Response in
            guard env.isHub else { throw HTTPError(.conflict, message: "本机不是门店主机 / this kioskd is not a hub") }
            let body = try await SyncBodies.decode(PushRequest.self, from: request, context: context)
            guard body.events.count <= 5000 else { throw HTTPError(.contentTooLarge, message: "一次最多 5000 条 / at most 5000 events per push") }
            do {
                let answer = try await env.ledger.accept(body, from: context.device ?? "", at: Date())
                return try SyncBodies.answer(answer, to: request, context: context)
            } catch let error as HTTPResponseError {
                throw error
            } catch {
                // The ledger (PostgreSQL) is down: nothing was kept; the device sends the batch again.
                throw HTTPError(.serviceUnavailable, message: "门店账本暂不可用 / the hub's ledger is unavailable, the device will send again: \(error)")
            }
        }
        on(.get, "/api/v1/sync/pull") { request, context -> Response in
            guard env.isHub else { throw HTTPError(.conflict, message: "本机不是门店主机 / this kioskd is not a hub") }
            let query = request.uri.queryParameters
            guard let after = query.get("after").map({ Int64($0) }) ?? 0, after >= 0,
                  let limit = query.get("limit").map({ Int($0) }) ?? 1000, (1...5000).contains(limit) else {
                throw HTTPError(.badRequest, message: "after 须为非负整数，limit 为 1…5000 / after must be a whole number ≥ 0 and limit 1…5000")
            }
            let device = context.device ?? ""
            // A board says how many events wait in its outbox (for the manager's page); one from
            // before says nothing.
            env.sightings.note(device, queue: query.get("queue").flatMap { Int($0) }.map { min(max($0, 0), 100_000_000) })
            // A board from before parts requests, workshop events and quotes synced names no
            // entities, and gets only what it understands.
            let understood = PulledChange.Entity.understood(from: request.headers[HTTPField.Name(PulledChange.Entity.understoodHeader)!])
            let changes = try await env.reading { try hub.changes(after: after, limit: limit, for: device, understood: understood) }
            return try SyncBodies.answer(changes, to: request, context: context)
        }
        // A board's counter page asks which sister stores hold a part: the hub reads its chain's ledger.
        on(.get, "/api/v1/sync/chain-stock") { request, context -> Response in
            guard env.isHub else { throw HTTPError(.conflict, message: "本机不是门店主机 / this kioskd is not a hub") }
            let device = context.device ?? ""
            guard try await env.reading({ try hub.grant(device) })?.role.seesStaffAndCatalogue == true else {
                throw HTTPError(.forbidden, message: "此设备的角色不查库存 / this device's role does not look up stock")
            }
            let part = try request.partNumberQuery()
            guard let rows = try await env.ledger.chainStock(of: part) else { throw TransferError.noChain }
            return try SyncBodies.answer(ChainStockView(part: part, rows: rows), to: request, context: context)
        }
        on(.get, "/api/v1/sync/status") { _, _ -> SyncStatusView in
            try await env.reading {
                SyncStatusView(outbox: try outbox.status(),
                               devices: try hub.devices().map { SyncStatusView.Device(deviceID: $0.deviceID, role: $0.role.rawValue, enrolledAt: $0.enrolledAt, revoked: $0.revoked, auditAlarm: $0.auditAlarm, events: $0.events) })
            }
        }
    }
}
