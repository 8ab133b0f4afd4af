import ArgumentParser
import Foundation
import KioskCore

struct StockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock",
        abstract: "On-hand stock (库存) by part × bin; `stock check` recomputes it from the movements.",
        subcommands: [Show.self, Check.self],
        defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Stock by part × bin.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this part number.") var part: String?
        @Option(help: "Only this bin.") var bin: String?

        func run() async throws {
            let (_, database) = try store.openDatabase()
            if let part, try database.catalog.part(part) == nil { throw Refused(StockError.unknownPart(part).description) }
            let balances = try database.stock.balances(partNumber: part, bin: bin)
            print("part\tbin\ton_hand")
            for b in balances { print("\(b.partNumber)\t\(b.binCode)\t\(b.quantity)") }
            print("total\t\t\(balances.reduce(0) { $0 + $1.quantity })")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every balance from the movements and report drift (exit 5 on drift).")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Rewrite drifted balances from the movements.") var repair = false

        func run() async throws {
            let (_, database) = try store.openDatabase()
            let progress = TerminalProgress()
            let drifts = try database.stock.checkBalances(repair: repair, actor: cliActor, progress: progress.handler)
            progress.finish("已核对 checked the balances against the movements: \(drifts.count) drifted")
            if drifts.isEmpty {
                print("库存一致 balances match the movements")
                return
            }
            for d in drifts { print("drift: \(d)") }
            print(repair ? "已修复 repaired \(drifts.count)" : "\(drifts.count) drifted; run `kioskd stock check --repair` to rewrite them from the movements")
            if !repair { throw ExitCode(5) }
        }
    }
}

struct Movements: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stock movements, newest first.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Only this part.") var part: String?
    @Option(help: "Only movements in or out of this bin.") var bin: String?
    @Option(name: .customLong("work-order"), help: "Only this work order.") var workOrder: String?
    @Option(help: "At most this many.") var limit = 50

    func run() async throws {
        let (_, database) = try store.openDatabase()
        let formatter = ISO8601DateFormatter()
        print("seq\ttime\tkind\tpart\tqty\tfrom\tto\twork_order\tactor\tkey\tlot\texpiry\tserial\tnet")
        for m in try database.stock.movements(partNumber: part, bin: bin, workOrder: workOrder, limit: limit) {
            print([String(m.seq ?? 0), formatter.string(from: m.recordedAt), m.kind.rawValue, m.partNumber, String(m.quantity),
                   m.fromBin ?? "-", m.toBin ?? "-", m.workOrder ?? "-", m.actor, m.key.uuidString,
                   m.lot ?? "-", m.expiry ?? "-", m.serial ?? "-", m.netQuantity ?? "-"].joined(separator: "\t"))
        }
    }
}

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Standing low-stock alerts (安全库存预警).")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let (_, database) = try store.openDatabase()
        let alerts = try database.stock.standingAlerts()
        if alerts.isEmpty { print("没有预警 no standing alerts") }
        for a in alerts { print(a.message) }
    }
}

struct StocktakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stocktake",
        abstract: "Stocktakes (盘点): open, close with a variance report, confirm to post adjustments.",
        subcommands: [Open.self, Close.self, Confirm.self, Report.self, List.self])

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a stocktake of one bin, or of the whole store.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The bin to count.") var bin: String?
        @Flag(name: .customLong("whole-store"), help: "Count every bin.") var wholeStore = false
        @Option(help: "Who opens it.") var actor: String?

        func validate() throws {
            if (bin == nil) == !wholeStore { throw ValidationError("give either --bin CODE or --whole-store") }
        }

        func run() async throws {
            let (_, database) = try store.openDatabase()
            do {
                let s = try database.stocktakes.open(bin: bin, actor: actor ?? cliActor)
                print("已开始盘点 opened \(s.id.uuidString) \(s.scopeDescription)")
            } catch let e as any ScanRefusal { throw Refused(e.description) }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a stocktake and print its variance report.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The stocktake id.") var id: String

        func run() async throws {
            let (_, database) = try store.openDatabase()
            let uuid = try stocktakeID(id)
            let progress = TerminalProgress()
            do {
                let lines = try database.stocktakes.close(uuid, progress: progress.handler)
                progress.finish("盘点已关闭 stocktake closed: \(TerminalProgress.grouped(lines.count)) lines")
                printReport(lines)
            } catch let e as any ScanRefusal {
                progress.abandon()
                throw Refused(e.description)
            }
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Confirm a closed stocktake: post one count movement per differing line.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The stocktake id.") var id: String
        @Option(help: "Who confirms it.") var actor: String?

        func run() async throws {
            let (config, database) = try store.openDatabase()
            let uuid = try stocktakeID(id)
            do {
                let movements = try database.stocktakes.confirm(uuid, deviceID: config.deviceID, actor: actor ?? cliActor)
                print("已确认 confirmed: \(movements.count) adjustments posted")
            } catch let e as any ScanRefusal { throw Refused(e.description) }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The variance report of a closed stocktake.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The stocktake id.") var id: String

        func run() async throws {
            let (_, database) = try store.openDatabase()
            let uuid = try stocktakeID(id)
            printReport(try database.stocktakes.report(uuid))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "All stocktakes, newest first.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let (_, database) = try store.openDatabase()
            for s in try database.stocktakes.all() { print("\(s.id.uuidString)\t\(s.status.rawValue)\t\(s.scopeDescription)\t\(s.openedAt)") }
        }
    }
}

func printReport(_ lines: [VarianceLine]) {
    print("bin\tpart\texpected\tcounted\tvariance")
    for l in lines { print("\(l.binCode)\t\(l.partNumber)\t\(l.expected)\t\(l.counted)\t\(l.variance > 0 ? "+" : "")\(l.variance)") }
    let differing = lines.filter { $0.variance != 0 }.count
    print("\(lines.count) lines, \(differing) with variance (盘盈 surplus +, 盘亏 shortage -)")
}

/// A stocktake id from the command line.
func stocktakeID(_ text: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw ValidationError("\(text) is not a stocktake id (a UUID)") }
    return id
}
