import Foundation
import Hummingbird
import KioskCore

extension GuardedRouter {
    /// Print requests from the pages: queued, then sent (and retried) by the daemon's print service.
    func addPrintingRoutes(_ env: WebEnvironment) {
        let workshop = env.database.workshop
        let queue = env.database.printQueue
        on(.post, "/api/v1/print-jobs") { request, context -> Response in
            guard let printing = env.printing else {
                throw HTTPError(.conflict, message: "本机未配置打印机 / no printer is configured on this device: add [[printers]] to its config")
            }
            let body = try await request.decode(as: PrintRequest.self, context: context)
            guard body.kind != .partsArrival else {
                throw HTTPError(.badRequest, message: "待料到货单由 kioskd 在配件到货时打印 / the parts-arrival slip is printed by kioskd when the parts arrive")
            }
            let printer = body.printer ?? (body.kind == .ticket ? printing.ticketPrinter : printing.labelPrinter)
            guard printing.printers.contains(printer) else {
                throw HTTPError(.badRequest, message: "未知打印机 \(printer) / no printer named \(printer) (known: \(printing.printers.joined(separator: ", ")))")
            }
            guard (1...100).contains(body.copies ?? 1) else { throw HTTPError(.badRequest, message: "份数 1…100 / copies must be 1…100") }
            var subjects = (body.subjects ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let bad = subjects.first(where: { $0.count > 64 || $0.breaksLines }) {
                throw HTTPError(.badRequest, message: "打印对象含控制字符或过长 / a subject to print holds a control character (a line break, a tab…) or is over 64 characters: "
                                + String(bad.prefix(24)).escapingLineBreaks)
            }
            // A badge lets its holder be recognised at a scanner without a PIN: only a manager
            // or an admin prints them (and the command line, on the device).
            if body.kind == .badges, ![.manager, .admin].contains(context.staff?.role) {
                throw HTTPError(.forbidden, message: "工牌只能由经理或管理员打印 / badges are printed by a manager or an admin: a badge identifies its holder at a scanner without a PIN")
            }
            if body.kind == .bins, let from = body.from, let to = body.to { subjects = try await env.reading { try queue.bins(from: from, to: to) } }
            guard subjects.count <= 500 else { throw HTTPError(.badRequest, message: "一次最多打印 500 个对象 / at most 500 subjects a job (\(subjects.count) named): split it") }
            if [.bins, .parts, .ticket].contains(body.kind), subjects.isEmpty {
                throw HTTPError(.badRequest, message: "请指定要打印的库位、配件或工单 / name the bins (or from/to), parts or tickets to print")
            }
            if body.kind == .ticket {
                let tickets = subjects
                if let unknown = try await env.reading({ try tickets.first { try workshop.order($0) == nil } }) {
                    throw HTTPError(.notFound, message: WorkshopError.unknownWorkOrder(unknown).description)
                }
            }
            let job = PrintJob(key: body.id ?? UUID(), printer: printer, kind: body.kind, subjects: subjects,
                               copies: body.copies ?? 1, requestedBy: context.actor)
            let queued = try await env.writing { try queue.enqueue(job) }
            return try JSONEncoder.sorted.encodeResponse(PrintJobView(queued), status: .accepted)
        }
        on(.get, "/api/v1/print-jobs") { _, _ -> PrintJobsView in
            PrintJobsView(jobs: try await env.reading { try queue.recent(limit: 20) }.map(PrintJobView.init))
        }
    }
}
