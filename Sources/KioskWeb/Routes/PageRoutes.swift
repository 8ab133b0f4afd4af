import Foundation
import Hummingbird
import KioskCore
import NIOCore

extension GuardedRouter {
    /// The pages (all assets inline: they work without internet), health, metrics, the API
    /// document and the pages' live updates.
    func addPageRoutes(_ env: WebEnvironment) {
        on(.get, "/") { _, _ in Page.html(Page.index(bay: env.bay)) }
        on(.get, "/bay/{bay}") { _, context in Page.html(Page.bay(try context.parameters.require("bay")), staff: context.staff) }
        on(.get, "/counter") { _, context in Page.html(Page.counter, staff: context.staff) }
        on(.get, "/manager") { _, context in Page.html(Page.manager, staff: context.staff) }
        on(.get, "/lobby") { _, _ in Page.html(Page.lobby) }
        on(.get, "/track/{token}") { _, context in Page.html(Page.track(try context.parameters.require("token"))) }

        on(.get, "/metrics") { _, _ -> Response in
            try await env.metrics.refresh(health: env.health, from: env.database)
            var response = Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                    body: .init(byteBuffer: ByteBuffer(bytes: env.metrics.registry.emitToBuffer())))
            response.headers[.cacheControl] = "no-store"
            return response
        }
        on(.get, "/healthz") { request, _ -> Response in
            let status = env.health.faults.isEmpty ? "ok" : "degraded"
            // Anyone may ask whether the device is well; what is wrong (paths, addresses, hosts,
            // error text) only a signed-in person sees.
            let access = env.database.access
            var signedIn: StaffSession?
            if let token = request.cookies[sessionCookie]?.value { signedIn = try await env.reading { try access.session(token: token) } }
            let view = signedIn == nil ? HealthView(status: status, components: nil, faults: nil)
                : HealthView(status: status, components: env.health.snapshot.mapValues(\.description), faults: env.health.faults)
            var response = try JSONEncoder.sorted.encodeResponse(view, status: .ok)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        on(.get, "/api/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }

        // Live updates: the store's change stream as server-sent events. `?areas=workshop,stock`
        // sends only changes to what the page shows (every area without it).
        on(.get, "/api/v1/events") { request, _ -> Response in
            var areas = Set(StoreArea.allCases)
            if let asked = request.uri.queryParameters.get("areas"), !asked.isEmpty {
                let names = asked.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                let unknown = names.filter { StoreArea(rawValue: $0) == nil }
                guard unknown.isEmpty else {
                    throw HTTPError(.badRequest, message: "未知区域 \(unknown.joined(separator: ",")) / unknown areas \(unknown.joined(separator: ",")): use \(StoreArea.allCases.map(\.rawValue).joined(separator: ","))")
                }
                areas = Set(names.compactMap(StoreArea.init(rawValue:)))
            }
            // Pages refetch what they show on any change: a client that stops reading (or never
            // reads) holds the newest change only, however many commits come meanwhile.
            let changes = env.database.changes.subscribe(to: areas, newestOnly: true)
            let shown = areas
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                    for await change in changes {
                        let named = change.areas.intersection(shown).map(\.rawValue).sorted().joined(separator: ",")
                        try await writer.write(ByteBuffer(string: "event: change\nid: \(change.sequence)\ndata: \(named)\n\n"))
                    }
                    try await writer.finish(nil)
                })
        }
    }
}
